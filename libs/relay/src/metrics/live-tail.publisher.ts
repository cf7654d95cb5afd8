import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { LiveTailRepository } from './live-tail.repository';
import type { LiveDelivery, LiveTailBatch } from './live-tail.types';

/** Publishing window: at most one batch per watched subscription per window. */
export const LIVE_TAIL_WINDOW_MS = 250;
/** Deliveries kept per window and subscription; beyond, a uniform sample (reservoir). */
export const LIVE_TAIL_SAMPLE = 50;
/** How often an owner asks whether its subscriptions are watched. */
const WATCHED_REFRESH_MS = 1_000;

/**
 * One subscription's feed on the owner: hooks check `active` (a field read, nothing more while
 * nobody watches) before they build a delivery summary.
 */
export class LiveTailChannel {
  active = false;
  private kept: LiveDelivery[] = [];
  private seen = 0;

  constructor(readonly subscription: string) {}

  add(delivery: LiveDelivery): void {
    this.seen += 1;
    if (this.kept.length < LIVE_TAIL_SAMPLE) {
      this.kept.push(delivery);
      return;
    }
    // Reservoir sampling: every delivery of the window has the same chance to be shown.
    const slot = Math.floor(Math.random() * this.seen);
    if (slot < LIVE_TAIL_SAMPLE) {
      this.kept[slot] = delivery;
    }
  }

  take(): LiveTailBatch | undefined {
    if (this.seen === 0) {
      return undefined;
    }
    const batch = {
      subscription: this.subscription,
      at: new Date(),
      deliveries: this.kept,
      seen: this.seen,
    };
    this.kept = [];
    this.seen = 0;
    return batch;
  }
}

/**
 * The owner's side of the live tail (GraphQL `subscriptionEvents`). A watcher on any instance
 * registers in `live_tail_watchers`; the owner of that subscription notices within a second
 * and, while watched, publishes a sample of its deliveries to `live_tail` every 250 ms (one
 * insert for all its watched subscriptions, never a write per event); readers follow the
 * inserts with a change stream. Nobody watching: no reads per event, no writes.
 */
@Injectable()
export class LiveTailPublisher implements OnModuleDestroy {
  private readonly logger = new Logger(LiveTailPublisher.name);
  private readonly channels = new Map<string, LiveTailChannel>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly repository: LiveTailRepository) {}

  /** The channel of a worker that starts (replacing an earlier one of the same subscription). */
  channel(subscription: string): LiveTailChannel {
    const channel = new LiveTailChannel(subscription);
    const before = this.channels.get(subscription);
    channel.active = before?.active ?? false;
    this.channels.set(subscription, channel);
    this.start();
    return channel;
  }

  /** The worker stopped. */
  detach(subscription: string, channel?: LiveTailChannel): void {
    if (channel === undefined || this.channels.get(subscription) === channel) {
      this.channels.delete(subscription);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.refreshTimer);
    clearInterval(this.publishTimer);
    this.refreshTimer = undefined;
    this.publishTimer = undefined;
  }

  private start(): void {
    if (this.refreshTimer) {
      return;
    }
    this.refreshTimer = setInterval(() => void this.refresh(), WATCHED_REFRESH_MS).unref();
    this.publishTimer = setInterval(() => void this.publish(), LIVE_TAIL_WINDOW_MS).unref();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    if (this.channels.size === 0) {
      return;
    }
    try {
      const watched = await this.repository.watched([...this.channels.keys()]);
      for (const channel of this.channels.values()) {
        channel.active = watched.has(channel.subscription);
        if (!channel.active) {
          channel.take(); // nobody to show what was kept
        }
      }
    } catch (error) {
      this.logger.debug(`Reading live-tail watchers failed: ${(error as Error).message}`);
    }
  }

  private async publish(): Promise<void> {
    if (this.busy) {
      return;
    }
    const batches: LiveTailBatch[] = [];
    for (const channel of this.channels.values()) {
      const batch = channel.active ? channel.take() : undefined;
      if (batch) {
        batches.push(batch);
      }
    }
    if (batches.length === 0) {
      return;
    }
    this.busy = true;
    try {
      await this.repository.publish(batches);
    } catch (error) {
      this.logger.debug(`Publishing the live tail failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
    }
  }
}
