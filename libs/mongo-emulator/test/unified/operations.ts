// The operations of the unified test format that the change-streams, crud and transactions
// folders use, mapped onto the official driver's API.
import {
  ChangeStream,
  ClientSession,
  Collection,
  Db,
  MongoClient,
  type AnyBulkWriteOperation,
  type BulkWriteResult,
  type Document,
} from 'mongodb';
import { ClientEntity, collectionLikeOptions, type EntityMap } from './entities';

export interface Operation {
  name: string;
  object: string;
  arguments?: Document;
  expectResult?: unknown;
  expectError?: Document;
  saveResultAsEntity?: string;
  ignoreResultAndError?: boolean;
}

/** Hooks into the runner for `testRunner` operations and nested operation lists. */
export interface RunnerHooks {
  entities: EntityMap;
  /** Runs nested operations (withTransaction's callback). */
  runOperations(operations: Operation[]): Promise<void>;
  failPoint(client: MongoClient, failPoint: Document): Promise<void>;
  createEntities(entities: Document[]): Promise<void>;
  internalClient: MongoClient;
}

/** Arguments with `session` resolved to its entity, and the test format's names translated. */
function optionsOf(args: Document, hooks: RunnerHooks, omit: string[] = []): Document {
  const options: Document = {};
  for (const [key, value] of Object.entries(args)) {
    if (omit.includes(key)) continue;
    if (key === 'session') options.session = hooks.entities.session(String(value));
    else if (key === 'returnDocument') options.returnDocument = String(value).toLowerCase();
    else options[key] = value;
  }
  if (args.readConcern || args.writeConcern || args.readPreference) {
    Object.assign(options, collectionLikeOptions(args));
  }
  return options;
}

function bulkWriteResult(result: BulkWriteResult): Document {
  return {
    deletedCount: result.deletedCount,
    insertedCount: result.insertedCount,
    insertedIds: result.insertedIds,
    matchedCount: result.matchedCount,
    modifiedCount: result.modifiedCount,
    upsertedCount: result.upsertedCount,
    upsertedIds: result.upsertedIds,
  };
}

function plain(result: unknown): unknown {
  if (result === null || typeof result !== 'object') return result;
  return { ...(result as Document) };
}

const TXN_STATES: Record<string, string> = {
  NO_TRANSACTION: 'none',
  STARTING_TRANSACTION: 'starting',
  TRANSACTION_IN_PROGRESS: 'in_progress',
  TRANSACTION_COMMITTED: 'committed',
  TRANSACTION_COMMITTED_EMPTY: 'committed',
  TRANSACTION_ABORTED: 'aborted',
};

function sessionState(session: ClientSession): string {
  const internal = session as unknown as { transaction: { state: string } };
  return TXN_STATES[internal.transaction.state] ?? internal.transaction.state;
}

async function collectionOperation(
  op: Operation,
  collection: Collection,
  args: Document,
  hooks: RunnerHooks,
): Promise<unknown> {
  switch (op.name) {
    case 'insertOne':
      return plain(
        await collection.insertOne(args.document as Document, optionsOf(args, hooks, ['document'])),
      );
    case 'insertMany':
      return plain(
        await collection.insertMany(
          args.documents as Document[],
          optionsOf(args, hooks, ['documents']),
        ),
      );
    case 'updateOne':
    case 'updateMany':
    case 'replaceOne': {
      const update = (args.update ?? args.replacement) as Document;
      const options = optionsOf(args, hooks, ['filter', 'update', 'replacement']);
      const filter = args.filter as Document;
      if (op.name === 'updateOne')
        return plain(await collection.updateOne(filter, update, options));
      if (op.name === 'updateMany')
        return plain(await collection.updateMany(filter, update, options));
      return plain(await collection.replaceOne(filter, update, options));
    }
    case 'deleteOne':
      return plain(
        await collection.deleteOne(args.filter as Document, optionsOf(args, hooks, ['filter'])),
      );
    case 'deleteMany':
      return plain(
        await collection.deleteMany(args.filter as Document, optionsOf(args, hooks, ['filter'])),
      );
    case 'findOneAndUpdate':
      return collection.findOneAndUpdate(
        args.filter as Document,
        args.update as Document,
        optionsOf(args, hooks, ['filter', 'update']),
      );
    case 'findOneAndReplace':
      return collection.findOneAndReplace(
        args.filter as Document,
        args.replacement as Document,
        optionsOf(args, hooks, ['filter', 'replacement']),
      );
    case 'findOneAndDelete':
      return collection.findOneAndDelete(
        args.filter as Document,
        optionsOf(args, hooks, ['filter']),
      );
    case 'find':
      return collection.find(args.filter as Document, optionsOf(args, hooks, ['filter'])).toArray();
    case 'findOne':
      return collection.findOne(args.filter as Document, optionsOf(args, hooks, ['filter']));
    case 'aggregate':
      return collection
        .aggregate(args.pipeline as Document[], optionsOf(args, hooks, ['pipeline']))
        .toArray();
    case 'countDocuments':
      return collection.countDocuments(args.filter as Document, optionsOf(args, hooks, ['filter']));
    case 'estimatedDocumentCount':
      return collection.estimatedDocumentCount(optionsOf(args, hooks));
    case 'count':
      return collection.count(args.filter as Document, optionsOf(args, hooks, ['filter']));
    case 'distinct':
      return collection.distinct(
        String(args.fieldName),
        (args.filter ?? {}) as Document,
        optionsOf(args, hooks, ['fieldName', 'filter']),
      );
    case 'bulkWrite':
      return bulkWriteResult(
        await collection.bulkWrite(
          args.requests as AnyBulkWriteOperation[],
          optionsOf(args, hooks, ['requests']),
        ),
      );
    case 'createIndex':
      return collection.createIndex(args.keys as Document, optionsOf(args, hooks, ['keys']));
    case 'dropIndex':
      return collection.dropIndex(String(args.name), optionsOf(args, hooks, ['name']));
    case 'listIndexes':
      return collection.listIndexes(optionsOf(args, hooks)).toArray();
    case 'drop':
      return collection.drop(optionsOf(args, hooks));
    case 'rename':
      await collection.rename(String(args.to), optionsOf(args, hooks, ['to']));
      return undefined;
    case 'createChangeStream':
      return openChangeStream(collection, args, hooks);
    default:
      throw new Error(`unsupported collection operation '${op.name}'`);
  }
}

async function openChangeStream(
  target: Collection | Db | MongoClient,
  args: Document,
  hooks: RunnerHooks,
): Promise<ChangeStream> {
  const stream = target.watch(
    (args.pipeline ?? []) as Document[],
    optionsOf(args, hooks, ['pipeline']),
  );
  // The test format's createChangeStream runs the aggregate at once, the driver's watch() is
  // lazy: the driver exposes cursorInit() for exactly this (its own unified runner uses it).
  const internal = stream as unknown as { cursor: { cursorInit(): Promise<void> } };
  await internal.cursor.cursorInit();
  return stream;
}

async function nextChange(stream: ChangeStream, once: boolean): Promise<unknown> {
  return once ? stream.tryNext() : stream.next();
}

async function databaseOperation(
  op: Operation,
  db: Db,
  args: Document,
  hooks: RunnerHooks,
): Promise<unknown> {
  switch (op.name) {
    case 'runCommand':
      return db.command(
        args.command as Document,
        optionsOf(args, hooks, ['command', 'commandName']),
      );
    case 'createCollection':
      await db.createCollection(String(args.collection), optionsOf(args, hooks, ['collection']));
      return undefined;
    case 'dropCollection':
      return db.dropCollection(String(args.collection), optionsOf(args, hooks, ['collection']));
    case 'aggregate':
      return db
        .aggregate(args.pipeline as Document[], optionsOf(args, hooks, ['pipeline']))
        .toArray();
    case 'listCollections':
      return db
        .listCollections(args.filter as Document, optionsOf(args, hooks, ['filter']))
        .toArray();
    case 'listCollectionNames':
      return (await db.listCollections(args.filter as Document, { nameOnly: true }).toArray()).map(
        (collection) => collection.name,
      );
    case 'modifyCollection': {
      const { collection, session, ...rest } = args;
      return db.command(
        { collMod: collection, ...rest },
        session ? { session: hooks.entities.session(String(session)) } : {},
      );
    }
    case 'createChangeStream':
      return openChangeStream(db, args, hooks);
    default:
      throw new Error(`unsupported database operation '${op.name}'`);
  }
}

async function clientOperation(
  op: Operation,
  entity: ClientEntity,
  args: Document,
  hooks: RunnerHooks,
): Promise<unknown> {
  switch (op.name) {
    case 'createChangeStream':
      return openChangeStream(entity.client, args, hooks);
    case 'listDatabases':
      return (await entity.client.db('admin').admin().listDatabases(optionsOf(args, hooks)))
        .databases;
    case 'listDatabaseNames':
      return (
        await entity.client.db('admin').admin().listDatabases(optionsOf(args, hooks))
      ).databases.map((db) => db.name);
    default:
      throw new Error(`unsupported client operation '${op.name}'`);
  }
}

async function sessionOperation(
  op: Operation,
  session: ClientSession,
  args: Document,
  hooks: RunnerHooks,
): Promise<unknown> {
  switch (op.name) {
    case 'startTransaction':
      session.startTransaction(collectionLikeOptions(args));
      return undefined;
    case 'commitTransaction':
      await session.commitTransaction();
      return undefined;
    case 'abortTransaction':
      await session.abortTransaction();
      return undefined;
    case 'endSession':
      await session.endSession();
      return undefined;
    case 'withTransaction': {
      const { callback, ...options } = args;
      await session.withTransaction(
        () => hooks.runOperations(callback as Operation[]),
        collectionLikeOptions(options),
      );
      return undefined;
    }
    default:
      throw new Error(`unsupported session operation '${op.name}'`);
  }
}

async function testRunnerOperation(
  op: Operation,
  args: Document,
  hooks: RunnerHooks,
): Promise<unknown> {
  const { entities } = hooks;
  switch (op.name) {
    case 'failPoint':
      await hooks.failPoint(
        entities.client(String(args.client)).client,
        args.failPoint as Document,
      );
      return undefined;
    case 'targetedFailPoint': {
      // On a replica set the session's server is the primary its client talks to.
      const session = entities.session(String(args.session));
      await hooks.failPoint(
        (session as unknown as { client: MongoClient }).client,
        args.failPoint as Document,
      );
      return undefined;
    }
    case 'assertSessionTransactionState': {
      const state = sessionState(entities.session(String(args.session)));
      if (state !== args.state)
        throw new Error(`session is in state '${state}', expected '${String(args.state)}'`);
      return undefined;
    }
    case 'assertSessionPinned':
    case 'assertSessionUnpinned': {
      const pinned = entities.session(String(args.session)).isPinned;
      if (pinned !== (op.name === 'assertSessionPinned')) {
        throw new Error(`session is ${pinned ? '' : 'not '}pinned`);
      }
      return undefined;
    }
    case 'assertCollectionExists':
    case 'assertCollectionNotExists': {
      const names = await hooks.internalClient
        .db(String(args.databaseName))
        .listCollections({ name: args.collectionName }, { nameOnly: true })
        .toArray();
      if (names.length > 0 !== (op.name === 'assertCollectionExists')) {
        throw new Error(
          `collection ${String(args.collectionName)} ${names.length > 0 ? 'exists' : 'does not exist'}`,
        );
      }
      return undefined;
    }
    case 'assertIndexExists':
    case 'assertIndexNotExists': {
      const indexes = await hooks.internalClient
        .db(String(args.databaseName))
        .collection(String(args.collectionName))
        .listIndexes()
        .toArray()
        .catch(() => [] as Document[]);
      const exists = indexes.some((index) => index.name === args.indexName);
      if (exists !== (op.name === 'assertIndexExists')) {
        throw new Error(`index ${String(args.indexName)} ${exists ? 'exists' : 'does not exist'}`);
      }
      return undefined;
    }
    case 'createEntities':
      await hooks.createEntities(args.entities as Document[]);
      return undefined;
    default:
      throw new Error(`unsupported testRunner operation '${op.name}'`);
  }
}

/** Runs one operation and returns its result (errors propagate). */
export async function executeOperation(op: Operation, hooks: RunnerHooks): Promise<unknown> {
  const args = op.arguments ?? {};
  if (op.object === 'testRunner') return testRunnerOperation(op, args, hooks);
  const target = hooks.entities.get(op.object);
  if (target instanceof ClientEntity) return clientOperation(op, target, args, hooks);
  if (target instanceof Collection) return collectionOperation(op, target, args, hooks);
  if (target instanceof Db) return databaseOperation(op, target, args, hooks);
  if (target instanceof ClientSession) return sessionOperation(op, target, args, hooks);
  if (target instanceof ChangeStream) {
    switch (op.name) {
      case 'iterateUntilDocumentOrError':
        return nextChange(target, false);
      case 'iterateOnce':
        return nextChange(target, true);
      case 'close':
        await target.close();
        return undefined;
      default:
        throw new Error(`unsupported change stream operation '${op.name}'`);
    }
  }
  throw new Error(`cannot run '${op.name}' on entity '${op.object}'`);
}
