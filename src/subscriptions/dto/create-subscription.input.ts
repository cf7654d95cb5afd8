import { InputType } from '@nestjs/graphql';
import type { DesiredState } from '@app/relay';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SLUG_PATTERN,
  SLUG_REASON,
  SUBSCRIPTION_DEFAULTS,
  SUBSCRIPTION_LIMITS,
} from '../subscription.defaults';
import { EnumField, NestedField, StringField } from './api-field.decorators';
import { CorrelationInput, JournalInput } from './journal.input';
import { HandlerInput } from './handler.input';
import { DeadLetterInput, DeliveryInput, RetryInput, StartFromInput } from './settings.input';
import { SourceInput } from './source.input';
import { DesiredStateEnum } from './subscription.enums';

/** POST /subscriptions and the createSubscription mutation. Only name, source and handler are required. */
@InputType({ description: 'A new subscription: what to watch and who receives the changes' })
export class CreateSubscriptionInput {
  @StringField({
    description: 'Unique name, a slug',
    example: 'orders-to-billing',
    maxLength: SUBSCRIPTION_LIMITS.nameMaxLength,
    pattern: SLUG_PATTERN,
    patternReason: SLUG_REASON,
  })
  name: string;

  @StringField({
    description:
      'The service the subscription belongs to (defaults to the SERVICE_NAME of the instance answering)',
    optional: true,
    example: 'billing',
    maxLength: SUBSCRIPTION_LIMITS.serviceNameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  serviceName?: string;

  @StringField({
    description: 'Free text for operators',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.description,
    minLength: 0,
    maxLength: SUBSCRIPTION_LIMITS.descriptionMaxLength,
  })
  description?: string;

  @StringField({
    description:
      "Who the subscription is attributed to, e.g. a team or an admin account (defaults to the caller's token id; the audit log records the caller either way)",
    optional: true,
    example: 'billing-team',
    maxLength: SUBSCRIPTION_LIMITS.createdByMaxLength,
  })
  createdBy?: string;

  @EnumField({
    description: 'active: starts delivering at once; paused: created paused, resume it later',
    optional: true,
    defaultValue: 'active',
    values: DesiredStateEnum.values,
    graphqlEnum: DesiredStateEnum.enumObject,
    enumName: DesiredStateEnum.name,
  })
  desiredState?: DesiredState;

  @NestedField(() => SourceInput, { description: 'What to watch' })
  source: SourceInput;

  @NestedField(() => HandlerInput, { description: 'Who receives the events' })
  handler: HandlerInput;

  @NestedField(() => DeliveryInput, {
    description: 'Ordering, concurrency, batching, timeout',
    optional: true,
  })
  delivery?: DeliveryInput;

  @NestedField(() => RetryInput, { description: 'Retry backoff', optional: true })
  retry?: RetryInput;

  @NestedField(() => DeadLetterInput, { description: 'Dead-letter queue', optional: true })
  deadLetter?: DeadLetterInput;

  @NestedField(() => JournalInput, {
    description: 'Event journal (default: off)',
    optional: true,
  })
  journal?: JournalInput;

  @NestedField(() => CorrelationInput, {
    description: 'Business-process correlation paths (replaced as a whole)',
    optional: true,
  })
  correlation?: CorrelationInput;

  @NestedField(() => StartFromInput, {
    description: 'Where to start reading (default: now)',
    optional: true,
  })
  startFrom?: StartFromInput;
}
