import { WebhookReceiver, waitFor, type ReceivedRequest } from '@app/testing';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SCRIPTED_HANDLER } from './support/scripted-failures.handler';
import { SourceData } from './support/source-data';

interface ErrorRow {
  subscription: string;
  service: string;
  name: string;
  code?: string;
  httpStatus?: number;
  failedAttempts: number;
  deadLettered: number;
  firstAt: string;
  latestAt: string;
  sampleEventId: string;
  sampleMessage: string;
}

/**
 * Acceptance (issue 10): failures grouped by subscription and error (name, code, HTTP status)
 * report the exact counts of a known mix, with first/latest time and a sample event id that
 * names a real dead-lettered event; the overview's "review the handler" names the top error.
 */
describe('Analytics errors', () => {
  let server: RelayServer;
  let source: SourceData;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [server, source, receiver] = await Promise.all([
      startRelay({ METRICS_FLUSH_INTERVAL_MS: '200' }),
      SourceData.connect(),
      WebhookReceiver.start(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close(), receiver?.close()]);
  });

  const isBad = (r: ReceivedRequest) => r.rawBody.includes('"bad":true');

  it('groups a known mix of webhook 500s, 404s and a coded provider error with exact counts', async () => {
    await server.api
      .createSubscription({
        name: 'err-hook',
        serviceName: 'billing',
        source: { database: source.database, collections: ['err-hook'] },
        handler: { type: 'webhook', url: receiver.urlFor('/err-hook'), timeoutMs: 2_000 },
        retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      })
      .expect(201);
    await server.api
      .createSubscription({
        name: 'err-provider',
        serviceName: 'stock',
        source: { database: source.database, collections: ['err-provider'] },
        handler: { type: 'provider', name: SCRIPTED_HANDLER },
        retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5 },
      })
      .expect(201);
    await Promise.all([
      waitUntilRunning(server, 'err-hook'),
      waitUntilRunning(server, 'err-provider'),
    ]);
    receiver.respondWith({ status: 500, body: 'down', when: (r) => isBad(r) });
    receiver.respondWith({ status: 404, when: (r) => r.rawBody.includes('"gone":true') });

    // err-hook: 20 events, 4 answered 500 three times each (dead-lettered after 3 attempts),
    // 2 answered 404 (not retryable: dead-lettered after 1 attempt).
    await source.collection('err-hook').insertMany(
      Array.from({ length: 20 }, (_, n) => ({
        _id: `h-${n}`,
        ...(n % 5 === 0 ? { bad: true } : {}),
        ...(n === 3 || n === 7 ? { gone: true } : {}),
      })),
    );
    // err-provider: 10 events, 3 out of stock (coded, dead-lettered at once), 2 failing once.
    await source.collection('err-provider').insertMany(
      Array.from({ length: 10 }, (_, n) => ({
        _id: `p-${n}`,
        ...(n < 3 ? { fail: 'stock' } : n < 5 ? { fail: 'once' } : {}),
      })),
    );

    const report = await waitFor(
      async () => {
        const { body } = await server.api.http.get('/api/v1/analytics/errors').expect(200);
        return body.deadLettered === 4 + 2 + 3 && body.failedAttempts === 12 + 2 + 3 + 2 && body;
      },
      { description: 'every failure to be flushed', timeoutMs: 20_000 },
    );
    const rows = report.errors as ErrorRow[];
    const pick = ({
      subscription,
      name,
      code,
      httpStatus,
      failedAttempts,
      deadLettered,
    }: ErrorRow) => ({
      subscription,
      name,
      code,
      httpStatus,
      failedAttempts,
      deadLettered,
    });
    expect(rows.map(pick)).toEqual([
      {
        subscription: 'err-hook',
        name: 'WebhookDeliveryError',
        code: undefined,
        httpStatus: 500,
        failedAttempts: 12,
        deadLettered: 4,
      },
      {
        subscription: 'err-provider',
        name: 'OutOfStockError',
        code: 'E_STOCK',
        httpStatus: undefined,
        failedAttempts: 3,
        deadLettered: 3,
      },
      {
        subscription: 'err-hook',
        name: 'WebhookRejectedError',
        code: undefined,
        httpStatus: 404,
        failedAttempts: 2,
        deadLettered: 2,
      },
      {
        subscription: 'err-provider',
        name: 'Error',
        code: undefined,
        httpStatus: undefined,
        failedAttempts: 2,
        deadLettered: 0,
      },
    ]);
    // The sample is a real event: the dead-letter entry of that event carries the same error.
    const stock = rows.find((r) => r.name === 'OutOfStockError')!;
    expect(stock.service).toBe('stock');
    expect(stock.sampleMessage).toMatch(/^no stock left for p-[012]$/);
    expect(Date.parse(stock.firstAt)).toBeLessThanOrEqual(Date.parse(stock.latestAt));
    const entries = await server.api.http
      .get('/api/v1/dead-letters')
      .query({ subscription: 'err-provider' })
      .expect(200);
    const sampled = (entries.body.items as { eventId: string; error: { name: string } }[]).find(
      (e) => e.eventId === stock.sampleEventId,
    );
    expect(sampled?.error.name).toBe('OutOfStockError');

    // One subscription, over GraphQL.
    const { data, errors } = await server.api.graphql(
      `{ analyticsErrors(range: "24h", subscription: "err-hook") { failedAttempts deadLettered
         errors { subscription name httpStatus failedAttempts deadLettered sampleEventId } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data.analyticsErrors.failedAttempts).toBe(14);
    expect(data.analyticsErrors.deadLettered).toBe(6);
    expect(
      data.analyticsErrors.errors.map((e: ErrorRow) => [e.name, e.httpStatus, e.failedAttempts]),
    ).toEqual([
      ['WebhookDeliveryError', 500, 12],
      ['WebhookRejectedError', 404, 2],
    ]);

    // The overview's review-the-handler recommendation names the top error.
    const overview = await server.api.http.get('/api/v1/analytics/overview').expect(200);
    const provider = overview.body.subscriptions.find(
      (r: { name: string }) => r.name === 'err-provider',
    );
    const review = provider.recommendations.find(
      (r: { action: string }) => r.action === 'review-handler',
    );
    expect(review.reason).toContain('top error: OutOfStockError code E_STOCK (3 failed attempts)');
  });

  it('answers 400 naming the field for a bad range or subscription', async () => {
    const bad = await server.api.http.get('/api/v1/analytics/errors?range=2h').expect(400);
    expect(JSON.stringify(bad.body)).toContain('range');
    const name = await server.api.http
      .get('/api/v1/analytics/errors?subscription=Not%20A%20Name')
      .expect(400);
    expect(JSON.stringify(name.body)).toContain('subscription');
    const none = await server.api.http
      .get('/api/v1/analytics/errors?subscription=no-such-one')
      .expect(200);
    expect(none.body).toMatchObject({ failedAttempts: 0, deadLettered: 0, errors: [] });
  });
});
