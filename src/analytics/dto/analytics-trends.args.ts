import { ArgsType } from '@nestjs/graphql';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_LIMITS,
} from '../../subscriptions/subscription.defaults';
import { StringField } from '../../subscriptions/dto/api-field.decorators';
import { AnalyticsOverviewArgs } from './analytics-range.args';

export const TREND_BUCKETS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;
export type TrendBucket = keyof typeof TREND_BUCKETS;
export type TrendGroupBy = 'subscription' | 'service' | 'operationType' | 'collection';

/** GET /analytics/trends and the analyticsTrends query. */
@ArgsType()
export class AnalyticsTrendsArgs extends AnalyticsOverviewArgs {
  @StringField({
    description:
      'Bucket width: minute, hour or day (default: minute up to 6h, hour up to 7d, else day)',
    optional: true,
    maxLength: 6,
    pattern: /^(minute|hour|day)$/,
    patternReason: 'must be one of minute, hour, day',
  })
  bucket?: TrendBucket;

  @StringField({
    description: 'Only this subscription',
    optional: true,
    maxLength: SUBSCRIPTION_LIMITS.nameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  subscription?: string;

  @StringField({
    description: 'Only the subscriptions of this service',
    optional: true,
    maxLength: SUBSCRIPTION_LIMITS.serviceNameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  service?: string;

  @StringField({
    description:
      'One series per subscription, service, operationType or collection (the last two count received events only)',
    optional: true,
    maxLength: 13,
    pattern: /^(subscription|service|operationType|collection)$/,
    patternReason: 'must be one of subscription, service, operationType, collection',
  })
  groupBy?: TrendGroupBy;
}
