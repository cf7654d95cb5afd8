import { ErrorCode, MongoCommandError } from '../errors';
import type { Document } from '../storage/bson-values';

export type FullDocumentMode = 'default' | 'updateLookup' | 'whenAvailable' | 'required';
export type FullDocumentBeforeChangeMode = 'off' | 'whenAvailable' | 'required';

/** What a change stream watches. */
export type ChangeStreamScope =
  | { kind: 'collection'; db: string; coll: string }
  | { kind: 'database'; db: string }
  | { kind: 'cluster' };

export interface ChangeStreamSpec {
  fullDocument: FullDocumentMode;
  fullDocumentBeforeChange: FullDocumentBeforeChangeMode;
  resumeAfter?: unknown;
  startAfter?: unknown;
  startAtOperationTime?: unknown;
  allChangesForCluster: boolean;
  showExpandedEvents: boolean;
}

const FULL_DOCUMENT_MODES = new Set(['default', 'updateLookup', 'whenAvailable', 'required']);
const BEFORE_CHANGE_MODES = new Set(['off', 'whenAvailable', 'required']);
/** Stages MongoDB allows after $changeStream. */
const ALLOWED_STAGES = new Set([
  '$match',
  '$project',
  '$addFields',
  '$set',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
  '$redact',
  // Last stage only (checked below).
  '$changeStreamSplitLargeEvent',
]);

/** $changeStream options of MongoDB 7.0. */
const CHANGE_STREAM_FIELDS = new Set([
  'fullDocument',
  'fullDocumentBeforeChange',
  'resumeAfter',
  'startAfter',
  'startAtOperationTime',
  'allChangesForCluster',
  'showExpandedEvents',
  'showSystemEvents',
  'showMigrationEvents',
  'allowToRunOnConfigDB',
  'allowToRunOnSystemNS',
  'showRawUpdateDescription',
]);

export function parseChangeStreamSpec(raw: unknown): ChangeStreamSpec {
  const spec = (raw ?? {}) as Document;
  if (typeof spec !== 'object' || Array.isArray(spec)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      'the $changeStream stage specification must be an object',
    );
  }
  for (const key of Object.keys(spec)) {
    if (!CHANGE_STREAM_FIELDS.has(key)) {
      throw new MongoCommandError(
        ErrorCode.Location40415,
        `BSON field '$changeStream.${key}' is an unknown field.`,
      );
    }
  }
  for (const option of ['showSystemEvents', 'showRawUpdateDescription', 'allowToRunOnSystemNS']) {
    if (spec[option] === true) {
      throw new MongoCommandError(
        ErrorCode.NotImplemented,
        `$changeStream ${option} is not supported by the MongoDB emulator`,
      );
    }
  }
  const fullDocument = (spec.fullDocument ?? 'default') as string;
  if (!FULL_DOCUMENT_MODES.has(fullDocument)) {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      `'${fullDocument}' is not a valid value for $changeStream.fullDocument`,
    );
  }
  const beforeChange = (spec.fullDocumentBeforeChange ?? 'off') as string;
  if (!BEFORE_CHANGE_MODES.has(beforeChange)) {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      `'${beforeChange}' is not a valid value for $changeStream.fullDocumentBeforeChange`,
    );
  }
  const starts = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter(
    (key) => spec[key] !== undefined,
  );
  if (starts.length > 1) {
    throw new MongoCommandError(
      ErrorCode.BadValue,
      `Only one of ${starts.join(', ')} may be specified`,
    );
  }
  return {
    fullDocument: fullDocument as FullDocumentMode,
    fullDocumentBeforeChange: beforeChange as FullDocumentBeforeChangeMode,
    resumeAfter: spec.resumeAfter,
    startAfter: spec.startAfter,
    startAtOperationTime: spec.startAtOperationTime,
    allChangesForCluster: spec.allChangesForCluster === true,
    showExpandedEvents: spec.showExpandedEvents === true,
  };
}

/** Aggregation stage names mongod 7.0 knows (an unknown one is error 40324, not 20). */
const KNOWN_STAGES = new Set([
  ...ALLOWED_STAGES,
  '$addFields',
  '$bucket',
  '$bucketAuto',
  '$changeStream',
  '$changeStreamSplitLargeEvent',
  '$collStats',
  '$count',
  '$currentOp',
  '$densify',
  '$documents',
  '$facet',
  '$fill',
  '$geoNear',
  '$graphLookup',
  '$group',
  '$indexStats',
  '$limit',
  '$listLocalSessions',
  '$listSampledQueries',
  '$listSearchIndexes',
  '$listSessions',
  '$lookup',
  '$merge',
  '$out',
  '$planCacheStats',
  '$sample',
  '$search',
  '$searchMeta',
  '$setWindowFields',
  '$shardedDataDistribution',
  '$skip',
  '$sort',
  '$sortByCount',
  '$unionWith',
  '$unwind',
  '$vectorSearch',
]);

export function validateChangeStreamPipeline(stages: Document[]): void {
  for (const stage of stages) {
    const name = Object.keys(stage)[0];
    if (!KNOWN_STAGES.has(name)) {
      throw new MongoCommandError(
        ErrorCode.Location40324,
        `Unrecognized pipeline stage name: '${name}'`,
      );
    }
    if (name === '$changeStreamSplitLargeEvent' && stage !== stages[stages.length - 1]) {
      throw new MongoCommandError(
        ErrorCode.Location7182802,
        '$changeStreamSplitLargeEvent can only appear as the last stage in the pipeline',
      );
    }
    if (!ALLOWED_STAGES.has(name)) {
      throw new MongoCommandError(
        ErrorCode.IllegalOperation,
        `${name} is not permitted in a $changeStream pipeline`,
      );
    }
  }
}

/** Internal namespaces whose changes no change stream reports. */
export function isInternalNamespace(db: string, coll?: string): boolean {
  return (
    db === 'admin' || db === 'config' || db === 'local' || (coll?.startsWith('system.') ?? false)
  );
}
