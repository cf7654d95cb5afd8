import {
  DEFAULT_HEALTH_THRESHOLDS,
  evaluateHealth,
  worst,
  type HealthFigures,
} from './health.rules';
import { recommend } from './recommendations';

const figures = (over: Partial<HealthFigures> = {}): HealthFigures => ({
  received: 1_000,
  delivered: 1_000,
  deadLettered: 0,
  failedAttempts: 0,
  retried: 0,
  handlerCount: 1_000,
  handlerSumMs: 10_000,
  lagMs: 0,
  stale: false,
  ...over,
});

describe(evaluateHealth.name, () => {
  const t = DEFAULT_HEALTH_THRESHOLDS;

  it('is Healthy with nothing wrong, and with nothing received', () => {
    expect(evaluateHealth(figures(), t)).toEqual({ status: 'Healthy', reasons: [] });
    expect(evaluateHealth(figures({ received: 0, delivered: 0, handlerCount: 0 }), t).status).toBe(
      'Healthy',
    );
  });

  it('adds the oplog margin rule: Warning under 25% or 1 h, Critical under 10% or 15 min', () => {
    const day = 86_400_000;
    const margin = (marginMs: number, rolling = true) =>
      evaluateHealth(figures({ oplog: { marginMs, windowMs: day, rolling } }), t);
    expect(margin(day / 2)).toEqual({ status: 'Healthy', reasons: [] });
    expect(margin(0.2 * day)).toMatchObject({
      status: 'Warning',
      reasons: ['oplog margin 4.8 h (20% of the 1 d oplog window) < 25% or 1 h'],
    });
    expect(margin(0.05 * day).status).toBe('Critical');
    expect(
      evaluateHealth(
        figures({ oplog: { marginMs: 30 * 60_000, windowMs: 3_600_000, rolling: true } }),
        t,
      ).status,
    ).toBe('Warning');
    // Not full yet: nothing rolls off, no alarm.
    expect(margin(0.05 * day, false)).toEqual({ status: 'Healthy', reasons: [] });
    // Stale says it all.
    expect(
      evaluateHealth(
        figures({ stale: true, oplog: { marginMs: -1, windowMs: day, rolling: true } }),
        t,
      ).reasons,
    ).toEqual(['the subscription is stale']);
  });

  it('turns Critical over 5% errors or when stale, with the reason', () => {
    const over = evaluateHealth(figures({ delivered: 940, deadLettered: 60 }), t);
    expect(over.status).toBe('Critical');
    expect(over.reasons).toContain('error rate 6% > 5%');
    expect(evaluateHealth(figures({ delivered: 950, deadLettered: 50 }), t).status).toBe('Warning');
    expect(evaluateHealth(figures({ stale: true }), t)).toMatchObject({
      status: 'Critical',
      reasons: ['the subscription is stale'],
    });
  });

  it('warns over 1% errors, under 95% delivered, or over 300 s of lag', () => {
    expect(evaluateHealth(figures({ delivered: 980, deadLettered: 20 }), t).status).toBe('Warning');
    expect(evaluateHealth(figures({ delivered: 990, deadLettered: 10 }), t).status).toBe('Healthy');
    expect(evaluateHealth(figures({ delivered: 940 }), t)).toMatchObject({
      status: 'Warning',
      reasons: ['delivered 94% of received < 95%'],
    });
    expect(evaluateHealth(figures({ lagMs: 300_001 }), t).status).toBe('Warning');
    expect(evaluateHealth(figures({ lagMs: 300_000 }), t).status).toBe('Healthy');
  });

  it('is Degraded over 5 s of average handling time, and follows configured thresholds', () => {
    expect(evaluateHealth(figures({ handlerSumMs: 5_001_000 }), t)).toMatchObject({
      status: 'Degraded',
      reasons: ['average handling time 5001 ms > 5000 ms'],
    });
    expect(
      evaluateHealth(figures({ handlerSumMs: 5_001_000 }), { ...t, degradedHandlerMs: 6_000 })
        .status,
    ).toBe('Healthy');
  });

  it('takes the worst verdict of a group', () => {
    expect(worst(['Healthy', 'Degraded', 'Warning'])).toBe('Warning');
    expect(worst([])).toBe('Healthy');
  });
});

describe(recommend.name, () => {
  const base = { ordering: 'key' as const, backlog: 0, eventsPerHour: 100 };

  it('recommends nothing for a healthy subscription', () => {
    expect(recommend({ ...figures(), ...base })).toEqual([]);
  });

  it('names the figure that triggered each rule', () => {
    const found = recommend({
      ...figures({ lagMs: 12_000, delivered: 800, retried: 300, failedAttempts: 300 }),
      ordering: 'strict',
      backlog: 600,
      eventsPerHour: 20_000,
      topError: 'TimeoutError',
    });
    expect(found.map((r) => [r.action, r.value])).toEqual([
      ['increase-concurrency', 12_000],
      ['enable-batching', 600],
      ['review-handler', 80],
      ['use-key-ordering', 20_000],
      ['review-timeouts', 23.08],
    ]);
    expect(found[2].reason).toBe('success 80% < 90% (top error: TimeoutError)');
  });
});
