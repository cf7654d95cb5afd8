import { Field, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'The answering Change Relay instance' })
export class About {
  @Field()
  serviceName: string;

  @Field()
  instanceId: string;

  @Field()
  version: string;

  @Field({ description: 'external, mongod or emulator' })
  backend: string;
}
