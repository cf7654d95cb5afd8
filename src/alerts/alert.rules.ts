import type { HealthStatus } from '../analytics/health.rules';

/** What receivers are told about one subscription; compared to decide whether to alert. */
export interface AlertCondition {
  status: HealthStatus;
  stale: boolean;
  /** Pending dead letters at or over ALERT_DEAD_LETTER_THRESHOLD. */
  deadLettersOver: boolean;
}

/** What the evaluator sees now, with the figures a notification reports. */
export interface ObservedCondition extends AlertCondition {
  reasons: string[];
  pendingDeadLetters: number;
}

/** What was last sent for a subscription (the `alert_states` document). */
export interface SentState {
  condition: AlertCondition;
  /** When the last notification was sent; undefined before the first. */
  sentAt?: Date;
  /** Bumped on every claim: the conditional update that lets one instance only send. */
  version: number;
}

export type AlertChange = 'health' | 'stale' | 'dead-letters';

/** Before any notification: what a new subscription is assumed to be. */
export const BASELINE: AlertCondition = { status: 'Healthy', stale: false, deadLettersOver: false };

/** Which parts of the condition differ from what was last sent. */
export function changesBetween(sent: AlertCondition, now: AlertCondition): AlertChange[] {
  const changes: AlertChange[] = [];
  if (sent.status !== now.status) {
    changes.push('health');
  }
  if (sent.stale !== now.stale) {
    changes.push('stale');
  }
  if (sent.deadLettersOver !== now.deadLettersOver) {
    changes.push('dead-letters');
  }
  return changes;
}

/**
 * Whether to notify now: something changed since the last notification and the cool-down since
 * it has passed. A change during the cool-down waits for its end and is then reported from what
 * was last sent (so a flap that settles back within it sends nothing).
 */
export function shouldNotify(
  sent: SentState | undefined,
  now: AlertCondition,
  cooldownMs: number,
  nowMs: number,
): AlertChange[] {
  const changes = changesBetween(sent?.condition ?? BASELINE, now);
  if (changes.length === 0) {
    return [];
  }
  const last = sent?.sentAt?.getTime();
  if (last !== undefined && nowMs - last < cooldownMs) {
    return [];
  }
  return changes;
}

/** The notification: Slack-ready (`text`, `blocks`) and structured for generic receivers. */
export interface AlertNotification {
  text: string;
  blocks: Record<string, unknown>[];
  subscription: string;
  service: string;
  /** The health verdict last reported, and now. */
  from: HealthStatus;
  to: HealthStatus;
  changes: AlertChange[];
  reasons: string[];
  stale: boolean;
  pendingDeadLetters: number;
  deadLetterThreshold: number;
  /** When the change was seen (ISO 8601). */
  time: string;
  /** The instance that sent it. */
  instance: string;
}

const ICONS: Record<HealthStatus, string> = {
  Healthy: ':white_check_mark:',
  Degraded: ':large_yellow_circle:',
  Warning: ':warning:',
  Critical: ':rotating_light:',
};

export function alertNotification(input: {
  subscription: string;
  service: string;
  sent: AlertCondition;
  now: ObservedCondition;
  changes: AlertChange[];
  deadLetterThreshold: number;
  time: Date;
  instance: string;
}): AlertNotification {
  const { subscription, service, sent, now, changes } = input;
  const what: string[] = [];
  if (changes.includes('health')) {
    what.push(`health ${sent.status} → ${now.status}`);
  }
  if (changes.includes('stale')) {
    what.push(now.stale ? 'turned stale' : 'no longer stale');
  }
  if (changes.includes('dead-letters')) {
    what.push(
      now.deadLettersOver
        ? `${now.pendingDeadLetters} pending dead letters ≥ ${input.deadLetterThreshold}`
        : `pending dead letters back under ${input.deadLetterThreshold} (${now.pendingDeadLetters})`,
    );
  }
  const text = `${ICONS[now.status]} Change Relay: subscription ${subscription} (${service}): ${what.join('; ')}`;
  const details =
    now.reasons.length > 0 ? now.reasons.map((r) => `• ${r}`).join('\n') : 'all clear';
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${text}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: details } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `${input.time.toISOString()} · ${now.pendingDeadLetters} pending dead letters · ${input.instance}`,
          },
        ],
      },
    ],
    subscription,
    service,
    from: sent.status,
    to: now.status,
    changes,
    reasons: now.reasons,
    stale: now.stale,
    pendingDeadLetters: now.pendingDeadLetters,
    deadLetterThreshold: input.deadLetterThreshold,
    time: input.time.toISOString(),
    instance: input.instance,
  };
}
