import { deferredHandler, engineFixture, payloads } from '../test/engine.fixture';
import { DeliveryEngine } from './delivery.engine';
import type { Checkpoint } from './delivery.types';

describe(`${DeliveryEngine.name} checkpoints, batching and drain`, () => {
  describe('checkpoint watermark', () => {
    it('never passes an unsettled event, however far later events run ahead', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, clock, checkpoints, flush } = engineFixture({
        handler,
        options: { ordering: 'key', concurrency: 4, checkpointEvery: 1 },
      });
      engine.start();
      source.event('a', 'a1', 'tok-1').event('b', 'b1', 'tok-2').event('c', 'c1', 'tok-3');
      await flush();
      calls[1].resolve();
      calls[2].resolve();
      await flush();
      await clock.advance(1000);
      expect(checkpoints).toEqual([]);
      calls[0].resolve();
      await flush();
      expect(checkpoints).toEqual([{ seq: 3, token: 'tok-3' }]);
    });

    it('writes at once after checkpointEvery settled events', async () => {
      const { engine, source, checkpoints, flush } = engineFixture({
        options: { checkpointEvery: 2 },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      expect(checkpoints).toEqual([]);
      source.event('a', 'a2');
      await flush();
      expect(checkpoints).toEqual([{ seq: 2, token: 1 }]);
    });

    it('writes within checkpointIntervalMs of progress otherwise', async () => {
      const { engine, source, clock, checkpoints, flush } = engineFixture({
        options: { checkpointIntervalMs: 100 },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      await clock.advance(99);
      expect(checkpoints).toEqual([]);
      await clock.advance(1);
      expect(checkpoints).toEqual([{ seq: 1, token: 0 }]);
      await clock.advance(1000);
      expect(checkpoints).toHaveLength(1);
    });

    it('advances on idle tokens when nothing is in flight', async () => {
      const { engine, source, clock, checkpoints, flush } = engineFixture({
        options: { checkpointIntervalMs: 100 },
      });
      engine.start();
      source.idle('pbrt-1');
      await flush();
      await clock.advance(100);
      expect(checkpoints).toEqual([{ seq: 1, token: 'pbrt-1' }]);
      source.idle('pbrt-2').idle('pbrt-3');
      await clock.advance(100);
      expect(checkpoints.at(-1)).toEqual({ seq: 3, token: 'pbrt-3' });
    });

    it('holds an idle token back until the events received before it settle', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, clock, checkpoints, flush } = engineFixture({ handler });
      engine.start();
      source.event('a', 'a1', 'ev-1').idle('pbrt-2');
      await flush();
      await clock.advance(1000);
      expect(checkpoints).toEqual([]);
      calls[0].resolve();
      await flush();
      await clock.advance(100);
      expect(checkpoints).toEqual([{ seq: 2, token: 'pbrt-2' }]);
    });

    it('reports a failing checkpoint write, keeps delivering, and retries it with backoff', async () => {
      let writes = 0;
      const stored: Checkpoint[] = [];
      const failures: number[] = [];
      const { engine, source, clock, delivered, flush } = engineFixture<string>({
        options: { checkpointEvery: 1, retry: { initialDelayMs: 50, jitter: 'none' } },
        onCheckpoint: async (checkpoint) => {
          if (++writes <= 2) {
            throw new Error('primary stepped down');
          }
          stored.push(checkpoint);
        },
        hooks: { checkpointFailed: (_checkpoint, info) => failures.push(info.failures) },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      source.event('a', 'a2');
      await flush();
      expect(payloads(delivered)).toEqual(['a1', 'a2']);
      expect(failures).toEqual([1]);
      await clock.advance(50);
      expect(failures).toEqual([1, 2]);
      await clock.advance(100);
      expect(stored).toEqual([{ seq: 2, token: 1 }]);
    });

    it('leaves no retry timer behind when writes keep failing until the drain', async () => {
      const { engine, source, clock, flush } = engineFixture<string>({
        options: { checkpointEvery: 1, retry: { initialDelayMs: 1000, jitter: 'none' } },
        onCheckpoint: async () => {
          throw new Error('not primary');
        },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      // The source end asks for a write while the first failure's retry is still pending.
      source.end();
      await engine.sourceDone;
      await flush();
      await expect(engine.drain(0)).resolves.toMatchObject({ drained: true, checkpoint: null });
      expect(clock.pendingTimers).toBe(0);
    });

    it('checkpoints as soon as an ended source is fully settled', async () => {
      const { engine, source, checkpoints, flush } = engineFixture({
        options: { checkpointIntervalMs: 60_000 },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      expect(checkpoints).toEqual([]);
      source.idle('last').end();
      await engine.sourceDone;
      await flush();
      expect(checkpoints).toEqual([{ seq: 2, token: 'last' }]);
    });
  });

  describe('batching', () => {
    it('sends a full batch at once and a partial one after batchWaitMs', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, clock, flush } = engineFixture({
        handler,
        options: { ordering: 'none', batchSize: 3, batchWaitMs: 50 },
      });
      engine.start();
      source.event('a', '1').event('b', '2');
      await flush();
      await clock.advance(49);
      expect(calls).toHaveLength(0);
      await clock.advance(1);
      expect(payloads(calls[0].events)).toEqual(['1', '2']);
      source.event('a', '3').event('b', '4').event('c', '5');
      await flush();
      expect(payloads(calls[1].events)).toEqual(['3', '4', '5']);
    });

    it('does not wait for a batch to fill when maxInFlight stops the source', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({
        handler,
        options: { batchSize: 10, batchWaitMs: 60_000, maxInFlight: 2 },
      });
      engine.start();
      source.event('a', '1').event('b', '2').event('c', '3');
      await flush();
      expect(calls.map((call) => payloads(call.events))).toEqual([['1', '2']]);
    });
  });

  describe('drain', () => {
    it('finishes admitted work, stops reading and writes a final checkpoint', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, checkpoints, flush } = engineFixture({
        handler,
        options: { ordering: 'strict', checkpointIntervalMs: 60_000 },
      });
      engine.start();
      source.event('a', 'a1').event('a', 'a2');
      await flush();
      const drained = engine.drain(10_000);
      source.event('a', 'never-read');
      await flush();
      calls[0].resolve();
      await flush();
      calls[1].resolve();
      await expect(drained).resolves.toEqual({ drained: true, checkpoint: { seq: 2, token: 1 } });
      expect(checkpoints).toEqual([{ seq: 2, token: 1 }]);
      expect(calls).toHaveLength(2);
      expect(source.closed).toBe(true);
      expect(engine.stats().state).toBe('stopped');
      await expect(engine.sourceDone).resolves.toEqual({ status: 'stopped' });
      await expect(engine.drain(0)).resolves.toEqual({
        drained: true,
        checkpoint: { seq: 2, token: 1 },
      });
    });

    it('gives up after graceMs, aborts what runs, and checkpoints only the settled prefix', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, clock, checkpoints, flush } = engineFixture({
        handler,
        options: { ordering: 'key', concurrency: 2, checkpointIntervalMs: 60_000 },
      });
      engine.start();
      source.event('a', 'a1').event('b', 'b1').event('b', 'b2');
      await flush();
      calls[0].resolve();
      await flush();
      const drained = engine.drain(500);
      await clock.advance(500);
      await expect(drained).resolves.toEqual({ drained: false, checkpoint: { seq: 1, token: 0 } });
      expect(calls[1].ctx.signal.aborted).toBe(true);
      expect(checkpoints).toEqual([{ seq: 1, token: 0 }]);
    });

    it('lifts a pause to deliver what was admitted', async () => {
      const { handler, calls } = deferredHandler<string>();
      const { engine, source, flush } = engineFixture({ handler, options: { ordering: 'strict' } });
      engine.start();
      source.event('a', 'a1').event('a', 'a2');
      await flush();
      engine.pause();
      calls[0].resolve();
      await flush();
      expect(calls).toHaveLength(1);
      const drained = engine.drain(1000);
      await flush();
      expect(payloads(calls[1].events)).toEqual(['a2']);
      calls[1].resolve();
      await expect(drained).resolves.toEqual({ drained: true, checkpoint: { seq: 2, token: 1 } });
    });

    it('reports a final checkpoint write that keeps failing until the grace period ends', async () => {
      const failure = new Error('not primary');
      const { engine, source, clock, flush } = engineFixture<string>({
        options: { retry: { initialDelayMs: 100, jitter: 'none' } },
        onCheckpoint: async () => {
          throw failure;
        },
      });
      engine.start();
      source.event('a', 'a1');
      await flush();
      const drained = engine.drain(1000);
      await clock.advance(1000);
      await expect(drained).resolves.toEqual({
        drained: true,
        checkpoint: null,
        checkpointError: failure,
      });
    });

    it('drains a never-started engine at once', async () => {
      const { engine, source } = engineFixture();
      await expect(engine.drain(0)).resolves.toEqual({ drained: true, checkpoint: null });
      expect(source.pulls).toBe(0);
    });
  });
});
