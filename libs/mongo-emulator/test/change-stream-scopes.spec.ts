// Change streams opened on a database and on the whole cluster (client.watch()): which
// namespaces they report, how drops and renames appear, and the dropDatabase event.
import type { Db, Document } from 'mongodb';
import {
  StreamTracker,
  expectEventBasics,
  expectEventKeys,
  expectNoMoreChanges,
  nextChanges,
} from './support/change-streams';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('scopes');
const streams = new StreamTracker();
let counter = 0;

/** A database of its own per test. */
function freshDb(): Db {
  counter += 1;
  return backend.client.db(`${backend.dbName}_${counter}`);
}

afterEach(async () => {
  await streams.closeAll();
});

describe('change events on a database', () => {
  it('reports changes to every collection of the database and none of another', async () => {
    const db = freshDb();
    const otherDb = freshDb();
    const stream = await streams.start(db);
    await otherDb.collection('x').insertOne({ _id: 'elsewhere' } as never);
    await db.collection('a').insertOne({ _id: 'a1' } as never);
    await db.collection('b').insertOne({ _id: 'b1' } as never);

    const events = await nextChanges(stream, 2);
    expect(events.map((event) => (event as Document).ns)).toEqual([
      { db: db.databaseName, coll: 'a' },
      { db: db.databaseName, coll: 'b' },
    ]);
    await expectNoMoreChanges(stream);
    await db.dropDatabase();
    await otherDb.dropDatabase();
  });

  it('filters by collection and operation ($or of ns.coll / operationType), drops included', async () => {
    const db = freshDb();
    const stream = await streams.start(db, [
      {
        $match: {
          $or: [
            { 'ns.coll': 'wanted' },
            { 'ns.coll': { $in: ['inserts'] }, operationType: { $in: ['insert'] } },
            { operationType: 'drop' },
          ],
        },
      },
      { $project: { _id: 1, ns: 1, operationType: 1 } },
    ]);
    const busy = db.collection('busy');
    await busy.insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: i })) as never[]);
    await db.collection('wanted').insertOne({ _id: 'w1' } as never);
    await db.collection('wanted').updateOne({ _id: 'w1' } as never, { $set: { x: 1 } });
    await db.collection('inserts').insertOne({ _id: 'i1' } as never);
    await db.collection('inserts').deleteOne({ _id: 'i1' } as never);
    await busy.drop();

    const events = await nextChanges(stream, 4);
    expect(events.map((event) => [event.operationType, (event as Document).ns.coll])).toEqual([
      ['insert', 'wanted'],
      ['update', 'wanted'],
      ['insert', 'inserts'],
      ['drop', 'busy'],
    ]);
    await expectNoMoreChanges(stream);
    await db.dropDatabase();
  });

  it('keeps streaming after a collection is renamed or dropped', async () => {
    const db = freshDb();
    await db.collection('a').insertOne({ _id: 1 } as never);
    await db.collection('gone').insertOne({ _id: 1 } as never);
    const stream = await streams.start(db);
    await db.collection('a').rename('a2');
    await db.collection('gone').drop();
    await db.collection('a2').insertOne({ _id: 2 } as never);

    const events = await nextChanges(stream, 3);
    expect(events).toMatchObject([
      {
        operationType: 'rename',
        ns: { db: db.databaseName, coll: 'a' },
        to: { db: db.databaseName, coll: 'a2' },
      },
      { operationType: 'drop', ns: { db: db.databaseName, coll: 'gone' } },
      { operationType: 'insert', ns: { db: db.databaseName, coll: 'a2' }, documentKey: { _id: 2 } },
    ]);
    await db.dropDatabase();
  });

  it('reports drop events, dropDatabase and invalidate when the database is dropped', async () => {
    const db = freshDb();
    await db.collection('a').insertOne({ _id: 1 } as never);
    await db.collection('b').insertOne({ _id: 1 } as never);
    const stream = await streams.start(db);
    await db.dropDatabase();

    const events = await nextChanges(stream, 4);
    const drops = events.slice(0, 2);
    expect(drops.map((event) => event.operationType)).toEqual(['drop', 'drop']);
    expect(drops.map((event) => (event as Document).ns.coll).sort()).toEqual(['a', 'b']);

    const [dropDatabase, invalidate] = events.slice(2);
    expectEventKeys(dropDatabase, backend.hello, [
      '_id',
      'clusterTime',
      'ns',
      'operationType',
      'wallTime',
    ]);
    expectEventBasics(dropDatabase);
    expect(dropDatabase).toMatchObject({
      operationType: 'dropDatabase',
      ns: { db: db.databaseName },
    });
    expect((dropDatabase as Document).ns).toEqual({ db: db.databaseName });
    expectEventKeys(invalidate, backend.hello, ['_id', 'clusterTime', 'operationType', 'wallTime']);
    expect(invalidate.operationType).toBe('invalidate');
  });
});

describe('change events on the whole cluster', () => {
  it('reports changes across databases and survives a dropDatabase without invalidating', async () => {
    const first = freshDb();
    const second = freshDb();
    const stream = await streams.start(backend.client, [
      { $match: { 'ns.db': { $in: [first.databaseName, second.databaseName] } } },
    ]);
    await first.collection('c').insertOne({ _id: 1 } as never);
    await second.collection('c').insertOne({ _id: 2 } as never);
    await second.dropDatabase();
    await first.collection('c').insertOne({ _id: 3 } as never);

    const events = await nextChanges(stream, 5);
    expect(events).toMatchObject([
      {
        operationType: 'insert',
        ns: { db: first.databaseName, coll: 'c' },
        documentKey: { _id: 1 },
      },
      {
        operationType: 'insert',
        ns: { db: second.databaseName, coll: 'c' },
        documentKey: { _id: 2 },
      },
      { operationType: 'drop', ns: { db: second.databaseName, coll: 'c' } },
      { operationType: 'dropDatabase', ns: { db: second.databaseName } },
      {
        operationType: 'insert',
        ns: { db: first.databaseName, coll: 'c' },
        documentKey: { _id: 3 },
      },
    ]);
    await expectNoMoreChanges(stream);
    await first.dropDatabase();
  });
});
