import { DeliveryEngine } from './delivery.engine';
import type { EngineClock } from './engine.clock';
import { systemClock } from './engine.clock';
import type { SourceItem } from './delivery.types';

/**
 * Timers fire on the event loop's whole-millisecond clock while `now()` is fractional, so a
 * batch-wait timer can run a fraction of a millisecond "early". The partial batch must go out
 * anyway, even when only idle tokens follow it.
 */
describe('batch wait with a timer that fires before now() reaches the deadline', () => {
  it('dispatches the partial batch when the batch-wait timer fires', async () => {
    let offset = 0;
    // A clock whose timers fire while now() still reads just before the deadline.
    const earlyClock: EngineClock = {
      ...systemClock,
      now: () => systemClock.now() - offset,
      setTimeout: (callback, ms) =>
        systemClock.setTimeout(() => {
          offset = 10;
          callback();
        }, ms),
    };
    let pulls = 0;
    let release: (() => void) | undefined;
    const idleForever = new Promise<void>((resolve) => (release = resolve));
    const source = async (): Promise<SourceItem<number> | null> => {
      pulls += 1;
      if (pulls === 1) {
        return { kind: 'event', token: 1, key: 'a', payload: 1 };
      }
      await idleForever;
      return null;
    };
    const delivered: number[] = [];
    let done: (() => void) | undefined;
    const deliveredOne = new Promise<void>((resolve) => (done = resolve));
    const engine = new DeliveryEngine<number>({
      source,
      handler: async (events) => {
        delivered.push(...events.map((event) => event.payload));
        done?.();
      },
      deadLetter: async () => undefined,
      onCheckpoint: async () => undefined,
      clock: earlyClock,
      options: { ordering: 'strict', batchSize: 50, batchWaitMs: 20 },
    });
    engine.start();
    let giveUp: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        deliveredOne,
        new Promise((_, reject) => {
          giveUp = setTimeout(() => reject(new Error('partial batch never dispatched')), 2_000);
        }),
      ]);
    } finally {
      // The guard must not outlive the test: an armed timer keeps jest from exiting.
      clearTimeout(giveUp);
      engine.stop();
      release?.();
    }
    expect(delivered).toEqual([1]);
  });
});
