import { ErrorCode, MongoCommandError } from '../errors';
import { toTimestamp } from '../oplog/logical-clock';
import { entryPosition, OplogEntry, UpdateDescription } from '../oplog/oplog';
import { encodeResumeToken } from '../oplog/resume-token';
import type { Document } from '../storage/bson-values';
import type { StorageEngine } from '../storage/storage-engine';
import { ChangeStreamScope, ChangeStreamSpec, isInternalNamespace } from './change-stream-options';

/** One event plus whether it ends the stream (an invalidate). */
export interface BuiltEvent {
  event: Document;
  invalidates: boolean;
}

export function entryInScope(entry: OplogEntry, scope: ChangeStreamScope): boolean {
  switch (scope.kind) {
    case 'collection':
      return entry.db === scope.db && entry.coll === scope.coll;
    case 'database':
      return entry.db === scope.db && !isInternalNamespace(entry.db, entry.coll);
    case 'cluster':
      return !isInternalNamespace(entry.db, entry.coll);
  }
}

/**
 * Turns an oplog entry into the change events a stream with this scope sees, shaped as in
 * MongoDB's change events reference (field order included). Built by assignment, not spreads:
 * this runs once per event per stream.
 */
export function buildChangeEvents(
  entry: OplogEntry,
  scope: ChangeStreamScope,
  spec: ChangeStreamSpec,
  engine: StorageEngine,
): BuiltEvent[] {
  // Token and cluster time are immutable, so every stream shares one copy per entry.
  entry.resumeToken ??= encodeResumeToken(entryPosition(entry));
  entry.clusterTime ??= toTimestamp(entry.time);
  const expanded = spec.showExpandedEvents;
  const event: Document = {
    _id: entry.resumeToken,
    operationType: entry.op,
    clusterTime: entry.clusterTime,
    wallTime: entry.wallTime,
  };
  if (expanded && entry.collectionUUID) event.collectionUUID = entry.collectionUUID;
  switch (entry.op) {
    case 'insert':
    case 'replace':
      event.fullDocument = entry.postImage;
      event.ns = { db: entry.db, coll: entry.coll };
      event.documentKey = entry.documentKey;
      addTransaction(event, entry);
      if (entry.op === 'replace') addBeforeChange(event, entry, spec);
      return [plain(event)];
    case 'update':
      event.ns = { db: entry.db, coll: entry.coll };
      event.documentKey = entry.documentKey;
      event.updateDescription = expanded ? withDisambiguatedPaths(entry) : entry.updateDescription;
      addTransaction(event, entry);
      addUpdateFullDocument(event, entry, spec, engine);
      addBeforeChange(event, entry, spec);
      return [plain(event)];
    case 'delete':
      event.ns = { db: entry.db, coll: entry.coll };
      event.documentKey = entry.documentKey;
      addTransaction(event, entry);
      addBeforeChange(event, entry, spec);
      return [plain(event)];
    case 'drop':
      event.ns = { db: entry.db, coll: entry.coll };
      return withInvalidate(entry, plain(event), scope.kind === 'collection');
    case 'rename':
      event.ns = { db: entry.db, coll: entry.coll };
      event.to = entry.to;
      if (expanded) event.operationDescription = entry.operationDescription;
      return withInvalidate(entry, plain(event), scope.kind === 'collection');
    case 'dropDatabase':
      event.ns = { db: entry.db };
      return withInvalidate(entry, plain(event), scope.kind === 'database');
    case 'create':
    case 'createIndexes':
    case 'dropIndexes':
    case 'modify':
      // DDL events exist only for streams opened with showExpandedEvents.
      if (!expanded) return [];
      event.ns = { db: entry.db, coll: entry.coll };
      event.operationDescription = entry.operationDescription;
      if (entry.stateBeforeChange) event.stateBeforeChange = entry.stateBeforeChange;
      addTransaction(event, entry);
      return [plain(event)];
  }
}

/**
 * updateDescription with `disambiguatedPaths` (showExpandedEvents, MongoDB 6.1+): for each
 * changed path holding a numeric field name, the path as an array whose array indexes are
 * integers and whose field names are strings, so `a.1` can be told from `a[1]`.
 */
function withDisambiguatedPaths(entry: OplogEntry): UpdateDescription & Document {
  const description = entry.updateDescription as UpdateDescription;
  const disambiguatedPaths: Document = {};
  const consider = (path: string, doc: Document | undefined) => {
    const segments = path.split('.');
    let value: unknown = doc;
    let ambiguous = false;
    const parts: (string | number)[] = [];
    for (const segment of segments) {
      if (Array.isArray(value)) {
        parts.push(Number(segment));
        value = (value as unknown[])[Number(segment)];
      } else {
        if (/^\d+$/.test(segment)) ambiguous = true;
        parts.push(segment);
        value =
          value !== null && typeof value === 'object' ? (value as Document)[segment] : undefined;
      }
    }
    if (ambiguous) disambiguatedPaths[path] = parts;
  };
  for (const path of Object.keys(description.updatedFields)) consider(path, entry.postImage);
  for (const path of description.removedFields) consider(path, entry.preImage);
  for (const { field } of description.truncatedArrays) consider(field, entry.postImage);
  return { ...description, disambiguatedPaths };
}

function addTransaction(event: Document, entry: OplogEntry): void {
  if (!entry.lsid) return;
  event.lsid = entry.lsid;
  event.txnNumber = entry.txnNumber;
}

function plain(event: Document): BuiltEvent {
  return { event, invalidates: false };
}

function withInvalidate(entry: OplogEntry, event: BuiltEvent, invalidates: boolean): BuiltEvent[] {
  if (!invalidates) return [event];
  const position = { ...entryPosition(entry), op: entry.opIndex + 1, kind: 'invalidate' as const };
  const invalidate: Document = {
    _id: encodeResumeToken(position),
    operationType: 'invalidate',
    clusterTime: toTimestamp(entry.time),
    wallTime: entry.wallTime,
  };
  return [event, { event: invalidate, invalidates: true }];
}

function addUpdateFullDocument(
  event: Document,
  entry: OplogEntry,
  spec: ChangeStreamSpec,
  engine: StorageEngine,
): void {
  switch (spec.fullDocument) {
    case 'default':
      return;
    case 'updateLookup': {
      const coll = engine.catalog.get(entry.db, entry.coll ?? '');
      event.fullDocument = coll?.getById(entry.documentKey?._id) ?? null;
      return;
    }
    case 'whenAvailable':
      event.fullDocument = entry.imagesEnabled ? entry.postImage : null;
      return;
    case 'required':
      if (!entry.imagesEnabled) throw missingImage('post-image', entry);
      event.fullDocument = entry.postImage;
  }
}

function addBeforeChange(event: Document, entry: OplogEntry, spec: ChangeStreamSpec): void {
  switch (spec.fullDocumentBeforeChange) {
    case 'off':
      return;
    case 'whenAvailable':
      event.fullDocumentBeforeChange = entry.imagesEnabled ? entry.preImage : null;
      return;
    case 'required':
      if (!entry.imagesEnabled) throw missingImage('pre-image', entry);
      event.fullDocumentBeforeChange = entry.preImage;
  }
}

function missingImage(kind: string, entry: OplogEntry): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NoMatchingDocument,
    `Change stream was configured to require a ${kind} for all update, delete and replace events, but the ${kind} was not found for event on ${entry.db}.${entry.coll ?? ''}`,
  );
}
