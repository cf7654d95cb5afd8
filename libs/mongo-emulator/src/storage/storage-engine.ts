import { calculateObjectSize } from 'bson';
import { ErrorCode, MongoCommandError } from '../errors';
import { LogicalClock } from '../oplog/logical-clock';
import { Oplog, OplogEntry, OplogEntryInput, UpdateDescription } from '../oplog/oplog';
import { canonicalKey, Document, withIdFirst } from './bson-values';
import { Catalog } from './catalog';
import { CollectionState } from './collection-state';

/** The largest document mongod stores (BSONObjMaxUserSize): 16 MiB. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** A storage change not yet in the oplog, with its inverse for rolling back a commit. */
export interface Mutation {
  entry: OplogEntryInput;
  undo(): void;
}

/**
 * Owns the data (catalog), the logical clock and the oplog. Every data change goes through the
 * primitives here, so documents, unique indexes and change events cannot drift apart.
 */
export class StorageEngine {
  readonly catalog = new Catalog();
  readonly clock = new LogicalClock();
  readonly oplog: Oplog;
  /**
   * Persistence hook (see persistence/): called synchronously with every commit, before any
   * reader can see it, so a commit is logged before a change stream or a reply reports it.
   */
  commitObserver: ((entries: OplogEntry[]) => void) | undefined;

  constructor(oplogSize: number) {
    this.oplog = new Oplog(Math.max(1, oplogSize));
  }

  /** Appends the changes of one commit under one new cluster time. */
  commit(entries: OplogEntryInput[]): OplogEntry[] {
    if (entries.length === 0) return [];
    const appended = this.oplog.appendCommit(this.clock.tick(), entries);
    this.commitObserver?.(appended);
    return appended;
  }

  /** Creates a collection (explicitly, or implicitly for a write) and logs its `create`. */
  createCollection(db: string, name: string, options?: Document): CollectionState {
    const { coll, created } = this.catalog.getOrCreate(db, name, options);
    if (created) this.commit([createEntry(coll)]);
    return coll;
  }

  insert(db: string, name: string, rawDoc: Document): Mutation {
    const doc = withIdFirst(rawDoc);
    const size = calculateObjectSize(doc);
    if (size > MAX_DOCUMENT_BYTES) {
      throw new MongoCommandError(
        ErrorCode.BadValue,
        `object to insert too large. size in bytes: ${size}, max size: ${MAX_DOCUMENT_BYTES}`,
      );
    }
    const { coll, created } = this.catalog.getOrCreate(db, name);
    const idKey = canonicalKey(doc._id);
    try {
      if (coll.docs.has(idKey)) throw coll.duplicateIdError(doc._id);
      coll.assertUnique(doc, idKey);
    } catch (error) {
      if (created) this.catalog.remove(db, name);
      throw error;
    }
    // An insert into a new collection creates it first, a DDL entry of its own as in mongod.
    if (created) this.commit([createEntry(coll)]);
    coll.put(idKey, doc);
    return {
      entry: {
        op: 'insert',
        db,
        coll: name,
        collectionUUID: coll.uuid,
        documentKey: { _id: doc._id },
        postImage: doc,
        imagesEnabled: coll.preAndPostImagesEnabled,
      },
      undo: () => {
        coll.delete(idKey);
      },
    };
  }

  write(
    coll: CollectionState,
    before: Document,
    after: Document,
    kind: 'update' | 'replace',
    updateDescription?: UpdateDescription,
  ): Mutation {
    const idKey = canonicalKey(before._id);
    const current = coll.docs.get(idKey);
    if (current !== before) throw writeConflict();
    if (calculateObjectSize(after) > MAX_DOCUMENT_BYTES) {
      throw new MongoCommandError(
        ErrorCode.BSONObjectTooLarge,
        `Resulting document after update is larger than ${MAX_DOCUMENT_BYTES}`,
      );
    }
    coll.assertUnique(after, idKey);
    coll.put(idKey, after, before);
    return {
      entry: {
        op: kind,
        db: coll.db,
        coll: coll.name,
        collectionUUID: coll.uuid,
        documentKey: { _id: before._id },
        preImage: before,
        postImage: after,
        imagesEnabled: coll.preAndPostImagesEnabled,
        updateDescription,
      },
      undo: () => coll.put(idKey, before, after),
    };
  }

  remove(coll: CollectionState, doc: Document): Mutation {
    const idKey = canonicalKey(doc._id);
    if (coll.docs.get(idKey) !== doc) throw writeConflict();
    coll.delete(idKey);
    return {
      entry: {
        op: 'delete',
        db: coll.db,
        coll: coll.name,
        collectionUUID: coll.uuid,
        documentKey: { _id: doc._id },
        preImage: doc,
        imagesEnabled: coll.preAndPostImagesEnabled,
      },
      undo: () => coll.put(idKey, doc),
    };
  }
}

/** The oplog entry of a collection's (or view's) creation. */
export function createEntry(coll: CollectionState): OplogEntryInput {
  const { viewOn, pipeline, ...options } = coll.options;
  if (viewOn !== undefined) {
    return {
      op: 'create',
      db: coll.db,
      coll: coll.name,
      operationDescription: { viewOn, pipeline: pipeline ?? [] },
    };
  }
  return {
    op: 'create',
    db: coll.db,
    coll: coll.name,
    collectionUUID: coll.uuid,
    operationDescription: { ...options, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } },
  };
}

/** One oplog entry per index created or dropped, as mongod logs them. */
export function indexEntry(
  op: 'createIndexes' | 'dropIndexes',
  coll: CollectionState,
  spec: Document,
): OplogEntryInput {
  return {
    op,
    db: coll.db,
    coll: coll.name,
    collectionUUID: coll.uuid,
    operationDescription: { indexes: [{ ...spec }] },
  };
}

export function writeConflict(): MongoCommandError {
  const error = new MongoCommandError(
    ErrorCode.WriteConflict,
    'Write conflict during plan execution and yielding is disabled. :: Please retry your operation or multi-document transaction.',
  );
  return error;
}
