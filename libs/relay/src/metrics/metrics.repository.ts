import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation } from 'mongodb';
import type { Model, PipelineStage } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import { METRICS_RETENTION_DAYS, type MetricsMinuteRecord } from './metrics.schema';
import {
  COUNTER_NAMES,
  emptyCounters,
  type MinuteDelta,
  type RecordedError,
  type SubscriptionTotals,
} from './metrics.types';

const DAY_MS = 86_400_000;

/** The `metrics_minutely` collection: per-minute rollups of what workers did. */
@Injectable()
export class MetricsRepository {
  constructor(
    @InjectModel(RELAY_MODELS.metricsMinute) private readonly model: Model<MetricsMinuteRecord>,
  ) {}

  /** Adds the deltas to their minutes, in one bulk write (upserts; never a write per event). */
  async add(deltas: readonly MinuteDelta[]): Promise<void> {
    if (deltas.length === 0) {
      return;
    }
    const operations: AnyBulkWriteOperation<MetricsMinuteRecord>[] = deltas.map((delta) => {
      const inc: Record<string, number> = {
        'handler.count': delta.handler.count,
        'handler.sumMs': delta.handler.sumMs,
      };
      for (const name of COUNTER_NAMES) {
        inc[`counters.${name}`] = delta.counters[name];
      }
      const max: Record<string, unknown> = { 'handler.maxMs': delta.handler.maxMs };
      if (delta.lastEventAt) {
        max.lastEventAt = delta.lastEventAt;
      }
      if (delta.lastError) {
        max.lastError = delta.lastError;
      }
      return {
        updateOne: {
          filter: { _id: `${delta.subscription}|${delta.minute.toISOString()}` },
          update: {
            $inc: inc,
            $max: max,
            $setOnInsert: {
              subscription: delta.subscription,
              service: delta.service,
              minute: delta.minute,
              expireAt: new Date(delta.minute.getTime() + METRICS_RETENTION_DAYS * DAY_MS),
            },
          },
          upsert: true,
        },
      };
    });
    await this.model.collection.bulkWrite(operations as never, { ordered: false });
  }

  /** Totals over the kept minutes for these subscriptions, in one aggregation. */
  async totals(names: readonly string[]): Promise<Map<string, SubscriptionTotals>> {
    const group: Record<string, unknown> = {
      _id: '$subscription',
      lastEventAt: { $max: '$lastEventAt' },
      lastError: { $max: '$lastError' },
    };
    for (const name of COUNTER_NAMES) {
      group[name] = { $sum: `$counters.${name}` };
    }
    const rows = await this.model
      .aggregate<
        Record<string, unknown> & {
          _id: string;
          lastEventAt?: Date | null;
          lastError?: RecordedError | null;
        }
      >([{ $match: { subscription: { $in: [...names] } } }, { $group: group } as PipelineStage])
      .exec();
    const totals = new Map<string, SubscriptionTotals>();
    for (const row of rows) {
      const counters = emptyCounters();
      for (const name of COUNTER_NAMES) {
        counters[name] = Number(row[name] ?? 0);
      }
      totals.set(row._id, {
        counters,
        ...(row.lastEventAt ? { lastEventAt: row.lastEventAt } : {}),
        ...(row.lastError ? { lastError: row.lastError } : {}),
      });
    }
    return totals;
  }

  /** Forgets a deleted subscription's rollups. */
  async deleteFor(subscription: string): Promise<void> {
    await this.model.deleteMany({ subscription }).exec();
  }
}
