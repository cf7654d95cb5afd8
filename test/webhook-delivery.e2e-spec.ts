import { ObjectId } from 'mongodb';
import { WebhookReceiver, uniqueDbName, waitFor, type ReceivedEvent } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { newWebhookSecret, startRelay, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

/**
 * Acceptance: a subscription created over REST delivers inserts, updates, replaces and deletes to
 * a webhook (signed, in order per key) and to a provider handler, from the moment it was created.
 */
describe('Delivery of a subscription created over REST', () => {
  let server: RelayServer;
  let source: SourceData;
  let receiver: WebhookReceiver;
  const secret = newWebhookSecret();

  beforeAll(async () => {
    [server, source, receiver] = await Promise.all([
      startRelay(),
      SourceData.connect(),
      WebhookReceiver.start({ secret }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close(), receiver?.close()]);
  });

  /** Inserts, updates, a replace and deletes on two keys, interleaved, plus noise elsewhere. */
  async function writeScript(collection: string): Promise<void> {
    const orders = source.collection(collection);
    await orders.insertOne({ _id: 'a', status: 'new', total: 10 });
    await orders.insertOne({ _id: 'b', status: 'new', total: 20 });
    await source.collection('other').insertOne({ _id: 'noise', status: 'ignored' });
    await orders.updateOne({ _id: 'a' }, { $set: { status: 'paid' }, $unset: { total: '' } });
    await orders.replaceOne({ _id: 'b' }, { status: 'replaced', lines: 2 });
    await orders.updateOne({ _id: 'a' }, { $set: { status: 'shipped' } });
    await orders.deleteOne({ _id: 'b' });
    await orders.deleteOne({ _id: 'a' });
  }

  it('delivers every operation to a webhook, signed and in order per key', async () => {
    const created = await server.api
      .createSubscription({
        name: 'orders-webhook',
        source: {
          database: source.database,
          collections: ['orders'],
          fullDocument: 'updateLookup',
        },
        handler: {
          type: 'webhook',
          url: receiver.urlFor('/orders'),
          secret,
          headers: { 'x-tenant': 'eu' },
        },
      })
      .expect(201);
    expect(created.body.handler.secretSet).toBe(true);
    // Written right after the API answered: "now" includes them, whether the worker runs yet or not.
    await writeScript('orders');

    const events = await receiver.waitForEvents(7, {
      filter: (e) => e.subscription === 'orders-webhook',
    });
    expect(events).toHaveLength(7);
    const requests = receiver.requests.filter((r) => r.path === '/orders');
    expect(requests.every((r) => r.signatureValid === true)).toBe(true);
    expect(requests[0].headers).toMatchObject({
      'content-type': expect.stringContaining('application/json'),
      'webhook-id': events[0].id,
      'webhook-timestamp': expect.stringMatching(/^\d+$/),
      'webhook-signature': expect.stringMatching(/^v1,/),
      'x-tenant': 'eu',
    });

    const ofKey = (key: string) => events.filter((e) => e.documentKey?._id === key);
    expect(ofKey('a').map((e) => e.operationType)).toEqual([
      'insert',
      'update',
      'update',
      'delete',
    ]);
    expect(ofKey('b').map((e) => e.operationType)).toEqual(['insert', 'replace', 'delete']);
    expect(events.some((e) => e.ns.coll === 'other')).toBe(false);

    const [insert, firstUpdate] = ofKey('a');
    expect(insert).toMatchObject({
      subscription: 'orders-webhook',
      service: 'change-relay',
      ns: { db: source.database, coll: 'orders' },
      documentKey: { _id: 'a' },
      fullDocument: { _id: 'a', status: 'new', total: 10 },
      attempt: 1,
    });
    expect(firstUpdate.updateDescription).toMatchObject({
      updatedFields: { status: 'paid' },
      removedFields: ['total'],
    });
    // updateLookup: the current document, which may already include later changes.
    expect(firstUpdate.fullDocument).toMatchObject({ _id: 'a' });
    expect(ofKey('b')[1].fullDocument).toEqual({ _id: 'b', status: 'replaced', lines: 2 });
    expect(ofKey('b')[2]).toMatchObject({ operationType: 'delete', documentKey: { _id: 'b' } });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it('sends documents as relaxed Extended JSON', async () => {
    const key = new ObjectId();
    await server.api
      .createSubscription({
        name: 'orders-ejson',
        source: { database: source.database, collections: ['typed'] },
        handler: { type: 'webhook', url: receiver.urlFor('/typed') },
      })
      .expect(201);
    await source.db
      .collection('typed')
      .insertOne({ _id: key, at: new Date('2026-01-02T03:04:05Z'), n: 5 });
    const [event] = await receiver.waitForEvents(1, {
      filter: (e) => e.subscription === 'orders-ejson',
    });
    expect(event.documentKey).toEqual({ _id: { $oid: key.toHexString() } });
    expect(event.fullDocument).toEqual({
      _id: { $oid: key.toHexString() },
      at: { $date: '2026-01-02T03:04:05Z' },
      n: 5,
    });
    // No secret configured: nothing to verify, but the headers are still sent.
    expect(receiver.requests.find((r) => r.path === '/typed')?.headers['webhook-id']).toBe(
      event.id,
    );
  });

  it('delivers to a provider handler registered in a module, the same way', async () => {
    await server.api
      .createSubscription({
        name: 'orders-provider',
        source: { database: source.database, collections: ['stock'], fullDocument: 'updateLookup' },
        handler: { type: 'provider', name: RECORDING_HANDLER },
        delivery: { ordering: 'key', concurrency: 4 },
      })
      .expect(201);
    const stock = source.collection('stock');
    await stock.insertOne({ _id: 'sku-1', qty: 5 });
    await stock.insertOne({ _id: 'sku-2', qty: 1 });
    for (let i = 0; i < 5; i++) {
      await stock.updateOne({ _id: 'sku-1' }, { $inc: { qty: -1 } });
    }
    await stock.replaceOne({ _id: 'sku-2' }, { qty: 9 });
    await stock.deleteOne({ _id: 'sku-2' });

    const events = await server.recorder.waitForEvents('orders-provider', 9);
    const sku1 = events.filter((e) => e.documentKey?._id === 'sku-1');
    expect(sku1.map((e) => e.operationType)).toEqual([
      'insert',
      'update',
      'update',
      'update',
      'update',
      'update',
    ]);
    expect(
      sku1.slice(1).map((e) => (e.updateDescription?.updatedFields as { qty: number }).qty),
    ).toEqual([4, 3, 2, 1, 0]);
    expect(
      events.filter((e) => e.documentKey?._id === 'sku-2').map((e) => e.operationType),
    ).toEqual(['insert', 'replace', 'delete']);
    expect(events[0]).toMatchObject({
      subscription: 'orders-provider',
      ns: { db: source.database, coll: 'stock' },
      attempt: 1,
    });
  });

  it('delivers changes written after creation even when no worker ran yet', async () => {
    const database = uniqueDbName('relay');
    // An instance whose workers are halted: it answers the API but runs nothing.
    const apiOnly = await startRelay({ MONGODB_DB: database, INSTANCE_ID: 'api-only' });
    let worker: RelayServer | undefined;
    try {
      await apiOnly.supervisor.halt();
      await apiOnly.api
        .createSubscription({
          name: 'late-worker',
          source: { database: source.database, collections: ['late'] },
          handler: { type: 'webhook', url: receiver.urlFor('/late'), secret },
        })
        .expect(201);
      await source.insertNumbered('late', 'late', 0, 3);
      const status = await apiOnly.api.status('late-worker').expect(200);
      expect(status.body.actualState).toBe('unassigned');

      worker = await startRelay({ MONGODB_DB: database, INSTANCE_ID: 'late-worker-instance' });
      const events = await receiver.waitForEvents(3, {
        filter: (e: ReceivedEvent) => e.subscription === 'late-worker',
      });
      expect(events.map((e) => e.documentKey._id)).toEqual(['late-0', 'late-1', 'late-2']);
      await waitFor(
        async () => (await worker!.api.status('late-worker')).body.owner === 'late-worker-instance',
        {
          description: 'the new instance to own the subscription',
        },
      );
    } finally {
      await worker?.close();
      await apiOnly.close();
    }
  });
});
