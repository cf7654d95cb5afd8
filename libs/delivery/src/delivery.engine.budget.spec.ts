import { deferredHandler, engineFixture } from '../test/engine.fixture';
import type { HandlerCall } from '../test/engine.fixture';
import { BufferBudget } from './buffer.budget';
import { DeliveryEngine } from './delivery.engine';
import { InvalidEngineOptionsError } from './delivery.errors';
import type { Handler } from './delivery.types';
import { PushableSource } from './testing/pushable.source';

function twoEngines(budget: BufferBudget, options = {}) {
  const a = deferredHandler<string>();
  const b = deferredHandler<string>();
  const first = engineFixture({
    handler: a.handler,
    budget: budget.join(),
    weigh: (payload) => payload.length,
    options: { concurrency: 100, ...options },
  });
  const second = engineFixture({
    handler: b.handler,
    budget: budget.join(),
    weigh: (payload) => payload.length,
    options: { concurrency: 100, ...options },
  });
  return { first: { ...first, calls: a.calls }, second: { ...second, calls: b.calls } };
}

function feed(source: PushableSource<string>, count: number, payload = 'x'): void {
  for (let i = 0; i < count; i++) {
    source.event(`k${i}`, payload);
  }
}

function resolveAll(calls: HandlerCall<string>[]): void {
  calls.forEach((call) => call.resolve());
}

describe(`${DeliveryEngine.name} with a BufferBudget`, () => {
  it('admits only within its fair share of the budget, on top of maxInFlight', async () => {
    const budget = new BufferBudget({ maxEvents: 6, maxBytes: 1000 });
    const { first, second } = twoEngines(budget);
    feed(first.source, 10);
    feed(second.source, 10);
    first.engine.start();
    second.engine.start();
    await first.flush();
    expect(first.engine.stats()).toMatchObject({ inFlight: 3, bufferedBytes: 3 });
    expect(second.engine.stats()).toMatchObject({ inFlight: 3, bufferedBytes: 3 });
    expect(first.source.handedOut).toBe(3);
    expect(budget.usage()).toMatchObject({ events: 6, bytes: 6, members: 2 });
    first.calls[0].resolve();
    await first.flush();
    // The slot given back is the first engine's again: the second is at its fair limit.
    expect(first.source.handedOut).toBe(4);
    expect(second.source.handedOut).toBe(3);
    expect(budget.usage().events).toBe(6);
  });

  it('stops admitting at its fair byte limit, but always admits one event when it holds none', async () => {
    const budget = new BufferBudget({ maxEvents: 100, maxBytes: 20 });
    const { first, second } = twoEngines(budget);
    feed(first.source, 5, 'aaaa'); // 4 bytes each; fair byte limit 10
    feed(second.source, 1, 'b'.repeat(50)); // heavier than the whole budget
    second.engine.start();
    await first.flush();
    expect(second.engine.stats()).toMatchObject({ inFlight: 1, bufferedBytes: 50 });
    first.engine.start();
    await first.flush();
    // The pool is over its bytes: the first engine gets its one event, no more.
    expect(first.engine.stats()).toMatchObject({ inFlight: 1, bufferedBytes: 4 });
    second.calls[0].resolve();
    await first.flush();
    // 0, 4 and 8 bytes held are below the fair 10: three events.
    expect(first.engine.stats()).toMatchObject({ inFlight: 3, bufferedBytes: 12 });
    expect(first.source.handedOut).toBe(3);
    expect(budget.usage()).toMatchObject({ events: 3, bytes: 12, peakBytes: 54 });
  });

  it('wakes the others when a member leaves: their limits rise and their readers go on', async () => {
    const budget = new BufferBudget({ maxEvents: 4, maxBytes: 1000 });
    const { first, second } = twoEngines(budget);
    feed(first.source, 10);
    first.engine.start();
    second.engine.start();
    await first.flush();
    expect(first.engine.stats().inFlight).toBe(2);
    // The second engine is quiet; it leaves when drained.
    await second.engine.drain(1000);
    await first.flush();
    expect(budget.usage().members).toBe(1);
    expect(first.engine.stats().inFlight).toBe(4);
    expect(first.source.handedOut).toBe(4);
  });

  it('gives back the budget of abandoned events on stop() and on a drain that runs out of time', async () => {
    const budget = new BufferBudget({ maxEvents: 10, maxBytes: 1000 });
    const { first, second } = twoEngines(budget);
    feed(first.source, 3, 'abc');
    feed(second.source, 3, 'de');
    first.engine.start();
    second.engine.start();
    await first.flush();
    expect(budget.usage()).toMatchObject({ events: 6, bytes: 15, members: 2 });
    first.engine.stop();
    expect(budget.usage()).toMatchObject({ events: 3, bytes: 6, members: 1 });
    const drained = second.engine.drain(100);
    await second.clock.advance(100);
    await expect(drained).resolves.toMatchObject({ drained: false });
    expect(budget.usage()).toMatchObject({ events: 0, bytes: 0, members: 0, peakEvents: 6 });
  });

  it('gives the budget back as events settle, whether delivered, dead-lettered or filtered', async () => {
    const budget = new BufferBudget({ maxEvents: 10, maxBytes: 1000 });
    const handler: Handler<string> = async (events) => {
      if (events[0].payload === 'poison') {
        throw Object.assign(new Error('bad'), { retryable: false });
      }
    };
    const { engine, source, flush, deadLetters } = engineFixture({
      handler,
      budget: budget.join(),
      weigh: (payload) => payload.length,
    });
    engine.start();
    source.event('a', 'good').event('b', 'poison').idle();
    await flush();
    expect(deadLetters).toHaveLength(1);
    expect(engine.stats()).toMatchObject({ inFlight: 0, bufferedBytes: 0 });
    expect(budget.usage()).toMatchObject({ events: 0, bytes: 0, members: 1 });
    await engine.drain(1000);
    expect(budget.usage().members).toBe(0);
  });

  it('refuses a share that left or serves another engine, and a weigh that is not a function', () => {
    const budget = new BufferBudget({ maxEvents: 10, maxBytes: 1000 });
    const share = budget.join();
    engineFixture({ budget: share });
    const reused = () => engineFixture({ budget: share });
    expect(reused).toThrow(InvalidEngineOptionsError);
    expect(reused).toThrow(expect.objectContaining({ option: 'budget' }) as Error);
    const left = budget.join();
    left.leave();
    expect(() => engineFixture({ budget: left })).toThrow(/budget/);
    expect(() => engineFixture({ weigh: 3 as never })).toThrow(/weigh/);
  });

  it('fails the source when weigh throws or returns something that is not a size', async () => {
    for (const weigh of [
      () => Number.NaN,
      () => -1,
      () => {
        throw new Error('cannot weigh');
      },
    ]) {
      const budget = new BufferBudget({ maxEvents: 10, maxBytes: 1000 });
      const { engine, source, flush } = engineFixture({ budget: budget.join(), weigh });
      engine.start();
      source.event('a', 'x');
      await flush();
      await expect(engine.sourceDone).resolves.toMatchObject({
        status: 'failed',
        error: expect.objectContaining({ option: 'weigh' }) as Error,
      });
      expect(budget.usage()).toMatchObject({ events: 0, members: 0 });
    }
  });

  it('holds a fetched event back while another engine took the room meanwhile', async () => {
    const budget = new BufferBudget({ maxEvents: 2, maxBytes: 1000 });
    const { first, second } = twoEngines(budget);
    first.engine.start();
    second.engine.start();
    await first.flush();
    // Both readers wait in next() with room. Members: 2, fair limit 1 each.
    const third = budget.join();
    third.take(0);
    third.take(0);
    feed(first.source, 1);
    await first.flush();
    expect(first.engine.stats().inFlight).toBe(0);
    expect(budget.usage().events).toBe(2);
    third.leave();
    await first.flush();
    expect(first.engine.stats().inFlight).toBe(1);
    resolveAll(first.calls);
  });
});
