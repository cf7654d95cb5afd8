import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, type ResumeToken } from 'mongodb';
import { MongoEmulator, type MongoEmulatorOptions } from '../mongo-emulator';
import { EmulatorPersistence } from './emulator-persistence';

describe(EmulatorPersistence.name, () => {
  let dir: string;
  let running: { emulator: MongoEmulator; client: MongoClient } | undefined;

  async function start(options: MongoEmulatorOptions = {}) {
    const emulator = await MongoEmulator.start({ dataDir: dir, ...options });
    const client = await new MongoClient(emulator.uri).connect();
    running = { emulator, client };
    return { emulator, client, db: client.db('app') };
  }

  async function stop(): Promise<void> {
    await running?.client.close();
    await running?.emulator.stop();
    running = undefined;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-data-'));
  });

  afterEach(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps documents, collection options and indexes across a restart', async () => {
    let { db } = await start();
    await db.createCollection('orders', { changeStreamPreAndPostImages: { enabled: true } });
    await db.collection('orders').createIndex({ sku: 1 }, { unique: true, name: 'sku_unique' });
    await db.collection('orders').insertMany([
      { _id: 1 as never, sku: 'apple', qty: 2, at: new Date(0) },
      { _id: 2 as never, sku: 'pear', qty: 1 },
      { _id: 3 as never, sku: 'plum', qty: 5 },
    ]);
    await db.collection('orders').updateOne({ _id: 2 as never }, { $inc: { qty: 4 } });
    await db.collection('orders').deleteOne({ _id: 3 as never });
    await db.collection('scratch').insertOne({ _id: 'x' as never });
    await db.collection('scratch').drop();
    await db.collection('old').insertOne({ _id: 'r' as never });
    await db.renameCollection('old', 'renamed');
    await stop();

    ({ db } = await start());
    expect(await db.collection('orders').find().sort({ _id: 1 }).toArray()).toEqual([
      { _id: 1, sku: 'apple', qty: 2, at: new Date(0) },
      { _id: 2, sku: 'pear', qty: 5 },
    ]);
    const names = (await db.listCollections().toArray()).map((c) => c.name).sort();
    expect(names).toEqual(['orders', 'renamed']);
    const [orders] = await db.listCollections({ name: 'orders' }).toArray();
    expect(orders).toMatchObject({ options: { changeStreamPreAndPostImages: { enabled: true } } });
    const indexes = await db.collection('orders').listIndexes().toArray();
    expect(indexes.map((index) => index.name)).toEqual(['_id_', 'sku_unique']);
    await expect(
      db.collection('orders').insertOne({ _id: 9 as never, sku: 'apple' }),
    ).rejects.toMatchObject({ code: 11000 });
  });

  it('keeps a committed transaction whole and nothing of an aborted one', async () => {
    let { db, client } = await start();
    await db.createCollection('accounts');
    const session = client.startSession();
    await session.withTransaction(async () => {
      await db.collection('accounts').insertOne({ _id: 'a' as never, balance: 10 }, { session });
      await db.collection('accounts').insertOne({ _id: 'b' as never, balance: 20 }, { session });
    });
    session.startTransaction();
    await db.collection('accounts').insertOne({ _id: 'c' as never, balance: 30 }, { session });
    await session.abortTransaction();
    await session.endSession();
    await stop();

    ({ db, client } = await start());
    const ids = (await db.collection('accounts').find().toArray()).map((doc) => doc._id);
    expect(ids.sort()).toEqual(['a', 'b']);
  });

  it('resumes a change stream from a token of the previous run, and later writes sort after it', async () => {
    let { db } = await start();
    const coll = db.collection<{ _id: number }>('events');
    const stream = coll.watch();
    await stream.tryNext();
    await coll.insertOne({ _id: 1 });
    const first = await stream.next();
    const token: ResumeToken = first._id;
    await coll.insertMany([{ _id: 2 }, { _id: 3 }]);
    await stream.close();
    await stop();

    ({ db } = await start());
    await db.collection('events').insertOne({ _id: 4 as never });
    const resumed = db.collection('events').watch([], { resumeAfter: token });
    const seen: unknown[] = [];
    for (let i = 0; i < 3; i += 1) {
      const event = await resumed.next();
      seen.push((event as { documentKey: { _id: unknown } }).documentKey._id);
    }
    await resumed.close();
    expect(seen).toEqual([2, 3, 4]);
  });

  it('compacts the log into snapshots and recovers from a snapshot plus the log after it', async () => {
    let { db } = await start({ snapshotAfterBytes: 4_096 });
    const coll = db.collection<{ _id: number; n: number }>('bulk');
    for (let i = 0; i < 200; i += 1) await coll.insertOne({ _id: i, n: i });
    await coll.updateMany({ _id: { $lt: 50 } }, { $set: { n: -1 } });
    await coll.deleteMany({ _id: { $gte: 190 } });
    const files = readdirSync(dir);
    expect(files.filter((name) => name.endsWith('.snap')).length).toBeGreaterThanOrEqual(1);
    // The logs a snapshot covers are deleted: ~30 kB of commits, at most a few logs left.
    expect(files.filter((name) => name.endsWith('.log')).length).toBeLessThanOrEqual(3);
    await stop();

    ({ db } = await start());
    expect(await db.collection('bulk').countDocuments()).toBe(190);
    expect(await db.collection('bulk').countDocuments({ n: -1 })).toBe(50);
    expect(await db.collection('bulk').findOne({ _id: 120 as never })).toEqual({
      _id: 120,
      n: 120,
    });
  });

  it('does not pile up logs over restarts', async () => {
    let { db } = await start();
    await db.collection('t').insertOne({ _id: 1 as never });
    for (let run = 0; run < 4; run += 1) {
      await stop();
      ({ db } = await start());
    }
    await stop();
    expect(readdirSync(dir).filter((name) => name.endsWith('.log')).length).toBeLessThanOrEqual(2);
    ({ db } = await start());
    expect(await db.collection('t').countDocuments()).toBe(1);
  });

  it('drops a torn record at the end of the log, as a crash mid-write leaves it', async () => {
    let { db } = await start();
    await db.collection('t').insertOne({ _id: 1 as never });
    await stop();
    const wal = readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .sort()
      .pop() as string;
    appendFileSync(join(dir, wal), Buffer.from([0x40, 0, 0, 0, 1, 2, 3, 4, 5, 6]));

    ({ db } = await start());
    expect(await db.collection('t').find().toArray()).toEqual([{ _id: 1 }]);
    await db.collection('t').insertOne({ _id: 2 as never });
    await stop();
    ({ db } = await start());
    expect(await db.collection('t').countDocuments()).toBe(2);
  });

  it('refuses a data directory another emulator has open', async () => {
    await start();
    await expect(MongoEmulator.start({ dataDir: dir })).rejects.toThrow(/already open/);
  });

  it('keeps nothing without a data directory', async () => {
    const emulator = await MongoEmulator.start();
    const client = await new MongoClient(emulator.uri).connect();
    try {
      await client
        .db('app')
        .collection('t')
        .insertOne({ _id: 1 as never });
    } finally {
      await client.close();
      await emulator.stop();
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
