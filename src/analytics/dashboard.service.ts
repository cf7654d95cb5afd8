import { Injectable } from '@nestjs/common';
import { LeasesRepository, MetricsRecorder, MetricsRepository } from '@app/relay';
import type { Principal } from '../auth/principal';
import { AnalyticsService } from './analytics.service';
import type { DashboardView } from './dto/analytics.model';
import { averageHandlerMs, round } from './health.rules';

const FIVE_MINUTES_MS = 300_000;

/**
 * Everything for one screen, in a few reads whatever the number of subscriptions: the last
 * hour's overview (subscriptions, one aggregation, pending dead letters), one aggregation over
 * the last 5 minutes, the leases; queued/in flight/retrying are this instance's live gauges.
 */
@Injectable()
export class DashboardService {
  constructor(
    private readonly analytics: AnalyticsService,
    private readonly metrics: MetricsRepository,
    private readonly leases: LeasesRepository,
    private readonly recorder: MetricsRecorder,
  ) {}

  async dashboard(caller: Principal): Promise<DashboardView> {
    const timestamp = new Date();
    const overview = await this.analytics.overview({ range: '1h' }, caller);
    const names = overview.subscriptions.map((s) => s.name);
    const [recent, leases] = await Promise.all([
      this.metrics.summarize(new Date(timestamp.getTime() - FIVE_MINUTES_MS), names),
      this.leases.list(names),
    ]);
    const handled = recent.reduce(
      (sum, s) => ({ count: sum.count + s.handler.count, ms: sum.ms + s.handler.sumMs }),
      { count: 0, ms: 0 },
    );
    const visible = new Set(names);
    const live = this.recorder.liveFigures().filter((f) => visible.has(f.subscription));
    return {
      timestamp,
      activeStreams: leases.filter((l) => l.expiresAt > timestamp && l.status.state === 'running')
        .length,
      activeSubscriptions: overview.subscriptions.filter((s) => s.state === 'active').length,
      totalSubscriptions: names.length,
      eventsPerMinute: overview.eventsPerMinute,
      queued: live.reduce((sum, f) => sum + f.queued, 0),
      inFlight: live.reduce((sum, f) => sum + f.inFlight, 0),
      retrying: live.reduce((sum, f) => sum + f.retrying, 0),
      errorsLastHour: overview.totals.failedAttempts,
      deadLettersLastHour: overview.totals.deadLettered,
      pendingDeadLetters: overview.pendingDeadLetters,
      averageHandlingMs: round(
        averageHandlerMs({ handlerCount: handled.count, handlerSumMs: handled.ms }),
      ),
      largestLagMs: overview.largestLagMs,
      oplog: overview.oplog,
      ...(overview.smallestOplogMarginMs !== undefined
        ? { smallestOplogMarginMs: overview.smallestOplogMarginMs }
        : {}),
      services: overview.services,
      health: overview.health,
    };
  }
}
