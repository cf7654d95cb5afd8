import { WebhookReceiver, connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { RelayRuntime, createSubscription, ownerOf } from '../../test/support/relay-runtime';
import { OwnerCommandsClient } from '../commands/owner-commands.client';
import { REPLAY_DEAD_LETTERS_COMMAND } from './dead-letter-replay.command';

describe('Dead-letter replay (owner command)', () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  let receiver: WebhookReceiver;
  const sourceDb = uniqueDbName('src');

  beforeAll(async () => {
    client = await connectTestClient();
    receiver = await WebhookReceiver.start();
    runtime = await RelayRuntime.start({ metaDb: uniqueDbName('meta'), instanceId: 'replay-a' });
  });

  afterAll(async () => {
    await runtime?.close();
    await receiver?.close();
    await client?.close();
  });

  const commands = () => runtime.moduleRef.get(OwnerCommandsClient);
  const docId = (json: unknown) =>
    (json as { documentKey?: { _id?: unknown } }).documentKey?._id as string;

  it('replays pending entries in stream order through the engine, each once, with their webhook-id', async () => {
    await createSubscription(runtime, client, {
      name: 'replayed',
      source: { database: sourceDb, collections: ['items'], fullDocument: 'updateLookup' },
      handler: {
        type: 'webhook',
        url: receiver.urlFor('/replayed'),
        timeoutMs: 2_000,
        headers: {},
      },
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
    });
    await waitFor(() => ownerOf('replayed', [runtime]).length === 1, {
      description: 'worker runs',
    });
    receiver.respondWith({
      status: 500,
      body: 'broken',
      when: (r) => r.path === '/replayed' && r.rawBody.includes('"bad":true'),
    });
    const items = client
      .db(sourceDb)
      .collection<{ _id: string; n: number; bad?: boolean }>('items');
    // Key a: three failures in a row (stream order 1, 2, 3); key b: one.
    await items.insertOne({ _id: 'a', n: 1, bad: true });
    await items.insertOne({ _id: 'b', n: 1, bad: true });
    await items.updateOne({ _id: 'a' }, { $set: { n: 2 } });
    await items.updateOne({ _id: 'a' }, { $set: { n: 3 } });
    await items.updateOne({ _id: 'b' }, { $set: { n: 2 }, $unset: { bad: '' } });
    const dead = await waitFor(
      async () => {
        const found = await runtime.deadLetters.list('replayed');
        return found.length === 4 ? found : undefined;
      },
      { description: 'four dead letters' },
    );
    expect(dead.every((entry) => entry.error.httpStatus === 500)).toBe(true);
    expect(dead[0].error.responseBody).toBe('broken');
    receiver.clearRules();
    const before = receiver.requests.length;

    // Two jobs over the same entries at once: each entry is delivered once.
    const [one, two] = await Promise.all([
      commands().send('replayed', REPLAY_DEAD_LETTERS_COMMAND, {}),
      commands().send('replayed', REPLAY_DEAD_LETTERS_COMMAND, {}),
    ]);
    const [first, second] = await Promise.all([
      commands().awaitOutcome(one.id, 10_000),
      commands().awaitOutcome(two.id, 10_000),
    ]);
    expect(first).toMatchObject({ state: 'done', result: { total: 4, succeeded: 4, failed: 0 } });
    expect(second?.state).toBe('done');
    expect((second?.result as { succeeded: number }).succeeded).toBe(0);

    const replayed = receiver.requests.slice(before).filter((r) => r.path === '/replayed');
    expect(replayed.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const ofKey = (id: string) =>
      replayed.filter((r) => docId(r.json) === id).map((r) => r.headers['webhook-id']);
    // Stream order per key, with the ids of the original events.
    const idsByKey = (id: string) =>
      [...dead]
        .filter((entry) => entry.key.includes(`"${id}"`))
        .sort((x, y) => (x.streamOrder < y.streamOrder ? -1 : 1))
        .map((entry) => entry.eventId);
    expect(ofKey('a')).toEqual(idsByKey('a'));
    expect(ofKey('b')).toEqual(idsByKey('b'));
    expect(ofKey('a')).toHaveLength(3);

    const after = await runtime.deadLetters.list('replayed');
    expect(after.every((entry) => entry.status === 'replayed' && entry.replayCount === 1)).toBe(
      true,
    );
    expect(after[0].replays[0]).toMatchObject({ outcome: 'delivered', jobId: one.id });
  });

  it('keeps an entry pending with the new error when its replay fails', async () => {
    await createSubscription(runtime, client, {
      name: 'still-broken',
      source: { database: sourceDb, collections: ['broken'] },
      handler: { type: 'webhook', url: receiver.urlFor('/broken'), timeoutMs: 2_000, headers: {} },
      retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 5 },
    });
    await waitFor(() => ownerOf('still-broken', [runtime]).length === 1, {
      description: 'worker runs',
    });
    receiver.respondWith({ status: 503, body: 'down', when: (r) => r.path === '/broken' });
    await client
      .db(sourceDb)
      .collection('broken')
      .insertOne({ _id: 'x' } as never);
    await waitFor(async () => (await runtime.deadLetters.list('still-broken')).length === 1, {
      description: 'a dead letter',
    });
    const sent = await commands().send('still-broken', REPLAY_DEAD_LETTERS_COMMAND, {});
    expect(await commands().awaitOutcome(sent.id, 10_000)).toMatchObject({
      state: 'done',
      result: { total: 1, succeeded: 0, failed: 1 },
    });
    const [entry] = await runtime.deadLetters.list('still-broken');
    expect(entry).toMatchObject({
      status: 'pending',
      replayCount: 1,
      error: { httpStatus: 503, responseBody: 'down' },
      replays: [{ outcome: 'failed', error: { httpStatus: 503 } }],
    });
  });

  it('dead-letters an event too large to keep whole without its document, goes on, and never replays it', async () => {
    await createSubscription(runtime, client, {
      name: 'oversized',
      source: { database: sourceDb, collections: ['oversized'] },
      handler: {
        type: 'webhook',
        url: receiver.urlFor('/oversized'),
        timeoutMs: 10_000,
        headers: {},
      },
      delivery: { ordering: 'strict' },
      retry: { maxAttempts: 1, initialDelayMs: 1, maxDelayMs: 5 },
    });
    await waitFor(() => ownerOf('oversized', [runtime]).length === 1, {
      description: 'worker runs',
    });
    const big = (r: { path: string; rawBody: string }) =>
      r.path === '/oversized' && r.rawBody.length > 1024 * 1024;
    receiver.respondWith({ status: 500, body: 'too big for me', when: big });
    const docs = client.db(sourceDb).collection<{ _id: string; pad?: string }>('oversized');
    // Within a document's 16 MiB, so its change event is too: the dead letter (event, error
    // and ids) would not be.
    await docs.insertOne({ _id: 'big', pad: 'x'.repeat(16 * 1024 * 1024 - 200) });
    await docs.insertOne({ _id: 'after' });

    // Strict ordering: the next event is delivered only once the big one settled.
    await waitFor(
      () =>
        receiver.requests.some(
          (r) => r.path === '/oversized' && r.status === 200 && docId(r.json) === 'after',
        ),
      { description: 'the event after the oversized one is delivered', timeoutMs: 30_000 },
    );
    const [entry] = await runtime.deadLetters.list('oversized');
    expect(entry).toMatchObject({
      status: 'pending',
      error: { httpStatus: 500, responseBody: 'too big for me' },
      truncated: { droppedFields: ['fullDocument'] },
      event: { operationType: 'insert', documentKey: { _id: 'big' } },
    });
    expect(entry.truncated!.eventBytes).toBeGreaterThan(16 * 1024 * 1024 - 200);
    expect(entry.event.fullDocument).toBeUndefined();

    // A replay would deliver an incomplete event: it fails, saying why, and sends nothing.
    receiver.clearRules();
    const sentBefore = receiver.requests.length;
    const sent = await commands().send('oversized', REPLAY_DEAD_LETTERS_COMMAND, {});
    expect(await commands().awaitOutcome(sent.id, 10_000)).toMatchObject({
      state: 'done',
      result: { total: 1, succeeded: 0, failed: 1 },
    });
    expect(receiver.requests.length).toBe(sentBefore);
    const [after] = await runtime.deadLetters.list('oversized');
    expect(after).toMatchObject({
      status: 'pending',
      replayCount: 1,
      replays: [{ outcome: 'failed', attempts: 0, error: { name: 'TruncatedDeadLetter' } }],
    });
    expect(after.replays[0].error?.message).toContain('stored without fullDocument');
  });

  it('takes at most `limit` entries, the earliest in stream order', async () => {
    await createSubscription(runtime, client, {
      name: 'limited',
      source: { database: sourceDb, collections: ['limited'] },
    });
    await waitFor(() => ownerOf('limited', [runtime]).length === 1, { description: 'worker runs' });
    // Stored out of stream order: the cluster time decides.
    for (const n of [3, 1, 2]) {
      await runtime.deadLetters.store({
        subscription: 'limited',
        service: 'orders',
        eventId: `t${n}`,
        event: { _id: { _data: `t${n}` }, operationType: 'insert', documentKey: { _id: n } },
        key: `k${n}`,
        position: { token: `t${n}`, clusterTime: { t: 10 + n, i: 0 } },
        attempts: 1,
        error: { name: 'Error', message: 'x' },
        retentionDays: 30,
      });
    }
    const sent = await commands().send('limited', REPLAY_DEAD_LETTERS_COMMAND, { limit: 2 });
    expect(await commands().awaitOutcome(sent.id, 10_000)).toMatchObject({
      state: 'done',
      result: { total: 2, succeeded: 2 },
    });
    const statuses = Object.fromEntries(
      (await runtime.deadLetters.list('limited')).map((entry) => [entry.eventId, entry.status]),
    );
    expect(statuses).toEqual({ t1: 'replayed', t2: 'replayed', t3: 'pending' });
  });
});
