import { InputType } from '@nestjs/graphql';
import { StringField } from '../../subscriptions/dto/api-field.decorators';

/** POST /dead-letters/:id/discard and the discardDeadLetter mutation. */
@InputType()
export class DiscardDeadLetterInput {
  @StringField({ description: 'Why the entry is discarded (kept with it)', maxLength: 1_000 })
  reason: string;
}
