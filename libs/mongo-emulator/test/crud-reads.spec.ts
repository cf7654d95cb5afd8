// Read commands: find (filter, projection, sort, skip, limit, batchSize), getMore across batches,
// killCursors, count and distinct.
import { Long, type Document, type MongoClient } from 'mongodb';
import { CommandLog } from './support/command-log';
import { useConformanceBackend } from './support/conformance-backend';
import { expectErrorReply, serverError } from './support/server-errors';

const backend = useConformanceBackend('reads');

const ITEMS = Array.from({ length: 10 }, (_, index) => ({
  _id: index + 1,
  name: `item-${index + 1}`,
  group: index % 2 === 0 ? 'odd' : 'even',
  price: (index + 1) * 10,
  tags: index < 3 ? ['early'] : ['late'],
  nested: { rank: 10 - index },
}));

/** Cursor commands keep 64-bit cursor ids as Long, exactly as they travel on the wire. */
async function cursorCommand(command: Document): Promise<Document> {
  return backend.db.command(command, { promoteLongs: false });
}

beforeAll(async () => {
  await backend.db.collection('items').insertMany(ITEMS as never[]);
});

describe('find', () => {
  it('filters, projects, sorts, skips and limits', async () => {
    const reply = await backend.db.command({
      find: 'items',
      filter: { group: 'even', price: { $gte: 40 } },
      projection: { name: 1, 'nested.rank': 1, _id: 0 },
      sort: { price: -1 },
      skip: 1,
      limit: 2,
    });
    expect(reply).toMatchObject({ ok: 1, cursor: { id: 0, ns: `${backend.dbName}.items` } });
    expect(reply.cursor.firstBatch).toEqual([
      { name: 'item-8', nested: { rank: 3 } },
      { name: 'item-6', nested: { rank: 5 } },
    ]);
  });

  it('supports query operators on arrays, nested fields and $or', async () => {
    const docs = await backend.db
      .collection('items')
      .find({ $or: [{ tags: 'early' }, { 'nested.rank': { $lt: 2 } }] }, { projection: { _id: 1 } })
      .sort({ _id: 1 })
      .toArray();
    expect(docs).toEqual([{ _id: 1 }, { _id: 2 }, { _id: 3 }, { _id: 10 }]);
  });

  it('excludes fields with an exclusion projection', async () => {
    const doc = await backend.db
      .collection('items')
      .findOne({ _id: 4 } as never, { projection: { tags: 0, nested: 0 } });
    expect(doc).toEqual({ _id: 4, name: 'item-4', group: 'even', price: 40 });
  });
});

describe('getMore and killCursors', () => {
  it('returns the first batch and a live cursor id, then the rest through getMore', async () => {
    const first = await cursorCommand({ find: 'items', sort: { _id: 1 }, batchSize: 4 });
    expect(first.cursor.firstBatch.map((doc: Document) => doc._id)).toEqual([1, 2, 3, 4]);
    const cursorId = first.cursor.id as Long;
    expect(cursorId).toBeInstanceOf(Long);
    expect(cursorId.isZero()).toBe(false);

    const second = await cursorCommand({ getMore: cursorId, collection: 'items', batchSize: 4 });
    expect(second).toMatchObject({ ok: 1, cursor: { ns: `${backend.dbName}.items` } });
    expect(second.cursor.nextBatch.map((doc: Document) => doc._id)).toEqual([5, 6, 7, 8]);
    expect((second.cursor.id as Long).equals(cursorId)).toBe(true);

    const last = await cursorCommand({ getMore: cursorId, collection: 'items', batchSize: 4 });
    expect(last.cursor.nextBatch.map((doc: Document) => doc._id)).toEqual([9, 10]);
    expect((last.cursor.id as Long).isZero()).toBe(true);

    const exhausted = await serverError(
      cursorCommand({ getMore: cursorId, collection: 'items' }),
      'getMore on an exhausted cursor',
    );
    expectErrorReply(exhausted, { code: 43, codeName: 'CursorNotFound' });
  });

  it('lets the driver iterate a cursor across batches with getMore', async () => {
    const client: MongoClient = await backend.connect({ monitorCommands: true });
    const log = new CommandLog(client);
    const docs = await client
      .db(backend.dbName)
      .collection('items')
      .find({}, { batchSize: 3 })
      .sort({ _id: 1 })
      .toArray();
    expect(docs.map((doc) => doc._id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(log.startedNamed('find')).toHaveLength(1);
    expect(log.startedNamed('getMore')).toHaveLength(3);
  });

  it('kills a cursor, after which getMore fails with CursorNotFound (43)', async () => {
    const first = await cursorCommand({ find: 'items', batchSize: 2 });
    const cursorId = first.cursor.id as Long;

    const killed = await cursorCommand({ killCursors: 'items', cursors: [cursorId] });
    expect(killed).toMatchObject({
      ok: 1,
      cursorsKilled: [cursorId],
      cursorsNotFound: [],
      cursorsAlive: [],
      cursorsUnknown: [],
    });

    const error = await serverError(cursorCommand({ getMore: cursorId, collection: 'items' }));
    expectErrorReply(error, { code: 43, codeName: 'CursorNotFound' });

    const again = await cursorCommand({ killCursors: 'items', cursors: [cursorId] });
    expect(again).toMatchObject({ cursorsKilled: [], cursorsNotFound: [cursorId] });
  });

  it('closes a cursor when limit is reached in the first batch', async () => {
    const reply = await cursorCommand({ find: 'items', limit: 3, batchSize: 5 });
    expect(reply.cursor.firstBatch).toHaveLength(3);
    expect((reply.cursor.id as Long).isZero()).toBe(true);
  });
});

describe('count and distinct', () => {
  it('counts with a query, skip and limit', async () => {
    await expect(backend.db.command({ count: 'items' })).resolves.toMatchObject({ ok: 1, n: 10 });
    await expect(
      backend.db.command({ count: 'items', query: { group: 'odd' } }),
    ).resolves.toMatchObject({
      n: 5,
    });
    await expect(
      backend.db.command({ count: 'items', query: { group: 'odd' }, skip: 1, limit: 3 }),
    ).resolves.toMatchObject({ n: 3 });
    await expect(backend.db.command({ count: 'never_created' })).resolves.toMatchObject({
      ok: 1,
      n: 0,
    });
  });

  it('returns distinct values, flattening arrays', async () => {
    const reply = await backend.db.command({ distinct: 'items', key: 'tags' });
    expect(reply).toMatchObject({ ok: 1 });
    expect([...reply.values].sort()).toEqual(['early', 'late']);

    const filtered = await backend.db.command({
      distinct: 'items',
      key: 'group',
      query: { price: { $lte: 10 } },
    });
    expect(filtered.values).toEqual(['odd']);
  });

  it('serves the driver countDocuments and estimatedDocumentCount', async () => {
    const items = backend.db.collection('items');
    await expect(items.countDocuments({ price: { $gt: 50 } })).resolves.toBe(5);
    await expect(items.estimatedDocumentCount()).resolves.toBe(10);
  });
});
