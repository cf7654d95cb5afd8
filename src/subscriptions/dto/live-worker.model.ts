import { Float, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { OutputField } from './output-field.decorator';

@ObjectType('LiveWorker', {
  description: "What the subscription's owner reports from its running delivery engine, now",
})
export class LiveWorkerView {
  @OutputField(() => String, { description: 'Subscription name' })
  name: string;

  @OutputField(() => String, { description: 'The instance that owns and runs it' })
  owner: string;

  @OutputField(() => Float, { description: 'Its lease token (grows with every new owner)' })
  leaseToken: number;

  @OutputField(() => String, {
    description: 'Engine state: created, running, draining, stopped; "restarting" between runs',
  })
  engineState: string;

  @OutputField(() => Float, { description: 'Events read and not yet settled (buffered)' })
  inFlight: number;

  @OutputField(() => Float, { description: 'Events waiting for a free lane' })
  queued: number;

  @OutputField(() => Float, { description: 'Handler calls running now' })
  activeCalls: number;

  @OutputField(() => Float, { description: 'Sequence number of the last event or position read' })
  lastSeq: number;

  @OutputField(() => Float, {
    description: 'Sequence number the last accepted checkpoint covers',
    nullable: true,
  })
  checkpointSeq?: number;

  @OutputField(() => GraphQLISODateTime, { description: 'When the owner answered' })
  answeredAt: Date;
}
