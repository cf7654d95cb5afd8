import { Injectable } from '@nestjs/common';
import { MetricsRepository, SubscriptionsRepository, type ErrorSummary } from '@app/relay';
import { canAccessService, type Principal } from '../auth/principal';
import type { AnalyticsErrorsArgs } from './dto/analytics-errors.args';
import type { AnalyticsErrorGroupView, AnalyticsErrorsView } from './dto/analytics-errors.model';
import { ANALYTICS_RANGES } from './dto/analytics-range.args';

const HOUR_MS = 3_600_000;

/** Failures grouped by subscription and error, from the rollups' error tallies. */
@Injectable()
export class AnalyticsErrorsService {
  constructor(
    private readonly subscriptions: SubscriptionsRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  async errors(args: AnalyticsErrorsArgs, caller: Principal): Promise<AnalyticsErrorsView> {
    const range = args.range ?? '1h';
    const to = new Date();
    const from = new Date(to.getTime() - ANALYTICS_RANGES[range] * HOUR_MS);
    const names = (await this.subscriptions.list())
      .filter((s) => canAccessService(caller, s.serviceName))
      .filter((s) => args.subscription === undefined || s.name === args.subscription)
      .map((s) => s.name);
    const rows = names.length === 0 ? [] : await this.metrics.errors(from, names);
    const errors = rows.map(errorGroupView);
    return {
      range,
      from,
      to,
      failedAttempts: errors.reduce((sum, e) => sum + e.failedAttempts, 0),
      deadLettered: errors.reduce((sum, e) => sum + e.deadLettered, 0),
      errors,
    };
  }
}

export function errorGroupView(row: ErrorSummary): AnalyticsErrorGroupView {
  return {
    subscription: row.subscription,
    service: row.service,
    name: row.name,
    ...(row.code !== undefined ? { code: String(row.code) } : {}),
    ...(row.httpStatus !== undefined ? { httpStatus: row.httpStatus } : {}),
    failedAttempts: row.attempts,
    deadLettered: row.deadLettered,
    firstAt: row.firstAt,
    latestAt: row.latest.at,
    sampleEventId: row.latest.eventId,
    sampleMessage: row.latest.message,
  };
}

/** How the overview names a subscription's top error: `WebhookDeliveryError HTTP 500 (12 failed attempts): …`. */
export function describeTopError(row: ErrorSummary): string {
  const parts = [row.name];
  if (row.code !== undefined && row.code !== row.httpStatus) {
    parts.push(`code ${String(row.code)}`);
  }
  if (row.httpStatus !== undefined) {
    parts.push(`HTTP ${row.httpStatus}`);
  }
  return `${parts.join(' ')} (${row.attempts} failed attempts): ${row.latest.message}`;
}
