import { Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import type { DeadLetterStatus } from '@app/relay';
import { GraphQLJSON } from '../../subscriptions/dto/json.scalar';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';
import { DeadLetterStatusEnum, ReplayJobStateEnum, type ReplayJobState } from './dead-letter.enums';

@ObjectType('DeadLetterError')
export class DeadLetterErrorView {
  @OutputField(() => String, { description: 'Error class name' })
  name: string;

  @OutputField(() => String, { description: 'Error message' })
  message: string;

  @OutputField(() => String, { description: 'Error code (string or number)', nullable: true })
  code?: string;

  @OutputField(() => String, { description: 'Stack trace', nullable: true })
  stack?: string;

  @OutputField(() => Int, {
    description: 'Webhooks: HTTP status of the last answer',
    nullable: true,
  })
  httpStatus?: number;

  @OutputField(() => String, {
    description: "Webhooks: first KiB of the last answer's body",
    nullable: true,
  })
  responseBody?: string;
}

@ObjectType('DeadLetterReplay')
export class DeadLetterReplayView {
  @OutputField(() => GraphQLISODateTime, { description: 'When the replay settled' })
  at: Date;

  @OutputField(() => String, { description: 'delivered or failed' })
  outcome: string;

  @OutputField(() => String, { description: 'The replay job', nullable: true })
  jobId?: string;

  @OutputField(() => Int, { description: 'Handler attempts of this replay' })
  attempts: number;

  @OutputField(() => DeadLetterErrorView, { description: 'Why it failed', nullable: true })
  error?: DeadLetterErrorView;
}

@ObjectType('DeadLetterTruncation')
export class DeadLetterTruncationView {
  @OutputField(() => [String], {
    description: 'Top-level fields of the change event left out, largest first',
  })
  droppedFields: string[];

  @OutputField(() => Float, { description: "The whole event's BSON size in bytes" })
  eventBytes: number;
}

@ObjectType('DeadLetter')
export class DeadLetterEntryView {
  @OutputField(() => String, { description: 'Entry id (subscription:eventId)' })
  id: string;

  @OutputField(() => String, { description: 'Subscription' })
  subscription: string;

  @OutputField(() => String, { description: 'Service of the subscription' })
  service: string;

  @OutputField(() => String, { description: 'Event id (the webhook-id of its deliveries)' })
  eventId: string;

  @OutputField(() => String, { description: 'Ordering key' })
  key: string;

  @OutputField(() => DeadLetterStatusEnum.enumObject, {
    description: 'pending, replayed or discarded',
    swagger: { enum: DeadLetterStatusEnum.values, enumName: DeadLetterStatusEnum.name },
  })
  status: DeadLetterStatus;

  @OutputField(() => Int, { description: 'Attempts before it was dead-lettered' })
  attempts: number;

  @OutputField(() => DeadLetterErrorView, { description: 'The last error' })
  error: DeadLetterErrorView;

  @OutputField(() => GraphQLISODateTime, { description: 'First failure' })
  firstFailedAt: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Last failure' })
  lastFailedAt: Date;

  @OutputField(() => Int, { description: 'Replays so far' })
  replayCount: number;

  @OutputField(() => [DeadLetterReplayView], { description: 'Replay history, oldest first' })
  replays: DeadLetterReplayView[];

  @OutputField(() => String, { description: 'Why it was discarded', nullable: true })
  discardReason?: string;

  @OutputField(() => GraphQLISODateTime, { description: 'When MongoDB removes it (TTL)' })
  expireAt: Date;

  @OutputField(() => GraphQLJSON, {
    description: 'The raw change event (Extended JSON, relaxed)',
    swagger: { type: 'object', additionalProperties: true },
  })
  event: Record<string, unknown>;

  @OutputField(() => DeadLetterTruncationView, {
    description:
      'Set when the event was too large to keep whole (over 15 MiB): it is stored without these fields and cannot be replayed',
    nullable: true,
  })
  truncated?: DeadLetterTruncationView;
}

@ObjectType('DeadLetterPage')
export class DeadLetterPageView {
  @OutputField(() => [DeadLetterEntryView], { description: 'Entries, newest first' })
  items: DeadLetterEntryView[];

  @OutputField(() => Float, { description: 'Entries the filter selects, over all pages' })
  total: number;

  @OutputField(() => String, { description: 'Pass as cursor for the next page', nullable: true })
  nextCursor?: string;
}

@ObjectType('ReplayJob')
export class ReplayJobView {
  @OutputField(() => String, { description: 'Job id (absent for a dry run)', nullable: true })
  id?: string;

  @OutputField(() => String, { description: 'Subscription' })
  subscription: string;

  @OutputField(() => Boolean, { description: 'Only reports what would be replayed' })
  dryRun: boolean;

  @OutputField(() => ReplayJobStateEnum.enumObject, {
    description: 'waiting, running, done, failed or cancelled',
    nullable: true,
    swagger: { enum: ReplayJobStateEnum.values, enumName: ReplayJobStateEnum.name },
  })
  state?: ReplayJobState;

  @OutputField(() => String, {
    description: 'Why a waiting job waits: paused, unowned (no live owner) or queued',
    nullable: true,
  })
  waitingFor?: string;

  @OutputField(() => Float, { description: 'Entries the job takes' })
  total: number;

  @OutputField(() => Float, { description: 'Replayed and delivered' })
  succeeded: number;

  @OutputField(() => Float, { description: 'Replayed and failed again (still pending)' })
  failed: number;

  @OutputField(() => Float, { description: 'Held by another job, or settled meanwhile' })
  skipped: number;

  @OutputField(() => GraphQLISODateTime, {
    description: 'When its owner started it',
    nullable: true,
  })
  startedAt?: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'When it ended', nullable: true })
  finishedAt?: Date;

  @OutputField(() => String, { description: 'Why it failed', nullable: true })
  error?: string;

  @OutputField(() => [DeadLetterEntryView], {
    description: 'Dry run: the first entries that would be replayed, in stream order',
    nullable: true,
  })
  wouldReplay?: DeadLetterEntryView[];
}

@ObjectType('DeadLetterCountBySubscription')
export class DeadLetterCountBySubscriptionView {
  @OutputField(() => String, { description: 'Subscription' })
  subscription: string;

  @OutputField(() => String, { description: 'Service' })
  service: string;

  @OutputField(() => Float, { description: 'Pending entries' })
  pending: number;
}

@ObjectType('DeadLetterCountByError')
export class DeadLetterCountByErrorView {
  @OutputField(() => String, { description: 'Subscription' })
  subscription: string;

  @OutputField(() => String, { description: 'Error name' })
  errorName: string;

  @OutputField(() => Int, { description: 'HTTP status (webhooks)', nullable: true })
  httpStatus?: number;

  @OutputField(() => Float, { description: 'Pending entries' })
  pending: number;
}

@ObjectType('DeadLetterSummary')
export class DeadLetterSummaryView {
  @OutputField(() => [DeadLetterCountBySubscriptionView], {
    description: 'Pending by subscription',
  })
  bySubscription: DeadLetterCountBySubscriptionView[];

  @OutputField(() => [DeadLetterCountByErrorView], {
    description: 'Pending by subscription and error',
  })
  byError: DeadLetterCountByErrorView[];
}
