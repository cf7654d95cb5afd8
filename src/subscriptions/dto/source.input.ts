import { InputType } from '@nestjs/graphql';
import type { FullDocumentBeforeChangeMode, FullDocumentMode, OperationType } from '@app/relay';
import {
  COLLECTION_NAME_PATTERN,
  COLLECTION_NAME_REASON,
  DATABASE_NAME_PATTERN,
  DATABASE_NAME_REASON,
  IDENTIFIER_PATTERN,
  IDENTIFIER_REASON,
  SUBSCRIPTION_DEFAULTS,
  SUBSCRIPTION_LIMITS,
} from '../subscription.defaults';
import {
  EnumArrayField,
  EnumField,
  JsonObjectArrayField,
  StringArrayField,
  StringField,
} from './api-field.decorators';
import {
  FullDocumentBeforeChangeEnum,
  FullDocumentEnum,
  OperationTypeEnum,
} from './subscription.enums';
import { IsChangeStreamPipeline } from './subscription.validators';

const defaults = SUBSCRIPTION_DEFAULTS.source;

/** What to watch, shared by the create and the patch input. */
@InputType({ isAbstract: true })
abstract class SourceOptionsInput {
  @StringArrayField({
    description: 'Collections to watch in the database; empty watches all of them',
    optional: true,
    defaultValue: defaults.collections,
    example: ['orders'],
    maxItems: SUBSCRIPTION_LIMITS.collections,
    maxLength: SUBSCRIPTION_LIMITS.collectionNameMaxLength,
    pattern: COLLECTION_NAME_PATTERN,
    patternReason: COLLECTION_NAME_REASON,
  })
  collections?: string[];

  @EnumArrayField({
    description: 'Operation types to deliver; empty delivers all of them',
    optional: true,
    defaultValue: defaults.operationTypes,
    example: ['insert', 'update'],
    values: OperationTypeEnum.values,
    graphqlEnum: OperationTypeEnum.enumObject,
    enumName: OperationTypeEnum.name,
    maxItems: OperationTypeEnum.values.length,
  })
  operationTypes?: OperationType[];

  @JsonObjectArrayField({
    description:
      'Aggregation stages applied to the change events: $match, $project, $addFields, $set, $unset, $replaceRoot, ' +
      '$replaceWith or $redact; no $where, $function or $accumulator; _id must be kept. Extended JSON values ' +
      '(e.g. {"$oid": "…"}, {"$date": "…"}) are accepted',
    optional: true,
    defaultValue: defaults.pipeline,
    example: [{ $match: { 'fullDocument.status': 'paid' } }],
    maxItems: SUBSCRIPTION_LIMITS.pipelineStages,
  })
  @IsChangeStreamPipeline()
  pipeline?: Record<string, unknown>[];

  @EnumField({
    description:
      'The change stream fullDocument option; updateLookup adds the current document to updates',
    optional: true,
    defaultValue: defaults.fullDocument,
    values: FullDocumentEnum.values,
    graphqlEnum: FullDocumentEnum.enumObject,
    enumName: FullDocumentEnum.name,
  })
  fullDocument?: FullDocumentMode;

  @EnumField({
    description:
      'The change stream fullDocumentBeforeChange option (needs changeStreamPreAndPostImages)',
    optional: true,
    defaultValue: defaults.fullDocumentBeforeChange,
    values: FullDocumentBeforeChangeEnum.values,
    graphqlEnum: FullDocumentBeforeChangeEnum.enumObject,
    enumName: FullDocumentBeforeChangeEnum.name,
  })
  fullDocumentBeforeChange?: FullDocumentBeforeChangeMode;

  @StringField({
    description:
      'The service that owns the watched collections: the source of the interactions shown by the analytics',
    optional: true,
    example: 'orders',
    maxLength: SUBSCRIPTION_LIMITS.serviceNameMaxLength,
    pattern: IDENTIFIER_PATTERN,
    patternReason: IDENTIFIER_REASON,
  })
  ownerService?: string;
}

const databaseField = {
  description: 'The database to watch (not admin, local or config)',
  example: 'shop',
  maxLength: SUBSCRIPTION_LIMITS.databaseNameMaxLength,
  pattern: DATABASE_NAME_PATTERN,
  patternReason: DATABASE_NAME_REASON,
};

@InputType({ description: 'What a subscription watches' })
export class SourceInput extends SourceOptionsInput {
  @StringField(databaseField)
  database: string;
}

@InputType({
  description: 'Changes to what a subscription watches; omitted fields stay as they are',
})
export class SourcePatchInput extends SourceOptionsInput {
  @StringField({ ...databaseField, optional: true })
  database?: string;
}
