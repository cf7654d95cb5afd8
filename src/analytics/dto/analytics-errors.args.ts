import { ArgsType } from '@nestjs/graphql';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_LIMITS,
} from '../../subscriptions/subscription.defaults';
import { StringField } from '../../subscriptions/dto/api-field.decorators';
import { AnalyticsOverviewArgs } from './analytics-range.args';

/** GET /analytics/errors?range=&subscription= and the analyticsErrors query. */
@ArgsType()
export class AnalyticsErrorsArgs extends AnalyticsOverviewArgs {
  @StringField({
    description: 'Only this subscription',
    optional: true,
    maxLength: SUBSCRIPTION_LIMITS.nameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  subscription?: string;
}
