import { WebhookReceiver, connectTestClient, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { RelayRuntime, createSubscription } from '../../test/support/relay-runtime';

const SECRET = 'whsec_c2VjcmV0LWJ5dGVzLWZvci10ZXN0cw==';

describe('SubscriptionWorker (webhook handler)', () => {
  let client: MongoClient;
  let runtime: RelayRuntime;
  let receiver: WebhookReceiver;
  const sourceDb = uniqueDbName('src');

  beforeAll(async () => {
    client = await connectTestClient();
    receiver = await WebhookReceiver.start({ secret: SECRET });
    runtime = await RelayRuntime.start({ metaDb: uniqueDbName('meta'), instanceId: 'hook-a' });
  });

  afterAll(async () => {
    await runtime?.close();
    await receiver?.close();
    await client?.close();
  });

  function webhook(path: string, timeoutMs = 2_000) {
    return {
      type: 'webhook' as const,
      url: receiver.urlFor(path),
      secret: SECRET,
      timeoutMs,
      headers: { 'x-tenant': 't1' },
    };
  }

  it('POSTs signed events in order per key, with retries on 5xx', async () => {
    await createSubscription(runtime, client, {
      name: 'hook-single',
      source: { database: sourceDb, collections: ['accounts'], fullDocument: 'updateLookup' },
      handler: webhook('/single'),
    });
    receiver.respondWith({ status: 503, times: 2, when: (r) => r.path === '/single' });
    const accounts = client.db(sourceDb).collection<{ _id: string; balance: number }>('accounts');
    await accounts.insertOne({ _id: 'acc-1', balance: 10 });
    await accounts.updateOne({ _id: 'acc-1' }, { $inc: { balance: 5 } });
    await accounts.insertOne({ _id: 'acc-2', balance: 1 });
    await accounts.deleteOne({ _id: 'acc-1' });

    const events = await receiver.waitForEvents(4, {
      filter: (e) => e.subscription === 'hook-single',
    });
    const requests = receiver.requests.filter((r) => r.path === '/single');
    expect(requests.every((r) => r.signatureValid === true)).toBe(true);
    expect(requests.every((r) => r.headers['x-tenant'] === 't1')).toBe(true);
    expect(requests.filter((r) => r.status === 503)).toHaveLength(2);
    const ops = (id: string) =>
      events.filter((e) => e.documentKey._id === id).map((e) => e.operationType);
    expect(ops('acc-1')).toEqual(['insert', 'update', 'delete']);
    expect(ops('acc-2')).toEqual(['insert']);
    const update = events.find((e) => e.operationType === 'update')!;
    expect(update.updateDescription.updatedFields).toEqual({ balance: 15 });
    expect(update.clusterTime).toEqual({
      $timestamp: expect.objectContaining({ t: expect.any(Number) }),
    });
    // webhook-id is the event id: the same on a retry.
    const retried = requests.filter((r) => (r.json as { id: string }).id === events[0].id);
    expect(new Set(retried.map((r) => r.headers['webhook-id']))).toEqual(new Set([events[0].id]));
  });

  it('sends batches as {events: [...]} and dead-letters a rejected batch without blocking', async () => {
    await createSubscription(runtime, client, {
      name: 'hook-batch',
      source: { database: sourceDb, collections: ['ledger'] },
      handler: webhook('/batch'),
      delivery: { ordering: 'strict', batchSize: 50, batchWaitMs: 100 },
      retry: { maxAttempts: 2 },
    });
    const ledger = client.db(sourceDb).collection<{ _id: number; poison?: boolean }>('ledger');
    receiver.respondWith({
      status: 422,
      body: `{"reason":"poison"}${'x'.repeat(2_000)}`,
      when: (r) => r.path === '/batch' && JSON.stringify(r.json).includes('"poison":true'),
    });
    await ledger.insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3, poison: true }, { _id: 4 }]);
    await ledger.insertOne({ _id: 5 });

    const events = await receiver.waitForEvents(4, {
      filter: (e) => e.subscription === 'hook-batch',
    });
    expect(events.map((e) => e.documentKey._id)).toEqual([1, 2, 4, 5]);
    const batches = receiver.requests.filter((r) => r.path === '/batch' && r.status === 200);
    expect(batches.every((r) => Array.isArray((r.json as { events: unknown[] }).events))).toBe(
      true,
    );
    expect(batches.every((r) => String(r.headers['webhook-id']).startsWith('batch_'))).toBe(true);

    const [dead] = await waitFor(
      async () => {
        const found = await runtime.deadLetters.list('hook-batch');
        return found.length > 0 ? found : undefined;
      },
      { description: 'a dead letter' },
    );
    expect(dead).toMatchObject({
      subscription: 'hook-batch',
      key: '{"_id":{"$numberInt":"3"}}',
      status: 'pending',
      attempts: expect.any(Number),
      error: { name: 'WebhookRejectedError', code: 422, httpStatus: 422 },
      service: expect.any(String),
      position: { token: dead.eventId, clusterTime: { t: expect.any(Number) } },
    });
    // The first KiB of the answer's body, not more.
    expect(dead.error.responseBody).toBe(`{"reason":"poison"}${'x'.repeat(1_024 - 19)}`);
    expect(dead.event).toMatchObject({ operationType: 'insert', documentKey: { _id: 3 } });
    expect(dead.expireAt.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  });
});
