import { applyDecorators, type Type as ClassType } from '@nestjs/common';
import { Field, Float, GraphQLISODateTime, Int } from '@nestjs/graphql';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDate,
  IsIn,
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { GraphQLJSON } from './json.scalar';

/**
 * One decorator per kind of input field, each applying the GraphQL field, the OpenAPI property
 * and the class-validator rules together, so the REST and GraphQL views of an input class cannot
 * drift apart (STYLE.md rule 3).
 */
interface FieldSpec {
  description: string;
  /** Omitted fields take the documented default (or stay unchanged in a PATCH). */
  optional?: boolean;
  /** Shown in the OpenAPI document; applied by the service, not here. */
  defaultValue?: unknown;
  example?: unknown;
}

function common(
  spec: FieldSpec,
  graphqlType: () => unknown,
  swagger: ApiPropertyOptions,
): PropertyDecorator[] {
  const description =
    spec.defaultValue === undefined
      ? spec.description
      : `${spec.description} (default: ${JSON.stringify(spec.defaultValue)})`;
  return [
    Field(graphqlType as () => ClassType<unknown>, {
      nullable: spec.optional ?? false,
      description,
    }),
    ApiProperty({
      ...swagger,
      required: !spec.optional,
      description: spec.description,
      default: spec.defaultValue,
      example: spec.example,
    } as ApiPropertyOptions),
    spec.optional ? IsOptional() : IsDefined({ message: '$property is required' }),
  ];
}

export function StringField(
  spec: FieldSpec & {
    maxLength: number;
    minLength?: number;
    pattern?: RegExp;
    patternReason?: string;
  },
): PropertyDecorator {
  const minLength = spec.minLength ?? 1;
  const rules = [IsString(), MaxLength(spec.maxLength)];
  if (minLength > 0) {
    rules.push(
      MinLength(minLength, {
        message:
          minLength === 1
            ? '$property must not be empty'
            : `$property must be at least ${minLength} characters`,
      }),
    );
  }
  if (spec.pattern) {
    rules.push(
      Matches(spec.pattern, {
        message: `$property ${spec.patternReason ?? `must match ${String(spec.pattern)}`}`,
      }),
    );
  }
  return applyDecorators(
    ...common(spec, () => String, {
      type: 'string',
      maxLength: spec.maxLength,
      pattern: spec.pattern?.source,
    }),
    ...rules,
  );
}

export function IntField(spec: FieldSpec & { min: number; max: number }): PropertyDecorator {
  return applyDecorators(
    ...common(spec, () => Int, { type: 'integer', minimum: spec.min, maximum: spec.max }),
    IsInt(),
    Min(spec.min),
    Max(spec.max),
  );
}

export function NumberField(spec: FieldSpec & { min: number; max: number }): PropertyDecorator {
  return applyDecorators(
    ...common(spec, () => Float, { type: 'number', minimum: spec.min, maximum: spec.max }),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    Min(spec.min),
    Max(spec.max),
  );
}

export function BooleanField(spec: FieldSpec): PropertyDecorator {
  return applyDecorators(...common(spec, () => Boolean, { type: 'boolean' }), IsBoolean());
}

export function DateField(spec: FieldSpec): PropertyDecorator {
  return applyDecorators(
    ...common(spec, () => GraphQLISODateTime, { type: 'string', format: 'date-time' }),
    Type(() => Date),
    IsDate({ message: '$property must be an ISO 8601 date-time' }),
  );
}

/** `graphqlEnum` is the object registered with registerEnumType; `values` its allowed strings. */
export function EnumField(
  spec: FieldSpec & { values: readonly string[]; graphqlEnum: object; enumName: string },
) {
  return applyDecorators(
    ...common(spec, () => spec.graphqlEnum, { enum: [...spec.values], enumName: spec.enumName }),
    IsIn([...spec.values], { message: `$property must be one of: ${spec.values.join(', ')}` }),
  );
}

export function EnumArrayField(
  spec: FieldSpec & {
    values: readonly string[];
    graphqlEnum: object;
    enumName: string;
    maxItems: number;
  },
): PropertyDecorator {
  return applyDecorators(
    ...common(spec, () => [spec.graphqlEnum], {
      enum: [...spec.values],
      enumName: spec.enumName,
      isArray: true,
      maxItems: spec.maxItems,
    }),
    IsArray(),
    ArrayMaxSize(spec.maxItems),
    ArrayUnique(),
    IsIn([...spec.values], {
      each: true,
      message: `each value in $property must be one of: ${spec.values.join(', ')}`,
    }),
  );
}

export function StringArrayField(
  spec: FieldSpec & {
    maxItems: number;
    maxLength: number;
    pattern?: RegExp;
    patternReason?: string;
  },
): PropertyDecorator {
  const rules = [
    IsArray(),
    ArrayMaxSize(spec.maxItems),
    ArrayUnique(),
    IsString({ each: true }),
    IsNotEmpty({ each: true }),
  ];
  rules.push(MaxLength(spec.maxLength, { each: true }));
  if (spec.pattern) {
    rules.push(
      Matches(spec.pattern, {
        each: true,
        message: `each value in $property ${spec.patternReason ?? `must match ${String(spec.pattern)}`}`,
      }),
    );
  }
  return applyDecorators(
    ...common(spec, () => [String], { type: 'string', isArray: true, maxItems: spec.maxItems }),
    ...rules,
  );
}

/** An array of JSON objects (e.g. aggregation stages); their content is checked by a rule. */
export function JsonObjectArrayField(spec: FieldSpec & { maxItems: number }): PropertyDecorator {
  return applyDecorators(
    ...common(spec, () => [GraphQLJSON], {
      type: 'array',
      items: { type: 'object', additionalProperties: true },
      maxItems: spec.maxItems,
    }),
    IsArray(),
    ArrayMaxSize(spec.maxItems),
    IsObject({ each: true, message: 'each value in $property must be an object' }),
  );
}

/** A JSON object of string values (e.g. HTTP headers); entries are checked by a rule. */
export function StringMapField(spec: FieldSpec): PropertyDecorator {
  return applyDecorators(
    ...common(spec, () => GraphQLJSON, {
      type: 'object',
      additionalProperties: { type: 'string' },
    }),
    IsObject({ message: '$property must be an object of strings' }),
  );
}

export function NestedField(type: () => ClassType<unknown>, spec: FieldSpec): PropertyDecorator {
  return applyDecorators(
    // A property named `type` holding an arrow: the shape @nestjs/swagger recognises as a lazy type.
    ...common(spec, type, { type: () => type() }),
    IsObject({ message: '$property must be an object' }),
    ValidateNested(),
    Type(type),
  );
}
