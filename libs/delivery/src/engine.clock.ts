/**
 * The engine's only access to time, so tests can run retries, timeouts and checkpoint intervals
 * on a manual clock, deterministically and without waiting.
 */
export interface EngineClock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Opaque timer id, whatever the clock returns (a Node Timeout, a number...). */
export type TimerHandle = number | object;

/** Real time: `performance.now()` and the global timers. */
export const systemClock: EngineClock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Resolves after `delayMs` on `clock`. Returns a cancel function too: cancelling leaves the
 * promise pending forever, which is what an abandoned (stopped) engine wants.
 */
export function sleep(
  clock: EngineClock,
  delayMs: number,
): { done: Promise<void>; cancel: () => void } {
  let handle: TimerHandle;
  const done = new Promise<void>((resolve) => {
    handle = clock.setTimeout(resolve, delayMs);
  });
  return { done, cancel: () => clock.clearTimeout(handle) };
}
