import { applyDecorators, type Type } from '@nestjs/common';
import { Field } from '@nestjs/graphql';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';

/** A field of a response type, in the GraphQL schema and the OpenAPI document at once. */
export function OutputField(
  graphqlType: () => unknown,
  options: { description: string; nullable?: boolean; swagger?: ApiPropertyOptions },
): PropertyDecorator {
  return applyDecorators(
    Field(graphqlType as () => Type<unknown>, {
      description: options.description,
      nullable: options.nullable ?? false,
    }),
    ApiProperty({
      description: options.description,
      required: !options.nullable,
      nullable: options.nullable ?? false,
      ...options.swagger,
    } as ApiPropertyOptions),
  );
}
