import { Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import type {
  DesiredState,
  FullDocumentBeforeChangeMode,
  FullDocumentMode,
  JitterMode,
  OperationType,
  OrderingMode,
  StartPosition,
  SubscriptionState,
} from '@app/relay';
import { GraphQLJSON } from './json.scalar';
import { OutputField } from './output-field.decorator';
import {
  DesiredStateEnum,
  FullDocumentBeforeChangeEnum,
  FullDocumentEnum,
  HandlerTypeEnum,
  JitterEnum,
  OperationTypeEnum,
  OrderingEnum,
  StartPositionEnum,
  SubscriptionStateEnum,
} from './subscription.enums';
import type { HandlerType } from './handler.input';

const enumSwagger = (enumeration: { name: string; values: readonly string[] }) => ({
  enum: [...enumeration.values],
  enumName: enumeration.name,
});

@ObjectType('SubscriptionSource')
export class SourceView {
  @OutputField(() => String, { description: 'The watched database' })
  database: string;

  @OutputField(() => [String], {
    description: 'Watched collections; empty: all',
    swagger: { type: [String] },
  })
  collections: string[];

  @OutputField(() => [OperationTypeEnum.enumObject], {
    description: 'Delivered operation types; empty: all',
    swagger: { ...enumSwagger(OperationTypeEnum), isArray: true },
  })
  operationTypes: OperationType[];

  @OutputField(() => [GraphQLJSON], {
    description: 'Aggregation stages, as MongoDB Extended JSON (relaxed)',
    swagger: { type: 'array', items: { type: 'object', additionalProperties: true } },
  })
  pipeline: Record<string, unknown>[];

  @OutputField(() => FullDocumentEnum.enumObject, {
    description: 'fullDocument option',
    swagger: enumSwagger(FullDocumentEnum),
  })
  fullDocument: FullDocumentMode;

  @OutputField(() => FullDocumentBeforeChangeEnum.enumObject, {
    description: 'fullDocumentBeforeChange option',
    swagger: enumSwagger(FullDocumentBeforeChangeEnum),
  })
  fullDocumentBeforeChange: FullDocumentBeforeChangeMode;

  @OutputField(() => String, {
    description: 'The service that owns the watched collections',
    nullable: true,
  })
  ownerService?: string;
}

@ObjectType('SubscriptionHandler', {
  description: 'provider: name; webhook: url, secretSet, timeoutMs, headers',
})
export class HandlerView {
  @OutputField(() => HandlerTypeEnum.enumObject, {
    description: 'provider or webhook',
    swagger: enumSwagger(HandlerTypeEnum),
  })
  type: HandlerType;

  @OutputField(() => String, {
    description: 'provider: the @ChangeHandler name; webhook: "webhook"',
  })
  name: string;

  @OutputField(() => String, { description: 'webhook: the target URL', nullable: true })
  url?: string;

  @OutputField(() => Boolean, {
    description: 'webhook: whether a signing secret is set (the secret is never returned)',
    nullable: true,
  })
  secretSet?: boolean;

  @OutputField(() => Int, {
    description: 'webhook: request timeout in milliseconds',
    nullable: true,
  })
  timeoutMs?: number;

  @OutputField(() => GraphQLJSON, {
    description:
      'webhook: extra headers; values are masked ("***") unless declared in publicHeaders, and always for credential-like names',
    nullable: true,
    swagger: { type: 'object', additionalProperties: { type: 'string' } },
  })
  headers?: Record<string, string>;
}

@ObjectType('SubscriptionDelivery')
export class DeliveryView {
  @OutputField(() => OrderingEnum.enumObject, {
    description: 'Ordering mode',
    swagger: enumSwagger(OrderingEnum),
  })
  ordering: OrderingMode;

  @OutputField(() => Int, { description: 'Handler calls in flight at once' })
  concurrency: number;

  @OutputField(() => Int, { description: 'Events per handler call' })
  batchSize: number;

  @OutputField(() => Int, { description: 'Wait for a partial batch, ms' })
  batchWaitMs: number;

  @OutputField(() => Int, { description: 'Timeout of one attempt, ms' })
  timeoutMs: number;
}

@ObjectType('SubscriptionRetry')
export class RetryView {
  @OutputField(() => Int, { description: 'Attempts in all' })
  maxAttempts: number;

  @OutputField(() => Int, { description: 'First retry delay, ms' })
  initialDelayMs: number;

  @OutputField(() => Int, { description: 'Largest retry delay, ms' })
  maxDelayMs: number;

  @OutputField(() => Float, { description: 'Backoff factor' })
  multiplier: number;

  @OutputField(() => JitterEnum.enumObject, {
    description: 'Jitter mode',
    swagger: enumSwagger(JitterEnum),
  })
  jitter: JitterMode;
}

@ObjectType('SubscriptionDeadLetter')
export class DeadLetterView {
  @OutputField(() => Boolean, { description: 'Dead-letter queue on' })
  enabled: boolean;

  @OutputField(() => Int, { description: 'Days a dead letter is kept' })
  retentionDays: number;
}

@ObjectType('SubscriptionJournal')
export class JournalView {
  @OutputField(() => Boolean, { description: 'Event journal on' })
  enabled: boolean;

  @OutputField(() => Int, { description: 'Hours a journal record is kept' })
  retentionHours: number;

  @OutputField(() => Float, { description: 'Fraction of processes journaled' })
  sampleRate: number;

  @OutputField(() => GraphQLJSON, {
    description: 'Business fields: name → path into the change event',
    swagger: { type: 'object', additionalProperties: { type: 'string' } },
  })
  fields: Record<string, string>;
}

@ObjectType('SubscriptionCorrelation')
export class CorrelationView {
  @OutputField(() => String, { description: 'Path of the correlation id in the change event' })
  idPath: string;

  @OutputField(() => String, {
    description: 'Path of the process id in the change event',
    nullable: true,
  })
  processPath?: string;
}

@ObjectType('SubscriptionStartFrom')
export class StartFromView {
  @OutputField(() => StartPositionEnum.enumObject, {
    description: 'now or timestamp',
    swagger: enumSwagger(StartPositionEnum),
  })
  position: StartPosition;

  @OutputField(() => GraphQLISODateTime, {
    description: 'position=timestamp: the requested time',
    nullable: true,
  })
  timestamp?: Date;
}

@ObjectType('SubscriptionStale', {
  description: 'Why the stream cannot continue without skipping events',
})
export class StaleView {
  @OutputField(() => String, {
    description: 'The error, e.g. the resume token is no longer in the oplog',
  })
  reason: string;

  @OutputField(() => Int, {
    description: 'MongoDB error code (286: history lost, 280: fatal stream error)',
    nullable: true,
  })
  code?: number;

  @OutputField(() => GraphQLISODateTime, { description: 'When the subscription became stale' })
  at: Date;

  @OutputField(() => GraphQLISODateTime, {
    description: 'When the last checkpoint was written',
    nullable: true,
  })
  lastCheckpointAt?: Date;
}

@ObjectType('ChangeSubscription', {
  description: 'A subscription: what is watched and who receives the changes',
})
export class SubscriptionView {
  @OutputField(() => String, { description: 'Unique name' })
  name: string;

  @OutputField(() => String, { description: 'Owning service' })
  serviceName: string;

  @OutputField(() => String, { description: 'Free text' })
  description: string;

  @OutputField(() => SourceView, { description: 'What is watched' })
  source: SourceView;

  @OutputField(() => HandlerView, { description: 'Who receives the events' })
  handler: HandlerView;

  @OutputField(() => DeliveryView, { description: 'Delivery settings' })
  delivery: DeliveryView;

  @OutputField(() => RetryView, { description: 'Retry settings' })
  retry: RetryView;

  @OutputField(() => DeadLetterView, { description: 'Dead-letter settings' })
  deadLetter: DeadLetterView;

  @OutputField(() => JournalView, { description: 'Event journal settings' })
  journal: JournalView;

  @OutputField(() => CorrelationView, {
    description: 'Business-process correlation (none: transactions, then event ids)',
    nullable: true,
  })
  correlation?: CorrelationView;

  @OutputField(() => StartFromView, { description: 'Where the subscription started' })
  startFrom: StartFromView;

  @OutputField(() => GraphQLISODateTime, {
    description:
      'The cluster time a worker starts from when there is no checkpoint (creation, reset or startFrom.timestamp)',
  })
  startAt: Date;

  @OutputField(() => DesiredStateEnum.enumObject, {
    description: 'active or paused, as asked',
    swagger: enumSwagger(DesiredStateEnum),
  })
  desiredState: DesiredState;

  @OutputField(() => SubscriptionStateEnum.enumObject, {
    description: 'active, paused, or stale',
    swagger: enumSwagger(SubscriptionStateEnum),
  })
  state: SubscriptionState;

  @OutputField(() => StaleView, {
    description: 'Set when the subscription is stale',
    nullable: true,
  })
  stale?: StaleView;

  @OutputField(() => String, {
    description: 'Who the subscription is attributed to (createdBy at creation)',
    nullable: true,
  })
  createdBy?: string;

  @OutputField(() => Int, { description: 'Bumped on every change' })
  revision: number;

  @OutputField(() => GraphQLISODateTime, { description: 'Created at' })
  createdAt: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Last changed at' })
  updatedAt: Date;
}
