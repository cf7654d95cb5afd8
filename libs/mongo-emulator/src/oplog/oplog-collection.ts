import { calculateObjectSize, Long } from 'bson';
import type { ServerState } from '../server-state';
import type { Document } from '../storage/bson-values';
import type { CollectionState } from '../storage/collection-state';
import type { CollectionView } from '../storage/collection-view';
import { ErrorCode, MongoCommandError } from '../errors';
import { toTimestamp } from './logical-clock';
import type { OplogEntry, OplogOperation } from './oplog';

/** `local.oplog.rs`: the namespace MongoDB exposes its replication log under. */
export const OPLOG_DB = 'local';
export const OPLOG_COLL = 'oplog.rs';

export function isOplogNamespace(db: string, coll: unknown): boolean {
  return db === OPLOG_DB && coll === OPLOG_COLL;
}

const OP_CODES: Record<OplogOperation, string> = {
  insert: 'i',
  update: 'u',
  replace: 'u',
  delete: 'd',
  drop: 'c',
  rename: 'c',
  dropDatabase: 'c',
  create: 'c',
  createIndexes: 'c',
  dropIndexes: 'c',
  modify: 'c',
};

/** One retained entry in the shape mongod stores it (`ts`, `op`, `ns`, `o`, `o2`, `wall`). */
export function oplogDocument(entry: OplogEntry): Document {
  const op = OP_CODES[entry.op];
  const doc: Document = {
    op,
    ns: op === 'c' ? `${entry.db}.$cmd` : `${entry.db}.${entry.coll ?? ''}`,
  };
  if (entry.collectionUUID) doc.ui = entry.collectionUUID;
  switch (entry.op) {
    case 'insert':
      doc.o = entry.postImage ?? {};
      break;
    case 'update':
      doc.o = {
        $v: 2,
        diff: {
          u: entry.updateDescription?.updatedFields ?? {},
          d: Object.fromEntries(
            (entry.updateDescription?.removedFields ?? []).map((f) => [f, false]),
          ),
        },
      };
      doc.o2 = entry.documentKey ?? {};
      break;
    case 'replace':
      doc.o = entry.postImage ?? {};
      doc.o2 = entry.documentKey ?? {};
      break;
    case 'delete':
      doc.o = entry.documentKey ?? {};
      break;
    case 'drop':
    case 'create':
    case 'modify':
    case 'createIndexes':
    case 'dropIndexes':
      doc.o = { [entry.op]: entry.coll ?? 1, ...(entry.operationDescription ?? {}) };
      break;
    case 'rename':
      doc.o = {
        renameCollection: `${entry.db}.${entry.coll ?? ''}`,
        to: entry.to ? `${entry.to.db}.${entry.to.coll}` : '',
      };
      break;
    case 'dropDatabase':
      doc.o = { dropDatabase: 1 };
      break;
  }
  if (entry.lsid) doc.lsid = entry.lsid;
  if (entry.txnNumber) doc.txnNumber = entry.txnNumber;
  doc.ts = toTimestamp(entry.time);
  doc.t = Long.fromNumber(1);
  doc.v = Long.fromNumber(2);
  doc.wall = entry.wallTime;
  return doc;
}

/**
 * The oplog as a read-only collection, oldest first. While nothing has rolled off, it starts
 * like a fresh replica set's does: a no-op "initiating set" entry at the server's start (the
 * earliest time a change stream can start at).
 */
export function* oplogDocuments(server: ServerState, direction: 1 | -1 = 1): Iterable<Document> {
  const { oplog } = server.engine;
  const initiating = oplog.lastDropped === undefined ? initiatingEntry(server) : undefined;
  if (direction === 1) {
    if (initiating) yield initiating;
    for (let seq = oplog.firstSeq; seq < oplog.nextSeq; seq += 1) {
      const entry = oplog.get(seq);
      if (entry) yield oplogDocument(entry);
    }
  } else {
    for (let seq = oplog.nextSeq - 1; seq >= oplog.firstSeq; seq -= 1) {
      const entry = oplog.get(seq);
      if (entry) yield oplogDocument(entry);
    }
    if (initiating) yield initiating;
  }
}

function initiatingEntry(server: ServerState): Document {
  return {
    op: 'n',
    ns: '',
    o: { msg: 'initiating set' },
    ts: toTimestamp(server.historyStart),
    t: Long.fromNumber(1),
    v: Long.fromNumber(2),
    wall: new Date(server.historyStart.t * 1000),
  };
}

const SIZE_SAMPLES = 256;

/**
 * collStats of the oplog. The emulator bounds its oplog by a number of entries (`oplogSize`),
 * not bytes: `max` is that bound, `size` is estimated from a sample of the retained entries and
 * `maxSize` is that average entry size times the bound.
 */
export function oplogStats(server: ServerState): Document {
  const { oplog } = server.engine;
  const initiating = oplog.lastDropped === undefined ? 1 : 0;
  const retained = oplog.nextSeq - oplog.firstSeq;
  const count = retained + initiating;
  let sampled = 0;
  let sampledBytes = 0;
  const step = Math.max(1, Math.floor(retained / SIZE_SAMPLES));
  for (let seq = oplog.firstSeq; seq < oplog.nextSeq; seq += step) {
    const entry = oplog.get(seq);
    if (entry) {
      sampled += 1;
      sampledBytes += calculateObjectSize(oplogDocument(entry));
    }
  }
  const avgObjSize = sampled === 0 ? 0 : Math.round(sampledBytes / sampled);
  const size = avgObjSize * count;
  return {
    ns: `${OPLOG_DB}.${OPLOG_COLL}`,
    size,
    count,
    avgObjSize,
    storageSize: size,
    capped: true,
    max: oplog.capacity,
    maxSize: Math.max(size, avgObjSize * oplog.capacity),
    nindexes: 0,
    totalIndexSize: 0,
    indexSizes: {},
  };
}

/**
 * A read-only view of the oplog for find: scanned newest first for `sort: {$natural: -1}`, so
 * "the last entry" (`limit: 1`) reads one entry, as on mongod.
 */
export class OplogCollectionView implements CollectionView {
  readonly db = OPLOG_DB;
  readonly name = OPLOG_COLL;

  constructor(
    private readonly server: ServerState,
    private readonly direction: 1 | -1,
  ) {}

  state(): CollectionState | undefined {
    return undefined;
  }

  get(): Document | undefined {
    return undefined;
  }

  documents(): Iterable<Document> {
    return oplogDocuments(this.server, this.direction);
  }

  insert(): Document {
    throw readOnly();
  }

  write(): void {
    throw readOnly();
  }

  remove(): void {
    throw readOnly();
  }
}

function readOnly(): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NotImplemented,
    'writes to local.oplog.rs are not supported by the MongoDB emulator',
  );
}
