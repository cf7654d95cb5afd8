import { InputType } from '@nestjs/graphql';
import { DateField } from './api-field.decorators';

/** POST /subscriptions/:name/rewind and the rewindSubscription mutation. */
@InputType({ description: 'Where to restart delivery from' })
export class RewindSubscriptionInput {
  @DateField({
    description:
      'Restart delivery from this time (ISO 8601): not in the future and not older than the oplog’s first entry. Events after it are delivered again',
    example: '2025-01-31T12:00:00Z',
  })
  timestamp: Date;
}
