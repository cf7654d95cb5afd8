/** Event counters of one subscription (over a minute, or totals over the kept minutes). */
export interface SubscriptionCounters {
  /** Events read from the stream. */
  received: number;
  /** Events the handler accepted. */
  delivered: number;
  /** Handler attempts that failed (errors and timeouts). */
  failedAttempts: number;
  /** Retries scheduled. */
  retried: number;
  /** Events stored in the dead-letter queue. */
  deadLettered: number;
  /** Dead letters replayed and delivered. */
  replayed: number;
}

export const COUNTER_NAMES = [
  'received',
  'delivered',
  'failedAttempts',
  'retried',
  'deadLettered',
  'replayed',
] as const satisfies readonly (keyof SubscriptionCounters)[];

export function emptyCounters(): SubscriptionCounters {
  return { received: 0, delivered: 0, failedAttempts: 0, retried: 0, deadLettered: 0, replayed: 0 };
}

/** Handler time of successful attempts over a minute. */
export interface DurationSummary {
  count: number;
  sumMs: number;
  maxMs: number;
}

/**
 * The latest delivery error. `at` comes first on purpose: MongoDB compares embedded documents
 * field by field, so `$max` keeps the most recent one.
 */
export interface RecordedError {
  at: Date;
  message: string;
  code?: number | string;
}

/** What one subscription did during one minute, as flushed by its owner(s). */
export interface MinuteDelta {
  subscription: string;
  service: string;
  /** Start of the minute (UTC). */
  minute: Date;
  counters: SubscriptionCounters;
  handler: DurationSummary;
  lastEventAt?: Date;
  lastError?: RecordedError;
}

/** Totals of one subscription over the kept minutes. */
export interface SubscriptionTotals {
  counters: SubscriptionCounters;
  lastEventAt?: Date;
  lastError?: RecordedError;
}
