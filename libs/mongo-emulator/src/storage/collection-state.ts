import { UUID } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors';
import { canonicalKey, Document, isTruthyFlag } from './bson-values';
import { IndexSpec, IndexState } from './index-state';

/** A collection's documents (keyed by canonical `_id`), indexes and options. */
export class CollectionState {
  readonly uuid = new UUID();
  readonly docs = new Map<string, Document>();
  readonly indexes: IndexState[] = [new IndexState({ v: 2, key: { _id: 1 }, name: '_id_' })];

  constructor(
    public db: string,
    public name: string,
    public options: Document = {},
  ) {}

  /** A view (`create` with `viewOn`): no documents of its own, read through its pipeline. */
  get isView(): boolean {
    return this.options.viewOn !== undefined;
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get preAndPostImagesEnabled(): boolean {
    const setting = this.options.changeStreamPreAndPostImages as Document | undefined;
    return setting !== undefined && isTruthyFlag(setting.enabled);
  }

  get uniqueIndexes(): IndexState[] {
    return this.indexes.filter((index) => index.unique && !index.isIdIndex);
  }

  getById(id: unknown): Document | undefined {
    return this.docs.get(canonicalKey(id));
  }

  findIndex(nameOrKey: unknown): IndexState | undefined {
    if (typeof nameOrKey === 'string')
      return this.indexes.find((index) => index.name === nameOrKey);
    const wanted = canonicalKey(nameOrKey);
    return this.indexes.find((index) => canonicalKey(index.spec.key) === wanted);
  }

  /** Adds an index, building entries from the current documents (fails on duplicates). */
  addIndex(spec: IndexSpec): IndexState {
    const index = new IndexState(spec);
    for (const [idKey, doc] of this.docs) {
      index.assertUnique(doc, idKey, this.ns);
      index.add(doc, idKey);
    }
    this.indexes.push(index);
    return index;
  }

  dropIndex(index: IndexState): void {
    if (index.isIdIndex) {
      throw new MongoCommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
    }
    this.indexes.splice(this.indexes.indexOf(index), 1);
  }

  /** Checks unique indexes for a new version of the document with id key `idKey`. */
  assertUnique(doc: Document, idKey: string): void {
    // Loops over `indexes` rather than `uniqueIndexes`: no array per written document.
    for (const index of this.indexes) {
      if (index.unique && !index.isIdIndex) index.assertUnique(doc, idKey, this.ns);
    }
  }

  put(idKey: string, doc: Document, previous?: Document): void {
    for (const index of this.indexes) {
      if (index.unique && !index.isIdIndex) {
        if (previous) index.remove(previous, idKey);
        index.add(doc, idKey);
      }
      if (index.nextExpiryMs !== undefined) index.noteTtlDate(doc);
    }
    this.docs.set(idKey, doc);
  }

  delete(idKey: string): Document | undefined {
    const doc = this.docs.get(idKey);
    if (!doc) return undefined;
    for (const index of this.uniqueIndexes) index.remove(doc, idKey);
    this.docs.delete(idKey);
    return doc;
  }

  duplicateIdError(id: unknown): MongoCommandError {
    return this.indexes[0].duplicateKeyError(this.ns, [id]);
  }
}
