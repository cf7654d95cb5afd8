import {
  WebhookReceiver,
  sharedBackendIsEmulator,
  startPrivateEmulator,
  waitFor,
} from '@app/testing';
import type { PrivateBackend } from '@app/testing';
import { RECORDING_HANDLER } from './support/recording.handler';
import { startRelay, waitUntilRunning, type RelayServer } from './support/relay-server';
import { SourceData } from './support/source-data';

// Needs an oplog small enough to roll over in a test: a private emulator. On other backends
// this case is skipped (and reported as skipped), never silently passed.
const onEmulator = sharedBackendIsEmulator() ? describe : describe.skip;

interface Sample {
  at: number;
  state: string;
  oplog?: { status?: string; marginMs?: number; shrinkRate?: number; timeToLossMs?: number };
  warnings: string[];
}

/**
 * Acceptance: with a small oplog and a slow handler, a subscription's margin to the oplog's
 * first entry shrinks; the status, the analytics and /metrics show it, and its verdict turns
 * Warning, then Critical, before the subscription goes stale.
 */
onEmulator('The oplog window alarm', () => {
  let backend: PrivateBackend;
  let source: SourceData;
  let server: RelayServer;
  let alerts: WebhookReceiver;

  beforeAll(async () => {
    backend = await startPrivateEmulator({ oplogSize: 1_500 });
    source = await SourceData.connect(backend.uri);
    alerts = await WebhookReceiver.start();
    server = await startRelay({
      MONGODB_URI: backend.uri,
      ALERT_WEBHOOK_URLS: alerts.urlFor('/alerts'),
      ALERT_CHECK_INTERVAL_MS: '250',
      ALERT_COOLDOWN_MS: '1',
      CHECKPOINT_INTERVAL_MS: '200',
      OPLOG_CHECK_INTERVAL_MS: '500',
      // A worker reads at most this far ahead of its slow handler.
      MAX_IN_FLIGHT: '10',
    });
  });

  afterAll(async () => {
    await server?.close();
    await source?.close();
    await alerts?.close();
    await backend?.stop();
  });

  it('shows the margin shrinking and turns Warning, then Critical, before the subscription goes stale', async () => {
    await server.api
      .createSubscription({
        name: 'lagging',
        source: { database: source.database, collections: ['ticks'] },
        handler: { type: 'provider', name: RECORDING_HANDLER },
        delivery: { ordering: 'strict' },
      })
      .expect(201);
    await waitUntilRunning(server, 'lagging');
    const early = await server.api.status('lagging').expect(200);
    // The oplog is not full yet: nothing rolls off, the margin is no concern.
    expect(early.body.oplog).toMatchObject({
      available: true,
      status: 'Healthy',
      firstEntryAt: expect.any(String),
      lastEntryAt: expect.any(String),
      marginMs: expect.any(Number),
    });

    // Writes at twice the pace of the handler (100 ms per tick), and noise that rolls the oplog.
    let writing = true;
    let tick = 0;
    const writer = (async () => {
      while (writing) {
        tick += 1;
        await source.collection('ticks').insertOne({ _id: `t-${tick}`, delayMs: 100 });
        await source
          .collection('noise')
          .insertMany(Array.from({ length: 4 }, (_, i) => ({ _id: `n-${tick}-${i}` })));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    const samples: Sample[] = [];
    let metricsSeen = '';
    let overviewRow: Record<string, unknown> | undefined;
    try {
      await waitFor(
        async () => {
          const { body } = await server.api.status('lagging');
          samples.push({
            at: Date.now(),
            state: body.state,
            oplog: body.oplog,
            warnings: body.warnings,
          });
          const status = body.oplog?.status;
          if ((status === 'Warning' || status === 'Critical') && !metricsSeen) {
            const metrics = await server.api.http.get('/metrics').expect(200);
            metricsSeen = metrics.text;
            const overview = await server.api.http.get('/api/v1/analytics/overview').expect(200);
            overviewRow = overview.body.subscriptions.find(
              (row: { name: string }) => row.name === 'lagging',
            );
          }
          return body.state === 'stale';
        },
        { timeoutMs: 120_000, intervalMs: 200, description: 'the subscription to turn stale' },
      );
    } finally {
      writing = false;
      await writer;
    }

    if (process.env.OPLOG_TRACE === '1') {
      process.stdout.write(
        samples.map((s) => `${s.at} ${s.state} ${JSON.stringify(s.oplog)}`).join('\n'),
      );
    }
    const firstIndex = (status: string) => samples.findIndex((s) => s.oplog?.status === status);
    const warning = firstIndex('Warning');
    const critical = firstIndex('Critical');
    const stale = samples.findIndex((s) => s.state === 'stale');
    expect({ warning, critical, stale }).toEqual({
      warning: expect.any(Number),
      critical: expect.any(Number),
      stale: expect.any(Number),
    });
    expect(warning).toBeGreaterThanOrEqual(0);
    expect(critical).toBeGreaterThan(warning);
    expect(stale).toBeGreaterThan(critical);

    // The margin shrank, at a measured rate, with an estimate of the time left.
    const largest = Math.max(...samples.map((s) => s.oplog?.marginMs ?? -Infinity));
    expect(largest).toBeGreaterThan(samples[warning].oplog!.marginMs!);
    expect(samples[warning].oplog!.marginMs!).toBeGreaterThan(samples[stale - 1].oplog!.marginMs!);
    expect(samples.slice(warning, stale).some((s) => (s.oplog?.shrinkRate ?? 0) > 0)).toBe(true);
    expect(samples.slice(warning, stale).some((s) => s.oplog?.timeToLossMs !== undefined)).toBe(
      true,
    );
    expect(samples[critical].warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Oplog Critical: oplog margin/)]),
    );

    // /metrics and the analytics showed it too.
    expect(metricsSeen).toMatch(
      /change_relay_oplog_margin_seconds\{subscription="lagging",service="[^"]*"\} -?\d/,
    );
    expect(metricsSeen).toMatch(
      /change_relay_oplog_margin_status\{subscription="lagging",service="[^"]*"\} [12]/,
    );
    expect(metricsSeen).toMatch(/change_relay_oplog_window_seconds \d/);
    expect(metricsSeen).toMatch(/change_relay_oplog_available 1/);
    expect(overviewRow).toMatchObject({
      oplogMarginMs: expect.any(Number),
      health: {
        status: expect.stringMatching(/Warning|Critical/),
        reasons: expect.arrayContaining([expect.stringMatching(/^oplog margin/)]),
      },
    });

    // The verdict change was alerted, naming the oplog margin.
    const alerted = await waitFor(
      () =>
        alerts.requests
          .map((r) => r.json as { subscription: string; to: string; reasons: string[] })
          .find(
            (alert) =>
              alert.subscription === 'lagging' &&
              alert.reasons.some((reason) => reason.startsWith('oplog margin')),
          ) ?? false,
      { description: 'an alert naming the oplog margin' },
    );
    expect(alerted.to).toMatch(/Warning|Critical/);

    // Stale because the history was lost; a resync is the way back.
    const status = await server.api.status('lagging').expect(200);
    expect(status.body.stale.code).toBe(286);
  });
});
