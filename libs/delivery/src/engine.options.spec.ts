import { InvalidEngineOptionsError } from './delivery.errors';
import { DEFAULT_ENGINE_OPTIONS, resolveEngineOptions } from './engine.options';

function rejectionOf(input: unknown): InvalidEngineOptionsError {
  try {
    resolveEngineOptions(input as never);
  } catch (error) {
    if (error instanceof InvalidEngineOptionsError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected the options to be rejected');
}

describe(resolveEngineOptions.name, () => {
  it('fills defaults, including nested retry defaults', () => {
    const options = resolveEngineOptions({ ordering: 'strict', retry: { maxAttempts: 2 } });
    expect(options.ordering).toBe('strict');
    expect(options.retry).toEqual({ ...DEFAULT_ENGINE_OPTIONS.retry, maxAttempts: 2 });
    expect(options.maxInFlight).toBe(DEFAULT_ENGINE_OPTIONS.maxInFlight);
  });

  it('treats undefined values as absent', () => {
    expect(resolveEngineOptions({ concurrency: undefined }).concurrency).toBe(
      DEFAULT_ENGINE_OPTIONS.concurrency,
    );
  });

  it('accepts 0 for timeoutMs (no timeout) and batchWaitMs (no waiting)', () => {
    expect(resolveEngineOptions({ timeoutMs: 0, batchWaitMs: 0 })).toMatchObject({
      timeoutMs: 0,
      batchWaitMs: 0,
    });
  });

  it.each([
    [{ ordering: 'random' }, 'ordering'],
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: 1.5 }, 'concurrency'],
    [{ maxInFlight: -1 }, 'maxInFlight'],
    [{ batchSize: '10' }, 'batchSize'],
    [{ batchWaitMs: -5 }, 'batchWaitMs'],
    [{ timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ checkpointIntervalMs: 0 }, 'checkpointIntervalMs'],
    [{ checkpointEvery: 0 }, 'checkpointEvery'],
    [{ retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    [{ retry: { initialDelayMs: -1 } }, 'retry.initialDelayMs'],
    [{ retry: { initialDelayMs: 500, maxDelayMs: 100 } }, 'retry.maxDelayMs'],
    [{ retry: { multiplier: 0.5 } }, 'retry.multiplier'],
    [{ retry: { jitter: 'equal' } }, 'retry.jitter'],
    [{ retry: null }, 'retry'],
    [{ batchsize: 10 }, 'batchsize'],
    [{ retry: { attempts: 3 } }, 'retry.attempts'],
  ])('rejects %j naming %s', (input, option) => {
    const error = rejectionOf(input);
    expect(error.option).toBe(option);
    expect(error.message).toContain(`"${option}"`);
  });

  it('explains the bound in the message', () => {
    expect(rejectionOf({ retry: { initialDelayMs: 500, maxDelayMs: 100 } }).message).toBe(
      'Invalid delivery option "retry.maxDelayMs": must be a finite number >= retry.initialDelayMs (500) (got 100)',
    );
  });
});
