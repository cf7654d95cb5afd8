// Acceptance: `npm start` on the embedded backend (the emulator, keeping its data in a
// directory), stopped and started again: the subscription, its checkpoint, dead letters and the
// user's own data are still there, and changes the first run had not delivered yet are
// delivered after the restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { testEnv, waitFor, WebhookReceiver, asAdmin } from '@app/testing';
import { Server, startServer } from '../src/bootstrap';

describe('embedded backend with a data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'relay-data-'));
  let receiver: WebhookReceiver;
  const open: { server?: Server; client?: MongoClient } = {};

  const env = () =>
    testEnv({
      MONGODB_URI: undefined,
      MONGODB_DB: 'change_relay',
      EMBEDDED_MONGO: 'emulator',
      EMBEDDED_MONGO_DATA: dataDir,
      EMBEDDED_MONGO_PORT: '0',
    });

  async function boot() {
    const server = await startServer({ env: env(), listen: false });
    const client = await new MongoClient(server.backend.uri).connect();
    Object.assign(open, { server, client });
    return { server, client, http: asAdmin(server.app) };
  }

  async function stop(): Promise<void> {
    await open.client?.close();
    await open.server?.close();
    open.client = undefined;
    open.server = undefined;
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });

  afterAll(async () => {
    await stop();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps subscriptions, checkpoints and data, and delivers what was pending', async () => {
    let { server, client, http } = await boot();
    expect(server.backend).toMatchObject({ kind: 'emulator', dataDir: join(dataDir, 'emulator') });
    await http
      .post('/api/v1/subscriptions')
      .send({
        name: 'orders-hook',
        source: { database: 'shop', collections: ['orders'] },
        handler: { type: 'webhook', url: receiver.urlFor('/orders') },
        retry: { maxAttempts: 100, initialDelayMs: 100, maxDelayMs: 200 },
      })
      .expect(201);
    await waitFor(
      async () =>
        (await http.get('/api/v1/subscriptions/orders-hook/status')).body.actualState === 'running',
      { description: 'the worker to run' },
    );
    const orders = client.db('shop').collection<{ _id: string; n: number }>('orders');
    await orders.insertOne({ _id: 'o-1', n: 1 });
    const [first] = await receiver.waitForEvents(1);
    const checkpointFor = async (mongo: MongoClient) => {
      const checkpoint = await mongo
        .db('change_relay')
        .collection<{ _id: string; position?: { resumeToken?: { _data: string } } }>('checkpoints')
        .findOne({ _id: 'orders-hook' });
      return checkpoint?.position?.resumeToken?._data.toUpperCase() ?? '';
    };
    await waitFor(async () => (await checkpointFor(client)) >= String(first.id).toUpperCase(), {
      description: 'the checkpoint to pass o-1',
    });

    // Not delivered before the stop: the receiver refuses, the worker keeps retrying.
    receiver.respondWith({ status: 503 });
    await orders.insertMany([
      { _id: 'o-2', n: 2 },
      { _id: 'o-3', n: 3 },
    ]);
    await receiver.waitForRequests(1, { filter: (r) => r.status === 503 });
    const beforeStop = await checkpointFor(client);
    await stop();

    receiver.clearRules();
    ({ server, client, http } = await boot());
    const list = await http.get('/api/v1/subscriptions').expect(200);
    expect(list.body).toEqual([expect.objectContaining({ name: 'orders-hook', revision: 1 })]);
    // The checkpoint survived (the restarted worker may only have moved it forward).
    expect(await checkpointFor(client)).not.toBe('');
    expect((await checkpointFor(client)) >= beforeStop).toBe(true);
    expect(await client.db('shop').collection('orders').countDocuments()).toBe(3);

    const delivered = await receiver.waitForEvents(3, { timeoutMs: 20_000 });
    expect(delivered.map((event) => (event.documentKey as { _id: string })._id)).toEqual([
      'o-1',
      'o-2',
      'o-3',
    ]);
  });
});
