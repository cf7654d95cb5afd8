import { ArgsType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { DateField, IntField, StringField } from '../../subscriptions/dto/api-field.decorators';

/** GET /audit?actor=&since=&limit= and the auditLog(actor, since, limit) query. */
@ArgsType()
export class ListAuditArgs {
  @StringField({ description: 'Only mutations by this token id', optional: true, maxLength: 100 })
  actor?: string;

  @DateField({ description: 'Only mutations at or after this time', optional: true })
  since?: Date;

  @IntField({
    description: 'How many entries, newest first',
    optional: true,
    defaultValue: 100,
    min: 1,
    max: 1000,
  })
  @Type(() => Number)
  limit?: number;
}
