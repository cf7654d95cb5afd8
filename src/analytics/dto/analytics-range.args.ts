import { ArgsType } from '@nestjs/graphql';
import { StringField } from '../../subscriptions/dto/api-field.decorators';

export const ANALYTICS_RANGES = { '1h': 1, '6h': 6, '24h': 24, '7d': 168, '30d': 720 } as const;
export type AnalyticsRange = keyof typeof ANALYTICS_RANGES;

/** GET /analytics/overview?range= and the analyticsOverview(range) query. */
@ArgsType()
export class AnalyticsOverviewArgs {
  @StringField({
    description: 'How far back: 1h, 6h, 24h, 7d or 30d',
    optional: true,
    defaultValue: '1h',
    maxLength: 3,
    pattern: /^(1h|6h|24h|7d|30d)$/,
    patternReason: 'must be one of 1h, 6h, 24h, 7d, 30d',
  })
  range?: AnalyticsRange;
}
