import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { EventLog } from '../../test/support/event-log';
import { RelayRuntime, createSubscription } from '../../test/support/relay-runtime';

describe('SubscriptionWorker (provider handler)', () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  const log = new EventLog();
  const sourceDb = uniqueDbName('src');

  beforeAll(async () => {
    client = await connectTestClient();
    runtime = await RelayRuntime.start({
      metaDb: uniqueDbName('meta'),
      instanceId: 'worker-a',
      log,
    });
  });

  afterAll(async () => {
    await runtime?.close();
    await client?.close();
  });

  it('delivers inserts, updates, replaces and deletes in order per key, with the requested documents', async () => {
    await createSubscription(runtime, client, {
      name: 'orders-recorder',
      source: { database: sourceDb, collections: ['orders'], fullDocument: 'updateLookup' },
    });
    const orders = client
      .db(sourceDb)
      .collection<{ _id: number; qty: number; note?: string }>('orders');
    const ignored = client.db(sourceDb).collection<{ _id: number }>('ignored');

    await orders.insertOne({ _id: 1, qty: 1, note: 'first' });
    await orders.insertOne({ _id: 2, qty: 5 });
    await ignored.insertOne({ _id: 99 });
    await orders.updateOne({ _id: 1 }, { $set: { qty: 2 }, $unset: { note: '' } });
    await orders.replaceOne({ _id: 2 }, { qty: 6 });
    await orders.updateOne({ _id: 2 }, { $inc: { qty: 1 } });
    await orders.deleteOne({ _id: 1 });

    await waitFor(() => log.forSubscription('orders-recorder').length >= 6, {
      description: 'six events delivered',
    });
    const events = log.forSubscription('orders-recorder').map((e) => e.envelope);
    const byKey = (id: number) =>
      events.filter((e) => e.documentKey?._id === id).map((e) => e.operationType);
    expect(byKey(1)).toEqual(['insert', 'update', 'delete']);
    expect(byKey(2)).toEqual(['insert', 'replace', 'update']);
    expect(events.some((e) => e.ns.coll === 'ignored')).toBe(false);

    const update = events.find((e) => e.operationType === 'update' && e.documentKey?._id === 1)!;
    expect(update.updateDescription).toMatchObject({
      updatedFields: { qty: 2 },
      removedFields: ['note'],
    });
    // updateLookup: the current document (possibly later than the update, never earlier).
    expect(update.fullDocument === null || typeof update.fullDocument === 'object').toBe(true);
    const secondUpdate = events.find(
      (e) => e.operationType === 'update' && e.documentKey?._id === 2,
    )!;
    expect(secondUpdate.fullDocument).toEqual({ _id: 2, qty: 7 });

    const insert = events[0];
    expect(insert).toMatchObject({
      subscription: 'orders-recorder',
      service: 'test-service',
      operationType: 'insert',
      ns: { db: sourceDb, coll: 'orders' },
      documentKey: { _id: 1 },
      fullDocument: { _id: 1, qty: 1, note: 'first' },
      attempt: 1,
    });
    expect(typeof insert.id).toBe('string');
    expect(insert.clusterTime).toBeDefined();
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('checkpoints as it goes, keeps its state on the lease and counts through the metrics', async () => {
    const checkpoint = await waitFor(
      async () => (await runtime.checkpoints.find('orders-recorder')) ?? undefined,
      { description: 'a checkpoint' },
    );
    expect(checkpoint.position).toMatchObject({ kind: 'token', resumeToken: expect.anything() });
    const totals = await waitFor(
      async () => {
        const found = (await runtime.metrics.totals(['orders-recorder'])).get('orders-recorder');
        return found && found.counters.delivered >= 6 ? found : undefined;
      },
      { description: 'counters in metrics_minutely' },
    );
    expect(totals.counters.received).toBe(6);
    expect(totals.counters.delivered).toBe(6);
    expect(totals.lastEventAt).toBeInstanceOf(Date);
    const lease = (await runtime.leases.find('orders-recorder'))!;
    expect(lease.owner).toBe('worker-a');
    expect(lease.status.state).toBe('running');
    expect(Object.keys(lease.status).sort()).toEqual(['state', 'updatedAt']);
    const instances = await runtime.instances.listLive(5_000);
    expect(instances.map((i) => i.id)).toEqual(['worker-a']);
    expect(instances[0].handlers).toEqual(['log', 'recorder', 'webhook']);
  });

  it('retries a failing handler and still delivers in order', async () => {
    await createSubscription(runtime, client, {
      name: 'retrying',
      source: { database: sourceDb, collections: ['retries'] },
      delivery: { ordering: 'strict' },
    });
    log.failNext(2);
    const retries = client.db(sourceDb).collection<{ _id: number }>('retries');
    await retries.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    await log.waitForInserted('retrying', [1, 2, 3]);
    expect(log.keys('retrying')).toEqual([1, 2, 3]);
    const totals = await waitFor(
      async () => {
        const found = (await runtime.metrics.totals(['retrying'])).get('retrying');
        return found && found.counters.delivered === 3 ? found : undefined;
      },
      { description: 'deliveries counted' },
    );
    expect(totals.counters).toMatchObject({ received: 3, retried: 2, failedAttempts: 2 });
    expect(totals.lastError?.message).toBe('scripted handler failure');
  });

  it('marks the subscription stale when its pipeline removes the resume token', async () => {
    await createSubscription(runtime, client, {
      name: 'tokenless',
      source: {
        database: sourceDb,
        collections: ['tokenless'],
        pipeline: [{ $project: { _id: 0 } }],
      },
    });
    await client.db(sourceDb).collection<{ _id: number }>('tokenless').insertOne({ _id: 1 });
    const stale = await waitFor(
      async () => (await runtime.subscriptions.findByName('tokenless'))?.stale,
      {
        description: 'subscription marked stale',
      },
    );
    expect(stale.reason).toMatch(/resume token|_id/i);
    await waitFor(
      () => !runtime.supervisor.runningWorkers().some((w) => w.subscription === 'tokenless'),
      {
        description: 'worker stopped',
      },
    );
    expect(log.forSubscription('tokenless')).toHaveLength(0);
  });
});
