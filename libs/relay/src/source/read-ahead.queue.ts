/**
 * A bounded read-ahead buffer between a reader and one consumer. `read()` runs in a loop (one
 * call at a time) while fewer than `limit` items wait and the queue is open; once full, it
 * starts again when the consumer has taken half of them (not after every take: a loop started
 * per item cost an async call per event); `take()` resolves
 * with the oldest item, waiting for one if needed. A read that fails stops the loop: items read
 * before it are still taken, then `take()` rejects with its error. `close()` drops what waits
 * and makes every `take()` resolve null.
 */
export class ReadAheadQueue<T> {
  private items: T[] = [];
  private head = 0;
  private reading = false;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private waiter: (() => void) | undefined;
  /** Reading starts again at this many waiting items or fewer. */
  private readonly lowMark: number;

  constructor(
    private readonly limit: number,
    /** One item, or undefined when there is nothing new yet (it is called again). */
    private readonly read: () => Promise<T | undefined>,
  ) {
    this.lowMark = Math.floor(limit / 2);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Everything read was taken and a read is under way (waiting for the next batch). */
  get drained(): boolean {
    return this.reading && this.length === 0;
  }

  async take(): Promise<T | null> {
    for (;;) {
      if (this.closed) {
        return null;
      }
      if (this.head < this.items.length) {
        const item = this.shift();
        this.fill();
        return item;
      }
      if (this.failure) {
        throw this.failure.error;
      }
      this.fill();
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  /** The oldest item if one is waiting (and the queue is open), else undefined: no promise. */
  takeReady(): T | undefined {
    if (this.closed || this.head >= this.items.length) {
      return undefined;
    }
    const item = this.shift();
    this.fill();
    return item;
  }

  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.wake();
  }

  private fill(): void {
    if (!this.reading && !this.closed && !this.failure && this.length <= this.lowMark) {
      this.reading = true;
      void this.loop();
    }
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed && this.length < this.limit) {
        const item = await this.read();
        if (this.closed) {
          return;
        }
        if (item !== undefined) {
          this.items.push(item);
          this.wake();
        }
      }
    } catch (error) {
      if (!this.closed) {
        this.failure = { error };
      }
    } finally {
      this.reading = false;
      this.wake();
    }
  }

  private shift(): T {
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
