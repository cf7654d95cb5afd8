import { calculateObjectSize, Long } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors';
import { findDocuments, matchingDocuments } from '../query/document-query';
import {
  canonicalKey,
  Document,
  isTruthyFlag,
  toNumber,
  valuesAtPath,
} from '../storage/bson-values';
import { isOplogNamespace, OplogCollectionView, oplogStats } from '../oplog/oplog-collection';
import type { CommandTable } from './command-context';
import {
  assertHintExists,
  assertSimpleCollation,
  letVariables,
  notSupported,
} from './command-options';
import { cursorReply, firstBatchSize, materialisedCursorReply } from './cursor-reply';

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = toNumber(value, Number.NaN);
  if (Number.isNaN(number)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      `BSON field '${field}' is the wrong type, expected a number`,
    );
  }
  return number;
}

/** 1 or -1 for a sort on `$natural` alone (or none), undefined for any other sort. */
function naturalDirection(sort: Document | undefined): 1 | -1 | undefined {
  if (sort === undefined || Object.keys(sort).length === 0) return 1;
  const keys = Object.keys(sort);
  if (keys.length !== 1 || keys[0] !== '$natural') return undefined;
  return toNumber(sort.$natural, 1) < 0 ? -1 : 1;
}

/** find options that change results and that the emulator does not implement. */
const UNSUPPORTED_FIND_OPTIONS = ['min', 'max', 'returnKey', 'showRecordId', 'tailable'];

export const readCommands: CommandTable = {
  find: async (ctx) => {
    const { command } = ctx;
    const coll = ctx.target;
    const limitArg = optionalNumber(command.limit, 'limit');
    const skip = optionalNumber(command.skip, 'skip');
    if (skip !== undefined && skip < 0) {
      throw new MongoCommandError(ErrorCode.BadValue, 'skip value must be non-negative');
    }
    const limit = limitArg === undefined ? undefined : Math.abs(limitArg);
    assertSimpleCollation(command.collation);
    assertHintExists(ctx.server.engine.catalog.get(ctx.db, coll), command.hint);
    for (const option of UNSUPPORTED_FIND_OPTIONS) {
      if (command[option] !== undefined && command[option] !== false) {
        throw notSupported(`find option '${option}'`);
      }
    }
    let view = ctx.view(coll);
    let sort = command.sort as Document | undefined;
    if (isOplogNamespace(ctx.db, coll)) {
      // Natural order is scanned in its direction, so a limit stops the scan early.
      const natural = naturalDirection(sort);
      view = new OplogCollectionView(ctx.server, natural ?? 1);
      if (natural !== undefined) sort = undefined;
    }
    const results = findDocuments(view, command.filter as Document | undefined, {
      variables: letVariables(command),
      sort,
      projection: command.projection as Document | undefined,
      skip,
      limit: limit || undefined,
    });
    const singleBatch =
      isTruthyFlag(command.singleBatch) || (limitArg !== undefined && limitArg < 0);
    let batchSize = command.batchSize === undefined ? 101 : firstBatchSize(command.batchSize);
    if (limit && limit < batchSize) batchSize = limit;
    return materialisedCursorReply(
      ctx.server,
      `${ctx.db}.${coll}`,
      results,
      batchSize,
      ctx.signal,
      singleBatch,
    );
  },

  getmore: async (ctx) => {
    const id = toNumber(ctx.command.getMore);
    const cursor = ctx.server.cursors.get(id);
    if (!cursor) throw new MongoCommandError(ErrorCode.CursorNotFound, `cursor id ${id} not found`);
    const collection = ctx.command.collection;
    if (typeof collection === 'string' && !cursor.ns.startsWith(`${ctx.db}.`)) {
      throw new MongoCommandError(
        ErrorCode.Unauthorized,
        `Requested getMore on namespace '${ctx.db}.${collection}', but cursor belongs to a different namespace ${cursor.ns}`,
      );
    }
    if (cursor.busy) {
      throw new MongoCommandError(ErrorCode.CursorInUse, `Cursor id ${id} is already in use`);
    }
    cursor.busy = true;
    try {
      const failWith = ctx.server.failCommand.triggerGetMoreAfterCheckout();
      if (failWith !== undefined) {
        throw new MongoCommandError(
          failWith,
          "Failing command via 'failGetMoreAfterCursorCheckout' failpoint",
        );
      }
      const batchSize = optionalNumber(ctx.command.batchSize, 'batchSize');
      const batch = await cursor.nextBatch({
        batchSize: batchSize ? batchSize : undefined,
        maxTimeMS: optionalNumber(ctx.command.maxTimeMS, 'maxTimeMS'),
        signal: ctx.signal,
      });
      return cursorReply(ctx.server, cursor, batch, 'nextBatch', id);
    } catch (error) {
      // mongod kills a cursor whose getMore failed (e.g. change stream history lost).
      ctx.server.cursors.kill(id);
      throw error;
    } finally {
      cursor.busy = false;
      cursor.lastUsed = Date.now();
    }
  },

  killcursors: (ctx) => {
    const ids = (ctx.command.cursors as unknown[] | undefined) ?? [];
    const cursorsKilled: unknown[] = [];
    const cursorsNotFound: unknown[] = [];
    for (const raw of ids) {
      const id = toNumber(raw);
      // Cursor ids are int64 on the wire, whatever the client's number promotion did to them.
      if (ctx.server.cursors.kill(id)) cursorsKilled.push(Long.fromNumber(id));
      else cursorsNotFound.push(Long.fromNumber(id));
    }
    return { cursorsKilled, cursorsNotFound, cursorsAlive: [], cursorsUnknown: [] };
  },

  /**
   * Figures of a collection; for `local.oplog.rs` those of the bounded oplog (see oplogStats).
   * Sizes of other collections are estimated from a sample of their documents.
   */
  collstats: (ctx) => {
    if (isOplogNamespace(ctx.db, ctx.target)) return oplogStats(ctx.server);
    const state = ctx.server.engine.catalog.get(ctx.db, ctx.target);
    if (!state) {
      throw new MongoCommandError(
        ErrorCode.NamespaceNotFound,
        `Collection [${ctx.db}.${ctx.target}] not found.`,
      );
    }
    const count = state.docs.size;
    let sampled = 0;
    let bytes = 0;
    for (const doc of state.docs.values()) {
      bytes += calculateObjectSize(doc);
      sampled += 1;
      if (sampled >= 256) break;
    }
    const avgObjSize = sampled === 0 ? 0 : Math.round(bytes / sampled);
    return {
      ns: `${ctx.db}.${ctx.target}`,
      size: avgObjSize * count,
      count,
      avgObjSize,
      storageSize: avgObjSize * count,
      capped: false,
      nindexes: state.indexes.length,
      totalIndexSize: 0,
      indexSizes: {},
    };
  },

  count: (ctx) => {
    const { command } = ctx;
    assertSimpleCollation(command.collation);
    assertHintExists(ctx.server.engine.catalog.get(ctx.db, ctx.target), command.hint);
    const matched = matchingDocuments(ctx.view(ctx.target), command.query as Document | undefined);
    const skip = Math.max(0, optionalNumber(command.skip, 'skip') ?? 0);
    const limit = Math.abs(optionalNumber(command.limit, 'limit') ?? 0);
    let n = Math.max(0, matched.length - skip);
    if (limit > 0) n = Math.min(n, limit);
    return { n };
  },

  distinct: (ctx) => {
    const { command } = ctx;
    assertSimpleCollation(command.collation);
    assertHintExists(ctx.server.engine.catalog.get(ctx.db, ctx.target), command.hint);
    if (typeof command.key !== 'string') {
      throw new MongoCommandError(
        ErrorCode.TypeMismatch,
        "BSON field 'distinct.key' is missing but a required field",
      );
    }
    const seen = new Map<string, unknown>();
    for (const doc of matchingDocuments(
      ctx.view(ctx.target),
      command.query as Document | undefined,
    )) {
      for (const value of valuesAtPath(doc, command.key)) {
        if (value === undefined) continue;
        const key = canonicalKey(value);
        if (!seen.has(key)) seen.set(key, value);
      }
    }
    return { values: [...seen.values()] };
  },
};
