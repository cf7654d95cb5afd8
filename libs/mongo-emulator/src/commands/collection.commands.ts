import { ErrorCode, MongoCommandError } from '../errors';
import type { ServerState } from '../server-state';
import { assertValidCollectionName } from '../storage/catalog';
import type { CollectionState } from '../storage/collection-state';
import { canonicalKey, Document, toNumber } from '../storage/bson-values';
import type { CommandContext, CommandTable } from './command-context';
import { assertSimpleCollation, notSupported } from './command-options';

/** Create options mongod stores with a collection and reports in listCollections. */
const COLLECTION_OPTIONS = [
  'capped',
  'size',
  'max',
  'validator',
  'validationLevel',
  'validationAction',
  'collation',
  'changeStreamPreAndPostImages',
  'timeseries',
  'expireAfterSeconds',
  'clusteredIndex',
  'storageEngine',
  'indexOptionDefaults',
  'viewOn',
  'pipeline',
];

/** Generic command arguments, not part of what a collMod changes. */
const GENERIC_FIELDS = new Set([
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'writeConcern',
  'readConcern',
  'comment',
  'maxTimeMS',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

/** Collection features the emulator does not model: refused by name, never ignored. */
const UNSUPPORTED_COLLECTION_OPTIONS: Record<string, string> = {
  capped: 'capped collections',
  timeseries: 'time-series collections',
  clusteredIndex: 'clustered collections',
  encryptedFields: 'queryable encryption (encryptedFields)',
  cappedSize: 'capped collections',
  cappedMax: 'capped collections',
};

function assertSupportedOptions(command: Document): void {
  for (const [option, feature] of Object.entries(UNSUPPORTED_COLLECTION_OPTIONS)) {
    if (command[option] !== undefined && command[option] !== false) throw notSupported(feature);
  }
  assertSimpleCollation(command.collation);
  const validator = command.validator as Document | undefined;
  if (validator !== undefined && JSON.stringify(validator).includes('"$jsonSchema"')) {
    throw notSupported('$jsonSchema validation');
  }
  if (command.viewOn !== undefined && typeof command.viewOn !== 'string') {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'create.viewOn' is the wrong type, expected type 'string'",
    );
  }
  if (command.pipeline !== undefined && !Array.isArray(command.pipeline)) {
    throw new MongoCommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'create.pipeline' is the wrong type, expected type 'array'",
    );
  }
}

function pickOptions(command: Document): Document {
  const options: Document = {};
  for (const key of COLLECTION_OPTIONS) if (command[key] !== undefined) options[key] = command[key];
  return options;
}

function requireCollection(ctx: CommandContext, name: string, db = ctx.db): CollectionState {
  const coll = ctx.server.engine.catalog.get(db, name);
  if (!coll)
    throw new MongoCommandError(ErrorCode.NamespaceNotFound, `ns does not exist: ${db}.${name}`);
  return coll;
}

/** Removes a collection and logs its drop (one oplog entry, like mongod). */
export function dropCollection(server: ServerState, coll: CollectionState): void {
  const { engine } = server;
  engine.catalog.remove(coll.db, coll.name);
  engine.commit([{ op: 'drop', db: coll.db, coll: coll.name, collectionUUID: coll.uuid }]);
}

function splitNamespace(ns: unknown): { db: string; coll: string } {
  if (typeof ns !== 'string' || !ns.includes('.')) {
    throw new MongoCommandError(
      ErrorCode.InvalidNamespace,
      `Invalid namespace specified '${String(ns)}'`,
    );
  }
  const dot = ns.indexOf('.');
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

export const collectionCommands: CommandTable = {
  create: (ctx) => {
    const name = ctx.target;
    assertValidCollectionName(ctx.db, name);
    assertSupportedOptions(ctx.command);
    const options = pickOptions(ctx.command);
    if (ctx.txn) {
      ctx.txn.recordCreate(ctx.db, name, options);
      return {};
    }
    const { catalog } = ctx.server.engine;
    const existing = catalog.get(ctx.db, name);
    if (existing) {
      // Since MongoDB 7.0, creating an existing collection with identical options succeeds.
      if (canonicalKey(existing.options) === canonicalKey(options)) return {};
      throw new MongoCommandError(
        ErrorCode.NamespaceExists,
        `Collection ${ctx.db}.${name} already exists with different options.`,
      );
    }
    ctx.server.engine.createCollection(ctx.db, name, options);
    return {};
  },

  collmod: (ctx) => {
    const coll = requireCollection(ctx, ctx.target);
    assertSupportedOptions(ctx.command);
    const stateBeforeChange = {
      collectionOptions: { uuid: coll.uuid, ...coll.options },
      indexOptions: {} as Document,
    };
    const reply: Document = {};
    for (const key of COLLECTION_OPTIONS) {
      if (ctx.command[key] !== undefined)
        coll.options = { ...coll.options, [key]: ctx.command[key] };
    }
    const indexChange = ctx.command.index as Document | undefined;
    if (indexChange) {
      const index = coll.findIndex(indexChange.name ?? indexChange.keyPattern);
      if (!index)
        throw new MongoCommandError(
          ErrorCode.IndexNotFound,
          `cannot find index ${JSON.stringify(indexChange.name ?? indexChange.keyPattern)} for ns ${coll.ns}`,
        );
      if (indexChange.expireAfterSeconds !== undefined) {
        reply.expireAfterSeconds_old = index.spec.expireAfterSeconds;
        index.spec.expireAfterSeconds = toNumber(indexChange.expireAfterSeconds);
        reply.expireAfterSeconds_new = index.spec.expireAfterSeconds;
      }
      if (indexChange.hidden !== undefined) {
        reply.hidden_old = index.spec.hidden ?? false;
        index.spec.hidden = indexChange.hidden;
        reply.hidden_new = indexChange.hidden;
      }
    }
    const { collMod: _target, ...description } = ctx.command;
    for (const key of Object.keys(description)) {
      if (key.startsWith('$') || GENERIC_FIELDS.has(key)) delete description[key];
    }
    ctx.server.engine.commit([
      {
        op: 'modify',
        db: coll.db,
        coll: coll.name,
        collectionUUID: coll.uuid,
        operationDescription: description,
        stateBeforeChange,
      },
    ]);
    return reply;
  },

  drop: (ctx) => {
    const coll = ctx.server.engine.catalog.get(ctx.db, ctx.target);
    if (!coll) return {};
    const nIndexesWas = coll.indexes.length;
    dropCollection(ctx.server, coll);
    return { nIndexesWas, ns: coll.ns };
  },

  dropdatabase: (ctx) => {
    const { engine } = ctx.server;
    const colls = engine.catalog.collections(ctx.db);
    if (colls.length === 0) return {};
    for (const coll of colls) dropCollection(ctx.server, coll);
    engine.commit([{ op: 'dropDatabase', db: ctx.db }]);
    return { dropped: ctx.db };
  },

  renamecollection: (ctx) => {
    const source = splitNamespace(ctx.command.renameCollection);
    const target = splitNamespace(ctx.command.to);
    assertValidCollectionName(target.db, target.coll);
    const { engine } = ctx.server;
    const coll = engine.catalog.get(source.db, source.coll);
    if (!coll) {
      throw new MongoCommandError(
        ErrorCode.NamespaceNotFound,
        `Source collection ${source.db}.${source.coll} does not exist`,
      );
    }
    if (source.db === target.db && source.coll === target.coll) {
      throw new MongoCommandError(
        ErrorCode.IllegalOperation,
        "Can't rename a collection to itself",
      );
    }
    const existing = engine.catalog.get(target.db, target.coll);
    const operationDescription: Document = { to: target };
    if (existing) {
      if (ctx.command.dropTarget !== true) {
        throw new MongoCommandError(ErrorCode.NamespaceExists, 'target namespace exists');
      }
      dropCollection(ctx.server, existing);
      operationDescription.dropTarget = existing.uuid;
    }
    engine.catalog.remove(source.db, source.coll);
    coll.db = target.db;
    coll.name = target.coll;
    engine.catalog.attach(coll);
    engine.commit([
      {
        op: 'rename',
        db: source.db,
        coll: source.coll,
        to: target,
        collectionUUID: coll.uuid,
        operationDescription,
      },
    ]);
    return {};
  },
};
