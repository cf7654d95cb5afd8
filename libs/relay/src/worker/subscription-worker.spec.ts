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

  it('checkpoints as it goes and keeps status on the lease', async () => {
    await waitFor(async () => (await runtime.checkpoints.find('orders-recorder'))?.resumeToken, {
      description: 'a checkpoint',
    });
    const lease = await waitFor(
      async () => {
        const found = await runtime.leases.find('orders-recorder');
        return found && found.status.counters.delivered >= 6 ? found : undefined;
      },
      { description: 'counters on the lease' },
    );
    expect(lease.owner).toBe('worker-a');
    expect(lease.status.state).toBe('running');
    expect(lease.status.counters.received).toBeGreaterThanOrEqual(6);
    expect(lease.status.lastEventClusterTime).toBeDefined();
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
    const lease = await waitFor(
      async () => {
        const found = await runtime.leases.find('retrying');
        return found && found.status.counters.retried >= 2 ? found : undefined;
      },
      { description: 'retries counted' },
    );
    expect(lease.status.counters.failedAttempts).toBeGreaterThanOrEqual(2);
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
