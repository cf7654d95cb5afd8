import { DeliveryEngine } from './delivery.engine';
import type { PullSource, SourceItem } from './delivery.types';

/**
 * A pull source holding items read ahead: `ready()` hands them over synchronously, the pull
 * function only when none waits (it then "reads" the next batch).
 */
function batchedSource(batches: string[][]): {
  source: PullSource<string>;
  pulls: () => number;
} {
  const waiting: SourceItem<string>[] = [];
  let pulls = 0;
  let seq = 0;
  const item = (payload: string): SourceItem<string> => ({
    kind: 'event',
    token: ++seq,
    key: payload.slice(0, 1),
    payload,
  });
  const source: PullSource<string> = Object.assign(
    async () => {
      pulls += 1;
      const batch = batches.shift();
      if (!batch) {
        return null;
      }
      const first = item(batch[0]);
      waiting.push(...batch.slice(1).map(item));
      return first;
    },
    { ready: () => waiting.shift() },
  );
  return { source, pulls: () => pulls };
}

describe('a pull source with ready()', () => {
  it('delivers ready items in stream order and pulls only when none is ready', async () => {
    const { source, pulls } = batchedSource([
      ['a1', 'b1', 'a2'],
      ['b2', 'a3'],
    ]);
    const delivered: string[] = [];
    const checkpoints: number[] = [];
    const engine = new DeliveryEngine<string>({
      source,
      handler: async (events) => void delivered.push(...events.map((event) => event.payload)),
      deadLetter: async () => undefined,
      onCheckpoint: async (checkpoint) => void checkpoints.push(checkpoint.token as number),
      options: { ordering: 'strict', checkpointIntervalMs: 1 },
    });
    engine.start();
    await expect(engine.sourceDone).resolves.toEqual({ status: 'ended' });
    await engine.drain(1_000);
    expect(delivered).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    // One pull per batch and the one that found the end: the other items came from ready().
    expect(pulls()).toBe(3);
    expect(checkpoints).toEqual([5]);
  });

  it('holds ready items back while the engine is full', async () => {
    const { source } = batchedSource([['a1', 'a2', 'a3', 'a4']]);
    const release: Array<() => void> = [];
    const engine = new DeliveryEngine<string>({
      source,
      handler: (events) => new Promise<void>((resolve) => release.push(() => resolve(void events))),
      deadLetter: async () => undefined,
      onCheckpoint: async () => undefined,
      options: { ordering: 'strict', maxInFlight: 2 },
    });
    engine.start();
    await new Promise((resolve) => setImmediate(resolve));
    expect(engine.stats().inFlight).toBe(2);
    release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(engine.stats().inFlight).toBe(2);
    engine.stop();
  });
});
