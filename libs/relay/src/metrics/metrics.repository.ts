import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { AnyBulkWriteOperation } from 'mongodb';
import type { Model, PipelineStage } from 'mongoose';
import { RELAY_MODELS } from '../module/relay-models';
import type { ErrorSample, ErrorTally } from './metrics.errors';
import { BUCKET_KEYS } from './metrics.histogram';
import { METRICS_RETENTION_DAYS, type MetricsMinuteRecord } from './metrics.schema';
import {
  COUNTER_NAMES,
  emptyCounters,
  type DurationSummary,
  type MinuteSummary,
  type SubscriptionCounters,
  type MinuteDelta,
  type RecordedError,
  type SubscriptionTotals,
} from './metrics.types';

const DAY_MS = 86_400_000;

/** Failures of one subscription and error signature over a range. */
export interface ErrorSummary extends ErrorTally {
  subscription: string;
  service: string;
}

export interface SeriesQuery {
  since: Date;
  bucketMs: number;
  subscriptions: readonly string[];
  groupBy?: 'subscription' | 'service' | 'operationType' | 'collection';
}

export interface SeriesRow {
  /** Start of the bucket (epoch ms). */
  at: number;
  /** The group's key ('' without grouping). */
  group: string;
  counters: SubscriptionCounters;
}

/** Adds a duration summary's count, sum and buckets to an `$inc`. */
function incDurations(inc: Record<string, number>, path: string, summary: DurationSummary): void {
  inc[`${path}.count`] = summary.count;
  inc[`${path}.sumMs`] = summary.sumMs;
  for (const [key, count] of Object.entries(summary.buckets)) {
    inc[`${path}.buckets.${key}`] = count;
  }
}

/**
 * Operation types and collection names become field names: `%`, `.` and a leading `$` are
 * percent-encoded (a collection may be called `a.b`); `decodeFieldName` reverses it.
 */
export function encodeFieldName(name: string): string {
  return name.replace(/%/g, '%25').replace(/\./g, '%2E').replace(/^\$/, '%24');
}

export function decodeFieldName(field: string): string {
  return decodeURIComponent(field);
}

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
      const inc: Record<string, number> = {};
      for (const name of COUNTER_NAMES) {
        inc[`counters.${name}`] = delta.counters[name];
      }
      incDurations(inc, 'handler', delta.handler);
      incDurations(inc, 'latency', delta.latency);
      for (const [name, count] of Object.entries(delta.byOperation)) {
        inc[`byOperation.${encodeFieldName(name)}`] = count;
      }
      for (const [name, count] of Object.entries(delta.byCollection)) {
        inc[`byCollection.${encodeFieldName(name)}`] = count;
      }
      const max: Record<string, unknown> = {
        'handler.maxMs': delta.handler.maxMs,
        'latency.maxMs': delta.latency.maxMs,
        lagMaxMs: delta.lagMaxMs,
      };
      const min: Record<string, unknown> = {};
      const set: Record<string, unknown> = {};
      for (const [key, tally] of Object.entries(delta.errors)) {
        const path = `failures.${encodeFieldName(key)}`;
        inc[`${path}.attempts`] = tally.attempts;
        inc[`${path}.deadLettered`] = tally.deadLettered;
        min[`${path}.firstAt`] = tally.firstAt;
        max[`${path}.latest`] = tally.latest;
        set[`${path}.name`] = tally.name;
        if (tally.code !== undefined) {
          set[`${path}.code`] = tally.code;
        }
        if (tally.httpStatus !== undefined) {
          set[`${path}.httpStatus`] = tally.httpStatus;
        }
      }
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
            ...(Object.keys(min).length > 0 ? { $min: min, $set: set } : {}),
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

  /**
   * Sums of the minutes from `since` on, one row per subscription (optionally only these), in
   * one aggregation: counters, handler and latency histograms, the largest lag, the last event
   * and error.
   */
  async summarize(since: Date, names?: readonly string[]): Promise<MinuteSummary[]> {
    const group: Record<string, unknown> = {
      _id: '$subscription',
      service: { $last: '$service' },
      lastEventAt: { $max: '$lastEventAt' },
      lastError: { $max: '$lastError' },
      lagMaxMs: { $max: '$lagMaxMs' },
    };
    for (const name of COUNTER_NAMES) {
      group[`c_${name}`] = { $sum: `$counters.${name}` };
    }
    for (const path of ['handler', 'latency'] as const) {
      group[`${path}_count`] = { $sum: `$${path}.count` };
      group[`${path}_sumMs`] = { $sum: `$${path}.sumMs` };
      group[`${path}_maxMs`] = { $max: `$${path}.maxMs` };
      for (const key of BUCKET_KEYS) {
        group[`${path}_b_${key}`] = { $sum: `$${path}.buckets.${key}` };
      }
    }
    const match: Record<string, unknown> = { minute: { $gte: since } };
    if (names) {
      match.subscription = { $in: [...names] };
    }
    const rows = await this.model
      .aggregate<Record<string, unknown>>([
        { $match: match },
        { $sort: { minute: 1 } },
        { $group: group } as PipelineStage,
      ])
      .exec();
    return rows.map((row) => {
      const counters = emptyCounters();
      for (const name of COUNTER_NAMES) {
        counters[name] = Number(row[`c_${name}`] ?? 0);
      }
      const durations = (path: string): DurationSummary => {
        const buckets: Record<string, number> = {};
        for (const key of BUCKET_KEYS) {
          const count = Number(row[`${path}_b_${key}`] ?? 0);
          if (count > 0) {
            buckets[key] = count;
          }
        }
        return {
          count: Number(row[`${path}_count`] ?? 0),
          sumMs: Number(row[`${path}_sumMs`] ?? 0),
          maxMs: Number(row[`${path}_maxMs`] ?? 0),
          buckets,
        };
      };
      return {
        subscription: String(row._id),
        service: String(row.service),
        counters,
        handler: durations('handler'),
        latency: durations('latency'),
        lagMaxMs: Number(row.lagMaxMs ?? 0),
        ...(row.lastEventAt instanceof Date ? { lastEventAt: row.lastEventAt } : {}),
        ...(row.lastError ? { lastError: row.lastError as RecordedError } : {}),
      };
    });
  }

  /**
   * Sums per time bucket (`bucketMs` wide, aligned on the epoch, so UTC hours and days) and per
   * group, in one aggregation. Grouped by operation type or collection, only `received` is
   * known (the rollups break received events down, not outcomes). Empty buckets are absent.
   */
  async series(query: SeriesQuery): Promise<SeriesRow[]> {
    const match: Record<string, unknown> = {
      minute: { $gte: query.since },
      subscription: { $in: [...query.subscriptions] },
    };
    const time = { $toLong: '$minute' };
    const bucket = { $subtract: [time, { $mod: [time, query.bucketMs] }] };
    const byField = query.groupBy === 'operationType' || query.groupBy === 'collection';
    const pipeline: PipelineStage[] = [{ $match: match }];
    if (byField) {
      const field = query.groupBy === 'operationType' ? '$byOperation' : '$byCollection';
      pipeline.push(
        { $project: { minute: 1, pairs: { $objectToArray: { $ifNull: [field, {}] } } } },
        { $unwind: '$pairs' },
        {
          $group: {
            _id: { t: bucket, g: '$pairs.k' },
            received: { $sum: '$pairs.v' },
          },
        },
      );
    } else {
      const group: Record<string, unknown> = {
        _id: {
          t: bucket,
          g: query.groupBy === 'service' ? '$service' : query.groupBy ? '$subscription' : '',
        },
      };
      for (const name of COUNTER_NAMES) {
        group[name] = { $sum: `$counters.${name}` };
      }
      pipeline.push({ $group: group } as PipelineStage);
    }
    const rows = await this.model
      .aggregate<Record<string, unknown> & { _id: { t: number; g: string } }>(pipeline)
      .exec();
    return rows.map((row) => {
      const counters = emptyCounters();
      for (const name of COUNTER_NAMES) {
        counters[name] = Number(row[name] ?? 0);
      }
      return {
        at: Number(row._id.t),
        group: byField ? decodeFieldName(String(row._id.g)) : String(row._id.g ?? ''),
        counters,
      };
    });
  }

  /**
   * Failures from `since` on, grouped by subscription and error signature, most frequent
   * first, in one aggregation.
   */
  async errors(since: Date, names: readonly string[]): Promise<ErrorSummary[]> {
    const rows = await this.model
      .aggregate<{
        _id: { s: string; k: string };
        service: string;
        name: string;
        code?: number | string | null;
        httpStatus?: number | null;
        attempts: number;
        deadLettered: number;
        firstAt: Date;
        latest: ErrorSample;
      }>([
        { $match: { minute: { $gte: since }, subscription: { $in: [...names] } } },
        {
          $project: {
            subscription: 1,
            service: 1,
            e: { $objectToArray: { $ifNull: ['$failures', {}] } },
          },
        },
        { $unwind: '$e' },
        {
          $group: {
            _id: { s: '$subscription', k: '$e.k' },
            service: { $last: '$service' },
            name: { $first: '$e.v.name' },
            code: { $first: '$e.v.code' },
            httpStatus: { $first: '$e.v.httpStatus' },
            attempts: { $sum: '$e.v.attempts' },
            deadLettered: { $sum: '$e.v.deadLettered' },
            firstAt: { $min: '$e.v.firstAt' },
            latest: { $max: '$e.v.latest' },
          },
        },
      ])
      .exec();
    return rows
      .map((row) => ({
        subscription: row._id.s,
        service: row.service,
        name: row.name,
        ...(row.code !== undefined && row.code !== null ? { code: row.code } : {}),
        ...(typeof row.httpStatus === 'number' ? { httpStatus: row.httpStatus } : {}),
        attempts: Number(row.attempts ?? 0),
        deadLettered: Number(row.deadLettered ?? 0),
        firstAt: row.firstAt,
        latest: row.latest,
      }))
      .sort(
        (a, b) =>
          b.attempts + b.deadLettered - (a.attempts + a.deadLettered) ||
          a.subscription.localeCompare(b.subscription) ||
          a.name.localeCompare(b.name),
      );
  }

  /** The minute rollups of one subscription from `since` on, oldest first. */
  async minutesOf(subscription: string, since = new Date(0)): Promise<MetricsMinuteRecord[]> {
    return this.model
      .find({ subscription, minute: { $gte: since } })
      .sort({ minute: 1 })
      .lean<MetricsMinuteRecord[]>()
      .exec();
  }

  /** Forgets a deleted subscription's rollups. */
  async deleteFor(subscription: string): Promise<void> {
    await this.model.deleteMany({ subscription }).exec();
  }
}
