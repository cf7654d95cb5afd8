// Multi-document transactions: writes become visible atomically on commit and never on abort;
// the change events a transaction produces appear on commit, carrying lsid and txnNumber.
import {
  Binary,
  Long,
  Timestamp,
  type ClientSession,
  type Collection,
  type MongoClient,
} from 'mongodb';
import {
  StreamTracker,
  expectEventKeys,
  expectNoMoreChanges,
  nextChanges,
  sortedKeys,
  tokenData,
} from './support/change-streams';
import { CommandLog } from './support/command-log';
import { useConformanceBackend } from './support/conformance-backend';

const backend = useConformanceBackend('txn');

describe('transactions', () => {
  let client: MongoClient;
  let log: CommandLog;
  let session: ClientSession;
  let orders: Collection;
  const streams = new StreamTracker();
  let collectionCounter = 0;

  beforeAll(async () => {
    client = await backend.connect({ monitorCommands: true });
    log = new CommandLog(client);
  });

  beforeEach(async () => {
    collectionCounter += 1;
    orders = client.db(backend.dbName).collection(`orders_${collectionCounter}`);
    await orders.insertOne({ _id: 'existing', qty: 1 } as never);
    session = client.startSession();
    log.clear();
  });

  afterEach(async () => {
    await streams.closeAll();
    await session.endSession();
  });

  it('makes writes visible to others only when the transaction commits', async () => {
    session.startTransaction();
    await orders.insertOne({ _id: 'a', qty: 5 } as never, { session });
    await orders.insertOne({ _id: 'b', qty: 6 } as never, { session });
    await orders.updateOne({ _id: 'existing' } as never, { $inc: { qty: 1 } }, { session });

    // The transaction reads its own writes ...
    await expect(orders.countDocuments({}, { session })).resolves.toBe(3);
    await expect(orders.findOne({ _id: 'existing' } as never, { session })).resolves.toEqual({
      _id: 'existing',
      qty: 2,
    });
    // ... which nobody outside it can see yet.
    await expect(orders.countDocuments()).resolves.toBe(1);
    await expect(orders.findOne({ _id: 'existing' } as never)).resolves.toEqual({
      _id: 'existing',
      qty: 1,
    });

    await session.commitTransaction();

    await expect(orders.find().sort({ _id: 1 }).toArray()).resolves.toEqual([
      { _id: 'a', qty: 5 },
      { _id: 'b', qty: 6 },
      { _id: 'existing', qty: 2 },
    ]);
    const [commit] = log.startedNamed('commitTransaction');
    expect(commit.command).toMatchObject({ commitTransaction: 1, autocommit: false });
    expect(log.succeeded.some((event) => event.commandName === 'commitTransaction')).toBe(true);
  });

  it('discards every write when the transaction aborts', async () => {
    session.startTransaction();
    await orders.insertOne({ _id: 'a' } as never, { session });
    await orders.deleteOne({ _id: 'existing' } as never, { session });
    await session.abortTransaction();

    await expect(orders.find().toArray()).resolves.toEqual([{ _id: 'existing', qty: 1 }]);
    expect(log.startedNamed('abortTransaction')).toHaveLength(1);
    expect(log.succeeded.some((event) => event.commandName === 'abortTransaction')).toBe(true);
  });

  it('runs a callback transaction with withTransaction', async () => {
    const result = await session.withTransaction(async () => {
      await orders.insertOne({ _id: 'w1' } as never, { session });
      await orders.updateOne(
        { _id: 'existing' } as never,
        { $set: { via: 'withTransaction' } },
        { session },
      );
      return 'done';
    });
    expect(result).toBe('done');
    await expect(orders.find().sort({ _id: 1 }).toArray()).resolves.toEqual([
      { _id: 'existing', qty: 1, via: 'withTransaction' },
      { _id: 'w1' },
    ]);
  });

  it('emits change events only on commit, each carrying lsid and txnNumber', async () => {
    const stream = await streams.start(orders);
    session.startTransaction();
    await orders.insertOne({ _id: 'a', qty: 5 } as never, { session });
    await orders.updateOne({ _id: 'existing' } as never, { $set: { qty: 9 } }, { session });
    await orders.deleteOne({ _id: 'a' } as never, { session });
    await expectNoMoreChanges(stream);

    await session.commitTransaction();
    const events = await nextChanges(stream, 3);

    expect(events.map((event) => event.operationType)).toEqual(['insert', 'update', 'delete']);
    const [commit] = log.startedNamed('commitTransaction');
    const txnNumber = Long.fromValue(commit.command.txnNumber as Long | number).toNumber();
    const sessionId = session.id?.id as Binary;
    for (const event of events) {
      const withTxn = event as typeof event & {
        lsid: { id: Binary; uid: Binary };
        txnNumber: unknown;
      };
      expect(sortedKeys(withTxn.lsid)).toEqual(['id', 'uid']);
      expect(withTxn.lsid.id).toBeInstanceOf(Binary);
      expect(withTxn.lsid.id.toString('hex')).toBe(sessionId.toString('hex'));
      expect(withTxn.lsid.uid).toBeInstanceOf(Binary);
      expect(withTxn.lsid.uid.length()).toBe(32);
      expect(Long.fromValue(withTxn.txnNumber as number).toNumber()).toBe(txnNumber);
      expect(event.clusterTime).toBeInstanceOf(Timestamp);
    }
    expectEventKeys(events[0], backend.hello, [
      '_id',
      'clusterTime',
      'documentKey',
      'fullDocument',
      'lsid',
      'ns',
      'operationType',
      'txnNumber',
      'wallTime',
    ]);
    // One commit, one oplog entry: the events share its clusterTime but keep ordered tokens.
    for (const event of events) {
      expect(event.clusterTime).toEqual(events[0].clusterTime);
    }
    const tokens = events.map((event) => tokenData(event._id));
    expect([...tokens].sort()).toEqual(tokens);
    expect(new Set(tokens).size).toBe(3);
    await expectNoMoreChanges(stream);
  });

  it('emits nothing for an aborted transaction', async () => {
    const stream = await streams.start(orders);
    session.startTransaction();
    await orders.insertOne({ _id: 'never' } as never, { session });
    await session.abortTransaction();
    await orders.insertOne({ _id: 'after-abort' } as never);

    const [event] = await nextChanges(stream, 1);
    expect(event).toMatchObject({ operationType: 'insert', documentKey: { _id: 'after-abort' } });
    expect(event).not.toHaveProperty('lsid');
    expect(event).not.toHaveProperty('txnNumber');
    await expectNoMoreChanges(stream);
  });
});
