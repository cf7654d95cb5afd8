import { Injectable } from '@nestjs/common';
import {
  DeadLettersRepository,
  emptyDurations,
  MetricsRecorder,
  MetricsRepository,
  mergeDurations,
  quantileMs,
  SubscriptionsRepository,
  subscriptionState,
  type DurationSummary,
  type ErrorSummary,
  type MinuteSummary,
  type Subscription,
} from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import { toOplogWindowView } from '../oplog/dto/oplog-window.model';
import type { OplogMargin } from '../oplog/oplog-margin';
import { OplogMarginService } from '../oplog/oplog-margin.service';
import { AppConfig } from '../config/app-config';
import { ANALYTICS_RANGES, type AnalyticsOverviewArgs } from './dto/analytics-range.args';
import type {
  AnalyticsCountsView,
  AnalyticsOverviewView,
  LatencyView,
  ServiceHealthView,
  SubscriptionAnalyticsView,
} from './dto/analytics.model';
import {
  averageHandlerMs,
  deliveredPct,
  evaluateHealth,
  round,
  worst,
  type HealthFigures,
} from './health.rules';
import { describeTopError } from './analytics-errors.service';
import { recommend } from './recommendations';

const HOUR_MS = 3_600_000;

/**
 * Analytics over the `metrics_minutely` rollups: one aggregation for the range (whatever the
 * number of subscriptions), one for pending dead letters, the subscriptions list, and the live
 * gauges of the workers this instance runs.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly metrics: MetricsRepository,
    private readonly deadLetters: DeadLettersRepository,
    private readonly recorder: MetricsRecorder,
    private readonly config: AppConfig,
    private readonly oplogMargins: OplogMarginService,
  ) {}

  async overview(args: AnalyticsOverviewArgs, caller: Principal): Promise<AnalyticsOverviewView> {
    const range = args.range ?? '1h';
    const to = new Date();
    const rangeMs = ANALYTICS_RANGES[range] * HOUR_MS;
    const from = new Date(to.getTime() - rangeMs);
    const visible = (await this.subscriptions.list()).filter((s) =>
      canAccessService(caller, s.serviceName),
    );
    const names = visible.map((s) => s.name);
    const [summaries, pending, errors, oplog] = await Promise.all([
      this.metrics.summarize(from, names),
      this.deadLetters.countPending(names),
      names.length === 0 ? [] : this.metrics.errors(from, names),
      this.oplogMargins.margins(visible),
    ]);
    // Rows come most frequent first: the first of a subscription is its top error.
    const topErrors = new Map<string, ErrorSummary>();
    for (const error of errors) {
      if (!topErrors.has(error.subscription)) {
        topErrors.set(error.subscription, error);
      }
    }
    const bySubscription = new Map(summaries.map((s) => [s.subscription, s]));
    const rows = visible.map((subscription) =>
      this.row(
        subscription,
        bySubscription.get(subscription.name),
        pending.get(subscription.name) ?? 0,
        rangeMs,
        topErrors.get(subscription.name),
        oplog.margins.get(subscription.name),
      ),
    );
    const margins = [...oplog.margins.values()].map((m) => m.marginMs);
    const totals = sumCounts(rows.map((r) => r.counts));
    const latency = emptyDurations();
    const handler = emptyDurations();
    for (const summary of summaries) {
      mergeDurations(latency, summary.latency);
      mergeDurations(handler, summary.handler);
    }
    return {
      range,
      from,
      to,
      totals,
      eventsPerMinute: round(totals.received / (rangeMs / 60_000)),
      successRate: round(deliveredPct(totals)),
      latency: latencyView(latency, handler),
      largestLagMs: Math.max(0, ...rows.map((r) => r.lagMs)),
      oplog: toOplogWindowView(oplog.window),
      ...(margins.length > 0 ? { smallestOplogMarginMs: Math.min(...margins) } : {}),
      pendingDeadLetters: rows.reduce((sum, r) => sum + r.pendingDeadLetters, 0),
      health: this.group(rows),
      services: serviceRows(rows).map(([service, members]) => ({
        service,
        subscriptions: members.length,
        successRate: round(deliveredPct(sumCounts(members.map((m) => m.counts)))),
        health: this.group(members),
      })) satisfies ServiceHealthView[],
      subscriptions: rows,
    };
  }

  private row(
    subscription: Subscription,
    summary: MinuteSummary | undefined,
    pendingDeadLetters: number,
    rangeMs: number,
    topError: ErrorSummary | undefined,
    margin: OplogMargin | undefined,
  ): SubscriptionAnalyticsView {
    const counters = summary?.counters;
    const counts: AnalyticsCountsView = {
      received: counters?.received ?? 0,
      delivered: counters?.delivered ?? 0,
      failedAttempts: counters?.failedAttempts ?? 0,
      retried: counters?.retried ?? 0,
      deadLettered: counters?.deadLettered ?? 0,
      replayed: counters?.replayed ?? 0,
    };
    const handler = summary?.handler ?? emptyDurations();
    const live = this.recorder.liveFigures(subscription.name);
    const figures: HealthFigures = {
      ...counts,
      handlerCount: handler.count,
      handlerSumMs: handler.sumMs,
      lagMs: Math.max(summary?.lagMaxMs ?? 0, live?.lagMs ?? 0),
      stale: subscription.stale !== undefined,
      ...(margin
        ? {
            oplog: {
              marginMs: margin.marginMs,
              windowMs: margin.windowMs,
              rolling: margin.rolling,
            },
          }
        : {}),
    };
    return {
      name: subscription.name,
      service: subscription.serviceName,
      state: subscriptionState(subscription),
      counts,
      successRate: round(deliveredPct(counts)),
      latency: latencyView(summary?.latency ?? emptyDurations(), handler),
      lagMs: figures.lagMs,
      pendingDeadLetters,
      ...(margin
        ? {
            oplogMarginMs: margin.marginMs,
            oplogMarginPct: margin.marginPct,
            ...(margin.timeToLossMs !== undefined
              ? { oplogTimeToLossMs: margin.timeToLossMs }
              : {}),
          }
        : {}),
      health: evaluateHealth(figures, this.config.health),
      recommendations: recommend({
        ...figures,
        ordering: subscription.delivery.ordering,
        backlog: live ? live.inFlight : 0,
        eventsPerHour: counts.received / (rangeMs / HOUR_MS),
        ...(topError
          ? { topError: describeTopError(topError) }
          : summary?.lastError
            ? { topError: summary.lastError.message }
            : {}),
      }),
    };
  }

  /** The worst verdict of a group, with its members' reasons prefixed by their names. */
  private group(rows: readonly SubscriptionAnalyticsView[]) {
    const status = worst(rows.map((r) => r.health.status as ReturnType<typeof worst>));
    return {
      status,
      reasons: rows
        .filter((r) => r.health.status === status && status !== 'Healthy')
        .flatMap((r) => r.health.reasons.map((reason) => `${r.name}: ${reason}`)),
    };
  }
}

function sumCounts(all: readonly AnalyticsCountsView[]): AnalyticsCountsView {
  const total: AnalyticsCountsView = {
    received: 0,
    delivered: 0,
    failedAttempts: 0,
    retried: 0,
    deadLettered: 0,
    replayed: 0,
  };
  for (const counts of all) {
    for (const key of Object.keys(total) as (keyof AnalyticsCountsView)[]) {
      total[key] += counts[key];
    }
  }
  return total;
}

function latencyView(latency: DurationSummary, handler: DurationSummary): LatencyView {
  return {
    p50Ms: quantileMs(latency, 0.5),
    p95Ms: quantileMs(latency, 0.95),
    p99Ms: quantileMs(latency, 0.99),
    maxMs: latency.maxMs,
    averageHandlerMs: round(
      averageHandlerMs({ handlerCount: handler.count, handlerSumMs: handler.sumMs }),
    ),
  };
}

function serviceRows(
  rows: readonly SubscriptionAnalyticsView[],
): [string, SubscriptionAnalyticsView[]][] {
  const services = new Map<string, SubscriptionAnalyticsView[]>();
  for (const row of rows) {
    services.set(row.service, [...(services.get(row.service) ?? []), row]);
  }
  return [...services].sort(([a], [b]) => a.localeCompare(b));
}
