import { Aggregator } from 'mingo';
import { ChangeStreamCursor } from '../change-streams/change-stream-cursor';
import {
  ChangeStreamScope,
  parseChangeStreamSpec,
  validateChangeStreamPipeline,
} from '../change-streams/change-stream-options';
import { ErrorCode, MongoCommandError } from '../errors';
import { toTimestamp } from '../oplog/logical-clock';
import { matchingDocuments } from '../query/document-query';
import { asBadValue, mingoOptions } from '../query/mingo-options';
import { deepClone, Document } from '../storage/bson-values';
import { assertHintExists, assertSimpleCollation, letVariables } from './command-options';
import type { CommandContext, CommandTable } from './command-context';
import { cursorReply, firstBatchSize, materialisedCursorReply } from './cursor-reply';

const UNSUPPORTED_STAGES = new Set([
  '$out',
  '$merge',
  '$currentOp',
  '$collStats',
  '$indexStats',
  '$listSessions',
  '$planCacheStats',
]);

function changeStreamScope(
  ctx: CommandContext,
  allChangesForCluster: boolean,
): { scope: ChangeStreamScope; ns: string } {
  const target = ctx.command.aggregate;
  if (target === 1 || typeof target !== 'string') {
    if (allChangesForCluster) {
      if (ctx.db !== 'admin') {
        throw new MongoCommandError(
          ErrorCode.InvalidNamespace,
          "$changeStream may not be opened on the internal admin database unless 'allChangesForCluster' is set",
        );
      }
      return { scope: { kind: 'cluster' }, ns: 'admin.$cmd.aggregate' };
    }
    if (ctx.db === 'admin' || ctx.db === 'config' || ctx.db === 'local') {
      throw new MongoCommandError(
        ErrorCode.InvalidNamespace,
        `$changeStream may not be opened on the internal ${ctx.db} database`,
      );
    }
    return { scope: { kind: 'database', db: ctx.db }, ns: `${ctx.db}.$cmd.aggregate` };
  }
  if (allChangesForCluster) {
    throw new MongoCommandError(
      ErrorCode.InvalidOptions,
      "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name",
    );
  }
  return { scope: { kind: 'collection', db: ctx.db, coll: target }, ns: `${ctx.db}.${target}` };
}

async function openChangeStream(ctx: CommandContext, pipeline: Document[]): Promise<Document> {
  if (ctx.txn) {
    throw new MongoCommandError(
      ErrorCode.OperationNotSupportedInTransaction,
      'Cannot run aggregate with $changeStream in a multi-document transaction.',
    );
  }
  const spec = parseChangeStreamSpec(pipeline[0].$changeStream);
  const stages = pipeline.slice(1);
  validateChangeStreamPipeline(stages);
  const { scope, ns } = changeStreamScope(ctx, spec.allChangesForCluster);
  const { server } = ctx;
  const cursor = new ChangeStreamCursor(
    ns,
    server.engine,
    scope,
    spec,
    stages,
    server.historyStart,
  );
  const options = ctx.command.cursor as Document | undefined;
  const batchSize =
    options?.batchSize === undefined ? undefined : firstBatchSize(options.batchSize);
  const batch = await cursor.firstBatch(batchSize, ctx.signal);
  return {
    ...cursorReply(server, cursor, batch, 'firstBatch'),
    operationTime: toTimestamp(cursor.startTime),
  };
}

function runPipeline(ctx: CommandContext, pipeline: Document[]): Document[] {
  for (const stage of pipeline) {
    const name = Object.keys(stage)[0];
    if (UNSUPPORTED_STAGES.has(name)) {
      throw new MongoCommandError(
        ErrorCode.NotImplemented,
        `${name} is not supported by the MongoDB emulator`,
      );
    }
    if (name === '$changeStream') {
      throw new MongoCommandError(
        ErrorCode.Location40415,
        '$changeStream is only valid as the first stage in a pipeline',
      );
    }
  }
  // Leading $match stages filter stored documents directly; only the survivors get copied.
  let rest = pipeline;
  let docs: Document[];
  const variables = letVariables(ctx.command);
  if (rest.length > 0 && rest[0].$listLocalSessions !== undefined) {
    // Sessions this server knows; without authentication every session is the caller's.
    docs = ctx.server.sessions.list().map((session) => ({
      _id: { id: session.lsid.id, uid: session.lsid.uid },
      lastUse: new Date(session.lastUse),
    }));
    rest = rest.slice(1);
  } else if (typeof ctx.command.aggregate === 'string') {
    const view = ctx.view(ctx.command.aggregate);
    let filter: Document | undefined;
    if (rest.length > 0 && rest[0].$match !== undefined) {
      filter = rest[0].$match as Document;
      rest = rest.slice(1);
    }
    docs = matchingDocuments(view, filter, 0, variables);
  } else {
    docs = [];
  }
  if (rest.length === 0) return docs;
  const resolver = (name: string) => [...ctx.view(name).documents()].map((doc) => deepClone(doc));
  const maxTimeMS = ctx.command.maxTimeMS;
  const input =
    typeof maxTimeMS === 'number' && maxTimeMS > 0
      ? withinTimeLimit(docs, Date.now() + maxTimeMS)
      : docs;
  try {
    return new Aggregator(rest, mingoOptions(resolver, true, variables)).run<Document>(input);
  } catch (error) {
    throw asBadValue(error);
  }
}

/**
 * maxTimeMS: every stage pulls its input through this, so a long aggregation (a large $group,
 * a $lookup per document) stops with MaxTimeMSExpired soon after the limit, as on mongod.
 */
function* withinTimeLimit(docs: Document[], deadline: number): Generator<Document> {
  for (const doc of docs) {
    if (Date.now() > deadline) {
      throw new MongoCommandError(ErrorCode.MaxTimeMSExpired, 'operation exceeded time limit');
    }
    yield doc;
  }
}

export const aggregateCommands: CommandTable = {
  aggregate: async (ctx) => {
    const pipeline = ctx.command.pipeline;
    if (!Array.isArray(pipeline)) {
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        "'pipeline' option must be specified as an array",
      );
    }
    if (ctx.command.explain) {
      throw new MongoCommandError(
        ErrorCode.CommandNotSupported,
        'explain is not supported by the MongoDB emulator',
      );
    }
    assertSimpleCollation(ctx.command.collation);
    if (typeof ctx.command.aggregate === 'string') {
      assertHintExists(
        ctx.server.engine.catalog.get(ctx.db, ctx.command.aggregate),
        ctx.command.hint,
      );
    }
    if (pipeline.length > 0 && (pipeline[0] as Document).$changeStream !== undefined) {
      return openChangeStream(ctx, pipeline as Document[]);
    }
    const results = runPipeline(ctx, pipeline as Document[]);
    const options = ctx.command.cursor as Document | undefined;
    const ns =
      typeof ctx.command.aggregate === 'string'
        ? `${ctx.db}.${ctx.command.aggregate}`
        : `${ctx.db}.$cmd.aggregate`;
    return materialisedCursorReply(
      ctx.server,
      ns,
      results,
      firstBatchSize(options?.batchSize),
      ctx.signal,
    );
  },
};
