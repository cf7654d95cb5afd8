import { Aggregator } from 'mingo';
import { ErrorCode, MongoCommandError } from '../errors';
import { asBadValue, mingoOptions } from '../query/mingo-options';
import { canonicalKey, deepClone, Document } from '../storage/bson-values';
import type { CollectionState } from '../storage/collection-state';
import type { CollectionView } from '../storage/collection-view';
import type { CommandContext } from './command-context';

/** Views on views are resolved this deep at most (mongod's limit is 20). */
const MAX_VIEW_DEPTH = 20;

/**
 * A read-only view: its documents are its pipeline run over the collection (or view) it is
 * defined on, each time it is read. Writes fail as on mongod (CommandNotSupportedOnView).
 */
export class ViewCollectionView implements CollectionView {
  readonly db: string;
  readonly name: string;

  constructor(
    private readonly ctx: CommandContext,
    private readonly definition: CollectionState,
    private readonly depth = 0,
  ) {
    this.db = definition.db;
    this.name = definition.name;
  }

  state(): CollectionState | undefined {
    return undefined;
  }

  get(id: unknown): Document | undefined {
    const key = canonicalKey(id);
    for (const doc of this.documents()) if (canonicalKey(doc._id) === key) return doc;
    return undefined;
  }

  documents(): Iterable<Document> {
    if (this.depth >= MAX_VIEW_DEPTH) {
      throw new MongoCommandError(
        ErrorCode.ViewDepthLimitExceeded,
        `View depth too deep or view cycle detected; maximum depth is ${MAX_VIEW_DEPTH}`,
      );
    }
    const viewOn = String(this.definition.options.viewOn);
    const pipeline = (this.definition.options.pipeline ?? []) as Document[];
    const source = this.ctx.server.engine.catalog.get(this.db, viewOn);
    const sourceView = source?.isView
      ? new ViewCollectionView(this.ctx, source, this.depth + 1)
      : this.ctx.txn
        ? this.ctx.txn.view(this.db, viewOn)
        : this.ctx.view(viewOn, this.db);
    const docs = [...sourceView.documents()].map((doc) => deepClone(doc));
    if (pipeline.length === 0) return docs;
    const resolver = (name: string) =>
      [...this.ctx.view(name, this.db).documents()].map((doc) => deepClone(doc));
    try {
      return new Aggregator(pipeline, mingoOptions(resolver, true)).run<Document>(docs);
    } catch (error) {
      throw asBadValue(error);
    }
  }

  insert(): Document {
    throw this.readOnly();
  }

  write(): void {
    throw this.readOnly();
  }

  remove(): void {
    throw this.readOnly();
  }

  private readOnly(): MongoCommandError {
    return new MongoCommandError(
      ErrorCode.CommandNotSupportedOnView,
      `Namespace ${this.db}.${this.name} is a view, not a collection`,
    );
  }
}
