import fc from 'fast-check';
import type { RetryOptions } from './engine.options';
import { backoffCeiling, backoffDelay } from './retry.backoff';

const retry = (overrides: Partial<RetryOptions> = {}): RetryOptions => ({
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 1000,
  multiplier: 2,
  jitter: 'full',
  ...overrides,
});

const retryOptions = fc
  .record({
    initialDelayMs: fc.integer({ min: 0, max: 10_000 }),
    extraMaxMs: fc.integer({ min: 0, max: 100_000 }),
    multiplier: fc.double({ min: 1, max: 10, noNaN: true }),
    jitter: fc.constantFrom<'full' | 'none'>('full', 'none'),
  })
  .map(({ initialDelayMs, extraMaxMs, multiplier, jitter }) =>
    retry({ initialDelayMs, maxDelayMs: initialDelayMs + extraMaxMs, multiplier, jitter }),
  );

describe('backoff', () => {
  it('grows the ceiling exponentially from initialDelayMs and caps it at maxDelayMs', () => {
    const options = retry();
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(options, n))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('stays at maxDelayMs for huge attempt numbers instead of overflowing', () => {
    expect(backoffCeiling(retry({ multiplier: 10 }), 10_000)).toBe(1000);
  });

  it('uses the ceiling itself without jitter', () => {
    expect(backoffDelay(retry({ jitter: 'none' }), 3, () => 0)).toBe(400);
  });

  it('spans the whole range [0, ceiling] with full jitter', () => {
    expect(backoffDelay(retry(), 3, () => 0)).toBe(0);
    expect(backoffDelay(retry(), 3, () => 0.5)).toBe(200);
    expect(backoffDelay(retry(), 3, () => 0.999999)).toBeCloseTo(400, 2);
  });

  it('keeps the delay in bounds even when the random source misbehaves', () => {
    expect(backoffDelay(retry(), 2, () => 7)).toBe(200);
    expect(backoffDelay(retry(), 2, () => -1)).toBe(0);
  });

  it('never exceeds min(maxDelayMs, initialDelayMs * multiplier^(n-1)) and never goes below 0', () => {
    fc.assert(
      fc.property(
        retryOptions,
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (options, n, r) => {
          const delay = backoffDelay(options, n, () => r);
          const bound = Math.min(
            options.maxDelayMs,
            options.initialDelayMs * Math.pow(options.multiplier, n - 1),
          );
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(bound);
        },
      ),
    );
  });

  it('waits exactly the ceiling without jitter, whatever the random source says', () => {
    const noJitter = retryOptions.map((options) => ({ ...options, jitter: 'none' as const }));
    fc.assert(
      fc.property(
        noJitter,
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (options, n, r) => {
          expect(backoffDelay(options, n, () => r)).toBe(backoffCeiling(options, n));
        },
      ),
    );
  });

  it('never lowers the ceiling from one attempt to the next', () => {
    fc.assert(
      fc.property(retryOptions, fc.integer({ min: 1, max: 200 }), (options, n) => {
        expect(backoffCeiling(options, n + 1)).toBeGreaterThanOrEqual(backoffCeiling(options, n));
      }),
    );
  });
});
