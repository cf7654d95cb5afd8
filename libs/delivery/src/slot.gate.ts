import { FifoQueue } from './fifo.queue';

/**
 * Bounds concurrent handler calls (`concurrency`) and holds new calls while paused. A batch
 * gives its slot back while it waits out a retry backoff, so a retrying key does not take
 * capacity from other keys. Slots freed go first to waiting retries, then to new batches.
 */
export class SlotGate {
  private free: number;
  private paused = false;
  private readonly waiters = new FifoQueue<() => void>();

  constructor(readonly size: number) {
    this.free = size;
  }

  get inUse(): number {
    return this.size - this.free;
  }

  /** A new batch may take a slot now (nothing paused, nobody queued ahead). */
  canTake(): boolean {
    return !this.paused && this.free > 0 && this.waiters.length === 0;
  }

  /** Takes a slot synchronously; call only after `canTake()`. */
  take(): void {
    this.free--;
  }

  /** Waits for a slot (a retry). Resolves at once when one is free. */
  acquire(): Promise<void> {
    if (this.canTake()) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Gives a slot back: to the oldest waiting retry if any, else to the pool. */
  release(): void {
    this.free++;
    this.wakeWaiters();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    while (!this.paused && this.free > 0 && this.waiters.length > 0) {
      this.free--;
      (this.waiters.shift() as () => void)();
    }
  }
}
