import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { ChangeStream, Timestamp } from 'mongodb';
import type { Model } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type { LiveTailRecord, LiveTailWatcherRecord } from './live-tail.schema';
import type { LiveTailBatch } from './live-tail.types';

/** The `live_tail` batches and the `live_tail_watchers` that ask owners to publish them. */
@Injectable()
export class LiveTailRepository {
  constructor(
    @InjectModel(RELAY_MODELS.liveTail) private readonly batches: Model<LiveTailRecord>,
    @InjectModel(RELAY_MODELS.liveTailWatcher)
    private readonly watchers: Model<LiveTailWatcherRecord>,
  ) {}

  /** Registers (or renews) a watcher until `expiresAt`. */
  async watch(watcherId: string, subscription: string, expiresAt: Date): Promise<void> {
    await this.watchers
      .updateOne({ _id: watcherId }, { $set: { subscription, expiresAt } }, { upsert: true })
      .exec();
  }

  async unwatch(watcherId: string): Promise<void> {
    await this.watchers.deleteOne({ _id: watcherId }).exec();
  }

  /** Which of these subscriptions somebody watches now. */
  async watched(subscriptions: readonly string[]): Promise<Set<string>> {
    const names = await this.watchers
      .distinct('subscription', {
        subscription: { $in: [...subscriptions] },
        expiresAt: { $gt: new Date() },
      })
      .exec();
    return new Set(names.map(String));
  }

  /** Publishes batches (one insert for all of them). */
  async publish(batches: readonly LiveTailBatch[]): Promise<void> {
    if (batches.length > 0) {
      await this.batches.collection.insertMany(batches.map((batch) => ({ ...batch })));
    }
  }

  /**
   * Follows the batches one subscription's owner publishes from `startAtOperationTime` on (a
   * cluster time read before the reader registers its watcher: the driver opens the stream on
   * its first read, in the background, and a batch the owner publishes before that is still
   * seen).
   */
  follow(
    subscription: string,
    startAtOperationTime: Timestamp,
  ): ChangeStream<LiveTailRecord, { fullDocument?: LiveTailBatch }> {
    return this.batches.collection.watch<LiveTailRecord, { fullDocument?: LiveTailBatch }>(
      [{ $match: { operationType: 'insert', 'fullDocument.subscription': subscription } }],
      { maxAwaitTimeMS: 500, startAtOperationTime },
    );
  }
}
