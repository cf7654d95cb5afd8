import { randomUUID } from 'node:crypto';
import type { LiveTailBatch, LiveTailRepository } from '@app/relay';
import type { ClusterClock } from '../subscriptions/cluster-clock';
import type { LiveDeliveryView } from './dto/live-delivery.model';

/** A watcher registration lasts this long unless renewed (every third of it). */
const WATCH_TTL_MS = 15_000;
/** Deliveries a slow reader may fall behind by; older ones are dropped. */
const MAX_QUEUED = 1_000;

/**
 * One reader of a subscription's live tail, as an async iterator for a GraphQL subscription:
 * follows the `live_tail` inserts of that subscription (a change stream, so the owner may be any
 * instance) and keeps a watcher registered so the owner publishes. `return()` (the client left)
 * closes the stream and removes the watcher.
 */
export class LiveTailStream implements AsyncIterableIterator<LiveDeliveryView> {
  private readonly watcherId = randomUUID();
  private readonly queue: LiveDeliveryView[] = [];
  private waiting: ((result: IteratorResult<LiveDeliveryView>) => void) | undefined;
  private closed = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private stream: ReturnType<LiveTailRepository['follow']> | undefined;

  constructor(
    private readonly repository: LiveTailRepository,
    private readonly clock: ClusterClock,
    private readonly subscription: string,
  ) {}

  async start(): Promise<this> {
    // From now: what the owner publishes once it sees the watcher registered below.
    this.stream = this.repository.follow(this.subscription, await this.clock.now());
    this.stream.on('change', (change) => {
      if (change.fullDocument) {
        this.push(change.fullDocument);
      }
    });
    this.stream.on('error', () => void this.return());
    await this.renew();
    this.renewTimer = setInterval(() => void this.renew(), WATCH_TTL_MS / 3);
    this.renewTimer.unref();
    return this;
  }

  next(): Promise<IteratorResult<LiveDeliveryView>> {
    const value = this.queue.shift();
    if (value) {
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) {
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  async return(): Promise<IteratorResult<LiveDeliveryView>> {
    if (!this.closed) {
      this.closed = true;
      clearInterval(this.renewTimer);
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
      await Promise.all([
        this.stream?.close().catch(() => undefined),
        this.repository.unwatch(this.watcherId).catch(() => undefined),
      ]);
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async renew(): Promise<void> {
    if (!this.closed) {
      await this.repository
        .watch(this.watcherId, this.subscription, new Date(Date.now() + WATCH_TTL_MS))
        .catch(() => undefined);
    }
  }

  private push(batch: LiveTailBatch): void {
    const sampleRate = batch.seen === 0 ? 1 : batch.deliveries.length / batch.seen;
    const ordered = [...batch.deliveries].sort((a, b) => +new Date(a.at) - +new Date(b.at));
    for (const delivery of ordered) {
      const view: LiveDeliveryView = {
        subscription: batch.subscription,
        ...delivery,
        at: new Date(delivery.at),
        sampleRate: Math.round(sampleRate * 10_000) / 10_000,
      };
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve({ value: view, done: false });
      } else {
        this.queue.push(view);
        if (this.queue.length > MAX_QUEUED) {
          this.queue.shift();
        }
      }
    }
  }
}
