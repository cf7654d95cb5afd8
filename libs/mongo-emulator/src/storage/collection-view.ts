import type { UpdateDescription } from '../oplog/oplog';
import { canonicalKey, Document } from './bson-values';
import type { CollectionState } from './collection-state';
import type { StorageEngine } from './storage-engine';

/**
 * What a command sees of one collection: committed data, or inside a transaction the committed
 * data overlaid with the transaction's own uncommitted writes.
 */
export interface CollectionView {
  readonly db: string;
  readonly name: string;
  /** The committed collection, when it exists. */
  state(): CollectionState | undefined;
  get(id: unknown): Document | undefined;
  documents(): Iterable<Document>;
  insert(doc: Document): Document;
  write(
    before: Document,
    after: Document,
    kind: 'update' | 'replace',
    description?: UpdateDescription,
  ): void;
  remove(doc: Document): void;
}

/** Writes straight to storage; each document write is its own oplog entry, as in mongod. */
export class DirectCollectionView implements CollectionView {
  constructor(
    private readonly engine: StorageEngine,
    readonly db: string,
    readonly name: string,
  ) {}

  state(): CollectionState | undefined {
    return this.engine.catalog.get(this.db, this.name);
  }

  get(id: unknown): Document | undefined {
    return this.state()?.docs.get(canonicalKey(id));
  }

  documents(): Iterable<Document> {
    return this.state()?.docs.values() ?? [];
  }

  insert(doc: Document): Document {
    const mutation = this.engine.insert(this.db, this.name, doc);
    this.engine.commit([mutation.entry]);
    return mutation.entry.postImage as Document;
  }

  write(
    before: Document,
    after: Document,
    kind: 'update' | 'replace',
    description?: UpdateDescription,
  ): void {
    const coll = this.state();
    if (!coll) return;
    this.engine.commit([this.engine.write(coll, before, after, kind, description).entry]);
  }

  remove(doc: Document): void {
    const coll = this.state();
    if (!coll) return;
    this.engine.commit([this.engine.remove(coll, doc).entry]);
  }
}
