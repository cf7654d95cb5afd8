import { uniqueDbName } from '@app/testing';
import type { Collection } from 'mongodb';
import { RelayRuntime } from '../../test/support/relay-runtime';
import { JournalRepository, recordSizeBound } from './journal.repository';
import { JOURNAL_COLLECTION, type JournalRecord } from './journal.types';

function record(id: number, extra: Partial<JournalRecord> = {}): JournalRecord {
  const now = Date.now();
  return {
    _id: `orders|e${id}`,
    eventId: `e${id}`,
    subscription: 'orders',
    service: 'billing',
    sourceService: null,
    ns: { db: 'shop', coll: 'orders' },
    operationType: 'insert',
    documentKey: { _id: id },
    correlationId: `o-${id}`,
    processId: null,
    outcome: 'delivered',
    attempts: 1,
    changedAt: new Date(now),
    receivedAt: new Date(now),
    completedAt: new Date(now),
    handlingMs: 1,
    latencyMs: 1,
    sizeBytes: 200,
    fields: {},
    error: null,
    expireAt: new Date(now + 86_400_000),
    ...extra,
  };
}

describe(JournalRepository.name, () => {
  let runtime: RelayRuntime;
  let repository: JournalRepository;
  let journal: Collection<JournalRecord>;

  beforeAll(async () => {
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'journal-repository',
      relay: { runWorkers: false },
    });
    repository = runtime.moduleRef.get(JournalRepository);
    journal = runtime.connection.db!.collection(JOURNAL_COLLECTION);
  });

  afterEach(async () => {
    await journal.deleteMany({});
  });

  afterAll(async () => {
    await runtime?.close();
  });

  it('inserts a batch, and replaces the records already journaled (a redelivery) with the new outcome', async () => {
    await repository.insert([record(1), record(2, { outcome: 'pending', completedAt: null })]);

    const result = await repository.insert([
      record(2, { attempts: 3 }),
      record(3),
      record(1, { outcome: 'dead-lettered', error: { message: 'boom', code: 500 } }),
    ]);

    expect(result).toEqual({ inserted: 1, duplicates: 2 });
    const stored = await journal.find({}).sort({ _id: 1 }).toArray();
    expect(stored.map(({ _id, outcome, attempts }) => ({ _id, outcome, attempts }))).toEqual([
      { _id: 'orders|e1', outcome: 'dead-lettered', attempts: 1 },
      { _id: 'orders|e2', outcome: 'delivered', attempts: 3 },
      { _id: 'orders|e3', outcome: 'delivered', attempts: 1 },
    ]);
    expect(stored[0].error).toEqual({ message: 'boom', code: 500 });
  });

  it('splits records whose sizes add up past a command into several inserts, losing none', async () => {
    // Events of 1 MB: a record of one (with a business field) may take several MB of BSON.
    const large = Array.from({ length: 12 }, (_, i) =>
      record(100 + i, { sizeBytes: 1_000_000, fields: { total: i } }),
    );
    expect(recordSizeBound(large[0])).toBeGreaterThan(5_000_000);
    const db = repository.model.db.db!;
    const command = jest.spyOn(db, 'command');
    let calls: unknown[][] = [];
    try {
      expect(await repository.insert(large)).toEqual({ inserted: 12, duplicates: 0 });
      calls = command.mock.calls;
    } finally {
      command.mockRestore();
    }
    const commands = calls
      .map(([sent]) => sent as { insert?: string; documents?: unknown[] })
      .filter((sent) => sent.insert === JOURNAL_COLLECTION)
      .map((sent) => sent.documents?.length ?? 0);
    expect(commands.length).toBeGreaterThan(1);
    expect(commands.reduce((sum, count) => sum + count, 0)).toBe(12);
    expect(await journal.countDocuments({})).toBe(12);
  });

  it("sends the connection's write concern with its insert commands", async () => {
    const native = repository.model.db.db!;
    const db = repository.model.db
      .getClient()
      .db(native.databaseName, { writeConcern: { w: 'majority', wtimeoutMS: 5_000 } });
    const withConcern = new JournalRepository({
      db: { db },
      collection: repository.model.collection,
    } as never);
    const command = jest.spyOn(db, 'command');
    let sent: unknown;
    try {
      expect(await withConcern.insert([record(200)])).toEqual({ inserted: 1, duplicates: 0 });
      sent = command.mock.calls[0]?.[0];
    } finally {
      command.mockRestore();
    }
    expect(sent).toMatchObject({
      insert: JOURNAL_COLLECTION,
      writeConcern: { w: 'majority', wtimeout: 5_000 },
    });
    expect(await journal.countDocuments({ _id: 'orders|e200' })).toBe(1);
  });

  it('retries an insert once after a primary change (NotWritablePrimary), as the driver retries a write', async () => {
    const admin = repository.model.db.getClient().db('admin');
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: { times: 1 },
      data: { failCommands: ['insert'], errorCode: 10107 },
    });
    try {
      expect(await repository.insert([record(300), record(301)])).toEqual({
        inserted: 2,
        duplicates: 0,
      });
    } finally {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    }
    expect(await journal.countDocuments({ _id: { $in: ['orders|e300', 'orders|e301'] } })).toBe(2);
  });

  it('rejects a batch the database refuses for another reason than a duplicate', async () => {
    await expect(repository.insert([record(7, { _id: { $bad: 1 } as never })])).rejects.toThrow();
  });
});
