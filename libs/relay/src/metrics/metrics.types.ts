import type { ErrorTally } from './metrics.errors';

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
  /** Replayed events (owner commands such as a dead-letter replay) the handler accepted. */
  replayed: number;
  /** Replayed events that failed again (they stay in the dead-letter queue). */
  replayFailed: number;
}

export const COUNTER_NAMES = [
  'received',
  'delivered',
  'failedAttempts',
  'retried',
  'deadLettered',
  'replayed',
  'replayFailed',
] as const satisfies readonly (keyof SubscriptionCounters)[];

export function emptyCounters(): SubscriptionCounters {
  return {
    received: 0,
    delivered: 0,
    failedAttempts: 0,
    retried: 0,
    deadLettered: 0,
    replayed: 0,
    replayFailed: 0,
  };
}

/**
 * Durations over a minute: count, sum, max, and how many fell in each histogram bucket
 * (`buckets[le100]` = observations over the previous bound and at most 100 ms; not cumulative,
 * so minutes add up with `$inc`). See `metrics.histogram.ts` for the bounds.
 */
export interface DurationSummary {
  count: number;
  sumMs: number;
  maxMs: number;
  buckets: Record<string, number>;
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
  /** Handler time of successful calls. */
  handler: DurationSummary;
  /** End-to-end latency: the change's cluster (wall) time to the handler's success. */
  latency: DurationSummary;
  /** Received events by operation type (`insert`, `update`...). */
  byOperation: Record<string, number>;
  /** Received events by collection. */
  byCollection: Record<string, number>;
  /** Largest checkpoint lag seen during the minute (see `LiveFigures.lagMs`). */
  lagMaxMs: number;
  lastEventAt?: Date;
  /** The recorder's note of the last event (epoch ms), made `lastEventAt` when flushed. */
  lastEventMs?: number;
  lastError?: RecordedError;
  /** Failures by error signature (see `metrics.errors.ts`), keyed by `signatureKey`. */
  errors: Record<string, ErrorTally>;
}

/**
 * What a running worker is doing now, kept in memory by its owner (never persisted).
 * `lagMs`: age (by cluster time) of the oldest received change not yet covered by a checkpoint,
 * 0 when everything received is checkpointed.
 */
export interface LiveFigures {
  subscription: string;
  service: string;
  inFlight: number;
  queued: number;
  retrying: number;
  lagMs: number;
  /** The worker's engine is reading its change stream (false while it restarts). */
  streamUp: boolean;
}

/** Totals of one subscription over the kept minutes. */
export interface SubscriptionTotals {
  counters: SubscriptionCounters;
  lastEventAt?: Date;
  lastError?: RecordedError;
}

/** What one subscription did over a range of minutes (sums of its rollups). */
export interface MinuteSummary {
  subscription: string;
  service: string;
  counters: SubscriptionCounters;
  handler: DurationSummary;
  latency: DurationSummary;
  /** The largest checkpoint lag recorded in the range. */
  lagMaxMs: number;
  lastEventAt?: Date;
  lastError?: RecordedError;
}
