import {
  alertNotification,
  BASELINE,
  changesBetween,
  shouldNotify,
  type AlertCondition,
} from './alert.rules';

describe('alert rules', () => {
  const critical: AlertCondition = { status: 'Critical', stale: false, deadLettersOver: false };
  const at = (ms: number) => new Date(ms);

  it('notifies a first change from the healthy baseline at once', () => {
    expect(shouldNotify(undefined, critical, 60_000, 0)).toEqual(['health']);
    expect(shouldNotify(undefined, BASELINE, 60_000, 0)).toEqual([]);
  });

  it('names every part that changed: health, stale, dead letters over the threshold', () => {
    expect(
      changesBetween(BASELINE, { status: 'Critical', stale: true, deadLettersOver: true }),
    ).toEqual(['health', 'stale', 'dead-letters']);
    expect(changesBetween(critical, { ...critical, deadLettersOver: true })).toEqual([
      'dead-letters',
    ]);
  });

  it('holds a change back during the cool-down, and reports it from what was last sent after', () => {
    const sent = { condition: critical, sentAt: at(1_000), version: 1 };
    expect(shouldNotify(sent, BASELINE, 5_000, 3_000)).toEqual([]);
    expect(shouldNotify(sent, BASELINE, 5_000, 6_000)).toEqual(['health']);
    // A flap that settles back within the cool-down sends nothing.
    expect(shouldNotify(sent, critical, 5_000, 6_000)).toEqual([]);
  });

  it('builds a Slack-ready body with structured fields', () => {
    const body = alertNotification({
      subscription: 'orders-to-billing',
      service: 'billing',
      sent: BASELINE,
      now: {
        ...critical,
        deadLettersOver: true,
        reasons: ['error rate 25% > 5%'],
        pendingDeadLetters: 120,
      },
      changes: ['health', 'dead-letters'],
      deadLetterThreshold: 100,
      time: at(0),
      instance: 'relay-1',
    });
    expect(body).toMatchObject({
      subscription: 'orders-to-billing',
      service: 'billing',
      from: 'Healthy',
      to: 'Critical',
      changes: ['health', 'dead-letters'],
      reasons: ['error rate 25% > 5%'],
      pendingDeadLetters: 120,
      time: '1970-01-01T00:00:00.000Z',
    });
    expect(body.text).toBe(
      ':rotating_light: Change Relay: subscription orders-to-billing (billing): health Healthy → Critical; 120 pending dead letters ≥ 100',
    );
    expect(body.blocks[0]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: `*${body.text}*` },
    });
  });
});
