import { Test, type TestingModule } from '@nestjs/testing';
import type { MongoClient } from 'mongodb';
import { JOURNAL_COLLECTION, traceparentOf, type JournalRecord } from '@app/relay';
import {
  WebhookReceiver,
  connectTestClient,
  sharedBackendUri,
  uniqueDbName,
  waitFor,
  withToken,
} from '@app/testing';
import { InventoryModule } from '../apps/inventory-service/src/inventory.module';
import { startRelay, type RelayServer } from './support/relay-server';

const ORDERS = 200;
const orderId = (i: number) => `order-${String(i).padStart(3, '0')}`;
const FAILING = new Set(Array.from({ length: 10 }, (_, i) => orderId(10 + i * 17)));
const UNFINISHED = new Set(Array.from({ length: 5 }, (_, i) => orderId(5 + i * 40)));
const SEQUENCE = 'inventory:insert:orders -> shipping:insert:reservations';

interface ProcessBody {
  correlationId: string;
  status: string;
  start: string;
  end: string | null;
  durationMs: number;
  sequence: string;
  eventCount: number;
  services: string[];
  collections: string[];
  delivered: number;
  failed: number;
  pending: number;
  businessValues: Record<string, number>;
}

/**
 * Acceptance of the event journal: the example flow orders → inventory (the inventory service's
 * provider handler, embedded in its own runtime) → shipping (a webhook), one correlation path,
 * 200 processes of which 10 fail at shipping and 5 stay unfinished (shipping keeps answering
 * 503 and the events wait for their retry).
 */
describe('Event journal and process analytics (orders → inventory → shipping)', () => {
  const meta = uniqueDbName('meta');
  const shopDb = uniqueDbName('shop');
  const inventoryDb = uniqueDbName('inventory');
  let server: RelayServer;
  let inventory: TestingModule;
  let receiver: WebhookReceiver;
  let client: MongoClient;

  const journal = () => client.db(meta).collection<JournalRecord>(JOURNAL_COLLECTION);
  const orderOf = (request: { json: unknown }) =>
    (request.json as { fullDocument?: { orderId?: string } }).fullDocument?.orderId ?? '';

  beforeAll(async () => {
    [server, receiver, client] = await Promise.all([
      startRelay({ MONGODB_DB: meta }),
      WebhookReceiver.start(),
      connectTestClient(),
    ]);
    receiver.respondWith({ status: 400, when: (r) => FAILING.has(orderOf(r)) });
    receiver.respondWith({ status: 503, when: (r) => UNFINISHED.has(orderOf(r)) });
    inventory = await Test.createTestingModule({
      imports: [
        InventoryModule.forRoot(
          {
            mongodbUri: sharedBackendUri(),
            metadataDb: meta,
            inventoryDb,
            instanceId: 'inventory-journal',
            leaseTtlMs: 3_000,
            secretKeys: [],
            webhookAllowPrivate: false,
            webhookAllowedHosts: [],
          },
          { reconcileIntervalMs: 500, maxAwaitTimeMs: 100, journalFlushIntervalMs: 200 },
        ),
      ],
    }).compile();
    await inventory.init();
  });

  afterAll(async () => {
    await Promise.all([inventory?.close(), server?.close(), receiver?.close()]);
    await client?.close();
  });

  it('refuses bad journal, correlation and owner settings with a 400 naming the field', async () => {
    const base = {
      name: 'bad-journal',
      source: { database: shopDb, collections: ['orders'] },
      handler: { type: 'provider', name: 'inventory.reserve-stock' },
    };
    const cases: [object, string][] = [
      [{ journal: { enabled: true, sampleRate: 0 } }, 'journal.sampleRate'],
      [{ journal: { retentionHours: 0 } }, 'journal.retentionHours'],
      [{ journal: { fields: { total: 'fullDocument..total' } } }, 'journal.fields'],
      [{ journal: { fields: { 'order.total': 'fullDocument.total' } } }, 'journal.fields'],
      [{ correlation: { idPath: '$fullDocument' } }, 'correlation.idPath'],
      [{ correlation: { processPath: 'fullDocument.flow' } }, 'correlation.idPath'],
      [{ source: { ...base.source, ownerService: 'bad service' } }, 'source.ownerService'],
    ];
    for (const [change, field] of cases) {
      const response = await server.api.createSubscription({ ...base, ...change }).expect(400);
      expect(JSON.stringify(response.body.details)).toContain(field);
    }
    const badRange = await server.api.http.get('/api/v1/analytics/processes?range=1y').expect(400);
    expect(JSON.stringify(badRange.body.details)).toContain('range');
    await server.api.http.get('/api/v1/analytics/interactions?range=31d').expect(400);
  });

  it('reports every process with its status, sequence and duration, and the two service edges', async () => {
    await server.api
      .createSubscription({
        name: 'orders-to-inventory',
        serviceName: 'inventory',
        source: {
          database: shopDb,
          collections: ['orders'],
          operationTypes: ['insert'],
          ownerService: 'orders',
        },
        handler: { type: 'provider', name: 'inventory.reserve-stock' },
        journal: { enabled: true, fields: { orderTotal: 'fullDocument.total' } },
        correlation: { idPath: 'fullDocument.orderId' },
      })
      .expect(201);
    const shipping = await server.api
      .createSubscription({
        name: 'reservations-to-shipping',
        serviceName: 'shipping',
        source: {
          database: inventoryDb,
          collections: ['reservations'],
          operationTypes: ['insert'],
          ownerService: 'inventory',
        },
        handler: { type: 'webhook', url: receiver.urlFor('/shipping') },
        // The unfinished ones wait ten minutes for their next attempt.
        retry: { maxAttempts: 5, initialDelayMs: 600_000, maxDelayMs: 600_000, jitter: 'none' },
        journal: { enabled: true },
        correlation: { idPath: 'fullDocument.orderId' },
      })
      .expect(201);
    expect(shipping.body.journal).toEqual({
      enabled: true,
      retentionHours: 24,
      sampleRate: 1,
      fields: {},
    });
    expect(shipping.body.correlation).toEqual({ idPath: 'fullDocument.orderId' });
    expect(shipping.body.source.ownerService).toBe('inventory');

    const orders = client.db(shopDb).collection('orders');
    const totals = new Map<string, number>();
    for (let i = 0; i < ORDERS; i += 1) {
      const id = orderId(i);
      totals.set(id, 10 + i);
      await orders.insertOne({
        _id: id as never,
        orderId: id,
        sku: 'sku-1',
        quantity: 1,
        total: 10 + i,
      });
    }

    const summaryOf = async () =>
      (await server.api.http.get('/api/v1/analytics/processes?range=1h&limit=1000').expect(200))
        .body as { summary: Record<string, unknown>; processes: ProcessBody[]; to: string };
    const page = await waitFor(
      async () => {
        const body = await summaryOf();
        const s = body.summary;
        return (
          s.total === 200 && s.success === 185 && s.failed === 10 && s.inProgress === 5 && body
        );
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: '185 successful, 10 failed, 5 in progress',
      },
    );

    // Exactly the processes we made fail or stall, each with the expected sequence and counts.
    const byId = new Map(page.processes.map((p) => [p.correlationId, p]));
    expect(byId.size).toBe(ORDERS);
    for (const [id, process] of byId) {
      const expected = FAILING.has(id) ? 'Failed' : UNFINISHED.has(id) ? 'In Progress' : 'Success';
      expect({ id, status: process.status }).toEqual({ id, status: expected });
      expect(process).toMatchObject({
        sequence: SEQUENCE,
        eventCount: 2,
        services: ['inventory', 'orders', 'shipping'],
        collections: ['orders', 'reservations'],
        delivered: expected === 'Success' ? 2 : 1,
        failed: expected === 'Failed' ? 1 : 0,
        pending: expected === 'In Progress' ? 1 : 0,
        businessValues: { orderTotal: totals.get(id) },
      });
    }

    // Durations: first change → last completion, as the journal recorded them.
    const records = await journal().find({}).toArray();
    const expectedDuration = new Map<string, number>();
    for (const id of byId.keys()) {
      const own = records.filter((r) => r.correlationId === id);
      const start = Math.min(...own.map((r) => (r.changedAt ?? r.receivedAt).getTime()));
      const end = UNFINISHED.has(id)
        ? new Date(page.to).getTime()
        : Math.max(...own.map((r) => r.completedAt!.getTime()));
      expectedDuration.set(id, end - start);
      expect({ id, durationMs: byId.get(id)!.durationMs }).toEqual({ id, durationMs: end - start });
      expect(new Date(byId.get(id)!.start).getTime()).toBe(start);
    }
    const finished = [...byId.keys()].filter((id) => !UNFINISHED.has(id));
    const average =
      finished.reduce((sum, id) => sum + expectedDuration.get(id)!, 0) / finished.length;
    expect(page.summary.averageDurationMs).toBeCloseTo(average, 6);
    expect(page.summary.businessValues).toEqual({
      orderTotal: [...totals.values()].reduce((a, b) => a + b, 0),
    });
    const top = page.summary.top as ProcessBody[];
    expect(top).toHaveLength(10);
    expect(top.map((p) => p.durationMs)).toEqual(
      [...expectedDuration.values()].sort((a, b) => b - a).slice(0, 10),
    );

    // Filters.
    const failed = await server.api.http
      .get('/api/v1/analytics/processes?range=1h&status=failed&limit=1000')
      .expect(200);
    expect(failed.body.processes.map((p: ProcessBody) => p.correlationId).sort()).toEqual(
      [...FAILING].sort(),
    );
    const stuck = await server.api.http
      .get('/api/v1/analytics/processes?range=1h&stuckAfter=1s&limit=1000')
      .expect(200);
    expect(stuck.body.processes.map((p: ProcessBody) => p.correlationId).sort()).toEqual(
      [...UNFINISHED].sort(),
    );
    const ofShipping = await server.api.http
      .get('/api/v1/analytics/processes?range=1h&service=shipping&status=success&limit=1')
      .expect(200);
    expect(ofShipping.body.summary.total).toBe(185);
    expect(ofShipping.body.processes).toHaveLength(1);

    // One process's timeline.
    const failing = [...FAILING][0];
    const timeline = await server.api.http
      .get(`/api/v1/analytics/processes/${failing}`)
      .expect(200);
    expect(timeline.body.process).toMatchObject({ correlationId: failing, status: 'Failed' });
    expect(
      timeline.body.events.map((e: Record<string, unknown>) => [
        e.service,
        e.collection,
        e.outcome,
      ]),
    ).toEqual([
      ['inventory', 'orders', 'delivered'],
      ['shipping', 'reservations', 'dead-lettered'],
    ]);
    expect(timeline.body.events[1].error).toContain('answered 400');
    await server.api.http.get('/api/v1/analytics/processes/no-such-process').expect(404);

    // The two edges, exact.
    const interactions = await server.api.http
      .get('/api/v1/analytics/interactions?range=24h')
      .expect(200);
    expect(interactions.body.edges).toEqual([
      expect.objectContaining({
        sourceService: 'orders',
        service: 'inventory',
        collection: 'orders',
        operationType: 'insert',
        count: 200,
        successRate: 1,
        failed: 0,
        perMinute: 200 / (24 * 60),
      }),
      expect.objectContaining({
        sourceService: 'inventory',
        service: 'shipping',
        collection: 'reservations',
        operationType: 'insert',
        count: 195,
        successRate: 185 / 195,
        failed: 10,
      }),
    ]);
    for (const edge of interactions.body.edges as Record<string, number>[]) {
      expect(edge.totalBytes).toBeCloseTo(edge.avgBytes * edge.count, 6);
      expect(edge.maxHandlingMs).toBeGreaterThanOrEqual(edge.avgHandlingMs);
    }

    // The same as a dependency graph over GraphQL.
    const { data, errors } = await server.api.graphql(`{
      analyticsInteractions(range: "24h") {
        nodes { service handled emitted }
        edges { sourceService service count successRate }
      }
      analyticsProcesses(range: "1h", status: "in-progress") {
        summary { total inProgress }
        processes { correlationId sequence }
      }
    }`);
    expect(errors).toBeUndefined();
    expect(data.analyticsInteractions.nodes).toEqual([
      { service: 'inventory', handled: 200, emitted: 195 },
      { service: 'orders', handled: 0, emitted: 200 },
      { service: 'shipping', handled: 195, emitted: 0 },
    ]);
    expect(data.analyticsProcesses.summary).toEqual({ total: 5, inProgress: 5 });
    expect(
      data.analyticsProcesses.processes.every((p: ProcessBody) => p.sequence === SEQUENCE),
    ).toBe(true);
  });

  it('sends x-correlation-id and a W3C traceparent derived from it with each webhook', async () => {
    const delivered = receiver.requests.filter((r) => r.path === '/shipping' && r.status === 200);
    expect(delivered.length).toBeGreaterThanOrEqual(185);
    for (const request of delivered) {
      const id = orderOf(request);
      expect(request.headers['x-correlation-id']).toBe(id);
      const traceparent = String(request.headers.traceparent);
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(traceparent.split('-')[1]).toBe(traceparentOf(id, 'x', 1).split('-')[1]);
    }
  });

  it('journals a dead-letter replay, and a process failed at shipping turns Success once its replay delivered', async () => {
    // Three of the ten failed orders are fixed at shipping; a fourth still fails when replayed.
    const [fixed, ...others] = [...FAILING];
    const REPLAYED = new Set([fixed, others[0], others[1]]);
    const stillBroken = others[2];
    receiver.clearRules();
    receiver.respondWith({
      status: 400,
      when: (r) => FAILING.has(orderOf(r)) && !REPLAYED.has(orderOf(r)),
    });
    receiver.respondWith({ status: 503, when: (r) => UNFINISHED.has(orderOf(r)) });

    const letters = await server.api.http
      .get('/api/v1/dead-letters?subscription=reservations-to-shipping&status=pending&limit=100')
      .expect(200);
    const idOf = new Map<string, string>(
      (letters.body.items as { id: string; event: { fullDocument: { orderId: string } } }[]).map(
        (entry) => [entry.event.fullDocument.orderId, entry.id],
      ),
    );
    expect([...idOf.keys()].sort()).toEqual([...FAILING].sort());

    // One entry on its own, three in a job, as an operator would.
    const single = await server.api.http
      .post(`/api/v1/dead-letters/${encodeURIComponent(idOf.get(fixed)!)}/replay`)
      .expect(202);
    const batch = await server.api.http
      .post('/api/v1/dead-letters/replay')
      .send({
        subscription: 'reservations-to-shipping',
        ids: [others[0], others[1], stillBroken].map((id) => idOf.get(id)!),
      })
      .expect(202);
    const finished = async (jobId: string) =>
      waitFor(
        async () => {
          const job = await server.api.http
            .get(`/api/v1/dead-letters/replays/${jobId}`)
            .expect(200);
          return job.body.state === 'done' && job.body;
        },
        { timeoutMs: 30_000, intervalMs: 200, description: `replay job ${jobId} done` },
      );
    expect(await finished(single.body.id)).toMatchObject({ total: 1, succeeded: 1, failed: 0 });
    expect(await finished(batch.body.id)).toMatchObject({ total: 3, succeeded: 2, failed: 1 });

    // The journal records each replay as its own record of the same event, after the failure.
    const replays = await waitFor(
      async () => {
        const found = await journal()
          .find({ _id: { $regex: /\|replay\|/ } })
          .toArray();
        return found.length === 4 && found;
      },
      { timeoutMs: 30_000, intervalMs: 200, description: 'four replay records' },
    );
    expect(replays.map((r) => [r.correlationId, r.outcome]).sort()).toEqual(
      [...[...REPLAYED].map((id) => [id, 'replayed']), [stillBroken, 'failed']].sort(),
    );

    // Processes: judged by each event's latest outcome.
    const page = await waitFor(
      async () => {
        const body = (
          await server.api.http.get('/api/v1/analytics/processes?range=1h&limit=1000').expect(200)
        ).body as { summary: Record<string, unknown>; processes: ProcessBody[] };
        return body.summary.success === 188 && body;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: '188 successful processes' },
    );
    expect(page.summary).toMatchObject({ total: 200, success: 188, failed: 7, inProgress: 5 });
    const byId = new Map(page.processes.map((p) => [p.correlationId, p]));
    const records = await journal().find({}).toArray();
    for (const id of REPLAYED) {
      const own = records.filter((r) => r.correlationId === id);
      const start = Math.min(...own.map((r) => (r.changedAt ?? r.receivedAt).getTime()));
      const end = Math.max(...own.map((r) => r.completedAt!.getTime()));
      expect(byId.get(id)).toMatchObject({
        correlationId: id,
        status: 'Success',
        sequence: SEQUENCE,
        eventCount: 2,
        delivered: 2,
        failed: 0,
        pending: 0,
        replayed: 1,
        durationMs: end - start,
        end: new Date(end).toISOString(),
      });
    }
    expect(byId.get(stillBroken)).toMatchObject({
      status: 'Failed',
      eventCount: 2,
      delivered: 1,
      failed: 1,
      replayed: 0,
    });
    const failed = await server.api.http
      .get('/api/v1/analytics/processes?range=1h&status=failed&limit=1000')
      .expect(200);
    expect(failed.body.processes.map((p: ProcessBody) => p.correlationId).sort()).toEqual(
      [...FAILING].filter((id) => !REPLAYED.has(id)).sort(),
    );

    // The timeline shows the failure and the replay.
    const timeline = await server.api.http.get(`/api/v1/analytics/processes/${fixed}`).expect(200);
    expect(timeline.body.process).toMatchObject({ status: 'Success', replayed: 1 });
    expect(
      timeline.body.events.map((e: Record<string, unknown>) => [e.service, e.outcome, e.replay]),
    ).toEqual([
      ['inventory', 'delivered', false],
      ['shipping', 'dead-lettered', false],
      ['shipping', 'replayed', true],
    ]);
    expect(timeline.body.events[2].eventId).toBe(timeline.body.events[1].eventId);
    const { data, errors } = await server.api.graphql(`{
      analyticsProcess(correlationId: "${stillBroken}") {
        process { status delivered failed replayed }
        events { service outcome replay }
      }
    }`);
    expect(errors).toBeUndefined();
    expect(data.analyticsProcess).toEqual({
      process: { status: 'Failed', delivered: 1, failed: 1, replayed: 0 },
      events: [
        { service: 'inventory', outcome: 'delivered', replay: false },
        { service: 'shipping', outcome: 'dead-lettered', replay: false },
        { service: 'shipping', outcome: 'failed', replay: true },
      ],
    });

    // The shipping edge: each event once, by its latest outcome.
    const interactions = await server.api.http
      .get('/api/v1/analytics/interactions?range=24h')
      .expect(200);
    expect(interactions.body.edges[1]).toMatchObject({
      sourceService: 'inventory',
      service: 'shipping',
      count: 195,
      failed: 7,
      successRate: 188 / 195,
    });
  });

  it('shows a service-scoped token only its services’ processes, timelines and interactions', async () => {
    // Billing journals its invoices: one process of billing alone, one joining order-000.
    await server.api
      .createSubscription({
        name: 'invoices-to-billing',
        serviceName: 'billing',
        source: {
          database: shopDb,
          collections: ['invoices'],
          operationTypes: ['insert'],
          ownerService: 'accounting',
        },
        handler: { type: 'provider', name: 'log' },
        journal: { enabled: true, fields: { invoiced: 'fullDocument.amount' } },
        correlation: { idPath: 'fullDocument.orderId' },
      })
      .expect(201);
    await server.api.http.get('/api/v1/subscriptions/invoices-to-billing/status').expect(200);
    // A new subscription starts where it was created: nothing written after that is missed.
    const invoices = client.db(shopDb).collection('invoices');
    await invoices.insertOne({ orderId: 'invoice-only', amount: 99 });
    await invoices.insertOne({ orderId: orderId(0), amount: 10 });
    await waitFor(async () => (await journal().countDocuments({ service: 'billing' })) === 2, {
      timeoutMs: 30_000,
      intervalMs: 200,
      description: 'the two billing records',
    });

    const mint = async (service: string) =>
      (
        await server.api.http
          .post('/api/v1/tokens')
          .send({ name: `${service}-analyst`, role: 'viewer', services: [service] })
          .expect(201)
      ).body.token as string;
    const shipping = withToken(server.app, await mint('shipping'));
    const billing = withToken(server.app, await mint('billing'));
    const gql = async (as: typeof shipping, query: string) =>
      (await as.post('/graphql').send({ query }).expect(200)).body as {
        data: Record<string, any> | null;
        errors?: { extensions?: { code?: string } }[];
      };

    // Shipping sees its own event of every process, nothing of inventory's or billing's.
    const mine = await shipping.get('/api/v1/analytics/processes?range=1h&limit=1000').expect(200);
    expect(mine.body.summary).toMatchObject({
      total: 200,
      success: 188,
      failed: 7,
      inProgress: 5,
      businessValues: {},
    });
    for (const process of mine.body.processes as ProcessBody[]) {
      expect(process).toMatchObject({
        sequence: 'shipping:insert:reservations',
        eventCount: 1,
        services: ['inventory', 'shipping'],
        collections: ['reservations'],
        businessValues: {},
      });
    }
    const text = JSON.stringify(mine.body);
    for (const foreign of ['billing', 'invoice', 'accounting', 'orderTotal', 'invoiced']) {
      expect(text).not.toContain(foreign);
    }
    const notFound = await shipping.get('/api/v1/analytics/processes/no-such-process').expect(404);
    const billingOnly = await shipping.get('/api/v1/analytics/processes/invoice-only').expect(404);
    // The same answer as for an id that does not exist: the process is not confirmed.
    expect(billingOnly.body).toEqual({
      ...notFound.body,
      message: notFound.body.message.replace('no-such-process', 'invoice-only'),
    });
    const shared = await shipping.get(`/api/v1/analytics/processes/${orderId(0)}`).expect(200);
    expect(shared.body.process).toMatchObject({
      eventCount: 1,
      services: ['inventory', 'shipping'],
    });
    expect(shared.body.events.map((e: Record<string, unknown>) => e.service)).toEqual(['shipping']);
    const ofBilling = await shipping
      .get('/api/v1/analytics/processes?range=1h&service=billing')
      .expect(200);
    expect(ofBilling.body.summary.total).toBe(0);
    const edges = await shipping.get('/api/v1/analytics/interactions?range=24h').expect(200);
    expect(edges.body.edges).toEqual([
      expect.objectContaining({ sourceService: 'inventory', service: 'shipping', count: 195 }),
    ]);
    expect(edges.body.nodes).toEqual([
      { service: 'inventory', handled: 0, emitted: 195 },
      { service: 'shipping', handled: 195, emitted: 0 },
    ]);
    const viaGraphql = await gql(
      shipping,
      `{
        analyticsProcesses(range: "1h", limit: 1000) { summary { total } processes { services sequence } }
        analyticsInteractions(range: "24h") { nodes { service } edges { service } }
      }`,
    );
    expect(viaGraphql.errors).toBeUndefined();
    expect(viaGraphql.data!.analyticsProcesses.summary.total).toBe(200);
    expect(JSON.stringify(viaGraphql.data)).not.toContain('billing');
    expect(viaGraphql.data!.analyticsInteractions).toEqual({
      nodes: [{ service: 'inventory' }, { service: 'shipping' }],
      edges: [{ service: 'shipping' }],
    });
    const hidden = await gql(
      shipping,
      '{ analyticsProcess(correlationId: "invoice-only") { events { service } } }',
    );
    expect(hidden.data).toBeNull();
    expect(hidden.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // Billing, the other way round: its two processes, none of shipping's failures.
    const theirs = await billing.get('/api/v1/analytics/processes?range=1h&limit=1000').expect(200);
    expect(
      (theirs.body.processes as ProcessBody[])
        .map((p) => [p.correlationId, p.services, p.eventCount])
        .sort(),
    ).toEqual(
      [
        ['invoice-only', ['accounting', 'billing'], 1],
        [orderId(0), ['accounting', 'billing'], 1],
      ].sort(),
    );
    expect(theirs.body.summary).toMatchObject({ total: 2, success: 2, failed: 0 });
    const failedAtShipping = [...FAILING].at(-1)!;
    await billing.get(`/api/v1/analytics/processes/${failedAtShipping}`).expect(404);
    const theirEdges = await billing.get('/api/v1/analytics/interactions?range=24h').expect(200);
    expect(theirEdges.body.edges).toEqual([
      expect.objectContaining({ sourceService: 'accounting', service: 'billing', count: 2 }),
    ]);
    const theirTimeline = await gql(
      billing,
      `{ analyticsProcess(correlationId: "${orderId(0)}") { process { services } events { service } } }`,
    );
    expect(theirTimeline.data!.analyticsProcess).toEqual({
      process: { services: ['accounting', 'billing'] },
      events: [{ service: 'billing' }],
    });

    // The journal through SQL is scoped the same way.
    const rows = await shipping
      .post('/api/v1/sql')
      .send({ sql: 'SELECT service_name FROM CHANGE_STREAM_EVENTS() GROUP BY service_name' })
      .expect(200);
    expect(rows.body[0].rows).toEqual([['shipping']]);
  });

  it('counts journal drops in /metrics', async () => {
    const metrics = await server.api.http.get('/metrics').expect(200);
    expect(metrics.text).toContain('# TYPE change_relay_journal_records_dropped_total counter');
    expect(metrics.text).toMatch(
      /change_relay_journal_records_written_total\{subscription="reservations-to-shipping",service="shipping"\} \d+/,
    );
  });
});
