import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { Collection, MongoClient } from 'mongodb';
import { EventLog } from '../../test/support/event-log';
import { RelayRuntime, createSubscription, ownerOf } from '../../test/support/relay-runtime';
import { RelaySupervisor } from './relay.supervisor';

/** The supervisor reacts to subscription changes through its watch: no reconcileNow() here. */
describe(RelaySupervisor.name, () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  const log = new EventLog();
  const metaDb = uniqueDbName('meta');
  const sourceDb = uniqueDbName('src');
  let items: Collection<{ _id: number; kind?: string }>;
  // Slower than the 1 s fallback reconcile on purpose: reactions must come from the watch.
  const relay = { reconcileIntervalMs: 60_000 };

  beforeAll(async () => {
    client = await connectTestClient();
    items = client.db(sourceDb).collection('items');
    runtime = await RelayRuntime.start({ metaDb, instanceId: 'sup-a', log, relay });
  });

  afterAll(async () => {
    await runtime?.close();
    await client?.close();
  });

  const running = (name: string) => ownerOf(name, [runtime]).length === 1;

  it('starts a worker within 2 s of a subscription being created', async () => {
    await createSubscription(runtime, client, {
      name: 'items',
      source: { database: sourceDb, collections: ['items'] },
    });
    await waitFor(() => running('items'), { timeoutMs: 2_000, description: 'worker started' });
    await items.insertMany([{ _id: 1 }, { _id: 2 }]);
    await log.waitForInserted('items', [1, 2]);
  });

  it('stops on pause and resumes from the checkpoint without loss', async () => {
    const sub = (await runtime.subscriptions.findByName('items'))!;
    await runtime.subscriptions.replace('items', { ...sub, desiredState: 'paused' }, sub.revision);
    await waitFor(() => !running('items'), { timeoutMs: 2_000, description: 'worker stopped' });
    const lease = await waitFor(
      async () => {
        const found = await runtime.leases.find('items');
        return found?.status.state === 'stopped' ? found : undefined;
      },
      { timeoutMs: 2_000, description: 'lease released' },
    );
    expect(lease.expiresAt.getTime()).toBeLessThanOrEqual(Date.now());

    await items.insertMany([{ _id: 3 }, { _id: 4 }]);
    const delivered = log.forSubscription('items').length;
    // Paused: nothing may arrive. Prove the runtime is otherwise alive by running another one.
    await createSubscription(runtime, client, {
      name: 'probe',
      source: { database: sourceDb, collections: ['probe'] },
    });
    await client.db(sourceDb).collection<{ _id: number }>('probe').insertOne({ _id: 1 });
    await log.waitForInserted('probe', [1]);
    expect(log.forSubscription('items')).toHaveLength(delivered);

    const paused = (await runtime.subscriptions.findByName('items'))!;
    await runtime.subscriptions.replace(
      'items',
      { ...paused, desiredState: 'active' },
      paused.revision,
    );
    await waitFor(() => running('items'), { timeoutMs: 2_000, description: 'worker resumed' });
    await items.insertOne({ _id: 5 });
    await log.waitForInserted('items', [3, 4, 5]);
    expect(log.keys('items').filter((k) => k === 1)).toHaveLength(1);
  });

  it('applies a pipeline change', async () => {
    await items.insertOne({ _id: 10, kind: 'a' });
    await log.waitForInserted('items', [10]);
    const sub = (await runtime.subscriptions.findByName('items'))!;
    const before = runtime.supervisor.runningWorkers().find((w) => w.subscription === 'items')!;
    await runtime.subscriptions.replace(
      'items',
      {
        ...sub,
        source: { ...sub.source, pipeline: [{ $match: { 'fullDocument.kind': 'b' } }] },
        revision: sub.revision + 1,
      },
      sub.revision,
    );
    // A restart takes a new lease token; events read before it still saw the old filter.
    await waitFor(
      () =>
        runtime.supervisor
          .runningWorkers()
          .find((w) => w.subscription === 'items' && w.leaseToken > before.leaseToken),
      { timeoutMs: 2_000, description: 'worker restarted' },
    );
    await items.insertMany([
      { _id: 11, kind: 'a' },
      { _id: 12, kind: 'b' },
      { _id: 13, kind: 'a' },
      { _id: 14, kind: 'b' },
    ]);
    await log.waitForInserted('items', [12, 14]);
    // 14 came after 11 and 13 in the stream: had they matched, they would have arrived first.
    expect(log.insertedIds('items').has(11)).toBe(false);
    expect(log.insertedIds('items').has(13)).toBe(false);
  });

  it('stops the worker when the subscription is deleted', async () => {
    await runtime.subscriptions.delete('items');
    await waitFor(() => !running('items'), { timeoutMs: 2_000, description: 'worker stopped' });
    await items.insertOne({ _id: 20, kind: 'b' });
    await client.db(sourceDb).collection<{ _id: number }>('probe').insertOne({ _id: 2 });
    await log.waitForInserted('probe', [2]);
    expect(log.insertedIds('items').has(20)).toBe(false);
  });

  it('takes no lease for a subscription whose handler this instance lacks', async () => {
    await createSubscription(runtime, client, {
      name: 'elsewhere',
      source: { database: sourceDb, collections: ['elsewhere'] },
      handler: { type: 'provider', name: 'billing.invoice' },
    });
    await runtime.supervisor.reconcileNow();
    expect(await runtime.leases.find('elsewhere')).toBeNull();
    expect(running('elsewhere')).toBe(false);
    await runtime.subscriptions.delete('elsewhere');
  });

  it('continues from the checkpoint after a restart, with nothing lost', async () => {
    const sub = await createSubscription(runtime, client, {
      name: 'restartable',
      source: { database: sourceDb, collections: ['restartable'] },
    });
    const coll = client.db(sourceDb).collection<{ _id: number }>('restartable');
    await coll.insertMany([{ _id: 1 }, { _id: 2 }]);
    await log.waitForInserted(sub.name, [1, 2]);
    await runtime.close();
    // A graceful shutdown released the lease (free at once) after its final checkpoint.
    const released = await client
      .db(metaDb)
      .collection<{ _id: string; expiresAt: Date; status: { state: string } }>('leases')
      .findOne({ _id: sub.name });
    expect(released?.expiresAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(released?.status.state).toBe('stopped');

    // Written while no runtime runs.
    await coll.insertMany([{ _id: 3 }, { _id: 4 }]);
    runtime = await RelayRuntime.start({ metaDb, instanceId: 'sup-b', log, relay });
    await coll.insertOne({ _id: 5 });
    await log.waitForInserted(sub.name, [3, 4, 5]);
    // The final checkpoint on shutdown means nothing before it was delivered again.
    expect(log.keys(sub.name)).toEqual([1, 2, 3, 4, 5]);
    expect((await runtime.instances.list()).map((i) => i.id)).toEqual(['sup-b']);
  });
});
