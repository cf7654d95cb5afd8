import { Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { OplogWindowView } from '../../oplog/dto/oplog-window.model';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

@ObjectType('AnalyticsCounts')
export class AnalyticsCountsView {
  @OutputField(() => Float, { description: 'Events read from the streams' })
  received: number;

  @OutputField(() => Float, { description: 'Events the handlers accepted' })
  delivered: number;

  @OutputField(() => Float, { description: 'Handler attempts that failed' })
  failedAttempts: number;

  @OutputField(() => Float, { description: 'Retries scheduled' })
  retried: number;

  @OutputField(() => Float, { description: 'Events dead-lettered' })
  deadLettered: number;

  @OutputField(() => Float, { description: 'Replayed events delivered' })
  replayed: number;
}

@ObjectType('LatencySummary')
export class LatencyView {
  @OutputField(() => Float, { description: 'Median end-to-end latency (ms, bucket bound)' })
  p50Ms: number;

  @OutputField(() => Float, { description: '95th percentile (ms, bucket bound)' })
  p95Ms: number;

  @OutputField(() => Float, { description: '99th percentile (ms, bucket bound)' })
  p99Ms: number;

  @OutputField(() => Float, { description: 'Largest (ms)' })
  maxMs: number;

  @OutputField(() => Float, { description: 'Average handler time of successful calls (ms)' })
  averageHandlerMs: number;
}

@ObjectType('HealthVerdict')
export class HealthView {
  @OutputField(() => String, { description: 'Healthy, Degraded, Warning or Critical' })
  status: string;

  @OutputField(() => [String], { description: 'The rules that fired', swagger: { type: [String] } })
  reasons: string[];
}

@ObjectType('Recommendation')
export class RecommendationView {
  @OutputField(() => String, { description: 'What to do' })
  action: string;

  @OutputField(() => String, { description: 'Why, with the figure' })
  reason: string;

  @OutputField(() => Float, { description: 'The triggering figure' })
  value: number;
}

@ObjectType('SubscriptionAnalytics')
export class SubscriptionAnalyticsView {
  @OutputField(() => String, { description: 'Subscription name' })
  name: string;

  @OutputField(() => String, { description: 'Owning service' })
  service: string;

  @OutputField(() => String, { description: 'active, paused or stale' })
  state: string;

  @OutputField(() => AnalyticsCountsView, { description: 'Counts over the range' })
  counts: AnalyticsCountsView;

  @OutputField(() => Float, { description: 'Delivered as % of received' })
  successRate: number;

  @OutputField(() => LatencyView, { description: 'Latency over the range' })
  latency: LatencyView;

  @OutputField(() => Float, { description: 'Largest checkpoint lag recorded in the range (ms)' })
  lagMs: number;

  @OutputField(() => Int, { description: 'Pending dead letters now' })
  pendingDeadLetters: number;

  @OutputField(() => Float, {
    description:
      "Oplog margin now: its position's time minus the oplog's first entry (ms); absent when unknown",
    nullable: true,
  })
  oplogMarginMs?: number;

  @OutputField(() => Float, { description: 'The oplog margin as % of the window', nullable: true })
  oplogMarginPct?: number;

  @OutputField(() => Float, {
    description: 'At the rate the margin shrinks, ms until history is lost',
    nullable: true,
  })
  oplogTimeToLossMs?: number;

  @OutputField(() => HealthView, { description: 'Health verdict' })
  health: HealthView;

  @OutputField(() => [RecommendationView], {
    description: 'Recommendations',
    swagger: { type: [RecommendationView] },
  })
  recommendations: RecommendationView[];
}

@ObjectType('ServiceHealth')
export class ServiceHealthView {
  @OutputField(() => String, { description: 'Service name' })
  service: string;

  @OutputField(() => Int, { description: 'Subscriptions of the service' })
  subscriptions: number;

  @OutputField(() => Float, { description: 'Delivered as % of received' })
  successRate: number;

  @OutputField(() => HealthView, { description: 'Worst verdict of its subscriptions' })
  health: HealthView;
}

@ObjectType('AnalyticsOverview')
export class AnalyticsOverviewView {
  @OutputField(() => String, { description: 'The range asked for' })
  range: string;

  @OutputField(() => GraphQLISODateTime, { description: 'Start of the range' })
  from: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'End of the range (now)' })
  to: Date;

  @OutputField(() => AnalyticsCountsView, { description: 'Totals' })
  totals: AnalyticsCountsView;

  @OutputField(() => Float, { description: 'Received events per minute over the range' })
  eventsPerMinute: number;

  @OutputField(() => Float, { description: 'Delivered as % of received' })
  successRate: number;

  @OutputField(() => LatencyView, { description: 'Latency over all subscriptions' })
  latency: LatencyView;

  @OutputField(() => Float, { description: 'Largest lag of any subscription (ms)' })
  largestLagMs: number;

  @OutputField(() => OplogWindowView, { description: 'The oplog window of the deployment' })
  oplog: OplogWindowView;

  @OutputField(() => Float, {
    description: 'The smallest oplog margin of any subscription (ms)',
    nullable: true,
  })
  smallestOplogMarginMs?: number;

  @OutputField(() => Int, { description: 'Pending dead letters' })
  pendingDeadLetters: number;

  @OutputField(() => HealthView, { description: 'Overall health (worst of all)' })
  health: HealthView;

  @OutputField(() => [ServiceHealthView], {
    description: 'Health per service',
    swagger: { type: [ServiceHealthView] },
  })
  services: ServiceHealthView[];

  @OutputField(() => [SubscriptionAnalyticsView], {
    description: 'One row per subscription',
    swagger: { type: [SubscriptionAnalyticsView] },
  })
  subscriptions: SubscriptionAnalyticsView[];
}

@ObjectType('TrendPoint')
export class TrendPointView {
  @OutputField(() => GraphQLISODateTime, { description: 'Start of the bucket' })
  at: Date;

  @OutputField(() => Float, { description: 'Events received' })
  received: number;

  @OutputField(() => Float, { description: 'Events delivered' })
  delivered: number;

  @OutputField(() => Float, { description: 'Failed attempts' })
  failedAttempts: number;

  @OutputField(() => Float, { description: 'Retries scheduled' })
  retried: number;

  @OutputField(() => Float, { description: 'Events dead-lettered' })
  deadLettered: number;
}

@ObjectType('TrendSeries')
export class TrendSeriesView {
  @OutputField(() => String, { description: "The group's key ('all' without groupBy)" })
  key: string;

  @OutputField(() => [TrendPointView], {
    description: 'One point per bucket, oldest first, zeros where nothing happened',
    swagger: { type: [TrendPointView] },
  })
  points: TrendPointView[];
}

@ObjectType('AnalyticsTrends')
export class AnalyticsTrendsView {
  @OutputField(() => String, { description: 'The range' })
  range: string;

  @OutputField(() => String, { description: 'The bucket width' })
  bucket: string;

  @OutputField(() => GraphQLISODateTime, { description: 'Start of the first bucket' })
  from: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Now' })
  to: Date;

  @OutputField(() => [TrendSeriesView], {
    description: 'Series, sorted by key',
    swagger: { type: [TrendSeriesView] },
  })
  series: TrendSeriesView[];
}

@ObjectType('Dashboard')
export class DashboardView {
  @OutputField(() => GraphQLISODateTime, { description: 'When this was computed' })
  timestamp: Date;

  @OutputField(() => Int, { description: 'Change streams being read now (running workers)' })
  activeStreams: number;

  @OutputField(() => Int, { description: 'Subscriptions in the active state' })
  activeSubscriptions: number;

  @OutputField(() => Int, { description: 'All subscriptions visible to the caller' })
  totalSubscriptions: number;

  @OutputField(() => Float, { description: 'Received events per minute over the last hour' })
  eventsPerMinute: number;

  @OutputField(() => Int, { description: 'Events waiting for a handler slot (this instance)' })
  queued: number;

  @OutputField(() => Int, { description: 'Events admitted and not settled (this instance)' })
  inFlight: number;

  @OutputField(() => Int, { description: 'Events waiting for a retry (this instance)' })
  retrying: number;

  @OutputField(() => Float, { description: 'Failed handler attempts in the last hour' })
  errorsLastHour: number;

  @OutputField(() => Float, { description: 'Events dead-lettered in the last hour' })
  deadLettersLastHour: number;

  @OutputField(() => Int, { description: 'Pending dead letters' })
  pendingDeadLetters: number;

  @OutputField(() => Float, { description: 'Average handling time over the last 5 minutes (ms)' })
  averageHandlingMs: number;

  @OutputField(() => Float, { description: 'Largest checkpoint (resume token) lag (ms)' })
  largestLagMs: number;

  @OutputField(() => OplogWindowView, { description: 'The oplog window of the deployment' })
  oplog: OplogWindowView;

  @OutputField(() => Float, {
    description: 'The smallest oplog margin of any subscription (ms)',
    nullable: true,
  })
  smallestOplogMarginMs?: number;

  @OutputField(() => [ServiceHealthView], {
    description: 'Health per service, with subscription counts and success rates',
    swagger: { type: [ServiceHealthView] },
  })
  services: ServiceHealthView[];

  @OutputField(() => HealthView, { description: 'Overall health' })
  health: HealthView;
}
