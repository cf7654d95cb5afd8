import { InputType } from '@nestjs/graphql';
import {
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_LIMITS,
} from '../subscription.defaults';
import { NestedField, StringField } from './api-field.decorators';
import { CorrelationInput, JournalInput } from './journal.input';
import { HandlerPatchInput } from './handler.input';
import { DeadLetterInput, DeliveryInput, RetryInput } from './settings.input';
import { SourcePatchInput } from './source.input';

/**
 * PATCH /subscriptions/:name and the updateSubscription mutation: a merge patch. Objects merge
 * field by field, arrays (collections, operationTypes, pipeline) and headers are replaced. The
 * name and the start position are fixed; `reset` starts again from now.
 */
@InputType({ description: 'Changes to a subscription; omitted fields stay as they are' })
export class UpdateSubscriptionInput {
  @StringField({
    description: 'The service the subscription belongs to',
    optional: true,
    maxLength: SUBSCRIPTION_LIMITS.serviceNameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  serviceName?: string;

  @StringField({
    description: 'Free text for operators',
    optional: true,
    minLength: 0,
    maxLength: SUBSCRIPTION_LIMITS.descriptionMaxLength,
  })
  description?: string;

  @NestedField(() => SourcePatchInput, { description: 'What to watch', optional: true })
  source?: SourcePatchInput;

  @NestedField(() => HandlerPatchInput, { description: 'Who receives the events', optional: true })
  handler?: HandlerPatchInput;

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
    description: 'Event journal; merged field by field (fields replaced)',
    optional: true,
  })
  journal?: JournalInput;

  @NestedField(() => CorrelationInput, {
    description: 'Business-process correlation paths (replaced as a whole)',
    optional: true,
  })
  correlation?: CorrelationInput;
}
