import { GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

@ObjectType('RelayInstance', {
  description: 'A process running the relay runtime, as its heartbeat reports it',
})
export class InstanceView {
  @OutputField(() => String, { description: 'Instance id (INSTANCE_ID)' })
  id: string;

  @OutputField(() => String, { description: 'The service it belongs to' })
  service: string;

  @OutputField(() => String, { description: 'Runtime version' })
  version: string;

  @OutputField(() => [String], {
    description: 'Handlers it can run, built-ins included',
    swagger: { type: [String] },
  })
  handlers: string[];

  @OutputField(() => Boolean, { description: 'Heartbeat seen within the lease TTL' })
  live: boolean;

  @OutputField(() => [String], {
    description: 'Subscriptions whose lease it holds now',
    swagger: { type: [String] },
  })
  subscriptions: string[];

  @OutputField(() => GraphQLISODateTime, { description: 'When it started' })
  startedAt: Date;

  @OutputField(() => GraphQLISODateTime, { description: 'Its last heartbeat' })
  lastSeen: Date;
}
