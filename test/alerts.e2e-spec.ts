import { uniqueDbName, WebhookReceiver, waitFor } from '@app/testing';
import { startRelay, type RelayServer } from './support/relay-server';
import { SCRIPTED_HANDLER } from './support/scripted-failures.handler';
import { SourceData } from './support/source-data';

interface Alert {
  text: string;
  blocks: unknown[];
  subscription: string;
  service: string;
  from: string;
  to: string;
  changes: string[];
  reasons: string[];
  time: string;
  instance: string;
}

const CHECK_MS = 150;
const COOLDOWN_MS = 2_500;

/**
 * Acceptance (issue 10): an alert arrives once when a subscription turns Critical and once when
 * it recovers, from one of two instances only (evaluator lease + a conditional claim per change).
 */
describe('Alerts', () => {
  let a: RelayServer;
  let b: RelayServer;
  let source: SourceData;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [source, receiver] = await Promise.all([SourceData.connect(), WebhookReceiver.start()]);
    const env = {
      MONGODB_DB: uniqueDbName('alerts'),
      ALERT_WEBHOOK_URLS: `${receiver.urlFor('/slack')},${receiver.urlFor('/generic')}`,
      ALERT_CHECK_INTERVAL_MS: String(CHECK_MS),
      ALERT_COOLDOWN_MS: String(COOLDOWN_MS),
      ALERT_DEAD_LETTER_THRESHOLD: '1000',
      METRICS_FLUSH_INTERVAL_MS: '500',
    };
    [a, b] = await Promise.all([
      startRelay({ ...env, INSTANCE_ID: 'alerts-a' }),
      startRelay({ ...env, INSTANCE_ID: 'alerts-b' }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), source?.close(), receiver?.close()]);
  });

  const alertsOf = (path: string, subscription: string) =>
    receiver.requests
      .filter((r) => r.path === path)
      .map((r) => r.json as Alert)
      .filter((alert) => alert.subscription === subscription);

  it('alerts once when a subscription turns Critical and once when it recovers, from one instance', async () => {
    await a.api
      .createSubscription({
        name: 'alerting',
        serviceName: 'billing',
        source: { database: source.database, collections: ['alerting'] },
        handler: { type: 'provider', name: SCRIPTED_HANDLER },
      })
      .expect(201);
    const orders = source.collection('alerting');
    // 1 of 3 dead-lettered: error rate 33% > 5%.
    await orders.insertMany([{ _id: 'a1' }, { _id: 'a2' }, { _id: 'a3', fail: 'always' }]);
    const critical = await waitFor(
      () => alertsOf('/slack', 'alerting').find((alert) => alert.to === 'Critical'),
      { description: 'the Critical alert', timeoutMs: 20_000 },
    );
    expect(critical).toMatchObject({
      service: 'billing',
      to: 'Critical',
      changes: ['health'],
      reasons: expect.arrayContaining(['error rate 33.33% > 5%']),
    });
    expect(critical.text).toContain('subscription alerting (billing)');
    expect(critical.blocks.length).toBeGreaterThan(0);
    expect(Date.parse(critical.time)).not.toBeNaN();

    // 200 more delivered: 1 of 203 failed (0.49%), Healthy again.
    await orders.insertMany(Array.from({ length: 200 }, (_, n) => ({ _id: `ok-${n}` })));
    const recovered = await waitFor(
      () => alertsOf('/slack', 'alerting').find((alert) => alert.to === 'Healthy'),
      { description: 'the recovery alert', timeoutMs: 20_000 },
    );
    expect(recovered.reasons).toEqual([]);
    // Not within the cool-down of the previous alert.
    expect(Date.parse(recovered.time) - Date.parse(critical.time)).toBeGreaterThanOrEqual(
      COOLDOWN_MS,
    );

    // Both instances keep evaluating every CHECK_MS; give them many rounds to (wrongly) repeat.
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 10 * CHECK_MS));
    for (const path of ['/slack', '/generic']) {
      const alerts = alertsOf(path, 'alerting');
      // Each change is reported once and the reports chain: Healthy → … → Critical → … → Healthy.
      expect(alerts.filter((alert) => alert.to === 'Critical')).toHaveLength(1);
      expect(alerts.filter((alert) => alert.to === 'Healthy')).toHaveLength(1);
      expect(alerts[0].from).toBe('Healthy');
      expect(alerts[alerts.length - 1].to).toBe('Healthy');
      alerts.slice(1).forEach((alert, n) => expect(alert.from).toBe(alerts[n].to));
      expect(new Set(alerts.map((alert) => alert.instance)).size).toBe(1);
    }
  });
});
