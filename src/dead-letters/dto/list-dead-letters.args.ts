import { ArgsType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import type { DeadLetterStatus } from '@app/relay';
import {
  DateField,
  EnumField,
  IntField,
  StringField,
} from '../../subscriptions/dto/api-field.decorators';
import { DEAD_LETTER_STATUSES, DeadLetterStatusEnum } from './dead-letter.enums';

export const DEAD_LETTER_PAGE = { default: 50, max: 500 };

/** GET /dead-letters?… and the deadLetters(…) query. */
@ArgsType()
export class ListDeadLettersArgs {
  @StringField({ description: 'Only entries of this subscription', optional: true, maxLength: 200 })
  subscription?: string;

  @StringField({ description: 'Only entries of this service', optional: true, maxLength: 200 })
  service?: string;

  @EnumField({
    description: 'Only entries in this status',
    optional: true,
    values: DEAD_LETTER_STATUSES,
    graphqlEnum: DeadLetterStatusEnum.enumObject,
    enumName: DeadLetterStatusEnum.name,
  })
  status?: DeadLetterStatus;

  @StringField({
    description: 'Only entries whose last error has this name',
    optional: true,
    maxLength: 200,
  })
  errorName?: string;

  @Type(() => Number)
  @IntField({
    description: 'Only webhook entries last answered with this HTTP status',
    optional: true,
    min: 100,
    max: 599,
  })
  httpStatus?: number;

  @StringField({
    description: 'Only entries of this ordering key (canonical Extended JSON of the documentKey)',
    optional: true,
    maxLength: 2_000,
  })
  key?: string;

  @DateField({
    description: 'Only entries that first failed at or after this time',
    optional: true,
  })
  from?: Date;

  @DateField({ description: 'Only entries that first failed before this time', optional: true })
  to?: Date;

  @Type(() => Number)
  @IntField({
    description: 'Entries per page',
    optional: true,
    min: 1,
    max: DEAD_LETTER_PAGE.max,
    defaultValue: DEAD_LETTER_PAGE.default,
  })
  limit?: number;

  @StringField({
    description: 'The nextCursor of the previous page',
    optional: true,
    maxLength: 1_000,
  })
  cursor?: string;
}

/** GET /dead-letters/summary?subscription= and the deadLetterSummary(…) query. */
@ArgsType()
export class DeadLetterSummaryArgs {
  @StringField({ description: 'Only entries of this subscription', optional: true, maxLength: 200 })
  subscription?: string;
}
