import { Inject } from '@nestjs/common';
import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import type { Model } from 'mongoose';
import { getModelToken } from '@nestjs/mongoose';
import { CountingSourceFactory } from '../../test/support/counting-source.factory';
import { EventLog } from '../../test/support/event-log';
import { LargeEvent } from '../../test/support/large-event';
import { RelayRuntime, createSubscription, ownerOf } from '../../test/support/relay-runtime';
import type { ChangeEventEnvelope } from '../handlers/change-event.envelope';
import { ChangeHandler } from '../handlers/change-handler.decorator';
import type { EventHandler } from '../handlers/handler.types';
import type { LeaseRecord } from '../leases/lease.schema';
import { RELAY_MODELS } from '../module/relay-models';
import { WorkerSourceFactory } from '../source/worker-source.factory';
import { BufferBudget } from '@app/delivery';

const COUNTING = Symbol('COUNTING');

/** Takes a few milliseconds per event, so a backlog builds up behind it. */
@ChangeHandler('slow')
class SlowHandler implements EventHandler {
  constructor(@Inject(COUNTING) private readonly counting: CountingSourceFactory) {}

  async handle(event: ChangeEventEnvelope): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 3));
    this.counting.finishedOne(event.subscription);
  }
}

/** Guarantees of a running worker that only a broken line of code would lose. */
describe('SubscriptionWorker guarantees', () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  const log = new EventLog();
  const counting = new CountingSourceFactory();
  const sourceDb = uniqueDbName('src');
  const maxInFlight = 20;

  beforeAll(async () => {
    client = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'guarantees-a',
      log,
      // Long leases: a renewal (every 20 s) must not be what stops a fenced worker.
      relay: { leaseTtlMs: 60_000, maxInFlight },
      providers: [{ provide: COUNTING, useValue: counting }, SlowHandler],
      overrides: [{ provide: WorkerSourceFactory, useValue: counting }],
    });
  });

  afterAll(async () => {
    await runtime?.close();
    await client?.close();
  });

  it('advances the checkpoint of a quiet stream (idle positions), delivering nothing', async () => {
    await createSubscription(runtime, client, {
      name: 'quiet',
      source: { database: sourceDb, collections: ['quiet'] },
    });
    await waitFor(() => ownerOf('quiet', [runtime]).length === 1, { description: 'worker runs' });
    // Writes elsewhere in the database move the stream's resume token past them.
    const noise = client.db(sourceDb).collection<{ _id: number }>('noise');
    let lastWrite = 0;
    for (let i = 0; i < 5; i++) {
      const result = await client
        .db(sourceDb)
        .command({ insert: 'noise', documents: [{ _id: i }] });
      lastWrite = (result.operationTime as { t: number; i: number }).t;
    }
    expect(await noise.countDocuments()).toBe(5);
    const checkpoint = await waitFor(
      async () => {
        const found = await runtime.checkpoints.find('quiet');
        return found && (found.position.clusterTime?.t ?? 0) >= lastWrite ? found : undefined;
      },
      { timeoutMs: 10_000, description: 'a checkpoint at or past the last unrelated write' },
    );
    expect(checkpoint.position.kind).toBe('token');
    expect(log.forSubscription('quiet')).toHaveLength(0);
  });

  it('never reads more than maxInFlight events ahead of its handler while a backlog drains', async () => {
    const backlog = client.db(sourceDb).collection<{ _id: number }>('backlog');
    await createSubscription(runtime, client, {
      name: 'backlog',
      handler: { type: 'provider', name: 'slow' },
      source: { database: sourceDb, collections: ['backlog'] },
      delivery: { ordering: 'none', concurrency: 4 },
    });
    await waitFor(() => ownerOf('backlog', [runtime]).length === 1, { description: 'worker runs' });
    await backlog.insertMany(Array.from({ length: 300 }, (_, i) => ({ _id: i })));
    await waitFor(
      () => counting.buffered('backlog') === 0 && (counting.peak.get('backlog') ?? 0) > 0,
      {
        timeoutMs: 20_000,
        description: 'the backlog drained',
      },
    );
    // It did fill up (the handler was the bottleneck) and never went past the cap.
    expect(counting.peak.get('backlog')).toBe(maxInFlight);
  });

  it('stops delivering at once when a checkpoint write is refused, not at its next renewal', async () => {
    const fenced = client.db(sourceDb).collection<{ _id: number }>('fenced');
    await createSubscription(runtime, client, {
      name: 'fenced',
      source: { database: sourceDb, collections: ['fenced'] },
    });
    await waitFor(() => ownerOf('fenced', [runtime]).length === 1, { description: 'worker runs' });
    await fenced.insertMany([{ _id: 1 }, { _id: 2 }]);
    await log.waitForInserted('fenced', [1, 2]);

    // Another instance takes the lease over and claims the checkpoint, as after a stall of this
    // one: its lease keeper would only notice at the next renewal, 20 s from now.
    const { leaseToken: token } = runtime.supervisor
      .runningWorkers()
      .find((w) => w.subscription === 'fenced')!;
    const leases = runtime.moduleRef.get<Model<LeaseRecord>>(getModelToken(RELAY_MODELS.lease));
    await leases.updateOne(
      { _id: 'fenced' },
      { $set: { owner: 'intruder', token: token + 1, expiresAt: new Date(Date.now() + 600_000) } },
    );
    expect((await runtime.checkpoints.claim('fenced', token + 1)).claimed).toBe(true);
    const refusedAt = Date.now();
    await fenced.insertMany([{ _id: 3 }, { _id: 4 }]);
    await waitFor(() => ownerOf('fenced', [runtime]).length === 0, {
      timeoutMs: 5_000,
      description: 'the fenced worker to stop',
    });
    expect(Date.now() - refusedAt).toBeLessThan(5_000);
    const delivered = log.forSubscription('fenced').length;

    // Later changes reach nobody here: prove the runtime is alive with another subscription.
    await fenced.insertMany([{ _id: 5 }, { _id: 6 }]);
    await createSubscription(runtime, client, {
      name: 'fenced-probe',
      source: { database: sourceDb, collections: ['probe'] },
    });
    await waitFor(() => ownerOf('fenced-probe', [runtime]).length === 1, {
      description: 'probe runs',
    });
    await client.db(sourceDb).collection<{ _id: number }>('probe').insertOne({ _id: 1 });
    await log.waitForInserted('fenced-probe', [1]);
    expect(log.forSubscription('fenced')).toHaveLength(delivered);
    expect(log.insertedIds('fenced').has(5)).toBe(false);
  });

  it('delivers on after the watched database is dropped and written again (no stale subscription)', async () => {
    const database = uniqueDbName('dropped');
    await createSubscription(runtime, client, {
      name: 'dropped-db',
      source: { database, collections: ['items'] },
    });
    await client.db(database).collection<{ _id: number }>('items').insertOne({ _id: 1 });
    await log.waitForInserted('dropped-db', [1]);
    // Ends the database's change streams with an invalidate: resuming from it needs startAfter.
    await client.db(database).dropDatabase();
    await client.db(database).collection<{ _id: number }>('items').insertOne({ _id: 2 });
    await log.waitForInserted('dropped-db', [2]);
    expect(log.forSubscription('dropped-db').map((e) => e.envelope.operationType)).toEqual([
      'insert',
      'drop',
      'invalidate',
      'insert',
    ]);
    expect((await runtime.subscriptions.findByName('dropped-db'))?.stale).toBeUndefined();
  });

  it('delivers an event over 16 MiB whole (the server splits it, the relay joins it) and goes on', async () => {
    const large = await LargeEvent.prepare(client);
    await createSubscription(runtime, client, { name: 'large-events', source: large.source() });
    await waitFor(() => ownerOf('large-events', [runtime]).length === 1, {
      description: 'worker runs',
    });
    await large.write();
    await log.waitForInserted('large-events', [2]);
    const written = large.written(log.forSubscription('large-events').map((e) => e.envelope));
    expect(written.map((envelope) => envelope.operationType)).toEqual(['update', 'insert']);
    const [update, insert] = written;
    large.expectWhole(update);
    expect(insert.documentKey).toEqual({ _id: 2 });
    // The checkpoint gets to the insert, past the whole split event.
    await waitFor(
      async () => {
        const position = (await runtime.checkpoints.find('large-events'))?.position;
        const token =
          position?.kind === 'token'
            ? (position.resumeToken as { _data?: string } | undefined)?._data
            : undefined;
        return token !== undefined && token >= insert.id;
      },
      { description: 'a checkpoint at the insert' },
    );
    expect((await runtime.subscriptions.findByName('large-events'))?.stale).toBeUndefined();
  });
});

describe('The process-wide buffer budget', () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  const counting = new CountingSourceFactory();
  const sourceDb = uniqueDbName('src');
  const maxBufferedEvents = 30;
  const names = Array.from({ length: 10 }, (_, i) => `budget-${i}`);

  beforeAll(async () => {
    client = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'budget-a',
      relay: { maxInFlight: 20, maxBufferedEvents },
      providers: [{ provide: COUNTING, useValue: counting }, SlowHandler],
      overrides: [{ provide: WorkerSourceFactory, useValue: counting }],
    });
  });

  afterAll(async () => {
    await runtime?.close();
    await client?.close();
  });

  it('holds across many subscriptions draining one shared backlog, each still delivering all', async () => {
    for (const name of names) {
      await createSubscription(runtime, client, {
        name,
        handler: { type: 'provider', name: 'slow' },
        // All of them watch the same collection: one shared backlog.
        source: { database: sourceDb, collections: ['shared'] },
        delivery: { ordering: 'none', concurrency: 8 },
      });
    }
    await waitFor(() => names.every((name) => ownerOf(name, [runtime]).length === 1), {
      description: 'every worker runs',
    });
    await client
      .db(sourceDb)
      .collection<{ _id: number }>('shared')
      .insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: i })));
    const totals = await waitFor(
      async () => {
        const found = await runtime.metrics.totals(names);
        return names.every((name) => found.get(name)?.counters.delivered === 100) && found;
      },
      { timeoutMs: 30_000, description: 'every subscription delivered the backlog' },
    );
    expect(totals.size).toBe(names.length);
    // Together they never buffered more than the process-wide cap, though each alone could
    // have taken 20 (200 in all).
    expect(counting.peakTotal).toBeGreaterThan(names.length);
    expect(counting.peakTotal).toBeLessThanOrEqual(maxBufferedEvents);
    expect(runtime.moduleRef.get(BufferBudget).usage()).toMatchObject({ events: 0, members: 10 });
  });
});
