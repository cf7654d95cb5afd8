import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type { DeadLetterRecord } from './dead-letter.schema';
import type { DeadLetter, NewDeadLetter } from './dead-letter.types';

const DAY_MS = 86_400_000;

/** The `dead_letters` collection (the DLQ API builds on it). */
@Injectable()
export class DeadLettersRepository {
  constructor(
    @InjectModel(RELAY_MODELS.deadLetter) private readonly model: Model<DeadLetterRecord>,
  ) {}

  /**
   * Stores a failed event. Idempotent: the id is derived from (subscription, eventId), so an
   * event dead-lettered again after a redelivery updates its entry instead of adding another.
   * Written through the driver, so the raw event (whose field names may contain dots) is stored
   * untouched.
   */
  async store(entry: NewDeadLetter): Promise<void> {
    const now = new Date();
    await this.model.collection.updateOne(
      { _id: deadLetterId(entry.subscription, entry.eventId) as never },
      {
        $set: {
          attempts: entry.attempts,
          error: entry.error,
          status: 'pending',
          updatedAt: now,
          expireAt: new Date(now.getTime() + entry.retentionDays * DAY_MS),
        },
        $setOnInsert: {
          subscription: entry.subscription,
          eventId: entry.eventId,
          event: entry.event,
          key: entry.key,
          createdAt: now,
        },
      },
      { upsert: true },
    );
  }

  /** Newest first. */
  async list(subscription: string, limit = 100): Promise<DeadLetter[]> {
    const records = await this.model
      .find({ subscription })
      .sort({ createdAt: -1 })
      .limit(limit)
      .lean<DeadLetterRecord[]>()
      .exec();
    return records.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  /** Pending dead letters of these subscriptions, in one aggregation (for /metrics). */
  async countPending(subscriptions: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.model
      .aggregate<{ _id: string; count: number }>([
        { $match: { subscription: { $in: [...subscriptions] }, status: 'pending' } },
        { $group: { _id: '$subscription', count: { $sum: 1 } } },
      ])
      .exec();
    return new Map(rows.map((row) => [row._id, row.count]));
  }
}

/** One entry per event and subscription. */
export function deadLetterId(subscription: string, eventId: string): string {
  return `${subscription}:${eventId}`;
}
