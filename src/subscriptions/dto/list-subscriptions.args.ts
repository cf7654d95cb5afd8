import { ArgsType } from '@nestjs/graphql';
import type { SubscriptionState } from '@app/relay';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_LIMITS,
} from '../subscription.defaults';
import { EnumField, StringField } from './api-field.decorators';
import { SUBSCRIPTION_STATES, SubscriptionStateEnum } from './subscription.enums';

/** GET /subscriptions?service=&state= and the subscriptions(service, state) query. */
@ArgsType()
export class ListSubscriptionsArgs {
  @StringField({
    description: 'Only subscriptions of this service',
    optional: true,
    maxLength: SUBSCRIPTION_LIMITS.serviceNameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  service?: string;

  @EnumField({
    description: 'Only subscriptions in this state',
    optional: true,
    values: SUBSCRIPTION_STATES,
    graphqlEnum: SubscriptionStateEnum.enumObject,
    enumName: SubscriptionStateEnum.name,
  })
  state?: SubscriptionState;
}
