import { CheckpointsRepository } from '@app/relay';
import { uniqueDbName, waitFor } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { crash, startRelay, type RelayServer } from './support/relay-server';
import { numbersOf, range, SourceData } from './support/source-data';

const LEASE_TTL_MS = 2_000;
const SUBSCRIPTIONS = ['failover-1', 'failover-2', 'failover-3', 'failover-4'];

/**
 * Acceptance: two instances on one metadata database run every subscription on exactly one of
 * them; when one crashes, the other takes its subscriptions over within the lease TTL with
 * nothing lost, and the crashed owner can no longer move a checkpoint.
 */
describe('Two instances and a crash', () => {
  let source: SourceData;
  let a: RelayServer;
  let b: RelayServer;
  const database = uniqueDbName('relay');

  beforeAll(async () => {
    const env = { MONGODB_DB: database, LEASE_TTL_MS: String(LEASE_TTL_MS) };
    [source, a, b] = await Promise.all([
      SourceData.connect(),
      startRelay({ ...env, INSTANCE_ID: 'instance-a' }),
      startRelay({ ...env, INSTANCE_ID: 'instance-b' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), source?.close()]);
  });

  const owned = (server: RelayServer) =>
    server.supervisor
      .runningWorkers()
      .map((worker) => worker.subscription)
      .sort();
  const delivered = (name: string) =>
    [...a.recorder.of(name), ...b.recorder.of(name)].map((event) => event.documentKey?._id);

  it('runs each subscription on exactly one instance and fails over within the lease TTL', async () => {
    for (const name of SUBSCRIPTIONS) {
      await a.api
        .createSubscription({
          name,
          source: { database: source.database, collections: [name] },
          handler: { type: 'provider', name: RECORDING_HANDLER },
        })
        .expect(201);
    }
    await waitFor(() => owned(a).length + owned(b).length === SUBSCRIPTIONS.length, {
      description: 'every subscription to run somewhere',
    });
    expect([...owned(a), ...owned(b)].sort()).toEqual(SUBSCRIPTIONS);
    const instances = await a.api.http.get('/api/v1/instances').expect(200);
    expect(
      instances.body.map((i: { id: string; subscriptions: string[] }) => [i.id, i.subscriptions]),
    ).toEqual([
      ['instance-a', owned(a)],
      ['instance-b', owned(b)],
    ]);

    for (const name of SUBSCRIPTIONS) {
      await source.insertNumbered(name, name, 0, 10);
    }
    for (const name of SUBSCRIPTIONS) {
      await waitFor(() => delivered(name).length >= 10, { description: `10 events of ${name}` });
    }
    // One owner each: no event went to both instances.
    for (const name of SUBSCRIPTIONS) {
      expect(numbersOf(delivered(name))).toEqual(range(0, 10));
    }

    // Crash whichever instance runs more; the survivor must take everything over.
    const [victim, survivor] = owned(a).length >= owned(b).length ? [a, b] : [b, a];
    const orphaned = victim.supervisor.runningWorkers();
    expect(orphaned.length).toBeGreaterThan(0);
    const crashedAt = Date.now();
    await crash(victim);
    for (const name of SUBSCRIPTIONS) {
      await source.insertNumbered(name, name, 10, 10);
    }

    await waitFor(() => owned(survivor).length === SUBSCRIPTIONS.length, {
      timeoutMs: LEASE_TTL_MS * 3,
      description: 'the survivor to run every subscription',
    });
    const takeoverMs = Date.now() - crashedAt;
    // The lease may have been renewed just before the crash; the survivor reacts at its expiry.
    expect(takeoverMs).toBeLessThan(LEASE_TTL_MS + 1_000);

    for (const name of SUBSCRIPTIONS) {
      await waitFor(() => new Set(delivered(name)).size >= 20, {
        description: `all 20 events of ${name}`,
      });
      // At least once: a crash may repeat events after the last checkpoint, never lose one.
      expect([...new Set(numbersOf(delivered(name)))]).toEqual(range(0, 20));
    }

    // The crashed owner's checkpoint writes are refused now (fencing by lease token).
    const checkpoints = survivor.app.get(CheckpointsRepository);
    for (const { subscription, leaseToken } of orphaned) {
      const newToken = survivor.supervisor
        .runningWorkers()
        .find((w) => w.subscription === subscription)?.leaseToken;
      expect(newToken).toBeGreaterThan(leaseToken);
      await waitFor(async () => (await checkpoints.find(subscription))?.leaseToken === newToken, {
        description: `the survivor to checkpoint ${subscription}`,
      });
      const stale = { kind: 'token', resumeToken: { _data: 'stale-owner' } } as const;
      const epoch = (await checkpoints.find(subscription))!.epoch;
      expect(await checkpoints.save(subscription, stale, epoch, leaseToken)).toBe(false);
      const after = await checkpoints.find(subscription);
      expect(after?.position).not.toEqual(stale);
      expect(after?.leaseToken).toBe(newToken);
    }
    const status = await survivor.api.status(orphaned[0].subscription).expect(200);
    expect(status.body).toMatchObject({
      owner: survivor.config.instanceId,
      actualState: 'running',
    });
  });
});
