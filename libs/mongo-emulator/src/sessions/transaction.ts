import type { Binary, Long } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors';
import type { OplogEntry, UpdateDescription } from '../oplog/oplog';
import { canonicalKey, Document, withIdFirst } from '../storage/bson-values';
import type { CollectionState } from '../storage/collection-state';
import type { IndexSpec } from '../storage/index-state';
import type { CollectionView } from '../storage/collection-view';
import type { OplogEntryInput } from '../oplog/oplog';
import { indexEntry, Mutation, StorageEngine, writeConflict } from '../storage/storage-engine';

/** A transaction statement applied to storage at commit: its oplog entries and its inverse. */
interface Applied {
  entries: OplogEntryInput[];
  undo(): void;
}

function applied(mutation: Mutation): Applied {
  return { entries: [mutation.entry], undo: mutation.undo };
}

type TxnOp =
  | { kind: 'insert'; db: string; coll: string; doc: Document }
  | {
      kind: 'write';
      db: string;
      coll: string;
      before: Document;
      after: Document;
      type: 'update' | 'replace';
      description?: UpdateDescription;
    }
  | { kind: 'remove'; db: string; coll: string; doc: Document }
  | { kind: 'create'; db: string; coll: string; options: Document }
  | { kind: 'createIndex'; db: string; coll: string; spec: IndexSpec };

/** What the transaction's snapshot holds for documents changed since: the old version or none. */
type SnapshotUndo = { upTo: number; docs: Map<string, Document | null> };

/**
 * A multi-document transaction: writes go to a per-collection overlay that only this
 * transaction reads, and are applied to storage (one cluster time, one oplog commit) on commit.
 */
export class Transaction {
  private readonly overlays = new Map<string, Map<string, Document | null>>();
  private readonly ops: TxnOp[] = [];
  private readonly undo = new Map<string, SnapshotUndo>();
  /** Collections this transaction created (visible to it alone until commit). */
  private readonly created = new Set<string>();
  /** The oplog position of the transaction's snapshot: it reads nothing committed later. */
  readonly snapshotSeq: number;
  readonly startedAt = Date.now();

  constructor(
    private readonly engine: StorageEngine,
    readonly txnNumber: Long,
    readonly lsid: { id: Binary; uid: Binary },
    /** The other transactions in progress, whose uncommitted writes conflict with this one's. */
    private readonly peers: () => Iterable<Transaction>,
  ) {
    this.snapshotSeq = engine.oplog.nextSeq;
  }

  get hasWrites(): boolean {
    return this.ops.length > 0;
  }

  /** Whether this transaction has an uncommitted write of the document. */
  hasWritten(ns: string, idKey: string): boolean {
    return this.overlays.get(ns)?.has(idKey) ?? false;
  }

  /**
   * The committed version of a document as of the snapshot, when it changed since: the old
   * document, or null when it did not exist then. Undefined: unchanged since the snapshot.
   */
  snapshotVersion(db: string, coll: string, idKey: string): Document | null | undefined {
    return this.snapshotUndo(db, coll).get(idKey);
  }

  snapshotUndo(db: string, coll: string): Map<string, Document | null> {
    const ns = `${db}.${coll}`;
    const { oplog } = this.engine;
    if (this.snapshotSeq < oplog.firstSeq) {
      throw new MongoCommandError(
        239 /* SnapshotTooOld */,
        'Read timestamp is older than the oldest available timestamp (the oplog has rolled over)',
      );
    }
    let undo = this.undo.get(ns);
    if (!undo) {
      undo = { upTo: this.snapshotSeq, docs: new Map() };
      this.undo.set(ns, undo);
    }
    // The first change of a document after the snapshot tells what the snapshot held.
    for (let seq = undo.upTo; seq < oplog.nextSeq; seq += 1) {
      const entry = oplog.get(seq);
      if (!entry || entry.db !== db || entry.coll !== coll || !entry.documentKey) continue;
      const idKey = canonicalKey(entry.documentKey._id);
      if (undo.docs.has(idKey)) continue;
      undo.docs.set(idKey, entry.op === 'insert' ? null : (entry.preImage ?? null));
    }
    undo.upTo = oplog.nextSeq;
    return undo.docs;
  }

  /**
   * mongod detects write conflicts when a transaction writes: a document changed by a commit
   * after the snapshot, or written by another transaction in progress, fails the statement
   * with WriteConflict (and the transaction aborts).
   */
  assertCanWrite(db: string, coll: string, idKey: string): void {
    const ns = `${db}.${coll}`;
    if (this.hasWritten(ns, idKey)) return;
    if (this.snapshotVersion(db, coll, idKey) !== undefined) throw writeConflict();
    for (const peer of this.peers()) {
      if (peer !== this && peer.hasWritten(ns, idKey)) throw writeConflict();
    }
  }

  /** create inside the transaction: the collection appears to others on commit. */
  recordCreate(db: string, coll: string, options: Document): void {
    const ns = `${db}.${coll}`;
    if (this.engine.catalog.get(db, coll) || this.created.has(ns)) {
      throw new MongoCommandError(ErrorCode.NamespaceExists, `Collection ${ns} already exists.`);
    }
    this.created.add(ns);
    this.ops.push({ kind: 'create', db, coll, options });
  }

  /** createIndexes inside the transaction (on a collection it created, or a new one). */
  recordIndex(db: string, coll: string, spec: IndexSpec): void {
    const ns = `${db}.${coll}`;
    if (this.engine.catalog.get(db, coll) && !this.created.has(ns)) {
      throw new MongoCommandError(
        ErrorCode.OperationNotSupportedInTransaction,
        `Cannot create new indexes on existing collection ${ns} in a multi-document transaction.`,
      );
    }
    if (!this.created.has(ns)) this.recordCreate(db, coll, {});
    this.ops.push({ kind: 'createIndex', db, coll, spec });
  }

  createdHere(db: string, coll: string): boolean {
    return this.created.has(`${db}.${coll}`);
  }

  overlay(db: string, coll: string): Map<string, Document | null> {
    const ns = `${db}.${coll}`;
    let overlay = this.overlays.get(ns);
    if (!overlay) {
      overlay = new Map();
      this.overlays.set(ns, overlay);
    }
    return overlay;
  }

  record(op: TxnOp): void {
    this.ops.push(op);
  }

  view(db: string, coll: string): CollectionView {
    return new TransactionCollectionView(this, this.engine, db, coll);
  }

  /** Applies every write atomically; on any conflict storage is rolled back and nothing is logged. */
  commit(): OplogEntry[] {
    const done: Applied[] = [];
    try {
      for (const op of this.ops) done.push(this.apply(op));
    } catch (error) {
      for (const step of done.reverse()) step.undo();
      if (error instanceof MongoCommandError && error.code === ErrorCode.DuplicateKey) throw error;
      throw writeConflict();
    }
    const entries = done.flatMap((step) =>
      step.entries.map((entry) => ({ ...entry, lsid: this.lsid, txnNumber: this.txnNumber })),
    );
    return this.engine.commit(entries);
  }

  private apply(op: TxnOp): Applied {
    if (op.kind === 'create') {
      if (this.engine.catalog.get(op.db, op.coll)) throw writeConflict();
      this.engine.createCollection(op.db, op.coll, op.options);
      return { entries: [], undo: () => this.engine.catalog.remove(op.db, op.coll) };
    }
    if (op.kind === 'createIndex') {
      const coll = this.engine.catalog.get(op.db, op.coll);
      if (!coll) throw writeConflict();
      const index = coll.addIndex(op.spec);
      return {
        entries: [indexEntry('createIndexes', coll, op.spec)],
        undo: () => coll.dropIndex(index),
      };
    }
    if (op.kind === 'insert') return applied(this.engine.insert(op.db, op.coll, op.doc));
    const coll = this.engine.catalog.get(op.db, op.coll);
    if (!coll) throw writeConflict();
    if (op.kind === 'write')
      return applied(this.engine.write(coll, op.before, op.after, op.type, op.description));
    return applied(this.engine.remove(coll, op.doc));
  }
}

class TransactionCollectionView implements CollectionView {
  private readonly overlay: Map<string, Document | null>;

  constructor(
    private readonly txn: Transaction,
    private readonly engine: StorageEngine,
    readonly db: string,
    readonly name: string,
  ) {
    this.overlay = txn.overlay(db, name);
  }

  state(): CollectionState | undefined {
    return this.engine.catalog.get(this.db, this.name);
  }

  /** A document as this transaction sees it: its own write, else the snapshot's version. */
  get(id: unknown): Document | undefined {
    const idKey = canonicalKey(id);
    if (this.overlay.has(idKey)) return this.overlay.get(idKey) ?? undefined;
    const before = this.txn.snapshotVersion(this.db, this.name, idKey);
    if (before !== undefined) return before ?? undefined;
    return this.state()?.docs.get(idKey);
  }

  *documents(): Iterable<Document> {
    const base = this.state()?.docs;
    const undo = this.txn.snapshotUndo(this.db, this.name);
    if (base) {
      for (const [idKey, doc] of base) {
        if (this.overlay.has(idKey)) {
          const own = this.overlay.get(idKey);
          if (own) yield own;
        } else if (undo.has(idKey)) {
          const old = undo.get(idKey);
          if (old) yield old;
        } else yield doc;
      }
    }
    // Deleted since the snapshot: the snapshot still holds them.
    for (const [idKey, old] of undo) {
      if (old && !base?.has(idKey) && !this.overlay.has(idKey)) yield old;
    }
    for (const [idKey, doc] of this.overlay) {
      if (doc && !base?.has(idKey)) yield doc;
    }
  }

  insert(rawDoc: Document): Document {
    const doc = withIdFirst(rawDoc);
    const idKey = canonicalKey(doc._id);
    if (this.get(doc._id) !== undefined) {
      const coll = this.state();
      throw coll ? coll.duplicateIdError(doc._id) : writeConflict();
    }
    this.txn.assertCanWrite(this.db, this.name, idKey);
    this.assertUnique(doc, idKey);
    this.overlay.set(idKey, doc);
    this.txn.record({ kind: 'insert', db: this.db, coll: this.name, doc });
    return doc;
  }

  write(
    before: Document,
    after: Document,
    type: 'update' | 'replace',
    description?: UpdateDescription,
  ): void {
    const idKey = canonicalKey(before._id);
    this.txn.assertCanWrite(this.db, this.name, idKey);
    this.assertUnique(after, idKey);
    this.overlay.set(idKey, after);
    this.txn.record({
      kind: 'write',
      db: this.db,
      coll: this.name,
      before,
      after,
      type,
      description,
    });
  }

  remove(doc: Document): void {
    const idKey = canonicalKey(doc._id);
    this.txn.assertCanWrite(this.db, this.name, idKey);
    this.overlay.set(idKey, null);
    this.txn.record({ kind: 'remove', db: this.db, coll: this.name, doc });
  }

  private assertUnique(doc: Document, idKey: string): void {
    const coll = this.state();
    if (!coll) return;
    for (const index of coll.uniqueIndexes) {
      index.assertUnique(doc, idKey, coll.ns, (holder) => !this.overlay.has(holder));
      const keys = new Set(index.keysOf(doc).map((entry) => entry.key));
      for (const [otherKey, other] of this.overlay) {
        if (!other || otherKey === idKey) continue;
        const clash = index.keysOf(other).find((entry) => keys.has(entry.key));
        if (clash) throw index.duplicateKeyError(coll.ns, clash.values);
      }
    }
  }
}
