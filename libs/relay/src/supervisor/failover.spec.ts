import { connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { EventLog } from '../../test/support/event-log';
import {
  FAST_RELAY_OPTIONS,
  RelayRuntime,
  createSubscription,
  ownerOf,
} from '../../test/support/relay-runtime';

const LEASE_TTL_MS = FAST_RELAY_OPTIONS.leaseTtlMs!;

describe('RelaySupervisor failover (two runtimes, one database)', () => {
  let client: MongoClient;
  let a: RelayRuntime;
  let b: RelayRuntime;
  const log = new EventLog();
  const metaDb = uniqueDbName('meta');
  const sourceDb = uniqueDbName('src');
  const names = ['fo-1', 'fo-2', 'fo-3', 'fo-4'];

  beforeAll(async () => {
    client = await connectTestClient();
    a = await RelayRuntime.start({ metaDb, instanceId: 'fo-a', log });
    b = await RelayRuntime.start({ metaDb, instanceId: 'fo-b', log });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await client?.close();
  });

  const insert = (name: string, ids: number[]) =>
    client
      .db(sourceDb)
      .collection<{ _id: number }>(name)
      .insertMany(ids.map((_id) => ({ _id })));

  it('runs every subscription on exactly one runtime', async () => {
    for (const name of names) {
      await createSubscription(a, client, {
        name,
        source: { database: sourceDb, collections: [name] },
      });
    }
    await waitFor(() => names.every((name) => ownerOf(name, [a, b]).length === 1), {
      description: 'every subscription owned',
    });
    // More reconciles on both sides change nothing.
    await Promise.all([a.supervisor.reconcileNow(), b.supervisor.reconcileNow()]);
    await Promise.all([a.supervisor.reconcileNow(), b.supervisor.reconcileNow()]);
    for (const name of names) {
      const owners = ownerOf(name, [a, b]);
      expect(owners).toHaveLength(1);
      expect((await a.leases.find(name))?.owner).toBe(owners[0].instanceId);
    }
    for (const name of names) {
      await insert(name, [1, 2]);
      await log.waitForInserted(name, [1, 2]);
    }
  });

  it('moves the subscriptions of a crashed runtime to the other within the lease TTL, losing nothing', async () => {
    const victim = ownerOf('fo-1', [a, b])[0];
    const survivor = victim === a ? b : a;
    const moved = names.filter((name) => ownerOf(name, [victim]).length === 1);
    const oldTokens = new Map(
      victim.supervisor.runningWorkers().map((w) => [w.subscription, w.leaseToken]),
    );

    for (const name of moved) {
      await insert(name, [3, 4]);
    }
    const crashedAt = Date.now();
    await victim.supervisor.halt();
    for (const name of moved) {
      await insert(name, [5, 6]);
    }

    await waitFor(() => moved.every((name) => ownerOf(name, [survivor]).length === 1), {
      timeoutMs: LEASE_TTL_MS + 3_000,
      description: 'takeover',
    });
    const takeoverMs = Date.now() - crashedAt;
    // The lease was renewed at most TTL ago; the survivor wakes up when it expires.
    expect(takeoverMs).toBeLessThan(LEASE_TTL_MS + 500);

    for (const name of moved) {
      await insert(name, [7]);
      await log.waitForInserted(name, [1, 2, 3, 4, 5, 6, 7]);
      // Per key, each insert reached the handler in order (a redelivery may repeat a suffix).
      const firstSeen = [...new Set(log.keys(name))];
      expect(firstSeen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }

    // The crashed owner, were it only stalled, could not move a checkpoint any more.
    const name = moved[0];
    await waitFor(
      async () => {
        const checkpoint = await survivor.checkpoints.find(name);
        return checkpoint && checkpoint.leaseToken > oldTokens.get(name)! ? checkpoint : undefined;
      },
      { description: 'checkpoint claimed by the new owner' },
    );
    const stale = { kind: 'token', resumeToken: { _data: '82STALE' } } as const;
    const epoch = (await survivor.subscriptions.findByName(name))!.epoch;
    const refused = await victim.checkpoints.save(name, stale, epoch, oldTokens.get(name)!);
    expect(refused).toBe(false);
    expect((await survivor.checkpoints.find(name))?.position).not.toEqual(stale);
  });
});
