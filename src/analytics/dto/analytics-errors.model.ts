import { Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

@ObjectType('AnalyticsErrorGroup')
export class AnalyticsErrorGroupView {
  @OutputField(() => String, { description: 'Subscription name' })
  subscription: string;

  @OutputField(() => String, { description: 'Owning service' })
  service: string;

  @OutputField(() => String, {
    description: "The error's name (e.g. WebhookDeliveryError); (other) past 20 per minute",
  })
  name: string;

  @OutputField(() => String, {
    description: "The error's code, as text (absent when it has none)",
    nullable: true,
  })
  code?: string;

  @OutputField(() => Int, { description: 'The HTTP status a webhook answered', nullable: true })
  httpStatus?: number;

  @OutputField(() => Float, { description: 'Failed handler attempts with this error' })
  failedAttempts: number;

  @OutputField(() => Float, { description: 'Events dead-lettered with this error' })
  deadLettered: number;

  @OutputField(() => GraphQLISODateTime, { description: 'First failure in the range' })
  firstAt: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Latest failure' })
  latestAt: Date;

  @OutputField(() => String, { description: 'The event id of the latest failure' })
  sampleEventId: string;

  @OutputField(() => String, { description: "The latest failure's message (first 200 chars)" })
  sampleMessage: string;
}

@ObjectType('AnalyticsErrors')
export class AnalyticsErrorsView {
  @OutputField(() => String, { description: 'The range' })
  range: string;

  @OutputField(() => GraphQLISODateTime, { description: 'Start of the range' })
  from: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Now' })
  to: Date;

  @OutputField(() => Float, { description: 'Failed handler attempts, all errors' })
  failedAttempts: number;

  @OutputField(() => Float, { description: 'Events dead-lettered, all errors' })
  deadLettered: number;

  @OutputField(() => [AnalyticsErrorGroupView], {
    description: 'One row per subscription and error, most frequent first',
    swagger: { type: [AnalyticsErrorGroupView] },
  })
  errors: AnalyticsErrorGroupView[];
}
