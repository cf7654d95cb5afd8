import type { RetryOptions } from './engine.options';

/**
 * The ceiling of the delay after the `failedAttempt`-th failure (1-based):
 * `min(maxDelayMs, initialDelayMs * multiplier^(failedAttempt - 1))`.
 */
export function backoffCeiling(retry: RetryOptions, failedAttempt: number): number {
  const exponential =
    retry.initialDelayMs * Math.pow(retry.multiplier, Math.max(0, failedAttempt - 1));
  // Past the cap, Math.pow may overflow to Infinity; min() still gives maxDelayMs.
  return Math.min(retry.maxDelayMs, exponential);
}

/**
 * Delay before the next attempt after the `failedAttempt`-th failure. Full jitter (AWS
 * "Exponential Backoff And Jitter"): uniform in [0, ceiling], so retrying lanes spread out
 * instead of hammering a recovering dependency in lockstep.
 */
export function backoffDelay(
  retry: RetryOptions,
  failedAttempt: number,
  random: () => number,
): number {
  const ceiling = backoffCeiling(retry, failedAttempt);
  if (retry.jitter === 'none') {
    return ceiling;
  }
  // Clamp, so a misbehaving random source cannot push the delay out of [0, ceiling].
  const r = Math.min(Math.max(random(), 0), 1);
  return r * ceiling;
}
