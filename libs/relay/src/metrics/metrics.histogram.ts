import type { DurationSummary } from './metrics.types';

/** Upper bounds (ms) of the duration histogram buckets; anything above goes to `inf`. */
export const DURATION_BUCKETS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
] as const;

export const INF_BUCKET = 'inf';

/** The bucket key of a bound: `le100`. */
export function bucketKey(boundMs: number): string {
  return `le${boundMs}`;
}

export const BUCKET_KEYS: readonly string[] = [...DURATION_BUCKETS_MS.map(bucketKey), INF_BUCKET];

export function emptyDurations(): DurationSummary {
  return { count: 0, sumMs: 0, maxMs: 0, buckets: {} };
}

/** Adds one observation (no allocation once the bucket exists). */
export function observe(summary: DurationSummary, ms: number): void {
  observeInSlot(summary, ms < 0 ? 0 : ms, slotOf(ms));
}

/** The index in BUCKET_KEYS of the bucket that holds `ms` (the last one: `inf`). */
export function slotOf(ms: number): number {
  let slot = 0;
  while (slot < DURATION_BUCKETS_MS.length && ms > DURATION_BUCKETS_MS[slot]) {
    slot += 1;
  }
  return slot;
}

/** Adds one observation whose slot (see `slotOf`) is known; `ms` must be >= 0. */
export function observeInSlot(summary: DurationSummary, ms: number, slot: number): void {
  summary.count += 1;
  summary.sumMs += ms;
  if (ms > summary.maxMs) {
    summary.maxMs = ms;
  }
  const key = BUCKET_KEYS[slot];
  summary.buckets[key] = (summary.buckets[key] ?? 0) + 1;
}

/** Adds `from` into `into`. */
export function mergeDurations(into: DurationSummary, from: DurationSummary): void {
  into.count += from.count;
  into.sumMs += from.sumMs;
  into.maxMs = Math.max(into.maxMs, from.maxMs);
  addCounts(into.buckets, from.buckets);
}

export function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) {
    into[key] = (into[key] ?? 0) + count;
  }
}

/**
 * The value under which `quantile` of the observations fall, estimated as the upper bound of
 * the bucket that holds it (the max for the last bucket). 0 without observations.
 */
export function quantileMs(summary: DurationSummary, quantile: number): number {
  if (summary.count === 0) {
    return 0;
  }
  const rank = Math.ceil(quantile * summary.count);
  let seen = 0;
  for (const bound of DURATION_BUCKETS_MS) {
    seen += summary.buckets[bucketKey(bound)] ?? 0;
    if (seen >= rank) {
      return Math.min(bound, summary.maxMs);
    }
  }
  return summary.maxMs;
}
