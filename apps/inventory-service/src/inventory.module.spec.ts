import { Test, type TestingModule } from '@nestjs/testing';
import {
  DeadLettersRepository,
  InstancesRepository,
  LeasesRepository,
  RelaySupervisor,
  SubscriptionsRepository,
} from '@app/relay';
import { connectTestClient, sharedBackendUri, uniqueDbName, waitFor } from '@app/testing';
import type { MongoClient, Timestamp } from 'mongodb';
import { buildSubscription } from '../../../libs/relay/test/support/subscription.fixture';
import { InventoryModule } from './inventory.module';
import { ReservationsRepository } from './reservations/reservations.repository';
import { ReserveStockHandler } from './reservations/reserve-stock.handler';

describe(InventoryModule.name, () => {
  let client: MongoClient;
  let app: TestingModule;
  const shopDb = uniqueDbName('shop');

  beforeAll(async () => {
    client = await connectTestClient();
    app = await Test.createTestingModule({
      imports: [
        InventoryModule.forRoot(
          {
            mongodbUri: sharedBackendUri(),
            metadataDb: uniqueDbName('meta'),
            inventoryDb: uniqueDbName('inventory'),
            instanceId: 'inventory-test',
            leaseTtlMs: 2_000,
            secretKeys: [],
            webhookAllowPrivate: false,
            webhookAllowedHosts: [],
          },
          { reconcileIntervalMs: 1_000, maxAwaitTimeMs: 100, checkpointIntervalMs: 50 },
        ),
      ],
    }).compile();
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await client?.close();
  });

  it('reserves stock for every inserted order, once, and dead-letters malformed ones', async () => {
    const { operationTime } = await client.db('admin').command({ ping: 1 });
    await app.get(SubscriptionsRepository).create(
      buildSubscription({
        name: 'orders-to-inventory',
        serviceName: 'inventory',
        source: { database: shopDb, collections: ['orders'], operationTypes: ['insert'] },
        handler: { type: 'provider', name: 'inventory.reserve-stock' },
        retry: { maxAttempts: 2 },
        startAtOperationTime: operationTime as Timestamp,
      }),
    );
    const orders = client
      .db(shopDb)
      .collection<{ _id: string; sku?: string; quantity?: number }>('orders');
    await orders.insertMany([
      { _id: 'o-1', sku: 'apple', quantity: 2 },
      { _id: 'o-2', sku: 'pear', quantity: 1 },
      { _id: 'o-3' },
    ]);

    const reservations = app.get(ReservationsRepository);
    await waitFor(async () => (await reservations.findByOrder('o-2')).length === 1, {
      description: 'reservation for o-2',
    });
    const [first] = await reservations.findByOrder('o-1');
    expect(first).toMatchObject({ sku: 'apple', quantity: 2 });

    // A redelivery of the same event (same id) reserves nothing more.
    await app.get(ReserveStockHandler).handle(
      {
        id: first._id,
        subscription: 'orders-to-inventory',
        service: 'inventory',
        operationType: 'insert',
        ns: { db: shopDb, coll: 'orders' },
        documentKey: { _id: 'o-1' },
        fullDocument: { _id: 'o-1', sku: 'apple', quantity: 2 },
        attempt: 1,
      },
      { signal: new AbortController().signal, attempt: 1, subscription: {} as never },
    );
    expect(await reservations.findByOrder('o-1')).toHaveLength(1);
    const [dead] = await waitFor(
      async () => {
        const found = await app.get(DeadLettersRepository).list('orders-to-inventory');
        return found.length > 0 ? found : undefined;
      },
      { description: 'dead letter for o-3' },
    );
    expect(dead.error.message).toMatch(/o-3 has no valid sku/);
  });

  it('never takes a webhook subscription (built-in handlers are opt-in for embedding services)', async () => {
    const { operationTime } = await client.db('admin').command({ ping: 1 });
    await app.get(SubscriptionsRepository).create(
      buildSubscription({
        name: 'someone-elses-webhook',
        source: { database: shopDb, collections: ['orders'] },
        handler: {
          type: 'webhook',
          url: 'https://billing.example.com/hooks',
          secret: 'whsec_c2VjcmV0',
          timeoutMs: 1_000,
          headers: {},
        },
        startAtOperationTime: operationTime as Timestamp,
      }),
    );
    const [self] = await waitFor(
      async () => {
        const live = await app.get(InstancesRepository).listLive(5_000);
        return live.length > 0 ? live : undefined;
      },
      { description: 'the heartbeat' },
    );
    expect(self.handlers).toEqual(['inventory.reserve-stock']);
    // Reconciles (the watch already ran one on the create) leave it alone.
    await app.get(RelaySupervisor).reconcileNow();
    expect(
      app
        .get(RelaySupervisor)
        .runningWorkers()
        .map((w) => w.subscription),
    ).not.toContain('someone-elses-webhook');
    expect(await app.get(LeasesRepository).find('someone-elses-webhook')).toBeNull();
  });
});
