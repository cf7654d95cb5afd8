import { GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

/** One mutation: who (token), what (operation, target), when, from where, and how it ended. */
@ObjectType('AuditEntry')
export class AuditEntryView {
  @OutputField(() => String, { description: 'Entry id' })
  id: string;

  @OutputField(() => GraphQLISODateTime, { description: 'When the mutation was answered' })
  at: Date;

  @OutputField(() => String, { description: 'The token id that made it' })
  actorId: string;

  @OutputField(() => String, { description: 'The token name' })
  actorName: string;

  @OutputField(() => String, { description: 'The token role' })
  role: string;

  @OutputField(() => String, {
    description:
      'The operation, e.g. "POST /api/v1/subscriptions/:name/pause" or "mutation pauseSubscription"',
  })
  action: string;

  @OutputField(() => String, { description: 'The subscription or token acted on', nullable: true })
  target?: string;

  @OutputField(() => String, { description: '"ok", or the HTTP status or error code' })
  outcome: string;

  @OutputField(() => String, { description: 'The client address' })
  ip: string;

  @OutputField(() => String, { description: 'The client user agent', nullable: true })
  userAgent?: string;
}
