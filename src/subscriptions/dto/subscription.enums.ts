import { registerEnumType } from '@nestjs/graphql';
import {
  DESIRED_STATES,
  FULL_DOCUMENT_BEFORE_CHANGE_MODES,
  FULL_DOCUMENT_MODES,
  JITTER_MODES,
  OPERATION_TYPES,
  ORDERING_MODES,
  START_POSITIONS,
} from '@app/relay';

/** The relay's string unions as GraphQL enums, spelled the same as in REST. */
function graphqlEnum<T extends string>(name: string, values: readonly T[], description: string) {
  const enumObject = Object.fromEntries(values.map((value) => [value, value])) as { [K in T]: K };
  registerEnumType(enumObject, { name, description });
  return { name, values, enumObject };
}

export const HANDLER_TYPES = ['provider', 'webhook'] as const;
export const SUBSCRIPTION_STATES = ['active', 'paused', 'stale'] as const;

export const OperationTypeEnum = graphqlEnum(
  'OperationType',
  OPERATION_TYPES,
  'A change event operation type',
);
export const FullDocumentEnum = graphqlEnum(
  'FullDocumentMode',
  FULL_DOCUMENT_MODES,
  'The change stream fullDocument option',
);
export const FullDocumentBeforeChangeEnum = graphqlEnum(
  'FullDocumentBeforeChangeMode',
  FULL_DOCUMENT_BEFORE_CHANGE_MODES,
  'The change stream fullDocumentBeforeChange option',
);
export const OrderingEnum = graphqlEnum(
  'OrderingMode',
  ORDERING_MODES,
  'key: in order per documentKey; strict: one at a time in stream order; none: no order',
);
export const JitterEnum = graphqlEnum(
  'JitterMode',
  JITTER_MODES,
  'full: random delay in [0, backoff]; none: exact backoff',
);
export const StartPositionEnum = graphqlEnum(
  'StartPosition',
  START_POSITIONS,
  'Where a new subscription starts reading',
);
export const DesiredStateEnum = graphqlEnum(
  'DesiredState',
  DESIRED_STATES,
  'What the operator asked for',
);
export const SubscriptionStateEnum = graphqlEnum(
  'SubscriptionState',
  SUBSCRIPTION_STATES,
  'active or paused as asked, or stale when the stream cannot continue without skipping events',
);
export const HandlerTypeEnum = graphqlEnum(
  'HandlerType',
  HANDLER_TYPES,
  'A provider (@ChangeHandler) or the built-in webhook',
);
