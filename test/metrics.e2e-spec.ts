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
      startRelay({ METRICS_FLUSH_INTERVAL_MS: '200' }),
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
