import { connectTestClient, uniqueDbName, WebhookReceiver } from '@app/testing';
import type { MongoClient } from 'mongodb';
import { crash, newWebhookSecret, startRelay, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

const SOURCE = { database: 'shop', collections: ['orders'] };

describe('Security: secrets at rest, metadata isolation, webhook targets', () => {
  describe('with the default (strict) webhook target policy', () => {
    let server: RelayServer;

    beforeAll(async () => {
      server = await startRelay({ WEBHOOK_ALLOW_PRIVATE: 'false' });
    });

    afterAll(async () => {
      await crash(server);
    });

    it.each([
      'http://127.0.0.1:8080/hook',
      'http://[::1]:8080/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://localhost:3000/api/v1/subscriptions/x/pause',
      'http://[::ffff:127.0.0.1]/hook',
    ])('refuses a webhook to %s with 400 naming handler.url', async (url) => {
      const response = await server.api
        .createSubscription({
          name: 'private-target',
          source: SOURCE,
          handler: { type: 'webhook', url },
        })
        .expect(400);
      expect(response.body.details).toEqual([
        { field: 'handler.url', reason: expect.stringMatching(/address/) },
      ]);
    });

    it('refuses a private target in a PATCH too', async () => {
      await server.api
        .createSubscription({
          name: 'public-target',
          source: SOURCE,
          handler: { type: 'webhook', url: 'https://8.8.8.8/hook' },
        })
        .expect(201);
      const response = await server.api
        .updateSubscription('public-target', { handler: { url: 'http://10.0.0.1/hook' } })
        .expect(400);
      expect(response.body.details[0].field).toBe('handler.url');
    });
  });

  describe('with an allow-list', () => {
    let server: RelayServer;

    beforeAll(async () => {
      server = await startRelay({
        WEBHOOK_ALLOW_PRIVATE: 'false',
        WEBHOOK_ALLOWED_HOSTS: 'localhost,10.0.0.1',
      });
    });

    afterAll(async () => {
      await crash(server);
    });

    it('allows listed hosts and still refuses the others', async () => {
      for (const [name, url] of [
        ['listed-name', 'http://localhost:9/hook'],
        ['listed-ip', 'http://10.0.0.1/hook'],
      ]) {
        await server.api
          .createSubscription({ name, source: SOURCE, handler: { type: 'webhook', url } })
          .expect(201);
      }
      await server.api
        .createSubscription({
          name: 'unlisted',
          source: SOURCE,
          handler: { type: 'webhook', url: 'http://127.0.0.1/hook' },
        })
        .expect(400);
    });
  });

  describe('on the test environment (private targets allowed)', () => {
    let server: RelayServer;
    let client: MongoClient;
    let receiver: WebhookReceiver;

    beforeAll(async () => {
      server = await startRelay();
      client = await connectTestClient();
      receiver = await WebhookReceiver.start();
    });

    afterAll(async () => {
      await receiver.close();
      await client.close();
      await crash(server);
    });

    it.each(['admin', 'local', 'config', 'ADMIN'])(
      'refuses to watch the system database %s',
      async (database) => {
        const response = await server.api
          .createSubscription({
            name: 'system-db',
            source: { database },
            handler: { type: 'provider', name: 'test-recorder' },
          })
          .expect(400);
        expect(response.body.details).toEqual([
          {
            field: 'source.database',
            reason: expect.stringMatching(/system database|not admin, local or config/),
          },
        ]);
      },
    );

    it('refuses to watch its own metadata database (MONGODB_DB), on create and on patch', async () => {
      const response = await server.api
        .createSubscription({
          name: 'metadata-db',
          source: { database: server.config.mongodbDb },
          handler: { type: 'provider', name: 'test-recorder' },
        })
        .expect(400);
      expect(response.body.details).toEqual([
        { field: 'source.database', reason: expect.stringContaining('metadata database') },
      ]);
      await server.api
        .createSubscription({
          name: 'moves-to-metadata',
          source: SOURCE,
          handler: { type: 'provider', name: 'test-recorder' },
        })
        .expect(201);
      await server.api
        .updateSubscription('moves-to-metadata', {
          source: { database: server.config.mongodbDb },
        })
        .expect(400);
    });

    it.each([
      ['https://user:pass@hooks.example.com/x', /credentials/],
      ['https://hooks.example.com/x?token=abc', /"token" looks like a credential/],
      ['https://hooks.example.com/x?api_key=abc', /"api_key" looks like a credential/],
    ])('refuses the credential-bearing URL %s', async (url, reason) => {
      const response = await server.api
        .createSubscription({
          name: 'url-creds',
          source: SOURCE,
          handler: { type: 'webhook', url },
        })
        .expect(400);
      expect(response.body.details[0]).toEqual({
        field: 'handler.url',
        reason: expect.stringMatching(reason),
      });
    });

    it('stores the secret and header values encrypted, and shows only public headers', async () => {
      const secret = newWebhookSecret();
      const created = await server.api
        .createSubscription({
          name: 'sealed',
          source: SOURCE,
          handler: {
            type: 'webhook',
            url: receiver.urlFor('/sealed'),
            secret,
            headers: { 'x-api-credential': 'hunter2-credential', 'x-tenant': 'eu-west' },
            publicHeaders: ['x-tenant'],
          },
        })
        .expect(201);
      expect(created.body.handler).toMatchObject({
        secretSet: true,
        headers: { 'x-api-credential': '***', 'x-tenant': 'eu-west' },
      });
      const raw = await client
        .db(server.config.mongodbDb)
        .collection('subscriptions')
        .findOne({ _id: 'sealed' as never });
      const stored = JSON.stringify(raw);
      expect(stored).not.toContain(secret);
      expect(stored).not.toContain(secret.slice('whsec_'.length));
      expect(stored).not.toContain('hunter2');
      expect(raw?.handler.secret).toMatch(/^enc:v1:/);
      expect(raw?.handler.headers['x-tenant']).toBe('eu-west');
      expect(raw?.createdBy).toBe('admin-token');

      // A patch that changes something else keeps the secret working and sealed.
      await server.api.updateSubscription('sealed', { description: 'still sealed' }).expect(200);
      const again = await client
        .db(server.config.mongodbDb)
        .collection('subscriptions')
        .findOne({ _id: 'sealed' as never });
      expect(JSON.stringify(again)).not.toContain('hunter2');
      // An identical patch is no change at all (the comparison opens the sealed values).
      const same = await server.api
        .updateSubscription('sealed', { handler: { secret } })
        .expect(200);
      expect(same.body.revision).toBe(2);
    });
  });

  it('delivers with secrets sealed under a previous key after SECRET_KEY is rotated', async () => {
    const secret = newWebhookSecret();
    const [source, receiver] = await Promise.all([
      SourceData.connect(),
      WebhookReceiver.start({ secret }),
    ]);
    const metadataDb = uniqueDbName('relay');
    const oldKey = 'a1'.repeat(32);
    const newKey = Buffer.alloc(32, 9).toString('base64');
    try {
      const before = await startRelay({ MONGODB_DB: metadataDb, SECRET_KEY: oldKey });
      await before.api
        .createSubscription({
          name: 'rotated',
          source: { database: source.database, collections: ['orders'] },
          handler: {
            type: 'webhook',
            url: receiver.urlFor('/rotated'),
            secret,
            headers: { authorization: 'Bearer downstream' },
          },
        })
        .expect(201);
      await crash(before);

      const after = await startRelay({
        MONGODB_DB: metadataDb,
        SECRET_KEY: newKey,
        SECRET_KEY_PREVIOUS: oldKey,
      });
      try {
        await source.collection('orders').insertOne({ _id: 'r1' });
        await receiver.waitForEvents(1, { filter: (e) => e.subscription === 'rotated' });
        const [delivered] = receiver.requests.filter((r) => r.path === '/rotated');
        expect(delivered.signatureValid).toBe(true);
        expect(delivered.headers.authorization).toBe('Bearer downstream');
      } finally {
        await crash(after);
      }
    } finally {
      await Promise.all([source.close(), receiver.close()]);
    }
  });
});
