import { InputType } from '@nestjs/graphql';
import type { JitterMode, OrderingMode, StartPosition } from '@app/relay';
import { SUBSCRIPTION_DEFAULTS, SUBSCRIPTION_LIMITS } from '../subscription.defaults';
import { BooleanField, DateField, EnumField, IntField, NumberField } from './api-field.decorators';
import { JitterEnum, OrderingEnum, StartPositionEnum } from './subscription.enums';

/** Settings with a default for every field: the same classes serve create and PATCH. */

const limits = SUBSCRIPTION_LIMITS;

@InputType({ description: 'How events are handed to the handler' })
export class DeliveryInput {
  @EnumField({
    description:
      'key: in order per documentKey; strict: one at a time in stream order; none: no order',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.delivery.ordering,
    values: OrderingEnum.values,
    graphqlEnum: OrderingEnum.enumObject,
    enumName: OrderingEnum.name,
  })
  ordering?: OrderingMode;

  @IntField({
    description: 'Handler calls in flight at once (lanes)',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.delivery.concurrency,
    ...limits.concurrency,
  })
  concurrency?: number;

  @IntField({
    description: 'Events per handler call; above 1 a webhook receives {"events": […]}',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.delivery.batchSize,
    ...limits.batchSize,
  })
  batchSize?: number;

  @IntField({
    description: 'How long a partial batch waits for more events, in milliseconds',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.delivery.batchWaitMs,
    ...limits.batchWaitMs,
  })
  batchWaitMs?: number;

  @IntField({
    description: 'Timeout of one handler attempt, in milliseconds',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.delivery.timeoutMs,
    ...limits.deliveryTimeoutMs,
  })
  timeoutMs?: number;
}

@InputType({ description: 'Retries of a failed handler call: exponential backoff' })
export class RetryInput {
  @IntField({
    description: 'Attempts in all, the first included; then the event is dead-lettered',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.retry.maxAttempts,
    ...limits.maxAttempts,
  })
  maxAttempts?: number;

  @IntField({
    description: 'Delay before the first retry, in milliseconds',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.retry.initialDelayMs,
    ...limits.initialDelayMs,
  })
  initialDelayMs?: number;

  @IntField({
    description: 'Upper bound of a retry delay, in milliseconds',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.retry.maxDelayMs,
    ...limits.maxDelayMs,
  })
  maxDelayMs?: number;

  @NumberField({
    description: 'Factor between successive delays',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.retry.multiplier,
    ...limits.multiplier,
  })
  multiplier?: number;

  @EnumField({
    description: 'full: a random delay up to the backoff; none: the backoff itself',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.retry.jitter,
    values: JitterEnum.values,
    graphqlEnum: JitterEnum.enumObject,
    enumName: JitterEnum.name,
  })
  jitter?: JitterMode;
}

@InputType({ description: 'What happens to an event once its retries are spent' })
export class DeadLetterInput {
  @BooleanField({
    description: 'Store events whose retries are spent in the dead-letter queue',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.deadLetter.enabled,
  })
  enabled?: boolean;

  @IntField({
    description: 'Days a dead letter is kept',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.deadLetter.retentionDays,
    ...limits.retentionDays,
  })
  retentionDays?: number;
}

@InputType({ description: 'Where a new subscription starts reading the change stream' })
export class StartFromInput {
  @EnumField({
    description:
      'now: changes written after the subscription was created; timestamp: from startFrom.timestamp; snapshot: the existing documents first (operationType snapshot), then the changes from the creation on',
    optional: true,
    defaultValue: SUBSCRIPTION_DEFAULTS.startFrom.position,
    values: StartPositionEnum.values,
    graphqlEnum: StartPositionEnum.enumObject,
    enumName: StartPositionEnum.name,
  })
  position?: StartPosition;

  @DateField({
    description:
      'position=timestamp: the time to start at (ISO 8601), not in the future and still in the oplog',
    optional: true,
    example: '2025-01-31T12:00:00Z',
  })
  timestamp?: Date;
}
