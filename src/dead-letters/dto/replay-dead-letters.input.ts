import { InputType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  BooleanField,
  DateField,
  IntField,
  NestedField,
  StringArrayField,
  StringField,
} from '../../subscriptions/dto/api-field.decorators';

/** Which pending entries of the subscription a replay job takes. */
@InputType()
export class ReplayFilterInput {
  @StringField({
    description: 'Entries whose last error has this name',
    optional: true,
    maxLength: 200,
  })
  errorName?: string;

  @Type(() => Number)
  @IntField({
    description: 'Entries last answered with this HTTP status',
    optional: true,
    min: 100,
    max: 599,
  })
  httpStatus?: number;

  @StringField({ description: 'Entries of this ordering key', optional: true, maxLength: 2_000 })
  key?: string;

  @DateField({ description: 'Entries that first failed at or after this time', optional: true })
  from?: Date;

  @DateField({ description: 'Entries that first failed before this time', optional: true })
  to?: Date;
}

/** POST /dead-letters/replay and the replayDeadLetters mutation: a replay job. */
@InputType()
export class ReplayDeadLettersInput {
  @StringField({
    description: 'The subscription whose pending entries are replayed',
    maxLength: 200,
  })
  subscription: string;

  @StringArrayField({
    description: 'Only these entries (not with filter)',
    optional: true,
    maxItems: 1_000,
    maxLength: 2_000,
  })
  ids?: string[];

  @NestedField(() => ReplayFilterInput, {
    description: 'Only the entries this selects (not with ids)',
    optional: true,
  })
  filter?: ReplayFilterInput;

  @IntField({
    description: 'At most this many entries (stream order)',
    optional: true,
    min: 1,
    max: 1_000_000,
  })
  limit?: number;

  @BooleanField({
    description: 'Only report what would be replayed',
    optional: true,
    defaultValue: false,
  })
  dryRun?: boolean;
}
