import { deferredHandler, engineFixture, payloads } from '../test/engine.fixture';
import type { HandlerCall } from '../test/engine.fixture';
import { BufferBudget } from './buffer.budget';
import { DeliveryEngine } from './delivery.engine';
import { InvalidSubmissionError, NonRetryableError } from './delivery.errors';
import type { DeliveryEvent, EngineHooks, Handler, SubmitOutcome } from './delivery.types';

/** A handler that records every call's start and end, and any overlap of a key. */
function overlapRecorder(resolveAfter: (events: DeliveryEvent<string>[]) => Promise<void>) {
  const active = new Map<string, number>();
  const overlaps: string[] = [];
  const started: string[][] = [];
  const handler: Handler<string> = async (events) => {
    started.push(payloads(events));
    for (const { key } of events) {
      if ((active.get(key) ?? 0) > 0) {
        overlaps.push(`${key} during ${payloads(events).join(',')}`);
      }
      active.set(key, (active.get(key) ?? 0) + 1);
    }
    try {
      await resolveAfter(events);
    } finally {
      for (const { key } of events) {
        active.set(key, (active.get(key) ?? 1) - 1);
      }
    }
  };
  return { handler, overlaps, started };
}

/** Resolves every call, including the ones the resolved calls let start, until none is left. */
async function resolveAll(calls: HandlerCall<string>[], flush: () => Promise<void>) {
  for (let done = 0; done < calls.length;) {
    while (done < calls.length) {
      calls[done++].resolve();
    }
    await flush();
  }
}

describe(`${DeliveryEngine.name}.submit`, () => {
  it.each([1, 10])(
    'runs a submitted event in its key lane: after the key’s queued live events, never alongside them (batchSize %d)',
    async (batchSize) => {
      const { handler, calls } = deferredHandler<string>();
      const recorder = overlapRecorder((events) => handler(events, undefined as never));
      const { engine, source, flush } = engineFixture({
        handler: recorder.handler,
        options: { ordering: 'key', concurrency: 4, batchSize },
      });
      engine.start();
      source.event('a', 'a1').event('a', 'a2').event('b', 'b1');
      await flush();
      const outcome = engine.submit({ key: 'a', payload: 'a-replay', id: 'dl-1' });
      source.event('a', 'a3');
      await flush();
      expect(recorder.started).toEqual([['a1'], ['b1']]);
      await resolveAll(calls, flush);
      await expect(outcome).resolves.toEqual({ status: 'delivered', attempts: 1 });
      expect(recorder.started.filter((call) => call[0].startsWith('a'))).toEqual([
        ['a1'],
        ['a2'],
        ['a-replay'],
        ['a3'],
      ]);
      expect(recorder.overlaps).toEqual([]);
    },
  );

  it('gives a submitted event a batch of its own, in line with everything in strict mode', async () => {
    const { handler, calls } = deferredHandler<string>();
    const { engine, source, flush } = engineFixture({
      handler,
      options: { ordering: 'strict', batchSize: 10 },
    });
    engine.start();
    source.event('a', 'a1');
    await flush();
    source.event('b', 'b1').event('c', 'c1');
    await flush();
    const outcome = engine.submit({ key: 'z', payload: 'replay' });
    source.event('a', 'a2');
    await flush();
    await resolveAll(calls, flush);
    expect(calls.map((call) => payloads(call.events))).toEqual([
      ['a1'],
      ['b1', 'c1'],
      ['replay'],
      ['a2'],
    ]);
    expect(calls[2].events[0]).toMatchObject({
      seq: 0,
      token: undefined,
      submitted: true,
      submissionId: undefined,
    });
    await expect(outcome).resolves.toMatchObject({ status: 'delivered' });
  });

  it('runs submitted events side by side with live ones in none mode, within concurrency', async () => {
    const { handler, calls } = deferredHandler<string>();
    const { engine, source, flush } = engineFixture({
      handler,
      options: { ordering: 'none', concurrency: 2 },
    });
    engine.start();
    const outcome = engine.submit({ key: 'a', payload: 'replay' });
    source.event('a', 'a1').event('a', 'a2');
    await flush();
    expect(calls.map((call) => payloads(call.events))).toEqual([['replay'], ['a1']]);
    expect(engine.stats()).toMatchObject({
      activeCalls: 2,
      ready: 1,
      inFlight: 3,
      submittedInFlight: 1,
    });
    await resolveAll(calls, flush);
    await expect(outcome).resolves.toMatchObject({ status: 'delivered' });
  });

  it('neither holds back nor advances the checkpoint, and never dead-letters a failing submission', async () => {
    const handler: Handler<string> = async (events) => {
      if (events[0].submitted) {
        throw new Error('still broken');
      }
    };
    const hooks: EngineHooks<string> = { replayed: jest.fn(), delivered: jest.fn() };
    const { engine, source, clock, flush, checkpoints, deadLetters } = engineFixture({
      handler,
      hooks,
      options: { retry: { maxAttempts: 3, initialDelayMs: 100, jitter: 'none' } },
    });
    engine.start();
    source.event('a', 'a1');
    const outcome = engine.submit({ key: 'r', payload: 'replay', id: 'dl-9' });
    source.event('b', 'b1');
    await flush();
    await clock.advance(100);
    // The submission is still retrying; the live events are settled and checkpointed past it.
    expect(engine.stats()).toMatchObject({ inFlight: 1, submittedInFlight: 1, lastSeq: 2 });
    expect(checkpoints.at(-1)).toEqual({ seq: 2, token: 1 });
    await clock.advance(1000);
    const result = await outcome;
    expect(result).toMatchObject({ status: 'failed', attempts: 3 });
    expect((result as { error: Error }).error.message).toBe('still broken');
    expect(deadLetters).toEqual([]);
    expect(hooks.delivered).toHaveBeenCalledTimes(2);
    expect(hooks.replayed).toHaveBeenCalledWith(
      expect.objectContaining({ payload: 'replay', submitted: true, submissionId: 'dl-9' }),
      expect.objectContaining({ outcome: result }),
    );
    const drained = await engine.drain(1000);
    expect(drained).toEqual({ drained: true, checkpoint: { seq: 2, token: 1 } });
  });

  it('resolves delivered after retries, failed at once on a non-retryable error', async () => {
    let failures = 2;
    const handler: Handler<string> = async (events) => {
      if (events[0].payload === 'poison') {
        throw new NonRetryableError('malformed');
      }
      if (failures-- > 0) {
        throw new Error('flaky');
      }
    };
    const attemptFailed = jest.fn();
    const { engine, clock, flush } = engineFixture({
      handler,
      hooks: { attemptFailed },
      options: { retry: { maxAttempts: 5, initialDelayMs: 10, jitter: 'none' } },
    });
    engine.start();
    const flaky = engine.submit({ key: 'a', payload: 'flaky' });
    await flush();
    await clock.advance(100);
    await expect(flaky).resolves.toEqual({ status: 'delivered', attempts: 3 });
    expect(attemptFailed).toHaveBeenCalledWith(
      [expect.objectContaining({ submitted: true, attempt: 1 })],
      expect.objectContaining({ attempt: 1 }),
    );
    const poison = engine.submit({ key: 'a', payload: 'poison' });
    await flush();
    await expect(poison).resolves.toMatchObject({
      status: 'failed',
      attempts: 1,
      error: expect.any(NonRetryableError) as Error,
    });
  });

  it('resolves cancelled on stop, for submissions running and waiting, and after it', async () => {
    const { handler } = deferredHandler<string>();
    const { engine, flush, clock } = engineFixture({ handler, options: { maxInFlight: 1 } });
    engine.start();
    const running = engine.submit({ key: 'a', payload: 'one' });
    const waiting = engine.submit({ key: 'b', payload: 'two' });
    await flush();
    expect(engine.stats()).toMatchObject({ submittedInFlight: 1, submitWaiting: 1 });
    engine.stop();
    await expect(running).resolves.toEqual({ status: 'cancelled' });
    await expect(waiting).resolves.toEqual({ status: 'cancelled' });
    await expect(engine.submit({ key: 'c', payload: 'late' })).resolves.toEqual({
      status: 'cancelled',
    });
    expect(clock.pendingTimers).toBe(0);
  });

  it('lets submissions finish during a drain, cancels the ones past the grace period and new ones', async () => {
    const { handler, calls } = deferredHandler<string>();
    const { engine, flush, clock } = engineFixture({ handler, options: { maxInFlight: 1 } });
    engine.start();
    const first = engine.submit({ key: 'a', payload: 'first' });
    const second = engine.submit({ key: 'b', payload: 'second' });
    await flush();
    const drained = engine.drain(1000);
    await expect(engine.submit({ key: 'c', payload: 'new' })).resolves.toEqual({
      status: 'cancelled',
    });
    calls[0].resolve();
    await flush();
    // The waiting one was admitted during the drain; it does not finish in time.
    expect(payloads(calls[1].events)).toEqual(['second']);
    await clock.advance(1000);
    await expect(first).resolves.toEqual({ status: 'delivered', attempts: 1 });
    await expect(second).resolves.toEqual({ status: 'cancelled' });
    await expect(drained).resolves.toMatchObject({ drained: false });
  });

  it('waits for room under maxInFlight and the budget instead of buffering without bound', async () => {
    const budget = new BufferBudget({ maxEvents: 10, maxBytes: 100 });
    const share = budget.join();
    const { handler, calls } = deferredHandler<string>();
    const { engine, source, flush } = engineFixture({
      handler,
      budget: share,
      weigh: (payload) => payload.length,
      options: { maxInFlight: 2, concurrency: 10 },
    });
    const outcomes: Promise<SubmitOutcome>[] = [];
    // Before start, submissions wait too.
    outcomes.push(engine.submit({ key: 'r0', payload: 'r0' }));
    expect(engine.stats()).toMatchObject({ inFlight: 0, submitWaiting: 1 });
    engine.start();
    source.event('a', 'a1').event('b', 'b1');
    await flush();
    for (let i = 1; i < 4; i++) {
      outcomes.push(engine.submit({ key: `r${i}`, payload: `r${i}` }));
    }
    await flush();
    expect(engine.stats()).toMatchObject({ inFlight: 2, submittedInFlight: 1, submitWaiting: 3 });
    expect(budget.usage()).toMatchObject({ events: 2, bytes: 4 });
    // Room goes to the waiting submissions first, in order, before the source reads on.
    calls[0].resolve();
    await flush();
    calls[1].resolve();
    await flush();
    expect(calls.map((call) => payloads(call.events))).toEqual([['r0'], ['a1'], ['r1'], ['r2']]);
    expect(source.handedOut).toBe(1);
    await resolveAll(calls, flush);
    await expect(Promise.all(outcomes)).resolves.toEqual(
      outcomes.map(() => ({ status: 'delivered', attempts: 1 })),
    );
    expect(budget.usage()).toMatchObject({ peakEvents: 2 });
  });

  it('refuses what is not a submission', () => {
    const { engine } = engineFixture();
    for (const item of [null, 'x', { payload: 1 }, { key: 1, payload: 1 }, { key: 'a', id: 3 }]) {
      expect(() => engine.submit(item as never)).toThrow(InvalidSubmissionError);
    }
  });
});
