import { asAdmin, waitFor } from '@app/testing';
import request from 'supertest';
import type { App } from 'supertest/types';
import { startRelay, type RelayServer } from './support/relay-server';
import { SCRIPTED_HANDLER } from './support/scripted-failures.handler';
import { SourceData } from './support/source-data';

/** One sample of the text exposition: `name{labels} value`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .find((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * Acceptance (issue 10): a known mix of events through a provider handler that fails some on
 * purpose is counted exactly in the rollups and in /metrics, which is open unless METRICS_AUTH.
 */
describe('Metrics', () => {
  const TOTAL = 60;
  const ALWAYS = [3, 17, 42]; // dead-lettered at once
  const ONCE = [5, 6, 30, 31, 59]; // fail once, then delivered
  let server: RelayServer;
  let source: SourceData;

  beforeAll(async () => {
    [server, source] = await Promise.all([
      startRelay({ METRICS_FLUSH_INTERVAL_MS: '200', HEALTH_DEGRADED_HANDLER_MS: '30' }),
      SourceData.connect(),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.close(), source?.close()]);
  });

  const scrape = async () => {
    const response = await request(server.app.getHttpServer() as App).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    return response.text;
  };

  it('counts a known mix exactly in the rollups and in /metrics', async () => {
    await server.api
      .createSubscription({
        name: 'obs-mix',
        serviceName: 'billing',
        source: { database: source.database, collections: ['orders'] },
        handler: { type: 'provider', name: SCRIPTED_HANDLER },
        retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
      })
      .expect(201);
    const docs = Array.from({ length: TOTAL }, (_, n) => ({
      _id: `o-${n}`,
      n,
      ...(ALWAYS.includes(n) ? { fail: 'always' } : ONCE.includes(n) ? { fail: 'once' } : {}),
    }));
    await source.collection('orders').insertMany(docs);

    const counters = await waitFor(
      async () => {
        const { body } = await server.api.status('obs-mix');
        const c = body.counters as Record<string, number> | undefined;
        return c && c.delivered + c.deadLettered === TOTAL && c;
      },
      { description: 'every event settled and flushed', timeoutMs: 20_000 },
    );
    expect(counters).toMatchObject({
      received: TOTAL,
      delivered: TOTAL - ALWAYS.length,
      deadLettered: ALWAYS.length,
      failedAttempts: ALWAYS.length + ONCE.length,
      retried: ONCE.length,
      replayed: 0,
    });

    const labels = { subscription: 'obs-mix', service: 'billing' };
    const text = await scrape();
    expect(sample(text, 'change_relay_events_received_total', labels)).toBe(TOTAL);
    expect(sample(text, 'change_relay_events_delivered_total', labels)).toBe(TOTAL - 3);
    expect(sample(text, 'change_relay_events_dead_lettered_total', labels)).toBe(3);
    expect(sample(text, 'change_relay_attempts_failed_total', labels)).toBe(8);
    expect(sample(text, 'change_relay_retries_total', labels)).toBe(5);
    expect(sample(text, 'change_relay_handler_duration_seconds_count', labels)).toBe(TOTAL - 3);
    expect(sample(text, 'change_relay_end_to_end_latency_seconds_count', labels)).toBe(TOTAL - 3);
    expect(
      sample(text, 'change_relay_end_to_end_latency_seconds_bucket', { ...labels, le: '+Inf' }),
    ).toBe(TOTAL - 3);
    expect(sample(text, 'change_relay_dead_letters_pending', { subscription: 'obs-mix' })).toBe(3);
    expect(sample(text, 'change_relay_lease_owned', { subscription: 'obs-mix' })).toBe(1);
    expect(sample(text, 'change_relay_stream_up', labels)).toBe(1);
    expect(sample(text, 'change_relay_events_in_flight', labels)).toBe(0);
    expect(sample(text, 'change_relay_events_retrying', labels)).toBe(0);
    expect(sample(text, 'change_relay_checkpoint_lag_seconds', labels)).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('reports the same counts and a verdict per health class in the overview, REST and GraphQL', async () => {
    // One subscription per class besides obs-mix (5% failed for good: Warning, not over 5%).
    const classes = [
      { name: 'obs-healthy', docs: [{}, {}, {}, {}, {}] },
      { name: 'obs-critical', docs: [{}, {}, {}, { fail: 'always' }] },
      { name: 'obs-slow', docs: [{ fail: 'slow' }, { fail: 'slow' }, { fail: 'slow' }] },
    ];
    for (const { name } of classes) {
      await server.api
        .createSubscription({
          name,
          serviceName: 'shipping',
          source: { database: source.database, collections: [name] },
          handler: { type: 'provider', name: SCRIPTED_HANDLER },
        })
        .expect(201);
    }
    for (const { name, docs } of classes) {
      await source
        .collection(name)
        .insertMany(docs.map((doc, n) => ({ _id: `${name}-${n}`, ...doc })));
    }
    const expectedReceived = TOTAL + 5 + 4 + 3;
    const overview = await waitFor(
      async () => {
        const { body } = await server.api.http
          .get('/api/v1/analytics/overview?range=1h')
          .expect(200);
        const totals = body.totals as { delivered: number; deadLettered: number };
        return totals.delivered + totals.deadLettered === expectedReceived && body;
      },
      { description: 'the overview to count every event', timeoutMs: 20_000 },
    );
    expect(overview.totals).toEqual({
      received: expectedReceived,
      delivered: expectedReceived - 4,
      failedAttempts: 9,
      retried: 5,
      deadLettered: 4,
      replayed: 0,
    });
    expect(overview.pendingDeadLetters).toBe(4);
    expect(overview.latency.maxMs).toBeGreaterThanOrEqual(overview.latency.p50Ms);
    const verdicts = Object.fromEntries(
      overview.subscriptions.map((row: { name: string; health: { status: string } }) => [
        row.name,
        row.health.status,
      ]),
    );
    expect(verdicts).toEqual({
      'obs-critical': 'Critical',
      'obs-healthy': 'Healthy',
      'obs-mix': 'Warning',
      'obs-slow': 'Degraded',
    });
    const critical = overview.subscriptions.find(
      (r: { name: string }) => r.name === 'obs-critical',
    );
    expect(critical.health.reasons).toEqual([
      'error rate 25% > 5%',
      'delivered 75% of received < 95%',
    ]);
    expect(critical.recommendations.map((r: { action: string }) => r.action)).toContain(
      'review-handler',
    );
    expect(overview.health.status).toBe('Critical');
    expect(overview.services).toEqual([
      expect.objectContaining({
        service: 'billing',
        subscriptions: 1,
        health: expect.objectContaining({ status: 'Warning' }),
      }),
      expect.objectContaining({
        service: 'shipping',
        subscriptions: 3,
        health: expect.objectContaining({ status: 'Critical' }),
      }),
    ]);

    const { data, errors } = await server.api.graphql(
      `{ analyticsOverview(range: "24h") { totals { received deadLettered } health { status }
         subscriptions { name health { status reasons } } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data.analyticsOverview.totals).toEqual({ received: expectedReceived, deadLettered: 4 });
    expect(data.analyticsOverview.health.status).toBe('Critical');
    await server.api.http.get('/api/v1/analytics/overview?range=2h').expect(400);

    type Series = { key: string; points: { at: string; received: number; deadLettered: number }[] };
    const sums = (series: Series[], field: 'received' | 'deadLettered' = 'received') =>
      Object.fromEntries(
        series.map((one) => [one.key, one.points.reduce((sum, p) => sum + p[field], 0)]),
      );
    const bySubscription = await server.api.http
      .get('/api/v1/analytics/trends?range=1h&groupBy=subscription')
      .expect(200);
    expect(bySubscription.body.bucket).toBe('minute');
    const series = bySubscription.body.series as Series[];
    expect(sums(series)).toEqual({
      'obs-critical': 4,
      'obs-healthy': 5,
      'obs-mix': 60,
      'obs-slow': 3,
    });
    expect(sums(series, 'deadLettered')).toEqual({
      'obs-critical': 1,
      'obs-healthy': 0,
      'obs-mix': 3,
      'obs-slow': 0,
    });
    // Every minute of the hour is there, the quiet ones as zeros.
    for (const one of series) {
      expect(one.points.length).toBeGreaterThanOrEqual(60);
      expect(one.points.filter((p) => p.received === 0).length).toBeGreaterThanOrEqual(57);
      const times = one.points.map((p) => Date.parse(p.at));
      expect(times.slice(1).every((t, i) => t - times[i] === 60_000)).toBe(true);
    }
    const byCollection = await server.api.http
      .get('/api/v1/analytics/trends?groupBy=collection&service=shipping')
      .expect(200);
    expect(sums(byCollection.body.series as Series[])).toEqual({
      'obs-critical': 4,
      'obs-healthy': 5,
      'obs-slow': 3,
    });
    const trends = await server.api.graphql(
      `{ analyticsTrends(range: "24h", groupBy: "operationType") { bucket series { key points { at received deadLettered } } } }`,
    );
    expect(trends.errors).toBeUndefined();
    expect(trends.data.analyticsTrends.bucket).toBe('hour');
    expect(sums(trends.data.analyticsTrends.series as Series[])).toEqual({
      insert: expectedReceived,
    });
  });

  it('answers the dashboard with the same figures, REST and GraphQL', async () => {
    const expected = {
      activeStreams: 4,
      activeSubscriptions: 4,
      totalSubscriptions: 4,
      errorsLastHour: 9,
      deadLettersLastHour: 4,
      pendingDeadLetters: 4,
      inFlight: 0,
      queued: 0,
      retrying: 0,
    };
    const { body } = await server.api.http.get('/api/v1/dashboard').expect(200);
    expect(body).toMatchObject(expected);
    expect(body.averageHandlingMs).toBeGreaterThan(0);
    expect(body.health.status).toBe('Critical');
    expect(
      body.services.map((s: { service: string; subscriptions: number }) => [
        s.service,
        s.subscriptions,
      ]),
    ).toEqual([
      ['billing', 1],
      ['shipping', 3],
    ]);
    const { data, errors } = await server.api.graphql(
      `{ dashboard { activeStreams activeSubscriptions totalSubscriptions errorsLastHour
         deadLettersLastHour pendingDeadLetters inFlight queued retrying health { status } } }`,
    );
    expect(errors).toBeUndefined();
    expect(data.dashboard).toEqual({ ...expected, health: { status: 'Critical' } });
  });

  it('exports only the workers this instance owns', async () => {
    await server.api.action('obs-mix', 'pause').expect(200);
    await waitFor(
      () => !server.supervisor.runningWorkers().some((w) => w.subscription === 'obs-mix'),
      { description: 'the worker to stop' },
    );
    const text = await scrape();
    expect(sample(text, 'change_relay_lease_owned', { subscription: 'obs-mix' })).toBeNaN();
    expect(sample(text, 'change_relay_stream_up', { subscription: 'obs-mix' })).toBeNaN();
    expect(
      sample(text, 'change_relay_dead_letters_pending', { subscription: 'obs-mix' }),
    ).toBeNaN();
  });

  it('reports owned workers in /health/ready, and is not ready while one lags too much', async () => {
    const lagging = await startRelay({ READY_MAX_LAG_MS: '800' });
    try {
      const http = request(lagging.app.getHttpServer() as App);
      await lagging.api
        .createSubscription({
          name: 'obs-ready',
          source: { database: source.database, collections: ['ready'] },
          handler: { type: 'provider', name: SCRIPTED_HANDLER },
        })
        .expect(201);
      const ready = await waitFor(
        async () => {
          const response = await http.get('/health/ready');
          return response.status === 200 && response.body.info.workers.workers['obs-ready'];
        },
        { description: 'the worker to be reported ready' },
      );
      expect(ready).toEqual({ running: true, lagMs: 0 });
      // A delivery held for 2.5 s keeps the checkpoint behind: not ready, then ready again.
      await source.collection('ready').insertOne({ _id: 'r-1', fail: 'hold' });
      const notReady = await waitFor(
        async () => {
          const response = await http.get('/health/ready');
          return response.status === 503 && response.body;
        },
        { description: '/health/ready to fail on lag' },
      );
      expect(notReady.error.workers.problems[0]).toMatch(/^obs-ready: lag \d+ ms > 800 ms$/);
      await waitFor(async () => (await http.get('/health/ready')).status === 200, {
        description: '/health/ready to recover',
      });
      await request(lagging.app.getHttpServer() as App)
        .get('/health/live')
        .expect(200);
    } finally {
      await lagging.close();
    }
  });

  it('asks for a token when METRICS_AUTH=true', async () => {
    const guarded = await startRelay({ METRICS_AUTH: 'true', RUN_WORKERS: 'false' });
    try {
      const http = guarded.app.getHttpServer() as App;
      await request(http).get('/metrics').expect(401);
      await asAdmin(guarded.app).get('/metrics').expect(200);
    } finally {
      await guarded.close();
    }
  });
});
