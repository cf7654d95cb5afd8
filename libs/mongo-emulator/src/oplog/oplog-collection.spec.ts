import { MongoClient, MongoServerError, Timestamp } from 'mongodb';
import { MongoEmulator } from '../mongo-emulator';

/** What tools such as rs.printReplicationInfo() and the relay's oplog window read. */
describe('local.oplog.rs', () => {
  let emulator: MongoEmulator;
  let client: MongoClient;

  beforeAll(async () => {
    emulator = await MongoEmulator.start({ oplogSize: 20 });
    client = await new MongoClient(emulator.uri).connect();
  });

  afterAll(async () => {
    await client?.close();
    await emulator?.stop();
  });

  const oplog = () => client.db('local').collection('oplog.rs');
  const first = () => oplog().find({}).sort({ $natural: 1 }).limit(1).next();
  const last = () => oplog().find({}).sort({ $natural: -1 }).limit(1).next();

  it('starts with the initiating no-op entry, then the writes in natural order', async () => {
    const initiating = await first();
    expect(initiating).toMatchObject({ op: 'n', o: { msg: 'initiating set' } });
    expect(initiating?.ts).toBeInstanceOf(Timestamp);
    await client
      .db('app')
      .collection('notes')
      .insertOne({ _id: 1 as never, text: 'a' });
    await client
      .db('app')
      .collection('notes')
      .updateOne({ _id: 1 as never }, { $set: { text: 'b' } });
    const newest = await last();
    expect(newest).toMatchObject({ op: 'u', ns: 'app.notes', o2: { _id: 1 } });
    expect(newest?.wall).toBeInstanceOf(Date);
    const entries = await oplog().find({ ns: 'app.notes' }).toArray();
    expect(entries.map((entry) => entry.op)).toEqual(['i', 'u']);
    expect(entries[0].o).toEqual({ _id: 1, text: 'a' });
  });

  it('reports its size and bound through collStats', async () => {
    const stats = await client.db('local').command({ collStats: 'oplog.rs' });
    expect(stats).toMatchObject({ ns: 'local.oplog.rs', capped: true, max: 20 });
    expect(stats.count).toBe((await oplog().find().toArray()).length);
    expect(stats.size).toBeGreaterThan(0);
    expect(stats.maxSize).toBeGreaterThanOrEqual(stats.size);
  });

  it('drops its oldest entries when full; a stream starting before the first entry has lost its history', async () => {
    const before = (await first())!.ts as Timestamp;
    const notes = client.db('app').collection<{ _id: number }>('notes');
    for (let i = 2; i < 40; i += 1) {
      await notes.insertOne({ _id: i });
    }
    const oldest = (await first())!;
    expect(oldest.op).toBe('i');
    expect((oldest.ts as Timestamp).greaterThan(before)).toBe(true);
    const stats = await client.db('local').command({ collStats: 'oplog.rs' });
    expect(stats.count).toBe(20);
    const stream = notes.watch([], { startAtOperationTime: before });
    const error = await stream.tryNext().catch((caught: unknown) => caught);
    await stream.close();
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(286);
    expect((error as MongoServerError).codeName).toBe('ChangeStreamHistoryLost');
    // At the first retained entry the history is still there.
    const kept = notes.watch([], { startAtOperationTime: oldest.ts as Timestamp });
    expect(await kept.tryNext()).toMatchObject({ operationType: 'insert' });
    await kept.close();
  });
});
