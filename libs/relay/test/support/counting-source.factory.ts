import {
  WorkerSourceFactory,
  type WorkerSourceRequest,
} from '../../src/source/worker-source.factory';
import type { WorkerSource } from '../../src/source/worker-source';

/**
 * A source factory that counts the events each subscription's source handed to its engine, so a
 * test can compare them with the events its handler finished: the difference is what the
 * worker buffers (read, not yet settled).
 */
export class CountingSourceFactory extends WorkerSourceFactory {
  private readonly read = new Map<string, number>();
  private readonly finished = new Map<string, number>();
  /** Highest buffered count seen per subscription, and over all of them together. */
  readonly peak = new Map<string, number>();
  peakTotal = 0;

  override create(request: WorkerSourceRequest): WorkerSource {
    const source = super.create(request);
    const name = request.subscription.name;
    const next = async () => {
      const item = await source.next();
      if (item?.kind === 'event') {
        this.read.set(name, (this.read.get(name) ?? 0) + 1);
        this.sample(name);
      }
      return item;
    };
    return {
      open: () => source.open(),
      next,
      positionOf: (token) => source.positionOf(token),
      close: () => source.close(),
    };
  }

  /** Called by the test's handler when it finished an event of `name`. */
  finishedOne(name: string): void {
    this.finished.set(name, (this.finished.get(name) ?? 0) + 1);
  }

  buffered(name: string): number {
    return (this.read.get(name) ?? 0) - (this.finished.get(name) ?? 0);
  }

  private sample(name: string): void {
    this.peak.set(name, Math.max(this.peak.get(name) ?? 0, this.buffered(name)));
    let total = 0;
    for (const key of this.read.keys()) {
      total += this.buffered(key);
    }
    this.peakTotal = Math.max(this.peakTotal, total);
  }
}
