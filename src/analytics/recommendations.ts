import { averageHandlerMs, deliveredPct, round, type HealthFigures } from './health.rules';

export interface Recommendation {
  /** What to do, e.g. `increase-concurrency`. */
  action: string;
  /** Why, with the figure that triggered it. */
  reason: string;
  /** The triggering figure. */
  value: number;
}

export interface RecommendationInput extends HealthFigures {
  ordering: 'key' | 'strict' | 'none';
  /** Events in flight and queued now (the live backlog, when known). */
  backlog: number;
  /** Events per hour over the range. */
  eventsPerHour: number;
  /** The most frequent error, if any. */
  topError?: string;
}

/**
 * The issue's rules: lag over 10 s → increase concurrency; backlog over 500 → enable
 * batching; success under 90% → review the handler; over 10,000 events an hour in strict order
 * → key ordering; retries over 20% of attempts → review timeouts.
 */
export function recommend(f: RecommendationInput): Recommendation[] {
  const out: Recommendation[] = [];
  if (f.lagMs > 10_000) {
    out.push({
      action: 'increase-concurrency',
      reason: `lag ${Math.round(f.lagMs / 1_000)} s > 10 s`,
      value: f.lagMs,
    });
  }
  if (f.backlog > 500) {
    out.push({ action: 'enable-batching', reason: `backlog ${f.backlog} > 500`, value: f.backlog });
  }
  const success = deliveredPct(f);
  if (f.received > 0 && success < 90) {
    out.push({
      action: 'review-handler',
      reason: `success ${round(success)}% < 90%${f.topError ? ` (top error: ${f.topError})` : ''}`,
      value: round(success),
    });
  }
  if (f.ordering === 'strict' && f.eventsPerHour > 10_000) {
    out.push({
      action: 'use-key-ordering',
      reason: `${Math.round(f.eventsPerHour)} events/h > 10000 in strict order`,
      value: Math.round(f.eventsPerHour),
    });
  }
  const attempts = f.handlerCount + f.failedAttempts;
  const retryPct = attempts === 0 ? 0 : (100 * f.retried) / attempts;
  if (retryPct > 20) {
    out.push({
      action: 'review-timeouts',
      reason: `retries ${round(retryPct)}% of attempts > 20% (average handler ${Math.round(averageHandlerMs(f))} ms)`,
      value: round(retryPct),
    });
  }
  return out;
}
