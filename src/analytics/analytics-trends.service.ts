import { Injectable } from '@nestjs/common';
import { MetricsRepository, SubscriptionsRepository, type SeriesRow } from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import { ANALYTICS_RANGES } from './dto/analytics-range.args';
import {
  TREND_BUCKETS,
  type AnalyticsTrendsArgs,
  type TrendBucket,
} from './dto/analytics-trends.args';
import type { AnalyticsTrendsView, TrendPointView } from './dto/analytics.model';

const HOUR_MS = 3_600_000;

/** Time series over the rollups, one aggregation, with every empty bucket filled with zeros. */
@Injectable()
export class AnalyticsTrendsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  async trends(args: AnalyticsTrendsArgs, caller: Principal): Promise<AnalyticsTrendsView> {
    const range = args.range ?? '1h';
    const rangeHours = ANALYTICS_RANGES[range];
    const bucket: TrendBucket =
      args.bucket ?? (rangeHours <= 6 ? 'minute' : rangeHours <= 168 ? 'hour' : 'day');
    const bucketMs = TREND_BUCKETS[bucket];
    const to = new Date();
    const first = Math.floor((to.getTime() - rangeHours * HOUR_MS) / bucketMs) * bucketMs;
    const names = (await this.subscriptions.list())
      .filter((s) => canAccessService(caller, s.serviceName))
      .filter((s) => args.subscription === undefined || s.name === args.subscription)
      .filter((s) => args.service === undefined || s.serviceName === args.service)
      .map((s) => s.name);
    const rows =
      names.length === 0
        ? []
        : await this.metrics.series({
            since: new Date(first),
            bucketMs,
            subscriptions: names,
            ...(args.groupBy ? { groupBy: args.groupBy } : {}),
          });
    const byKey = new Map<string, Map<number, SeriesRow>>();
    for (const row of rows) {
      const key = args.groupBy ? row.group : 'all';
      const points = byKey.get(key) ?? new Map<number, SeriesRow>();
      points.set(row.at, row);
      byKey.set(key, points);
    }
    if (!args.groupBy) {
      byKey.set('all', byKey.get('all') ?? new Map<number, SeriesRow>());
    }
    return {
      range,
      bucket,
      from: new Date(first),
      to,
      series: [...byKey]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, points]) => ({ key, points: filled(points, first, to.getTime(), bucketMs) })),
    };
  }
}

function filled(
  points: Map<number, SeriesRow>,
  first: number,
  end: number,
  bucketMs: number,
): TrendPointView[] {
  const out: TrendPointView[] = [];
  for (let at = first; at <= end; at += bucketMs) {
    const counters = points.get(at)?.counters;
    out.push({
      at: new Date(at),
      received: counters?.received ?? 0,
      delivered: counters?.delivered ?? 0,
      failedAttempts: counters?.failedAttempts ?? 0,
      retried: counters?.retried ?? 0,
      deadLettered: counters?.deadLettered ?? 0,
    });
  }
  return out;
}
