// Change events, shaped exactly as MongoDB documents them (Change Events reference, 7.0):
// insert, update, replace, delete, drop, rename and invalidate on a collection stream.
// Database and cluster streams: change-stream-scopes.spec.ts.
import type { Collection, Db, Document } from 'mongodb';
import {
  StreamTracker,
  expectEventBasics,
  expectEventKeys,
  expectNoMoreChanges,
  nextChange,
  nextChanges,
  tokenData,
} from './support/change-streams';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('events');
const streams = new StreamTracker();
let counter = 0;

function freshCollection(): Collection {
  counter += 1;
  return backend.db.collection(`ev_${counter}`);
}

/** A database of its own, for tests that drop one. */
function freshDb(): Db {
  counter += 1;
  return backend.client.db(`${backend.dbName}_${counter}`);
}

afterEach(async () => {
  await streams.closeAll();
});

describe('change events on a collection', () => {
  it('reports an insert with the full document', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection);
    await collection.insertOne({ _id: 1, name: 'widget', nested: { a: [1, 2] } } as never);

    const event = await nextChange(stream);
    expectEventKeys(event, backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'fullDocument',
      'ns',
      'operationType',
      'wallTime',
    ]);
    expectEventBasics(event);
    expect(event).toMatchObject({
      operationType: 'insert',
      ns: { db: backend.dbName, coll: collection.collectionName },
      documentKey: { _id: 1 },
      fullDocument: { _id: 1, name: 'widget', nested: { a: [1, 2] } },
    });
    expect((event as Document).ns).toEqual({ db: backend.dbName, coll: collection.collectionName });
  });

  it('reports an update with updatedFields, removedFields and truncatedArrays', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 1, a: 1, b: 'gone', nested: { x: 0, y: 0 } } as never);
    const stream = await streams.start(collection);
    await collection.updateOne({ _id: 1 } as never, {
      $set: { a: 2, 'nested.x': 5 },
      $unset: { b: '' },
    });

    const event = await nextChange(stream);
    expectEventKeys(event, backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'ns',
      'operationType',
      'updateDescription',
      'wallTime',
    ]);
    expectEventBasics(event);
    expect(event).toMatchObject({
      operationType: 'update',
      ns: { db: backend.dbName, coll: collection.collectionName },
      documentKey: { _id: 1 },
    });
    expect((event as Document).updateDescription).toEqual({
      updatedFields: { a: 2, 'nested.x': 5 },
      removedFields: ['b'],
      truncatedArrays: [],
    });
  });

  it('reports an array truncated by a pipeline update in truncatedArrays', async () => {
    const collection = freshCollection();
    // The padding keeps the update's diff smaller than the document, so MongoDB logs a delta
    // (an update event) rather than a full replacement.
    await collection.insertOne({ _id: 1, arr: [1, 2, 3, 4, 5], padding: 'p'.repeat(512) } as never);
    const stream = await streams.start(collection);
    await collection.updateOne({ _id: 1 } as never, [{ $set: { arr: { $slice: ['$arr', 2] } } }]);

    const event = await nextChange(stream);
    expect(event.operationType).toBe('update');
    expect((event as Document).updateDescription).toEqual({
      updatedFields: {},
      removedFields: [],
      truncatedArrays: [{ field: 'arr', newSize: 2 }],
    });
  });

  it('reports a replacement with the new document', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 'r', v: 1 } as never);
    const stream = await streams.start(collection);
    await collection.replaceOne({ _id: 'r' } as never, { v: 2, fresh: true });

    const event = await nextChange(stream);
    expectEventKeys(event, backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'fullDocument',
      'ns',
      'operationType',
      'wallTime',
    ]);
    expectEventBasics(event);
    expect(event).toMatchObject({
      operationType: 'replace',
      documentKey: { _id: 'r' },
      fullDocument: { _id: 'r', v: 2, fresh: true },
    });
  });

  it('reports a delete with only the document key', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 'd', v: 1 } as never);
    const stream = await streams.start(collection);
    await collection.deleteOne({ _id: 'd' } as never);

    const event = await nextChange(stream);
    expectEventKeys(event, backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'ns',
      'operationType',
      'wallTime',
    ]);
    expectEventBasics(event);
    expect(event).toMatchObject({
      operationType: 'delete',
      ns: { db: backend.dbName, coll: collection.collectionName },
      documentKey: { _id: 'd' },
    });
  });

  it('reports one event per document of a multi-document write, in order', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection);
    await collection.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }] as never[]);
    await collection.updateMany({}, { $set: { touched: true } });
    await collection.deleteMany({ _id: { $gte: 2 } } as never);

    const events = await nextChanges(stream, 8);
    expect(
      events.map((event) => [event.operationType, (event as Document).documentKey._id]),
    ).toEqual([
      ['insert', 1],
      ['insert', 2],
      ['insert', 3],
      ['update', 1],
      ['update', 2],
      ['update', 3],
      ['delete', 2],
      ['delete', 3],
    ]);
    await expectNoMoreChanges(stream);
  });

  it('reports a drop followed by invalidate', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 1 } as never);
    const stream = await streams.start(collection);
    await collection.drop();

    const [drop, invalidate] = await nextChanges(stream, 2);
    expectEventKeys(drop, backend.hello, ['_id', 'clusterTime', 'ns', 'operationType', 'wallTime']);
    expectEventBasics(drop);
    expect(drop).toMatchObject({
      operationType: 'drop',
      ns: { db: backend.dbName, coll: collection.collectionName },
    });
    expectEventKeys(invalidate, backend.hello, ['_id', 'clusterTime', 'operationType', 'wallTime']);
    expectEventBasics(invalidate);
    expect(invalidate.operationType).toBe('invalidate');
    expect(tokenData(invalidate._id) > tokenData(drop._id)).toBe(true);
  });

  it('invalidates a stream whose $match keeps only inserts when its collection is dropped', async () => {
    const collection = freshCollection();
    const stream = await streams.start(collection, [{ $match: { operationType: 'insert' } }]);
    await collection.insertOne({ _id: 1 } as never);
    await collection.drop();

    const events = await nextChanges(stream, 2);
    expect(events.map((event) => event.operationType)).toEqual(['insert', 'invalidate']);
  });

  it('reports a rename with its target followed by invalidate', async () => {
    const collection = freshCollection();
    await collection.insertOne({ _id: 1 } as never);
    const stream = await streams.start(collection);
    const targetName = `${collection.collectionName}_renamed`;
    await collection.rename(targetName);

    const [rename, invalidate] = await nextChanges(stream, 2);
    expectEventKeys(rename, backend.hello, [
      '_id',
      'clusterTime',
      'ns',
      'operationType',
      'to',
      'wallTime',
    ]);
    expectEventBasics(rename);
    expect(rename).toMatchObject({
      operationType: 'rename',
      ns: { db: backend.dbName, coll: collection.collectionName },
      to: { db: backend.dbName, coll: targetName },
    });
    expect(invalidate.operationType).toBe('invalidate');
  });

  it('reports the drop of its collection when the database is dropped, then invalidates', async () => {
    const db = freshDb();
    const collection = db.collection('watched');
    await collection.insertOne({ _id: 1 } as never);
    const stream = await streams.start(collection);
    await db.dropDatabase();

    const [drop, invalidate] = await nextChanges(stream, 2);
    expect(drop).toMatchObject({
      operationType: 'drop',
      ns: { db: db.databaseName, coll: 'watched' },
    });
    expect(invalidate.operationType).toBe('invalidate');
  });

  it('does not report changes to other collections', async () => {
    const watched = freshCollection();
    const other = freshCollection();
    const stream = await streams.start(watched);
    await other.insertOne({ _id: 'other' } as never);
    await watched.insertOne({ _id: 'mine' } as never);

    const event = await nextChange(stream);
    expect(event).toMatchObject({ operationType: 'insert', documentKey: { _id: 'mine' } });
    await expectNoMoreChanges(stream);
  });
});
