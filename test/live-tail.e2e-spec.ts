import { LiveTailRepository } from '@app/relay';
import { TEST_ADMIN_TOKEN, uniqueDbName, waitFor } from '@app/testing';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SCRIPTED_HANDLER } from './support/scripted-failures.handler';
import { SourceData } from './support/source-data';

interface LiveDelivery {
  subscription: string;
  id: string;
  operationType: string;
  ns: { db: string; coll: string };
  documentKey: string;
  outcome: string;
  attempt: number;
  latencyMs: number | null;
  sampleRate: number;
}

const QUERY = `subscription ($name: String!) {
  subscriptionEvents(name: $name) {
    subscription id operationType ns { db coll } documentKey outcome attempt latencyMs sampleRate
  }
}`;

/**
 * Acceptance (issue 10): a real graphql-ws client tails one subscription's deliveries through an
 * API-only instance while another instance runs the subscription; a token is required.
 */
describe('Live tail (GraphQL subscriptionEvents over graphql-ws)', () => {
  let api: RelayServer;
  let worker: RelayServer;
  let source: SourceData;
  const clients: Client[] = [];

  beforeAll(async () => {
    const db = uniqueDbName('live');
    source = await SourceData.connect();
    [api, worker] = await Promise.all([
      startRelay(
        { MONGODB_DB: db, RUN_WORKERS: 'false', INSTANCE_ID: 'live-api' },
        { listen: true },
      ),
      startRelay({ MONGODB_DB: db, INSTANCE_ID: 'live-worker' }),
    ]);
  });

  afterAll(async () => {
    clients.forEach((client) => void client.dispose());
    await Promise.all([api?.close(), worker?.close(), source?.close()]);
  });

  function connect(token?: string): Client {
    const client = createClient({
      url: `${api.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: token ? { Authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    return client;
  }

  /** Collects what a subscription operation yields until it ends or errors. */
  function follow(client: Client, name: string) {
    const received: LiveDelivery[] = [];
    let failure: unknown;
    let ended = false;
    const stop = client.subscribe<{ subscriptionEvents: LiveDelivery }>(
      { query: QUERY, variables: { name } },
      {
        next: (result) => {
          if (result.errors) {
            failure = result.errors;
          } else if (result.data) {
            received.push(result.data.subscriptionEvents);
          }
        },
        error: (error) => {
          failure = error;
          ended = true;
        },
        complete: () => {
          ended = true;
        },
      },
    );
    return { received, stop, failure: () => failure, ended: () => ended };
  }

  it('tails the deliveries of a subscription that another instance runs', async () => {
    await api.api
      .createSubscription({
        name: 'tailed',
        source: { database: source.database, collections: ['tailed'] },
        handler: { type: 'provider', name: SCRIPTED_HANDLER },
        retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
      })
      .expect(201);
    await waitUntilRunning(api, 'tailed');
    const tail = follow(connect(TEST_ADMIN_TOKEN), 'tailed');
    const orders = source.collection('tailed');
    // Writes keep coming until the owner (another instance) noticed the watcher and publishes.
    let n = 0;
    await waitFor(
      async () => {
        await orders.insertOne({ _id: `t-${n++}`, ...(n === 3 ? { fail: 'always' } : {}) });
        return tail.received.some((d) => d.outcome === 'delivered');
      },
      { description: 'the first live delivery', timeoutMs: 20_000, intervalMs: 200 },
    );
    await orders.insertOne({ _id: 'poison', fail: 'always' });
    await waitFor(
      () =>
        tail.received.some(
          (d) => d.documentKey.includes('poison') && d.outcome === 'dead-lettered',
        ),
      {
        description: 'the dead-lettered event in the tail',
        timeoutMs: 10_000,
      },
    );
    const delivered = tail.received.find((d) => d.outcome === 'delivered')!;
    expect(delivered).toMatchObject({
      subscription: 'tailed',
      operationType: 'insert',
      ns: { db: source.database, coll: 'tailed' },
      attempt: 1,
      sampleRate: 1,
    });
    expect(delivered.documentKey).toMatch(/^\{"_id":"t-\d+"\}$/);
    expect(delivered.id).toMatch(/^[0-9A-F]+$/);
    expect(delivered.latencyMs).toBeGreaterThanOrEqual(0);
    expect(tail.failure()).toBeUndefined();
    // The client leaves: its watcher goes, so the owner stops publishing.
    const watchers = api.app.get(LiveTailRepository);
    expect((await watchers.watched(['tailed'])).size).toBe(1);
    tail.stop();
    await waitFor(async () => (await watchers.watched(['tailed'])).size === 0, {
      description: 'the watcher to be removed',
    });
  });

  it('samples a busy subscription and says the rate', async () => {
    await api.api
      .createSubscription({
        name: 'busy',
        source: { database: source.database, collections: ['busy'] },
        handler: { type: 'provider', name: SCRIPTED_HANDLER },
      })
      .expect(201);
    await waitUntilRunning(api, 'busy');
    const tail = follow(connect(TEST_ADMIN_TOKEN), 'busy');
    const busy = source.collection('busy');
    await waitFor(
      async () => {
        await busy.insertMany(Array.from({ length: 400 }, () => ({})) as never);
        return tail.received.some((d) => d.sampleRate < 1);
      },
      { description: 'a sampled batch', timeoutMs: 20_000, intervalMs: 300 },
    );
    const sampled = tail.received.find((d) => d.sampleRate < 1)!;
    expect(sampled.sampleRate).toBeGreaterThan(0);
    tail.stop();
  });

  it('refuses a connection without a valid token, and an unknown subscription', async () => {
    for (const token of [undefined, 'not-a-valid-token-0123456789abcdef']) {
      const tail = follow(connect(token), 'tailed');
      await waitFor(() => tail.ended(), { description: 'the refusal' });
      expect(String((tail.failure() as { code?: number; reason?: string }).code)).toBe('4403');
      expect(tail.received).toEqual([]);
    }
    const unknown = follow(connect(TEST_ADMIN_TOKEN), 'no-such-subscription');
    await waitFor(() => unknown.failure() !== undefined, { description: 'the not-found error' });
    expect(JSON.stringify(unknown.failure())).toContain('NOT_FOUND');
    const bad = follow(connect(TEST_ADMIN_TOKEN), 'Not A Name');
    await waitFor(() => bad.failure() !== undefined, { description: 'the validation error' });
    expect(JSON.stringify(bad.failure())).toContain('name');
  });
});
