import { InvalidEngineOptionsError } from './delivery.errors';

export type Ordering = 'strict' | 'key' | 'none';
export type Jitter = 'full' | 'none';

export interface RetryOptions {
  /** Handler attempts per batch, first one included (1 = no retry). */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  jitter: Jitter;
}

export interface EngineOptions {
  /** `strict`: one call at a time in stream order; `key`: per key; `none`: no order. */
  ordering: Ordering;
  /** Handler calls running at once (`strict` always uses 1). */
  concurrency: number;
  /** Events admitted and not yet settled; the source is not read past it. */
  maxInFlight: number;
  batchSize: number;
  /** How long a partial batch may wait for more events before it is dispatched. */
  batchWaitMs: number;
  /** Per-attempt timeout; 0 disables it. */
  timeoutMs: number;
  retry: RetryOptions;
  /** A settled position is reported within this time... */
  checkpointIntervalMs: number;
  /** ...or as soon as this many events settled since the last report. */
  checkpointEvery: number;
}

/** What callers pass: any subset, `retry` included. Unknown keys are rejected. */
export type EngineOptionsInput = Partial<Omit<EngineOptions, 'retry'>> & {
  retry?: Partial<RetryOptions>;
};

export const DEFAULT_ENGINE_OPTIONS: Readonly<EngineOptions> = Object.freeze({
  ordering: 'key',
  concurrency: 8,
  maxInFlight: 1000,
  batchSize: 1,
  batchWaitMs: 0,
  timeoutMs: 30_000,
  retry: Object.freeze({
    maxAttempts: 5,
    initialDelayMs: 200,
    maxDelayMs: 30_000,
    multiplier: 2,
    jitter: 'full',
  }),
  checkpointIntervalMs: 1000,
  checkpointEvery: 1000,
});

const ORDERINGS: readonly Ordering[] = ['strict', 'key', 'none'];
const JITTERS: readonly Jitter[] = ['full', 'none'];
const TOP_LEVEL_KEYS = Object.keys(DEFAULT_ENGINE_OPTIONS);
const RETRY_KEYS = Object.keys(DEFAULT_ENGINE_OPTIONS.retry);

/** Applies defaults and validates; throws `InvalidEngineOptionsError` naming the bad option. */
export function resolveEngineOptions(input: EngineOptionsInput = {}): EngineOptions {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidEngineOptionsError('options', 'must be an object');
  }
  rejectUnknownKeys(input, TOP_LEVEL_KEYS, '');
  if (input.retry !== undefined && (typeof input.retry !== 'object' || input.retry === null)) {
    throw new InvalidEngineOptionsError('retry', 'must be an object');
  }
  rejectUnknownKeys(input.retry ?? {}, RETRY_KEYS, 'retry.');

  const options: EngineOptions = {
    ...DEFAULT_ENGINE_OPTIONS,
    ...withoutUndefined(input),
    retry: { ...DEFAULT_ENGINE_OPTIONS.retry, ...withoutUndefined(input.retry ?? {}) },
  };
  const { retry } = options;

  oneOf('ordering', options.ordering, ORDERINGS);
  integerAtLeast('concurrency', options.concurrency, 1);
  integerAtLeast('maxInFlight', options.maxInFlight, 1);
  integerAtLeast('batchSize', options.batchSize, 1);
  numberAtLeast('batchWaitMs', options.batchWaitMs, 0);
  numberAtLeast('timeoutMs', options.timeoutMs, 0);
  integerAtLeast('checkpointEvery', options.checkpointEvery, 1);
  numberAtLeast('checkpointIntervalMs', options.checkpointIntervalMs, 1);
  integerAtLeast('retry.maxAttempts', retry.maxAttempts, 1);
  numberAtLeast('retry.initialDelayMs', retry.initialDelayMs, 0);
  numberAtLeast('retry.maxDelayMs', retry.maxDelayMs, retry.initialDelayMs, 'retry.initialDelayMs');
  numberAtLeast('retry.multiplier', retry.multiplier, 1);
  oneOf('retry.jitter', retry.jitter, JITTERS);
  return options;
}

function rejectUnknownKeys(value: object, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new InvalidEngineOptionsError(
        `${prefix}${key}`,
        `unknown option (known: ${known.join(', ')})`,
      );
    }
  }
}

function withoutUndefined<V extends object>(value: V): Partial<V> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<V>;
}

function oneOf<V>(option: string, value: unknown, allowed: readonly V[]): void {
  if (!allowed.includes(value as V)) {
    throw new InvalidEngineOptionsError(
      option,
      `must be one of ${allowed.join(', ')} (got ${describe(value)})`,
    );
  }
}

function integerAtLeast(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new InvalidEngineOptionsError(
      option,
      `must be an integer >= ${min} (got ${describe(value)})`,
    );
  }
}

function numberAtLeast(option: string, value: unknown, min: number, minName?: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    const bound = minName ? `${minName} (${min})` : String(min);
    throw new InvalidEngineOptionsError(
      option,
      `must be a finite number >= ${bound} (got ${describe(value)})`,
    );
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}
