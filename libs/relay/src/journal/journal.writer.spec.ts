import * as os from 'node:os';
import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { Collection, MongoClient } from 'mongodb';
import { EventLog } from '../../test/support/event-log';
import { RelayRuntime, createSubscription } from '../../test/support/relay-runtime';
import { RelayPrometheus } from '../metrics/relay-prometheus';
import { JournalWriter } from './journal.writer';
import { JOURNAL_COLLECTION, type JournalRecord } from './journal.types';

const HOUR_MS = 3_600_000;

describe(JournalWriter.name, () => {
  let admin: MongoClient;
  let runtime: RelayRuntime;
  const log = new EventLog();
  const sourceDb = uniqueDbName('src');
  const appName = uniqueDbName('journal');

  beforeAll(async () => {
    admin = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'journal-a',
      log,
      relay: { journalFlushIntervalMs: 100, journalBatchSize: 50, journalMaxBuffered: 40 },
      // runtimeAdapters: under jest the driver sends no client metadata (no appName) without it.
      connection: { appName, runtimeAdapters: { os } },
    });
  });

  afterAll(async () => {
    await admin
      ?.db('admin')
      .command({ configureFailPoint: 'failCommand', mode: 'off' })
      .catch(() => undefined);
    await runtime?.close();
    await admin?.close();
  });

  const journal = (): Collection<JournalRecord> =>
    runtime.connection.db!.collection<JournalRecord>(JOURNAL_COLLECTION);
  const writer = (): JournalWriter => runtime.moduleRef.get(JournalWriter);
  const records = (subscription: string) =>
    journal().find({ subscription }).sort({ receivedAt: 1, _id: 1 }).toArray();

  it('journals one record per handled event: correlation, business fields, attempts, times, size, TTL', async () => {
    await createSubscription(runtime, admin, {
      name: 'orders-journal',
      serviceName: 'billing',
      source: { database: sourceDb, collections: ['orders'], ownerService: 'orders' },
      journal: {
        enabled: true,
        retentionHours: 2,
        sampleRate: 1,
        fields: { total: 'fullDocument.total', missing: 'fullDocument.nope' },
      },
      correlation: { idPath: 'fullDocument.orderId', processPath: 'fullDocument.flow' },
    });
    log.failNext(1);
    const orders = admin.db(sourceDb).collection('orders');
    await orders.insertOne({ _id: 1 as never, orderId: 'A', flow: 'checkout', total: 10 });
    await orders.insertOne({ _id: 2 as never, orderId: 'A', flow: 'checkout', total: 5 });
    await orders.insertOne({ _id: 3 as never, total: 7 });
    const stored = await waitFor(
      async () => {
        const found = await records('orders-journal');
        return found.length === 3 && found.every((r) => r.outcome === 'delivered') && found;
      },
      { description: 'three journal records' },
    );
    const [first, second, third] = stored;
    expect(first).toMatchObject({
      subscription: 'orders-journal',
      service: 'billing',
      sourceService: 'orders',
      ns: { db: sourceDb, coll: 'orders' },
      operationType: 'insert',
      documentKey: { _id: 1 },
      correlationId: 'A',
      processId: 'checkout',
      outcome: 'delivered',
      attempts: 2,
      fields: { total: 10, missing: null },
    });
    // Fields without a value are left out of the stored record (they read as null).
    expect(first).not.toHaveProperty('error');
    expect(first._id).toBe(`orders-journal|${first.eventId}`);
    expect(second).toMatchObject({ correlationId: 'A', attempts: 1, fields: { total: 5 } });
    // No value at the path and no transaction: the event is its own process.
    expect(third).toMatchObject({ correlationId: third.eventId });
    expect(third).not.toHaveProperty('processId');
    for (const record of stored) {
      expect(record.sizeBytes).toBeGreaterThan(50);
      expect(record.completedAt!.getTime()).toBeGreaterThanOrEqual(record.receivedAt.getTime());
      expect(record.changedAt).toBeInstanceOf(Date);
      expect(record.latencyMs).toBe(record.completedAt!.getTime() - record.changedAt!.getTime());
      expect(record.expireAt.getTime()).toBe(record.completedAt!.getTime() + 2 * HOUR_MS);
    }
    const indexes = await journal().indexes();
    expect(indexes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: { expireAt: 1 }, expireAfterSeconds: 0 }),
        expect.objectContaining({ key: { receivedAt: -1 } }),
        expect.objectContaining({ key: { correlationId: 1, receivedAt: 1 } }),
      ]),
    );
  });

  it('keeps business fields small: a long text cut short, a large value noted by its size', async () => {
    await createSubscription(runtime, admin, {
      name: 'fields-journal',
      source: { database: sourceDb, collections: ['blobs'] },
      journal: {
        enabled: true,
        retentionHours: 2,
        sampleRate: 1,
        // Twice the same 9 MiB value: a record of 18 MiB could not be inserted at all.
        fields: {
          blob: 'fullDocument.blob',
          again: 'fullDocument.blob',
          note: 'fullDocument.note',
        },
      },
    });
    const blobs = admin.db(sourceDb).collection('blobs');
    await blobs.insertOne({
      _id: 1 as never,
      blob: { data: 'x'.repeat(9 * 1024 * 1024) },
      note: 'n'.repeat(10_000),
    });
    await blobs.insertOne({ _id: 2 as never, blob: { small: true }, note: 'short' });
    const stored = await waitFor(
      async () => {
        const found = await records('fields-journal');
        return found.length === 2 && found;
      },
      { description: 'both records' },
    );
    const [large, small] = stored;
    expect(large.fields.blob).toMatch(/^\(a value of \d+ bytes, not journaled\)$/);
    expect(large.fields.again).toBe(large.fields.blob);
    expect(large.fields.note).toBe(`${'n'.repeat(4_096)}… (10000 characters)`);
    expect(small.fields).toEqual({ blob: { small: true }, again: { small: true }, note: 'short' });
  });

  it('gives the events of one transaction one correlation id when no path is set', async () => {
    await createSubscription(runtime, admin, {
      name: 'txn-journal',
      source: { database: sourceDb, collections: ['txn'] },
      journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields: {} },
    });
    const txn = admin.db(sourceDb).collection('txn');
    await txn.insertOne({ _id: 'warm-up' as never }); // creates the collection outside the transaction
    const session = admin.startSession();
    try {
      await session.withTransaction(async () => {
        await txn.insertOne({ _id: 't1' as never }, { session });
        await txn.insertOne({ _id: 't2' as never }, { session });
      });
    } finally {
      await session.endSession();
    }
    const stored = await waitFor(
      async () => {
        const found = await records('txn-journal');
        return found.length === 3 && found;
      },
      { description: 'three journal records' },
    );
    const byKey = new Map(stored.map((r) => [String(r.documentKey?._id), r]));
    expect(byKey.get('t1')!.correlationId).toMatch(/^txn:[0-9a-f]+:\d+$/);
    expect(byKey.get('t2')!.correlationId).toBe(byKey.get('t1')!.correlationId);
    expect(byKey.get('warm-up')!.correlationId).toBe(byKey.get('warm-up')!.eventId);
  });

  it('records an event still retrying as pending, then replaces it with its outcome', async () => {
    await createSubscription(runtime, admin, {
      name: 'slow-journal',
      source: { database: sourceDb, collections: ['slow'] },
      retry: { maxAttempts: 3, initialDelayMs: 700, maxDelayMs: 700, jitter: 'none' },
      journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields: {} },
    });
    log.failNext(2);
    await admin
      .db(sourceDb)
      .collection('slow')
      .insertOne({ _id: 1 as never });
    const pending = await waitFor(
      async () => (await records('slow-journal')).find((r) => r.outcome === 'pending'),
      { description: 'a pending record' },
    );
    expect(pending).not.toHaveProperty('completedAt'); // no value yet: left out
    const final = await waitFor(
      async () => (await records('slow-journal')).find((r) => r.outcome === 'delivered'),
      { description: 'the delivered record' },
    );
    expect(final._id).toBe(pending._id);
    expect(final.attempts).toBe(3);
    expect(await records('slow-journal')).toHaveLength(1);
  });

  it('records dead-lettered events with the error of their last attempt', async () => {
    await createSubscription(runtime, admin, {
      name: 'failing-journal',
      source: { database: sourceDb, collections: ['failing'] },
      retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 },
      journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields: {} },
    });
    log.failNext(2);
    await admin
      .db(sourceDb)
      .collection('failing')
      .insertOne({ _id: 1 as never });
    const record = await waitFor(
      async () => (await records('failing-journal')).find((r) => r.outcome === 'dead-lettered'),
      { description: 'a dead-lettered record' },
    );
    expect(record).toMatchObject({
      attempts: 2,
      error: { message: 'scripted handler failure' },
    });
  });

  it('dead-letters and journals a handler failure that is not an Error, and delivers on', async () => {
    await createSubscription(runtime, admin, {
      name: 'odd-throw-journal',
      source: { database: sourceDb, collections: ['odd'] },
      // Strict: the next event waits until the failed one is settled (stored as a dead letter).
      delivery: { ordering: 'strict' },
      retry: { maxAttempts: 1 },
      journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields: {} },
    });
    // No prototype: `String(value)` throws on it.
    log.failNext(1, Object.create(null));
    const odd = admin.db(sourceDb).collection<{ _id: number }>('odd');
    await odd.insertOne({ _id: 1 });
    await odd.insertOne({ _id: 2 });
    await log.waitForInserted('odd-throw-journal', [2]);
    const deadLetter = await runtime.connection
      .db!.collection('dead_letters')
      .findOne({ subscription: 'odd-throw-journal' });
    expect(deadLetter).toMatchObject({
      key: expect.stringContaining('1'),
      error: { message: '[object Object]' },
    });
    const record = await waitFor(
      async () => (await records('odd-throw-journal')).find((r) => r.outcome === 'dead-lettered'),
      { description: 'a dead-lettered record' },
    );
    expect(record).toMatchObject({
      documentKey: { _id: 1 },
      error: { message: '[object Object]', code: null },
    });
  });

  it('stores the dead letter of a handler error too large for a document, cut short, and delivers on', async () => {
    await createSubscription(runtime, admin, {
      name: 'huge-error-journal',
      source: { database: sourceDb, collections: ['huge'] },
      delivery: { ordering: 'strict' },
      retry: { maxAttempts: 1 },
      journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields: {} },
    });
    // Past MongoDB's 16 MiB document limit on its own.
    log.failNext(1, new Error('x'.repeat(17 * 1024 * 1024)));
    const huge = admin.db(sourceDb).collection<{ _id: number }>('huge');
    await huge.insertOne({ _id: 1 });
    await huge.insertOne({ _id: 2 });
    await log.waitForInserted('huge-error-journal', [2]);
    const deadLetter = await runtime.connection
      .db!.collection<{ error: { message: string } }>('dead_letters')
      .findOne({ subscription: 'huge-error-journal' });
    expect(deadLetter?.error.message.length).toBeLessThan(10_000);
    expect(deadLetter?.error.message).toMatch(/^x+… \(17825792 characters\)$/);
  });

  it('keeps delivering, in order and completely, when the journal cannot write; the drops are counted', async () => {
    await createSubscription(runtime, admin, {
      name: 'outage-journal',
      source: { database: sourceDb, collections: ['outage'] },
      delivery: { ordering: 'key' },
      journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields: {} },
    });
    const outage = admin.db(sourceDb).collection<{ _id: number; v: number }>('outage');
    await outage.insertOne({ _id: 0, v: 0 });
    await waitFor(async () => (await records('outage-journal')).length === 1, {
      description: 'the first record',
    });
    const droppedBefore = writer().stats().dropped['write-failed'];
    // The journal's bulk inserts fail (this runtime's connection only); checkpoints, leases and
    // metrics are updates and keep working.
    await admin.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: 'alwaysOn',
      data: { failCommands: ['insert'], errorCode: 96, appName },
    });
    const ids = Array.from({ length: 30 }, (_, i) => i + 1);
    for (const id of ids) {
      await outage.insertOne({ _id: id, v: 0 });
    }
    for (const id of ids.slice(0, 5)) {
      await outage.updateOne({ _id: id }, { $set: { v: 1 } });
    }
    await log.waitForInserted('outage-journal', [0, ...ids]);
    await waitFor(
      () =>
        log.forSubscription('outage-journal').filter((e) => e.envelope.operationType === 'update')
          .length >= 5,
      { description: 'the updates delivered' },
    );
    await waitFor(() => writer().stats().dropped['write-failed'] - droppedBefore >= 35, {
      description: 'the journal records dropped',
    });
    expect(await records('outage-journal')).toHaveLength(1);
    // Per key, in stream order: insert before update.
    for (const id of ids.slice(0, 5)) {
      const ops = log
        .forSubscription('outage-journal')
        .filter((e) => e.envelope.documentKey?._id === id)
        .map((e) => e.envelope.operationType);
      expect(ops.indexOf('insert')).toBeLessThan(ops.indexOf('update'));
    }
    const metrics = await runtime.moduleRef.get(RelayPrometheus).registry.metrics();
    expect(metrics).toMatch(
      /change_relay_journal_records_dropped_total\{subscription="outage-journal",service="test-service",reason="write-failed"\} (\d+)/,
    );

    // The write path is back: the journal records new events again.
    await admin.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
    await outage.insertOne({ _id: 100, v: 0 });
    await waitFor(
      async () => (await records('outage-journal')).some((r) => r.documentKey?._id === 100),
      { description: 'a record after the outage' },
    );
  });

  it('never makes deliveries wait for a hung journal write: a full buffer drops records', async () => {
    await createSubscription(runtime, admin, {
      name: 'hung-journal',
      source: { database: sourceDb, collections: ['hung'] },
      journal: { enabled: true, retentionHours: 24, sampleRate: 1, fields: {} },
    });
    const hung = admin.db(sourceDb).collection<{ _id: number }>('hung');
    await hung.insertOne({ _id: 0 });
    await waitFor(async () => (await records('hung-journal')).length === 1, {
      description: 'the first record',
    });
    const fullBefore = writer().stats().dropped['buffer-full'];
    await admin.db('admin').command({
      configureFailPoint: 'failCommand',
      mode: 'alwaysOn',
      data: { failCommands: ['insert'], blockConnection: true, blockTimeMS: 8_000, appName },
    });
    const ids = Array.from({ length: 100 }, (_, i) => i + 1);
    await hung.insertMany(ids.map((_id) => ({ _id })));
    await log.waitForInserted('hung-journal', ids);
    // Delivered while the journal's insert still hangs (buffer: 40 records).
    expect(await records('hung-journal')).toHaveLength(1);
    expect(writer().stats().dropped['buffer-full'] - fullBefore).toBeGreaterThan(0);
    await admin.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
  });
});
