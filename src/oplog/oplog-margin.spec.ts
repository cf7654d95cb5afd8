import { Timestamp } from 'bson';
import type { OplogWindowReading } from '@app/relay';
import { DEFAULT_HEALTH_THRESHOLDS } from '../analytics/health.rules';
import { MarginTrends, marginOf } from './oplog-margin';

describe(MarginTrends.name, () => {
  it('measures how fast a margin shrinks over the last minute', () => {
    const trends = new MarginTrends();
    expect(trends.record('a', 60_000, 0)).toBeUndefined();
    expect(trends.record('a', 59_800, 200)).toBeUndefined();
    expect(trends.record('a', 59_000, 2_000)).toBe(0.5);
    expect(trends.record('a', 58_000, 4_000)).toBe(0.5);
    // Samples older than a minute no longer count.
    expect(trends.record('a', 58_000, 70_000)).toBeUndefined();
    expect(trends.record('a', 57_000, 72_000)).toBe(0.5);
    // Growing margins have a negative rate.
    expect(trends.record('b', 1_000, 0)).toBeUndefined();
    expect(trends.record('b', 3_000, 2_000)).toBe(-1);
  });
});

describe(marginOf.name, () => {
  const window = (rolling: boolean): OplogWindowReading => ({
    available: true,
    first: new Timestamp({ t: 1_000, i: 1 }),
    firstAt: new Date(1_000_000),
    last: new Timestamp({ t: 11_000, i: 1 }),
    lastAt: new Date(11_000_000),
    windowMs: 10_000_000,
    rolling,
    readAt: new Date(11_000_000),
  });
  const at = (t: number) => new Timestamp({ t, i: 1 });
  const thresholds = { ...DEFAULT_HEALTH_THRESHOLDS, oplogWarningMs: 0, oplogCriticalMs: 0 };

  it('turns Warning under 25% of the window and Critical under 10%, when the oplog rolls', () => {
    expect(marginOf(at(6_000), window(true), thresholds, undefined)).toMatchObject({
      marginMs: 5_000_000,
      marginPct: 50,
      status: 'Healthy',
    });
    expect(marginOf(at(3_000), window(true), thresholds, 0.5)).toMatchObject({
      marginMs: 2_000_000,
      marginPct: 20,
      shrinkRate: 0.5,
      timeToLossMs: 4_000_000,
      status: 'Warning',
    });
    expect(marginOf(at(1_500), window(true), thresholds, undefined)).toMatchObject({
      status: 'Critical',
      reason: expect.stringMatching(
        /^oplog margin 8 min \(5% of the 2.8 h oplog window\) < 10%: resync soon/,
      ),
    });
    // A full oplog is what drops history: before that, no alarm.
    expect(marginOf(at(1_500), window(false), thresholds, undefined).status).toBe('Healthy');
  });

  it('also fires under the absolute thresholds (1 h, 15 min by default)', () => {
    expect(
      marginOf(at(1_000 + 3_000), window(true), DEFAULT_HEALTH_THRESHOLDS, undefined).status,
    ).toBe('Warning');
    expect(
      marginOf(at(1_000 + 600), window(true), DEFAULT_HEALTH_THRESHOLDS, undefined).status,
    ).toBe('Critical');
  });
});
