import { uniqueDbName, waitFor, WebhookReceiver, type ReceivedRequest } from '@app/testing';
import { newWebhookSecret } from './support/relay-server';
import { ServerProcess } from './support/server-process';
import { SourceData } from './support/source-data';

const SUBSCRIPTIONS = 30;
const KEYS_PER_COLLECTION = 4;
const LEASE_TTL_MS = 3_000;

interface InstanceView {
  id: string;
  live: boolean;
  subscriptions: string[];
}

/** Acceptance of the scale-out issue: three server processes share 30 webhook subscriptions. */
describe('Scale-out over three server processes', () => {
  const metaDb = uniqueDbName('relay');
  const secret = newWebhookSecret();
  const env = {
    MONGODB_DB: metaDb,
    LEASE_TTL_MS: String(LEASE_TTL_MS),
    RECONCILE_INTERVAL_MS: '1000',
    // Long on purpose: only a graceful handover's final checkpoint avoids duplicates.
    CHECKPOINT_INTERVAL_MS: '3000',
    SHUTDOWN_GRACE_MS: '5000',
    LOG_LEVEL: 'warn',
  };
  let source: SourceData;
  let receiver: WebhookReceiver;
  const servers = new Map<string, ServerProcess>();
  let writer: ContinuousWriter;

  const boot = async (id: string) => {
    const server = await ServerProcess.start({ ...env, INSTANCE_ID: id });
    servers.set(id, server);
    return server;
  };
  const anyLive = () => [...servers.values()][0];

  /** Subscriptions per live instance, as `GET /api/v1/instances` reports them. */
  const ownership = async (): Promise<Map<string, number>> => {
    const { body } = await anyLive().api<InstanceView[]>('GET', '/instances');
    return new Map(body.filter((i) => i.live).map((i) => [i.id, i.subscriptions.length]));
  };
  const spreadIs = (expected: number, instances: string[], timeoutMs: number, what: string) =>
    waitFor(
      async () => {
        const owned = await ownership();
        const counts = instances.map((id) => owned.get(id) ?? 0);
        const total = counts.reduce((a, b) => a + b, 0);
        return total === SUBSCRIPTIONS && counts.every((c) => Math.abs(c - expected) <= 1)
          ? owned
          : undefined;
      },
      { timeoutMs, intervalMs: 250, description: what },
    );

  beforeAll(async () => {
    [source, receiver] = await Promise.all([
      SourceData.connect(),
      WebhookReceiver.start({ secret }),
    ]);
    receiver.respondWith({ status: 204 });
    await Promise.all(['a', 'b', 'c'].map(boot));
  });

  afterAll(async () => {
    await writer?.stop();
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await Promise.all([source?.close(), receiver?.close()]);
  });

  it('spreads the work, survives a SIGKILL within the TTL and hands back gracefully', async () => {
    const a = servers.get('a')!;
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const created = await a.api('POST', '/subscriptions', {
        name: `s${i}`,
        source: { database: source.database, collections: [`c${i}`] },
        handler: { type: 'webhook', url: receiver.urlFor(`/s${i}`), secret },
        delivery: { ordering: 'key', concurrency: 4 },
      });
      expect(created.status).toBe(201);
    }
    writer = new ContinuousWriter(source);
    writer.start();

    await spreadIs(10, ['a', 'b', 'c'], 30_000, 'each of three instances to own 10 ± 1');

    // SIGKILL c: a and b take its subscriptions within the lease TTL (+5 s).
    const killedOwned = (await a.api<InstanceView[]>('GET', '/instances')).body.find(
      (i) => i.id === 'c',
    )!.subscriptions;
    expect(killedOwned.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    await servers.get('c')!.kill();
    servers.delete('c');
    await spreadIs(15, ['a', 'b'], LEASE_TTL_MS + 5_000, 'the two survivors to own 15 ± 1');
    expect(Date.now() - killedAt).toBeLessThan(LEASE_TTL_MS + 5_000);

    // c comes back: the others hand subscriptions over gracefully until 10 ± 1 each.
    await boot('c');
    await spreadIs(10, ['a', 'b', 'c'], 30_000, 'back to 10 ± 1 each');

    await writer.stop();
    // Every change reaches its webhook: for each key the last seq it was written with.
    await waitFor(
      () => {
        for (const [collection, keys] of writer.lastSeq) {
          const seen = seqsByKey(receiver.requests, `/s${collection.slice(1)}`);
          for (const [key, last] of keys) {
            if (!(seen.get(key) ?? []).includes(last)) {
              return false;
            }
          }
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'every write delivered' },
    );

    const lost: string[] = [];
    const unplannedDuplicates: string[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const perKey = seqsByKey(receiver.requests, `/s${i}`);
      for (const [key, last] of writer.lastSeq.get(`c${i}`) ?? new Map<string, number>()) {
        const seqs = perKey.get(key) ?? [];
        const firstSeen = seqs.filter((seq, index) => seqs.indexOf(seq) === index);
        // Nothing lost, and in order per key (a redelivery may repeat a suffix).
        if (firstSeen.join() !== Array.from({ length: last }, (_, n) => n + 1).join()) {
          lost.push(`s${i}/${key}: ${seqs.join(',')} (last written ${last})`);
        }
        // Planned moves (the initial spread and the hand-back) duplicate nothing.
        if (!killedOwned.includes(`s${i}`) && seqs.length !== firstSeen.length) {
          unplannedDuplicates.push(`s${i}/${key}: ${seqs.join(',')}`);
        }
      }
    }
    expect(lost).toEqual([]);
    expect(unplannedDuplicates).toEqual([]);
  });
});

/** The `seq` of every acknowledged event of one webhook path, per document key, in arrival order. */
function seqsByKey(requests: readonly ReceivedRequest[], path: string): Map<string, number[]> {
  const perKey = new Map<string, number[]>();
  for (const request of requests) {
    if (request.path !== path || request.status >= 300) {
      continue;
    }
    const event = request.json as {
      documentKey: { _id: string };
      fullDocument?: { seq: number };
      updateDescription?: { updatedFields: { seq: number } };
    };
    const seq = event.fullDocument?.seq ?? event.updateDescription?.updatedFields.seq;
    const list = perKey.get(event.documentKey._id) ?? [];
    list.push(seq as number);
    perKey.set(event.documentKey._id, list);
  }
  return perKey;
}

/** Increments `seq` of random keys in random collections until stopped, remembering the last. */
class ContinuousWriter {
  /** collection → key → last seq written. */
  readonly lastSeq = new Map<string, Map<string, number>>();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly source: SourceData) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const collection = `c${Math.floor(Math.random() * SUBSCRIPTIONS)}`;
      const key = `k${Math.floor(Math.random() * KEYS_PER_COLLECTION)}`;
      const keys = this.lastSeq.get(collection) ?? new Map<string, number>();
      this.lastSeq.set(collection, keys);
      const seq = (keys.get(key) ?? 0) + 1;
      if (seq === 1) {
        await this.source.collection(collection).insertOne({ _id: key, seq });
      } else {
        await this.source.collection(collection).updateOne({ _id: key }, { $set: { seq } });
      }
      keys.set(key, seq);
      // About 50 writes a second, spread over the 30 collections.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
