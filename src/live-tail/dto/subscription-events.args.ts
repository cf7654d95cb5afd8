import { ArgsType } from '@nestjs/graphql';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_LIMITS,
} from '../../subscriptions/subscription.defaults';
import { StringField } from '../../subscriptions/dto/api-field.decorators';

/** subscriptionEvents(name:) */
@ArgsType()
export class SubscriptionEventsArgs {
  @StringField({
    description: 'The subscription to follow',
    maxLength: SUBSCRIPTION_LIMITS.nameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  name: string;
}
