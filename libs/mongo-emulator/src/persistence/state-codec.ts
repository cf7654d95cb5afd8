import { Long, UUID } from 'bson';
import type { OpTime } from '../oplog/logical-clock';
import type { OplogEntry, OplogEntryInput, OplogOperation } from '../oplog/oplog';
import { canonicalKey, Document } from '../storage/bson-values';
import { CollectionState } from '../storage/collection-state';
import type { IndexSpec } from '../storage/index-state';
import type { StorageEngine } from '../storage/storage-engine';

/** A collection's definition without its documents, as logged and snapshotted. */
export interface CollectionMeta {
  db: string;
  name: string;
  uuid: UUID;
  options: Document;
  indexes: IndexSpec[];
}

/** An oplog entry as persisted: everything but the seq and the stream caches. */
export interface PersistedEntry extends Document {
  t: number;
  i: number;
  opIndex: number;
  wallTime: Date;
  op: OplogOperation;
  db: string;
}

export function captureCatalog(engine: StorageEngine): CollectionMeta[] {
  return engine.catalog.allCollections().map((coll) => ({
    db: coll.db,
    name: coll.name,
    uuid: coll.uuid,
    options: coll.options,
    indexes: coll.indexes.map((index) => index.spec),
  }));
}

/** A string equal for two catalogs exactly when they define the same collections and indexes. */
export function catalogFingerprint(catalog: CollectionMeta[]): string {
  return catalog
    .map(
      (meta) =>
        `${meta.db}\u0000${meta.name}\u0000${meta.uuid.toHexString()}\u0000${canonicalKey(meta.options)}\u0000${canonicalKey(meta.indexes)}`,
    )
    .sort()
    .join('\u0001');
}

export function encodeEntry(entry: OplogEntry): PersistedEntry {
  return {
    t: entry.time.t,
    i: entry.time.i,
    opIndex: entry.opIndex,
    wallTime: entry.wallTime,
    op: entry.op,
    db: entry.db,
    coll: entry.coll,
    documentKey: entry.documentKey,
    postImage: entry.postImage,
    preImage: entry.preImage,
    imagesEnabled: entry.imagesEnabled,
    updateDescription: entry.updateDescription,
    to: entry.to,
    lsid: entry.lsid,
    txnNumber: entry.txnNumber,
  };
}

function decodeInput(entry: PersistedEntry): OplogEntryInput {
  const txnNumber = entry.txnNumber as Long | number | undefined;
  return {
    op: entry.op,
    db: entry.db,
    coll: entry.coll as string | undefined,
    documentKey: entry.documentKey as Document | undefined,
    postImage: entry.postImage as Document | undefined,
    preImage: entry.preImage as Document | undefined,
    imagesEnabled: entry.imagesEnabled as boolean | undefined,
    updateDescription: entry.updateDescription as OplogEntryInput['updateDescription'],
    to: entry.to as OplogEntryInput['to'],
    lsid: entry.lsid as OplogEntryInput['lsid'],
    // Decoding promotes int64 to a number; the oplog keeps txnNumber as a Long.
    txnNumber: txnNumber === undefined ? undefined : Long.fromValue(txnNumber),
  };
}

/**
 * Re-applies committed entries (one commit: one cluster time) to storage and appends them to the
 * oplog with their original times, so resume tokens from before a restart still resolve.
 */
export function replayCommit(engine: StorageEngine, entries: PersistedEntry[]): void {
  for (const entry of entries) applyEntry(engine, entry);
  appendToOplog(engine, entries);
}

/** Appends one recovered commit to the oplog with its original cluster time and wall time. */
export function appendToOplog(engine: StorageEngine, entries: PersistedEntry[]): void {
  if (entries.length === 0) return;
  const first = entries[0];
  const time: OpTime = { t: first.t, i: first.i };
  engine.clock.advanceTo(time);
  engine.oplog.appendCommit(time, entries.map(decodeInput), first.wallTime);
}

function applyEntry(engine: StorageEngine, entry: PersistedEntry): void {
  const { catalog } = engine;
  const name = entry.coll as string | undefined;
  switch (entry.op) {
    case 'insert':
    case 'update':
    case 'replace': {
      if (name === undefined) return;
      const doc = entry.postImage as Document;
      const { coll } = catalog.getOrCreate(entry.db, name);
      const idKey = canonicalKey(doc._id);
      coll.put(idKey, doc, coll.docs.get(idKey));
      return;
    }
    case 'delete': {
      const key = entry.documentKey as Document | undefined;
      if (name === undefined || !key) return;
      catalog.get(entry.db, name)?.delete(canonicalKey(key._id));
      return;
    }
    case 'drop':
      if (name !== undefined) catalog.remove(entry.db, name);
      return;
    case 'rename': {
      const to = entry.to as { db: string; coll: string } | undefined;
      if (name === undefined || !to) return;
      const coll = catalog.remove(entry.db, name);
      catalog.remove(to.db, to.coll);
      if (coll) {
        coll.db = to.db;
        coll.name = to.coll;
        catalog.attach(coll);
      }
      return;
    }
    case 'dropDatabase':
      for (const coll of catalog.collections(entry.db)) catalog.remove(coll.db, coll.name);
      return;
    case 'create':
    case 'createIndexes':
    case 'dropIndexes':
    case 'modify':
      // DDL events: the catalog records (reconcileCatalog) restore what they changed; their
      // oplog entries only need appending, for change streams that resume across them.
      return;
  }
}

/**
 * Makes the catalog define exactly the logged collections (options, indexes, uuids), keeping the
 * documents of collections that exist on both sides. Idempotent.
 */
export function reconcileCatalog(engine: StorageEngine, metas: CollectionMeta[]): void {
  const { catalog } = engine;
  const wanted = new Set(metas.map((meta) => `${meta.db}.${meta.name}`));
  for (const coll of catalog.allCollections()) {
    if (!wanted.has(coll.ns)) catalog.remove(coll.db, coll.name);
  }
  for (const meta of metas) {
    const existing = catalog.get(meta.db, meta.name);
    const coll = existing ?? new CollectionState(meta.db, meta.name, meta.options);
    if (!existing) catalog.attach(coll);
    restoreDefinition(coll, meta);
  }
}

/** Loads a collection of a snapshot: definition first, then its documents. */
export function restoreCollection(engine: StorageEngine, meta: CollectionMeta): CollectionState {
  const coll = new CollectionState(meta.db, meta.name, meta.options);
  restoreDefinition(coll, meta);
  engine.catalog.attach(coll);
  return coll;
}

export function restoreDocuments(coll: CollectionState, docs: Document[]): void {
  for (const doc of docs) coll.put(canonicalKey(doc._id), doc);
}

function restoreDefinition(coll: CollectionState, meta: CollectionMeta): void {
  // The uuid identifies the collection in listCollections and change events across restarts.
  (coll as { uuid: UUID }).uuid = meta.uuid;
  coll.options = meta.options;
  if (canonicalKey(coll.indexes.map((index) => index.spec)) === canonicalKey(meta.indexes)) return;
  coll.indexes.splice(1);
  for (const spec of meta.indexes) {
    if (spec.name !== '_id_') coll.addIndex(spec);
  }
}
