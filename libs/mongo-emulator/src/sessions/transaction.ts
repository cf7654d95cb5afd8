import type { Binary, Long } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors';
import type { OplogEntry, UpdateDescription } from '../oplog/oplog';
import { canonicalKey, Document, withIdFirst } from '../storage/bson-values';
import type { CollectionState } from '../storage/collection-state';
import type { CollectionView } from '../storage/collection-view';
import { Mutation, StorageEngine, writeConflict } from '../storage/storage-engine';

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
  | { kind: 'remove'; db: string; coll: string; doc: Document };

/**
 * A multi-document transaction: writes go to a per-collection overlay that only this
 * transaction reads, and are applied to storage (one cluster time, one oplog commit) on commit.
 */
export class Transaction {
  private readonly overlays = new Map<string, Map<string, Document | null>>();
  private readonly ops: TxnOp[] = [];

  constructor(
    private readonly engine: StorageEngine,
    readonly txnNumber: Long,
    readonly lsid: { id: Binary; uid: Binary },
  ) {}

  get hasWrites(): boolean {
    return this.ops.length > 0;
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
    const applied: Mutation[] = [];
    try {
      for (const op of this.ops) applied.push(this.apply(op));
    } catch (error) {
      for (const mutation of applied.reverse()) mutation.undo();
      if (error instanceof MongoCommandError && error.code === ErrorCode.DuplicateKey) throw error;
      throw writeConflict();
    }
    const entries = applied.map((mutation) => ({
      ...mutation.entry,
      lsid: this.lsid,
      txnNumber: this.txnNumber,
    }));
    return this.engine.commit(entries);
  }

  private apply(op: TxnOp): Mutation {
    if (op.kind === 'insert') return this.engine.insert(op.db, op.coll, op.doc);
    const coll = this.engine.catalog.get(op.db, op.coll);
    if (!coll) throw writeConflict();
    if (op.kind === 'write')
      return this.engine.write(coll, op.before, op.after, op.type, op.description);
    return this.engine.remove(coll, op.doc);
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

  get(id: unknown): Document | undefined {
    const idKey = canonicalKey(id);
    if (this.overlay.has(idKey)) return this.overlay.get(idKey) ?? undefined;
    return this.state()?.docs.get(idKey);
  }

  *documents(): Iterable<Document> {
    const base = this.state()?.docs;
    if (base) {
      for (const [idKey, doc] of base) {
        if (!this.overlay.has(idKey)) yield doc;
        else {
          const own = this.overlay.get(idKey);
          if (own) yield own;
        }
      }
    }
    for (const [idKey, doc] of this.overlay) if (doc && !base?.has(idKey)) yield doc;
  }

  insert(rawDoc: Document): Document {
    const doc = withIdFirst(rawDoc);
    const idKey = canonicalKey(doc._id);
    if (this.get(doc._id) !== undefined) {
      const coll = this.state();
      throw coll ? coll.duplicateIdError(doc._id) : writeConflict();
    }
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
    this.overlay.set(canonicalKey(doc._id), null);
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
