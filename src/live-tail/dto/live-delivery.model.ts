import { Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('LiveNamespace')
export class LiveNamespaceView {
  @Field(() => String)
  db: string;

  @Field(() => String)
  coll: string;
}

@ObjectType('LiveDelivery', {
  description: "One delivery of a subscription's live tail (a sample when busy: see sampleRate)",
})
export class LiveDeliveryView {
  @Field(() => String, { description: 'Subscription name' })
  subscription: string;

  @Field(() => String, { description: 'Event id (resume token _data)' })
  id: string;

  @Field(() => String, { description: 'insert, update, replace, delete, ...' })
  operationType: string;

  @Field(() => LiveNamespaceView, { description: 'Database and collection' })
  ns: LiveNamespaceView;

  @Field(() => String, { description: 'The documentKey, as canonical Extended JSON' })
  documentKey: string;

  @Field(() => String, {
    description: 'delivered, failed-attempt, dead-lettered, replayed or replay-failed',
  })
  outcome: string;

  @Field(() => Int, { description: 'Attempt number of the handler call' })
  attempt: number;

  @Field(() => Float, {
    nullable: true,
    description: "End-to-end latency (change's cluster time → outcome), ms",
  })
  latencyMs?: number;

  @Field(() => Float, { nullable: true, description: 'Handler time of the call, ms' })
  handlerMs?: number;

  @Field(() => String, { nullable: true, description: '`Name: message` of a failure' })
  error?: string;

  @Field(() => GraphQLISODateTime, { description: 'When the outcome happened' })
  at: Date;

  @Field(() => Float, {
    description:
      'Share of deliveries shown (1 = all; 0.25 = one in four, sampled uniformly when busy)',
  })
  sampleRate: number;
}
