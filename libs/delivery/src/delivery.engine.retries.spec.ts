import { deferredHandler, engineFixture, payloads } from '../test/engine.fixture';
import { DeliveryEngine } from './delivery.engine';
import { HandlerTimeoutError, NonRetryableError } from './delivery.errors';
import type { DeliveryEvent } from './delivery.types';

describe(`${DeliveryEngine.name} retries`, () => {
  describe('timeouts', () => {
    it('aborts the attempt signal after timeoutMs and retries', async () => {
      const { handler, calls } = deferredHandler<string>();
      const failures: { timedOut: boolean; durationMs: number; error: unknown }[] = [];
      const { engine, source, clock, delivered, flush } = engineFixture({
        handler,
        options: { timeoutMs: 500, retry: { initialDelayMs: 100, jitter: 'none' } },
        hooks: { attemptFailed: (_events, info) => failures.push(info) },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      const { signal } = calls[0].ctx;
      await clock.advance(499);
      expect(signal.aborted).toBe(false);
      await clock.advance(1);
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(HandlerTimeoutError);
      expect(failures).toEqual([
        { attempt: 1, timedOut: true, durationMs: 500, error: signal.reason },
      ]);
      await clock.advance(100);
      expect(calls).toHaveLength(2);
      expect(calls[1].ctx.attempt).toBe(2);
      expect(calls[1].events[0].attempt).toBe(2);
      calls[1].resolve();
      await flush();
      expect(delivered).toEqual([]);
      expect(engine.stats().inFlight).toBe(0);
    });

    it('times out each call at its own deadline with a single timer', async () => {
      const { handler, calls } = deferredHandler<string>();
      const timedOutAt: number[] = [];
      const { engine, source, clock, flush } = engineFixture({
        handler,
        options: { ordering: 'none', concurrency: 3, timeoutMs: 100, retry: { maxAttempts: 1 } },
        hooks: { attemptFailed: (_events, info) => info.timedOut && timedOutAt.push(clock.now()) },
      });
      engine.start();
      source.event('a', '1');
      await clock.advance(30);
      source.event('b', '2');
      await clock.advance(30);
      source.event('c', '3');
      await flush();
      expect(clock.pendingTimers).toBe(1);
      calls[1].resolve();
      await clock.advance(200);
      expect(timedOutAt).toEqual([100, 160]);
      expect(clock.pendingTimers).toBe(0);
    });

    it('ignores the late result of a timed-out attempt', async () => {
      const { handler, calls } = deferredHandler<string>();
      const deliveredCalls: number[] = [];
      const { engine, source, clock, flush } = engineFixture({
        handler,
        options: { timeoutMs: 50, retry: { initialDelayMs: 10, jitter: 'none' } },
        hooks: { delivered: (_events, info) => deliveredCalls.push(info.attempt) },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      await clock.advance(50);
      calls[0].resolve();
      await flush();
      expect(deliveredCalls).toEqual([]);
      expect(engine.stats().inFlight).toBe(1);
      await clock.advance(10);
      calls[1].resolve();
      await flush();
      expect(deliveredCalls).toEqual([2]);
    });
  });

  describe('backoff', () => {
    it('waits the jittered exponential delay between attempts, then dead-letters', async () => {
      const attemptsAt: number[] = [];
      const { engine, source, clock, deadLetters, flush } = engineFixture<string>({
        random: () => 0.5,
        options: { retry: { maxAttempts: 4, initialDelayMs: 100, multiplier: 3, maxDelayMs: 400 } },
        handler: async () => {
          attemptsAt.push(clock.now());
          throw new Error('503');
        },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      await clock.advance(10_000);
      // Ceilings 100, 300, 400 (capped); full jitter with random 0.5 halves them.
      expect(attemptsAt).toEqual([0, 50, 200, 400]);
      expect(deadLetters).toHaveLength(1);
      expect(deadLetters[0].attempts).toBe(4);
      expect((deadLetters[0].error as Error).message).toBe('503');
      expect(deadLetters[0].event).toMatchObject({ payload: 'a1', attempt: 4, seq: 1 });
    });

    it('dead-letters a NonRetryableError at once', async () => {
      let calls = 0;
      const { engine, source, deadLetters, flush } = engineFixture<string>({
        handler: async () => {
          calls++;
          throw new NonRetryableError('422 unprocessable');
        },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      expect(calls).toBe(1);
      expect(deadLetters).toMatchObject([{ attempts: 1, event: { payload: 'a1' } }]);
    });

    it('treats any error with retryable: false as non-retryable', async () => {
      const { engine, source, deadLetters, flush } = engineFixture<string>({
        handler: async () => {
          throw Object.assign(new Error('410 gone'), { retryable: false });
        },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      expect(deadLetters).toHaveLength(1);
    });
  });

  describe('batch splitting', () => {
    const poisonHandler =
      (poison: string, seen: string[][]) => async (events: DeliveryEvent<string>[]) => {
        seen.push(payloads(events));
        if (events.some((event) => event.payload === poison)) {
          throw new NonRetryableError(`cannot handle ${poison}`);
        }
      };

    it('splits a failing batch in halves until the poison event is alone', async () => {
      const seen: string[][] = [];
      const { engine, source, deadLetters, flush } = engineFixture<string>({
        handler: poisonHandler('e2', seen),
        options: { batchSize: 4, batchWaitMs: 10, ordering: 'strict' },
      });
      ['e0', 'e1', 'e2', 'e3'].forEach((payload) => source.event('k', payload));
      engine.start();
      await flush();
      expect(seen).toEqual([['e0', 'e1', 'e2', 'e3'], ['e0', 'e1'], ['e2', 'e3'], ['e2'], ['e3']]);
      expect(deadLetters.map((entry) => entry.event.payload)).toEqual(['e2']);
      await expect(engine.drain(0)).resolves.toMatchObject({
        drained: true,
        checkpoint: { seq: 4 },
      });
    });

    it('spends the retry budget on the whole batch before splitting it', async () => {
      const seen: string[][] = [];
      const { engine, source, clock, deadLetters, flush } = engineFixture<string>({
        handler: async (events) => {
          seen.push(payloads(events));
          if (events.some((event) => event.payload === 'bad')) {
            throw new Error('timeout talking to downstream');
          }
        },
        options: {
          batchSize: 2,
          batchWaitMs: 10,
          retry: { maxAttempts: 2, initialDelayMs: 10, jitter: 'none' },
        },
      });
      source.event('k', 'ok').event('k', 'bad');
      engine.start();
      await flush();
      await clock.advance(1000);
      expect(seen).toEqual([['ok', 'bad'], ['ok', 'bad'], ['ok'], ['bad'], ['bad']]);
      expect(deadLetters).toMatchObject([{ attempts: 4, event: { payload: 'bad', attempt: 4 } }]);
    });

    it('keeps a key in stream order inside and across the halves of a split', async () => {
      const seen: string[][] = [];
      const { engine, source, flush } = engineFixture<string>({
        handler: poisonHandler('a2', seen),
        options: { batchSize: 4, batchWaitMs: 10, ordering: 'key', concurrency: 1 },
      });
      source.event('a', 'a1').event('b', 'b1').event('a', 'a2').event('b', 'b2');
      engine.start();
      await flush();
      // The batch is sorted by sequence number, so each key's events appear in stream order.
      expect(seen[0]).toEqual(['a1', 'b1', 'a2', 'b2']);
      expect(seen.slice(1)).toEqual([['a1', 'b1'], ['a2', 'b2'], ['a2'], ['b2']]);
    });
  });

  describe('handler results', () => {
    it('counts a result whose then() throws as a failed attempt (not an engine failure)', async () => {
      const thenThrows = {
        then: () => {
          throw new Error('broken thenable');
        },
      };
      let sourceOutcome: unknown;
      const { engine, source, deadLetters, delivered, flush } = engineFixture<string>({
        options: { retry: { maxAttempts: 1 } },
        // Not async: the thenable itself is the handler's result.
        handler: (events) => {
          if (events[0].payload === 'odd') {
            return thenThrows as unknown as Promise<void>;
          }
          delivered.push(...events);
          return Promise.resolve();
        },
      });
      void engine.sourceDone.then((outcome) => (sourceOutcome = outcome));
      engine.start();
      source.event('a', 'odd').event('a', 'next');
      await flush();
      expect(deadLetters.map((d) => [d.event.payload, (d.error as Error).message])).toEqual([
        ['odd', 'broken thenable'],
      ]);
      expect(payloads(delivered)).toEqual(['next']);
      expect(sourceOutcome).toBeUndefined();
    });
  });

  describe('dead-letter sink failures', () => {
    it('retries the sink with backoff and holds the checkpoint and the key until it stores', async () => {
      let sinkCalls = 0;
      const sinkFailures: number[] = [];
      const stored: string[] = [];
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, clock, checkpoints, flush } = engineFixture<string>({
        handler,
        options: { checkpointEvery: 1, retry: { initialDelayMs: 100, jitter: 'none' } },
        deadLetter: async (event) => {
          if (++sinkCalls <= 2) {
            throw new Error('dead-letter collection unavailable');
          }
          stored.push(event.payload);
        },
        hooks: { deadLetterFailed: (_event, info) => sinkFailures.push(info.retryInMs) },
      });
      engine.start();
      source.event('a', 'a1').event('a', 'a2').event('b', 'b1');
      await flush();
      calls[0].reject(new NonRetryableError('bad payload'));
      calls[1].resolve();
      await flush();
      expect(sinkFailures).toEqual([100]);
      expect(checkpoints).toEqual([]);
      expect(calls).toHaveLength(2);
      await clock.advance(100);
      expect(sinkFailures).toEqual([100, 200]);
      await clock.advance(200);
      expect(stored).toEqual(['a1']);
      // a1 (seq 1) is settled now; a2 (seq 2), which waited behind it, is not.
      expect(checkpoints.at(-1)).toEqual({ seq: 1, token: 0 });
      expect(payloads(calls[2].events)).toEqual(['a2']);
    });
  });
});
