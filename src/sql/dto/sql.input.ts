import { Field, InputType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';
import { StringField } from '../../subscriptions/dto/api-field.decorators';
import { GraphQLJSON } from '../../subscriptions/dto/json.scalar';
import { MAX_SCRIPT_LENGTH } from '../parser/sql-script.parser';

/** POST /sql and the sql mutation: one or more statements separated by `;`. */
@InputType({ description: 'A SQL script: one or more statements separated by ;' })
export class SqlInput {
  @StringField({
    description:
      'The statements: CREATE/ALTER/DROP/PAUSE/RESUME/RESET EVENT_SUBSCRIPTION, SHOW ..., SELECT ..., CREATE/DROP VIEW',
    example: 'SHOW EVENT_SUBSCRIPTIONS',
    maxLength: MAX_SCRIPT_LENGTH,
  })
  sql: string;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'Values of the :name parameters in the statements',
  })
  @ApiProperty({
    required: false,
    type: Object,
    additionalProperties: true,
    description: 'Values of the :name parameters in the statements',
    example: { subscription: 'orders-to-billing' },
  })
  @IsOptional()
  @IsObject({ message: 'params must be an object of parameter values' })
  params?: Record<string, unknown>;
}
