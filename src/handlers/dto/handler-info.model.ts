import { ObjectType } from '@nestjs/graphql';
import { OutputField } from '../../subscriptions/dto/output-field.decorator';

@ObjectType('HandlerInfo', { description: 'A handler name, where it can run and what uses it' })
export class HandlerInfoView {
  @OutputField(() => String, {
    description: 'The @ChangeHandler name, or a built-in (webhook, log)',
  })
  name: string;

  @OutputField(() => Boolean, { description: 'Built into every instance that runs workers' })
  builtIn: boolean;

  @OutputField(() => [String], {
    description: 'Live instances that have it',
    swagger: { type: [String] },
  })
  instances: string[];

  @OutputField(() => [String], {
    description: 'Subscriptions that use it',
    swagger: { type: [String] },
  })
  subscriptions: string[];
}
