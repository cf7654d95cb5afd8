import { deferredHandler, engineFixture, payloads } from '../test/engine.fixture';
import { DeliveryEngine } from './delivery.engine';
import {
  EngineStoppedError,
  InvalidEngineOptionsError,
  InvalidSourceItemError,
} from './delivery.errors';
import type { SourceItem } from './delivery.types';
import type { TimerHandle } from './engine.clock';
import { flushMicrotasks, ManualClock } from './testing/manual.clock';
import { PushableSource } from './testing/pushable.source';

describe(DeliveryEngine.name, () => {
  describe('ordering', () => {
    it('delivers one event at a time in stream order in strict mode', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({
        handler,
        options: { ordering: 'strict', concurrency: 8 },
      });
      engine.start();
      source.event('a', 'a1').event('b', 'b1').event('a', 'a2');
      await flush();
      expect(calls.map((call) => payloads(call.events))).toEqual([['a1']]);
      calls[0].resolve();
      await flush();
      expect(calls.map((call) => payloads(call.events))).toEqual([['a1'], ['b1']]);
      calls[1].resolve();
      await flush();
      expect(calls.map((call) => payloads(call.events))).toEqual([['a1'], ['b1'], ['a2']]);
    });

    it('runs different keys in parallel and the same key in stream order in key mode', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({
        handler,
        options: { ordering: 'key', concurrency: 4 },
      });
      engine.start();
      source.event('a', 'a1').event('b', 'b1').event('a', 'a2').event('c', 'c1');
      await flush();
      expect(calls.map((call) => payloads(call.events))).toEqual([['a1'], ['b1'], ['c1']]);
      calls[0].resolve();
      await flush();
      expect(payloads(calls[3].events)).toEqual(['a2']);
    });

    it('caps parallel calls at concurrency', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({
        handler,
        options: { ordering: 'none', concurrency: 2 },
      });
      engine.start();
      source.event('a', '1').event('a', '2').event('a', '3');
      await flush();
      expect(calls).toHaveLength(2);
      expect(engine.stats()).toMatchObject({ activeCalls: 2, ready: 1, inFlight: 3 });
      calls[1].resolve();
      await flush();
      expect(payloads(calls[2].events)).toEqual(['3']);
    });

    it('lets other keys use the slot while a key waits out a retry backoff', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, clock, flush } = engineFixture({
        handler,
        options: {
          ordering: 'key',
          concurrency: 1,
          retry: { initialDelayMs: 1000, jitter: 'none' },
        },
      });
      engine.start();
      source.event('a', 'a1').event('a', 'a2').event('b', 'b1').event('b', 'b2');
      await flush();
      calls[0].reject(new Error('downstream hiccup'));
      await flush();
      // a1 waits 1000 ms; b's events go through the only slot meanwhile, a2 stays behind a1.
      expect(payloads(calls[1].events)).toEqual(['b1']);
      calls[1].resolve();
      await flush();
      expect(payloads(calls[2].events)).toEqual(['b2']);
      calls[2].resolve();
      await flush();
      expect(calls).toHaveLength(3);
      await clock.advance(1000);
      expect(payloads(calls[3].events)).toEqual(['a1']);
      calls[3].resolve();
      await flush();
      expect(payloads(calls[4].events)).toEqual(['a2']);
    });
  });

  describe('backpressure', () => {
    it('pulls the source only while fewer than maxInFlight events are unsettled', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({
        handler,
        options: { maxInFlight: 3, concurrency: 10 },
      });
      for (let i = 0; i < 10; i++) {
        source.event(`k${i}`, `e${i}`);
      }
      engine.start();
      await flush();
      expect(source.handedOut).toBe(3);
      expect(source.buffered).toBe(7);
      expect(engine.stats().inFlight).toBe(3);
      calls[0].resolve();
      await flush();
      expect(source.handedOut).toBe(4);
      expect(engine.stats().inFlight).toBe(3);
    });

    it('does not count idle tokens as in flight', async () => {
      const { handler } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({ handler, options: { maxInFlight: 1 } });
      source.event('a', 'a1').idle().idle().event('b', 'b1');
      engine.start();
      await flush();
      expect(source.handedOut).toBe(1);
      expect(engine.stats()).toMatchObject({ inFlight: 1, lastSeq: 1 });
    });
  });

  describe('lifecycle', () => {
    it('stops reading and starting calls while paused, and picks up on resume', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({ handler, options: { ordering: 'strict' } });
      engine.start();
      source.event('a', 'a1').event('a', 'a2');
      await flush();
      engine.pause();
      calls[0].resolve();
      source.event('a', 'a3');
      await flush();
      expect(calls).toHaveLength(1);
      const pullsWhilePaused = source.pulls;
      await flush();
      expect(source.pulls).toBe(pullsWhilePaused);
      engine.resume();
      await flush();
      expect(payloads(calls[1].events)).toEqual(['a2']);
      expect(engine.stats().paused).toBe(false);
    });

    it('reports a source error through sourceDone and still delivers what was admitted', async () => {
      const { engine, source, delivered, flush } = engineFixture();
      engine.start();
      const failure = new Error('change stream closed: 286 history lost');
      source.event('a', 'a1');
      source.fail(failure);
      await expect(engine.sourceDone).resolves.toEqual({ status: 'failed', error: failure });
      await flush();
      expect(payloads(delivered)).toEqual(['a1']);
      await expect(engine.drain(0)).resolves.toMatchObject({
        drained: true,
        checkpoint: { seq: 1, token: 0 },
      });
    });

    it('fails the source on an item that is not a source item', async () => {
      const { engine, source } = engineFixture();
      engine.start();
      source.push({ kind: 'event', token: 1, key: 42 } as unknown as SourceItem<string>);
      const outcome = await engine.sourceDone;
      expect(outcome.status).toBe('failed');
      expect(outcome.status === 'failed' && outcome.error).toBeInstanceOf(InvalidSourceItemError);
      expect(source.closed).toBe(true);
    });

    it('reports a failure of its own while starting a call through sourceDone, and stops', async () => {
      class FailingTimers extends ManualClock {
        fail = false;
        override setTimeout(callback: () => void, delayMs: number): TimerHandle {
          if (this.fail) {
            throw new Error('timer table full');
          }
          return super.setTimeout(callback, delayMs);
        }
      }
      const clock = new FailingTimers();
      const source = new PushableSource<string>();
      const calls: string[] = [];
      const engine = new DeliveryEngine<string>({
        source,
        clock,
        handler: async (events) => void calls.push(...payloads(events)),
        deadLetter: async () => undefined,
        onCheckpoint: async () => undefined,
        // The attempt's timeout is the first timer a call arms.
        options: { timeoutMs: 1_000 },
      });
      engine.start();
      clock.fail = true;
      source.event('a', 'a1');
      const outcome = await engine.sourceDone;
      expect(outcome).toEqual({ status: 'failed', error: new Error('timer table full') });
      expect(engine.stats().state).toBe('stopped');
      expect(calls).toEqual([]);
    });

    it('accepts a pull function as the source, ending on undefined', async () => {
      const items: SourceItem<string>[] = [
        { kind: 'event', token: 't1', key: 'a', payload: 'a1' },
        { kind: 'idle', token: 't2' },
      ];
      const seen: string[] = [];
      const engine = new DeliveryEngine<string>({
        source: async () => items.shift(),
        handler: async (events) => {
          seen.push(...payloads(events));
        },
        deadLetter: async () => undefined,
        onCheckpoint: async () => undefined,
      });
      engine.start();
      await expect(engine.sourceDone).resolves.toEqual({ status: 'ended' });
      await expect(engine.drain(1000)).resolves.toMatchObject({
        drained: true,
        checkpoint: { seq: 2, token: 't2' },
      });
      expect(seen).toEqual(['a1']);
    });

    it('abandons everything on stop(): aborts handlers, closes the source, makes no more callbacks', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, clock, checkpoints, deadLetters, flush } = engineFixture({
        handler,
        options: { timeoutMs: 30_000, checkpointEvery: 1 },
      });
      engine.start();
      source.event('a', 'a1').event('b', 'b1').event('c', 'c1');
      await flush();
      calls[0].resolve();
      await flush();
      expect(checkpoints).toEqual([{ seq: 1, token: 0 }]);
      const { signal } = calls[1].ctx;
      engine.stop();
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBeInstanceOf(EngineStoppedError);
      expect(calls[2].ctx.signal.aborted).toBe(true);
      // Neither timeouts nor checkpoint timers stay behind to fire into the stopped engine.
      expect(clock.pendingTimers).toBe(0);
      calls[1].resolve();
      calls[2].reject(new Error('late'));
      await flush();
      expect(source.closed).toBe(true);
      expect(checkpoints).toEqual([{ seq: 1, token: 0 }]);
      expect(deadLetters).toEqual([]);
      expect(engine.stats()).toMatchObject({ state: 'stopped', inFlight: 2 });
      await expect(engine.sourceDone).resolves.toEqual({ status: 'stopped' });
    });

    it('refuses a second start', () => {
      const { engine } = engineFixture();
      engine.start();
      expect(() => engine.start()).toThrow('Cannot start a delivery engine that is running');
    });

    it('validates its configuration, naming the bad part', () => {
      const valid = {
        source: async () => undefined,
        handler: async () => undefined,
        deadLetter: async () => undefined,
        onCheckpoint: async () => undefined,
      };
      expect(() => new DeliveryEngine({ ...valid, handler: undefined as never })).toThrow(
        InvalidEngineOptionsError,
      );
      expect(() => new DeliveryEngine({ ...valid, source: {} as never })).toThrow('"source"');
      expect(() => new DeliveryEngine({ ...valid, options: { batchSize: 0 } })).toThrow(
        '"batchSize"',
      );
    });
  });

  describe('hooks', () => {
    it('reports received, delivered, failed attempts, retries and dead letters with durations', async () => {
      const log: string[] = [];
      let failures = 0;
      const { engine, source, clock, flush } = engineFixture<string>({
        options: { retry: { maxAttempts: 2, initialDelayMs: 10, jitter: 'none' } },
        handler: async (events) => {
          if (events[0].payload === 'bad' || failures++ === 0) {
            throw new Error(`fail ${events[0].payload}`);
          }
        },
        hooks: {
          received: (event) => log.push(`received ${event.payload} attempt ${event.attempt}`),
          delivered: (events, info) =>
            log.push(
              `delivered ${payloads(events).join()} attempt ${info.attempt} in ${info.durationMs}`,
            ),
          attemptFailed: (events, info) =>
            log.push(`failed ${payloads(events).join()} attempt ${info.attempt}`),
          retried: (events, info) =>
            log.push(`retry ${payloads(events).join()} as ${info.nextAttempt} in ${info.delayMs}`),
          deadLettered: (event, info) =>
            log.push(`dead-lettered ${event.payload} after ${info.attempts}`),
        },
      });
      engine.start();
      source.event('a', 'good').event('b', 'bad');
      await flush();
      await clock.advance(10);
      // Each event's own story, in order (how the two interleave is not a guarantee).
      expect(log.filter((line) => line.includes('good'))).toEqual([
        'received good attempt 0',
        'failed good attempt 1',
        'retry good as 2 in 10',
        'delivered good attempt 2 in 0',
      ]);
      expect(log.filter((line) => line.includes('bad'))).toEqual([
        'received bad attempt 0',
        'failed bad attempt 1',
        'retry bad as 2 in 10',
        'failed bad attempt 2',
        'dead-lettered bad after 2',
      ]);
      expect(log).toHaveLength(9);
    });

    it('keeps delivering when a hook throws', async () => {
      const { engine, source, delivered, flush } = engineFixture<string>({
        hooks: {
          received: () => {
            throw new Error('metrics backend down');
          },
          delivered: () => {
            throw new Error('metrics backend down');
          },
        },
      });
      engine.start();
      source.event('a', 'a1').event('a', 'a2');
      await flush();
      expect(payloads(delivered)).toEqual(['a1', 'a2']);
    });
  });
});

afterAll(flushMicrotasks);
