import { Query } from 'mingo';
import { ErrorCode, MongoCommandError } from '../errors';
import { asBadValue, mingoOptions } from '../query/mingo-options';
import { canonicalKey, Document, isTruthyFlag } from '../storage/bson-values';
import type { CollectionState } from '../storage/collection-state';
import { IndexSpec, validateIndexSpec } from '../storage/index-state';
import { indexEntry } from '../storage/storage-engine';
import type { CommandContext, CommandTable } from './command-context';
import { assertSimpleCollation } from './command-options';
import { firstBatchSize, materialisedCursorReply } from './cursor-reply';

function filterWith(docs: Document[], filter: unknown): Document[] {
  if (!filter || Object.keys(filter).length === 0) return docs;
  try {
    const query = new Query(filter, mingoOptions());
    return docs.filter((doc) => query.test(doc));
  } catch (error) {
    throw asBadValue(error);
  }
}

function collectionInfo(coll: CollectionState): Document {
  if (coll.isView) {
    return {
      name: coll.name,
      type: 'view',
      options: { viewOn: coll.options.viewOn, pipeline: coll.options.pipeline ?? [] },
      info: { readOnly: true },
    };
  }
  return {
    name: coll.name,
    type: 'collection',
    options: { ...coll.options },
    info: { readOnly: false, uuid: coll.uuid },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  };
}

/** Index options that make two specs different (ignoring build hints). */
function comparableOptions(spec: Document): string {
  const { v: _v, name: _name, key: _key, background: _bg, ns: _ns, ...rest } = spec;
  return canonicalKey(
    Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))),
  );
}

function createIndex(coll: CollectionState, spec: IndexSpec): boolean {
  const sameName = coll.findIndex(spec.name);
  const sameKey = coll.indexes.find(
    (index) => canonicalKey(index.spec.key) === canonicalKey(spec.key),
  );
  if (sameName) {
    if (canonicalKey(sameName.spec.key) !== canonicalKey(spec.key)) {
      throw new MongoCommandError(
        ErrorCode.IndexKeySpecsConflict,
        `An existing index has the same name as the requested index but different key. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`,
      );
    }
    if (comparableOptions(sameName.spec) !== comparableOptions(spec)) {
      throw new MongoCommandError(
        ErrorCode.IndexOptionsConflict,
        `An existing index has the same name as the requested index but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName.spec)}`,
      );
    }
    return false;
  }
  if (sameKey && comparableOptions(sameKey.spec) === comparableOptions(spec)) {
    throw new MongoCommandError(
      ErrorCode.IndexOptionsConflict,
      `Index already exists with a different name: ${sameKey.name}`,
    );
  }
  if (
    spec.key._id !== undefined &&
    Object.keys(spec.key).length === 1 &&
    spec.unique !== undefined
  ) {
    throw new MongoCommandError(
      ErrorCode.InvalidOptions,
      "The field 'unique' is not valid for an _id index specification.",
    );
  }
  coll.addIndex(spec);
  return true;
}

function viewNotCollection(ctx: CommandContext): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.CommandNotSupportedOnView,
    `Namespace ${ctx.db}.${ctx.target} is a view, not a collection`,
  );
}

export const catalogCommands: CommandTable = {
  listdatabases: (ctx) => {
    const { catalog } = ctx.server.engine;
    const databases: { name: string; sizeOnDisk: number; empty: boolean }[] = catalog
      .databaseNames()
      .map((name) => ({
        name,
        sizeOnDisk: 8192 * catalog.collections(name).length,
        empty: false,
      }));
    const filtered = filterWith(databases, ctx.command.filter) as typeof databases;
    if (isTruthyFlag(ctx.command.nameOnly))
      return { databases: filtered.map(({ name }) => ({ name })) };
    return {
      databases: filtered,
      totalSize: filtered.reduce((sum, db) => sum + db.sizeOnDisk, 0),
      totalSizeMb: 0,
    };
  },

  listcollections: async (ctx) => {
    const infos = ctx.server.engine.catalog.collections(ctx.db).map(collectionInfo);
    let results = filterWith(infos, ctx.command.filter);
    if (isTruthyFlag(ctx.command.nameOnly))
      results = results.map(({ name, type }) => ({ name, type }));
    const cursor = ctx.command.cursor as Document | undefined;
    return materialisedCursorReply(
      ctx.server,
      `${ctx.db}.$cmd.listCollections`,
      results,
      firstBatchSize(cursor?.batchSize),
      ctx.signal,
    );
  },

  createindexes: (ctx) => {
    const raw = ctx.command.indexes;
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new MongoCommandError(ErrorCode.BadValue, 'Must specify at least one index to create');
    }
    const specs = raw.map(validateIndexSpec);
    for (const spec of specs) assertSimpleCollation((spec as Document).collation);
    if (ctx.server.engine.catalog.get(ctx.db, ctx.target)?.isView) throw viewNotCollection(ctx);
    if (ctx.txn) {
      const createdCollectionAutomatically = !ctx.txn.createdHere(ctx.db, ctx.target);
      for (const spec of specs) ctx.txn.recordIndex(ctx.db, ctx.target, spec);
      return {
        createdCollectionAutomatically,
        numIndexesBefore: 1,
        numIndexesAfter: 1 + specs.length,
      };
    }
    const { engine } = ctx.server;
    const created = engine.catalog.get(ctx.db, ctx.target) === undefined;
    const coll = engine.createCollection(ctx.db, ctx.target);
    const numIndexesBefore = coll.indexes.length;
    let changed = false;
    for (const spec of specs) {
      if (!createIndex(coll, spec)) continue;
      changed = true;
      engine.commit([indexEntry('createIndexes', coll, spec)]);
    }
    const reply: Document = {
      numIndexesBefore,
      numIndexesAfter: coll.indexes.length,
      createdCollectionAutomatically: created,
    };
    if (!changed) reply.note = 'all indexes already exist';
    return reply;
  },

  listindexes: async (ctx: CommandContext) => {
    const coll = ctx.server.engine.catalog.get(ctx.db, ctx.target);
    if (!coll)
      throw new MongoCommandError(
        ErrorCode.NamespaceNotFound,
        `ns does not exist: ${ctx.db}.${ctx.target}`,
      );
    const cursor = ctx.command.cursor as Document | undefined;
    const specs = coll.indexes.map((index) => ({ ...index.spec }));
    return materialisedCursorReply(
      ctx.server,
      `${ctx.db}.$cmd.listIndexes.${ctx.target}`,
      specs,
      firstBatchSize(cursor?.batchSize),
      ctx.signal,
    );
  },

  dropindexes: (ctx) => {
    const coll = ctx.server.engine.catalog.get(ctx.db, ctx.target);
    if (!coll)
      throw new MongoCommandError(
        ErrorCode.NamespaceNotFound,
        `ns not found ${ctx.db}.${ctx.target}`,
      );
    const nIndexesWas = coll.indexes.length;
    const wanted = ctx.command.index;
    if (wanted === '*') {
      for (const index of [...coll.indexes]) {
        if (index.isIdIndex) continue;
        coll.dropIndex(index);
        ctx.server.engine.commit([indexEntry('dropIndexes', coll, index.spec)]);
      }
      return { nIndexesWas, msg: 'non-_id indexes dropped for collection' };
    }
    const names = Array.isArray(wanted) ? wanted : [wanted];
    const indexes = names.map((name) => {
      const index = coll.findIndex(name);
      if (!index) {
        const shown = typeof name === 'string' ? name : JSON.stringify(name);
        throw new MongoCommandError(
          ErrorCode.IndexNotFound,
          `index not found with name [${shown}]`,
        );
      }
      return index;
    });
    for (const index of indexes) {
      coll.dropIndex(index);
      ctx.server.engine.commit([indexEntry('dropIndexes', coll, index.spec)]);
    }
    return { nIndexesWas };
  },
};
