import type { SourceItem } from '../delivery.types';
import { FifoQueue } from '../fifo.queue';

type Waiter<T> = {
  resolve: (result: IteratorResult<SourceItem<T>>) => void;
  reject: (error: Error) => void;
};

/**
 * A source a test feeds by hand. Counts `next()` calls, so a test can prove the engine pulls
 * only while it has room (backpressure), and records whether the engine closed it.
 */
export class PushableSource<T>
  implements AsyncIterable<SourceItem<T>>, AsyncIterator<SourceItem<T>>
{
  /** `next()` calls made by the consumer. */
  pulls = 0;
  /** Items handed to the consumer. */
  handedOut = 0;
  /** The consumer called `return()` (closed the source). */
  closed = false;
  private readonly items = new FifoQueue<SourceItem<T>>();
  private waiter: Waiter<T> | undefined;
  private ended = false;
  private failure: { error: Error } | undefined;
  private nextToken = 0;

  [Symbol.asyncIterator](): AsyncIterator<SourceItem<T>> {
    return this;
  }

  /** Pushes an event; the token defaults to a running counter. */
  event(key: string, payload: T, token: unknown = this.nextToken++): this {
    return this.push({ kind: 'event', token, key, payload });
  }

  idle(token: unknown = this.nextToken++): this {
    return this.push({ kind: 'idle', token });
  }

  push(item: SourceItem<T>): this {
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      this.handedOut++;
      waiter.resolve({ done: false, value: item });
    } else {
      this.items.push(item);
    }
    return this;
  }

  /** Items pushed and not yet pulled. */
  get buffered(): number {
    return this.items.length;
  }

  end(): void {
    this.ended = true;
    this.settleWaiter();
  }

  /** The next pull rejects with `error`, like a change stream that throws. */
  fail(error: Error): void {
    this.failure = { error };
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<SourceItem<T>>> {
    this.pulls++;
    if (this.items.length > 0) {
      this.handedOut++;
      return Promise.resolve({ done: false, value: this.items.shift() as SourceItem<T> });
    }
    if (this.failure !== undefined) {
      return Promise.reject(this.failure.error);
    }
    if (this.ended || this.closed) {
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  return(): Promise<IteratorResult<SourceItem<T>>> {
    this.closed = true;
    this.settleWaiter();
    return Promise.resolve({ done: true, value: undefined });
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (waiter === undefined || this.items.length > 0) {
      return;
    }
    this.waiter = undefined;
    if (this.failure !== undefined) {
      waiter.reject(this.failure.error);
    } else {
      waiter.resolve({ done: true, value: undefined });
    }
  }
}
