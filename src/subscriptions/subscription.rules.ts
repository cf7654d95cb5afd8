import {
  ALLOWED_PIPELINE_STAGES,
  FORBIDDEN_PIPELINE_OPERATORS,
  type ErrorDetail,
  type Subscription,
} from '@app/relay';
import { extendedJsonProblem } from './extended-json.rules';
import {
  EVENT_PATH_PATTERN,
  EVENT_PATH_REASON,
  JOURNAL_FIELD_NAME_PATTERN,
  SUBSCRIPTION_LIMITS,
} from './subscription.defaults';

/**
 * Rules that look at more than one field, or inside JSON the DTO decorators cannot see. Pure, so
 * the same functions check a created subscription, a PATCH's merged result, and (through the
 * custom class-validator constraints) the REST and GraphQL inputs.
 */

/** A handler as assembled from input: every field optional until the rules have checked it. */
export interface HandlerDraft {
  type: 'provider' | 'webhook';
  name?: string;
  url?: string;
  secret?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Header names whose values are not secret: stored in clear and shown by the API. */
  publicHeaders?: string[];
}

/** The operator-defined part of a subscription, before the service adds state and timestamps. */
export type SubscriptionDraft = Pick<
  Subscription,
  | 'name'
  | 'serviceName'
  | 'description'
  | 'source'
  | 'delivery'
  | 'retry'
  | 'deadLetter'
  | 'journal'
  | 'correlation'
  | 'startFrom'
> & { handler: HandlerDraft };

const ALLOWED_STAGES: ReadonlySet<string> = new Set(ALLOWED_PIPELINE_STAGES);
const FORBIDDEN_OPERATORS: ReadonlySet<string> = new Set(FORBIDDEN_PIPELINE_OPERATORS);
/** Deeper input is refused rather than walked, so a hostile body cannot exhaust the stack. */
const MAX_PIPELINE_DEPTH = 64;

/**
 * Why a change stream pipeline is refused, one reason per problem, each naming the stage index.
 * Stages may only filter or reshape: they must keep `_id`, the event's resume token, or the stream
 * fails (MongoDB error 280) and the subscription could never resume.
 */
export function pipelineViolations(pipeline: readonly unknown[]): string[] {
  const reasons: string[] = [];
  pipeline.forEach((stage, index) => {
    if (!isPlainObject(stage)) {
      reasons.push(`stage ${index} must be an object such as { "$match": { ... } }`);
      return;
    }
    const keys = Object.keys(stage);
    if (keys.length !== 1) {
      reasons.push(`stage ${index} must have exactly one operator, found ${keys.length}`);
      return;
    }
    const [operator] = keys;
    const body = stage[operator];
    if (!ALLOWED_STAGES.has(operator)) {
      reasons.push(
        `stage ${index} (${operator}) is not allowed; allowed stages: ${ALLOWED_PIPELINE_STAGES.join(', ')}`,
      );
    }
    const forbidden = findForbiddenOperator(body, 0);
    if (forbidden) {
      reasons.push(`stage ${index} (${operator}) ${forbidden}`);
      return;
    }
    const badValue = extendedJsonProblem(body, operator);
    if (badValue) {
      reasons.push(`stage ${index}: ${badValue}`);
      return;
    }
    const idProblem = idChange(operator, body);
    if (idProblem) {
      reasons.push(`stage ${index} (${operator}) ${idProblem}`);
    }
  });
  return reasons;
}

function findForbiddenOperator(value: unknown, depth: number): string | undefined {
  if (depth > MAX_PIPELINE_DEPTH) {
    return `is nested deeper than ${MAX_PIPELINE_DEPTH} levels`;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = findForbiddenOperator(item, depth + 1);
      if (found) {
        return found;
      }
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (FORBIDDEN_OPERATORS.has(key)) {
        return `uses ${key}: server-side JavaScript is not allowed`;
      }
      const found = findForbiddenOperator(item, depth + 1);
      if (found) {
        return found;
      }
    }
  }
  return undefined;
}

const KEEP_ID_HINT = `must keep _id (the resume token), e.g. { "$mergeObjects": ["$fullDocument", { "_id": "$_id" }] }`;

function idChange(operator: string, body: unknown): string | undefined {
  switch (operator) {
    case '$project': {
      // Only an inclusion keeps _id as it is: 0, false, an expression or a sub-path change it.
      const changes = isPlainObject(body)
        ? Object.entries(body).filter(
            ([key, value]) => isIdPath(key) && !(value === true || (key === '_id' && value === 1)),
          )
        : [];
      if (changes.length === 0) {
        return undefined;
      }
      return changes.some(([, value]) => value === 0 || value === false)
        ? 'must not exclude _id (the resume token)'
        : 'must not change _id (the resume token)';
    }
    case '$unset': {
      const fields = Array.isArray(body) ? body : [body];
      return fields.some((field) => typeof field === 'string' && isIdPath(field))
        ? 'must not remove _id (the resume token)'
        : undefined;
    }
    case '$set':
    case '$addFields':
      return isPlainObject(body) && Object.keys(body).some(isIdPath)
        ? 'must not change _id (the resume token)'
        : undefined;
    case '$replaceRoot':
      return keepsId(isPlainObject(body) ? body.newRoot : undefined) ? undefined : KEEP_ID_HINT;
    case '$replaceWith':
      return keepsId(body) ? undefined : KEEP_ID_HINT;
    case '$redact':
      // $$DESCEND evaluates the expression again inside each embedded document, _id included,
      // where $$PRUNE would remove the token; without it, $redact keeps or drops whole events.
      return JSON.stringify(body).includes('$$DESCEND')
        ? 'must not use $$DESCEND: it can prune _id (the resume token); keep or prune whole events'
        : undefined;
    default:
      return undefined;
  }
}

/** `_id` or a path into it (`_id._data`), as MongoDB reads field paths. */
function isIdPath(path: string): boolean {
  return path === '_id' || path.startsWith('_id.');
}

/** A new root keeps the token when it is `{ _id: '$_id', ... }` or a $mergeObjects ending so. */
function keepsId(newRoot: unknown): boolean {
  if (!isPlainObject(newRoot)) {
    return false;
  }
  if ('$mergeObjects' in newRoot) {
    const parts = newRoot.$mergeObjects;
    const last: unknown = Array.isArray(parts) ? parts[parts.length - 1] : undefined;
    return Object.keys(newRoot).length === 1 && isPlainObject(last) && last._id === '$_id';
  }
  return newRoot._id === '$_id';
}

/** HTTP header names (RFC 9110 tokens). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the webhook handler itself; a subscription may not override them. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'host',
  'connection',
  'transfer-encoding',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

/** Why webhook headers are refused, one reason per header. */
export function headerViolations(headers: Record<string, unknown>): string[] {
  const entries = Object.entries(headers);
  const reasons: string[] = [];
  if (entries.length > SUBSCRIPTION_LIMITS.headers) {
    reasons.push(`at most ${SUBSCRIPTION_LIMITS.headers} headers are allowed`);
  }
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) {
      reasons.push(`"${name}" is not a valid header name`);
    } else if (RESERVED_HEADERS.has(name.toLowerCase())) {
      reasons.push(`"${name}" is set by the webhook handler and cannot be overridden`);
    }
    if (typeof value !== 'string') {
      reasons.push(`"${name}" must have a string value`);
    } else if (value.length > SUBSCRIPTION_LIMITS.headerValueMaxLength || /[\r\n\0]/.test(value)) {
      reasons.push(
        `"${name}" must be at most ${SUBSCRIPTION_LIMITS.headerValueMaxLength} characters without line breaks`,
      );
    }
  }
  return reasons;
}

const WEBHOOK_ONLY_FIELDS = ['url', 'secret', 'timeoutMs', 'headers', 'publicHeaders'] as const;

/** Query parameter names that carry credentials; they belong in a (sealed) header instead. */
const CREDENTIAL_PARAMETER = /token|secret|sig|key|pass|pwd|auth|credential|session/i;

/** Why a webhook URL is refused: credentials in it would be stored and shown in clear. */
export function urlViolations(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const reasons: string[] = [];
  if (parsed.username || parsed.password) {
    reasons.push(
      'must not carry credentials (user:password@); send them in a header, which is stored encrypted',
    );
  }
  for (const name of new Set(parsed.searchParams.keys())) {
    if (CREDENTIAL_PARAMETER.test(name)) {
      reasons.push(
        `query parameter "${name}" looks like a credential; send it in a header, which is stored encrypted`,
      );
    }
  }
  return reasons;
}

/** The handler union: each type's required fields present, the other type's fields absent. */
export function handlerViolations(handler: HandlerDraft, path = 'handler'): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  switch (handler.type) {
    case 'provider':
      if (handler.name === undefined) {
        details.push({ field: `${path}.name`, reason: 'name is required when type is provider' });
      }
      for (const field of WEBHOOK_ONLY_FIELDS) {
        if (handler[field] !== undefined) {
          details.push({
            field: `${path}.${field}`,
            reason: `${field} is only allowed when type is webhook`,
          });
        }
      }
      break;
    case 'webhook':
      if (handler.url === undefined) {
        details.push({ field: `${path}.url`, reason: 'url is required when type is webhook' });
      } else {
        details.push(
          ...urlViolations(handler.url).map((reason) => ({ field: `${path}.url`, reason })),
        );
      }
      if (handler.name !== undefined) {
        details.push({
          field: `${path}.name`,
          reason: 'name is only allowed when type is provider',
        });
      }
      details.push(
        ...headerViolations(handler.headers ?? {}).map((reason) => ({
          field: `${path}.headers`,
          reason,
        })),
      );
      break;
  }
  return details;
}

/** MongoDB's own databases: never watched. */
export const SYSTEM_DATABASES = ['admin', 'local', 'config'] as const;

/**
 * Every cross-field rule of a complete subscription (a create, or a PATCH merged onto the stored
 * one). `metadataDatabase` is Change Relay's own database: watching it would deliver every
 * subscription's definition, and with it what its secrets are sealed as, to the watcher.
 */
/** Journal fields: at most 20, names like SQL columns, values dotted paths into the event. */
export function journalFieldViolations(fields: Record<string, unknown>): string[] {
  const entries = Object.entries(fields);
  const reasons: string[] = [];
  if (entries.length > SUBSCRIPTION_LIMITS.journalFields) {
    reasons.push(`at most ${SUBSCRIPTION_LIMITS.journalFields} fields, got ${entries.length}`);
  }
  for (const [name, path] of entries) {
    if (
      !JOURNAL_FIELD_NAME_PATTERN.test(name) ||
      name.length > SUBSCRIPTION_LIMITS.journalFieldNameMaxLength
    ) {
      reasons.push(
        `field name "${name}" must start with a letter or _ and contain only letters, digits and _ (at most ${SUBSCRIPTION_LIMITS.journalFieldNameMaxLength} characters)`,
      );
    }
    if (
      typeof path !== 'string' ||
      path.length > SUBSCRIPTION_LIMITS.eventPathMaxLength ||
      !EVENT_PATH_PATTERN.test(path)
    ) {
      reasons.push(`path of "${name}" ${EVENT_PATH_REASON}`);
    }
  }
  return reasons;
}

export function subscriptionViolations(
  draft: SubscriptionDraft,
  now: Date,
  options: { metadataDatabase?: string } = {},
): ErrorDetail[] {
  const details = handlerViolations(draft.handler);
  const database = draft.source.database.toLowerCase();
  if ((SYSTEM_DATABASES as readonly string[]).includes(database)) {
    details.push({
      field: 'source.database',
      reason: `${draft.source.database} is a MongoDB system database and cannot be watched`,
    });
  } else if (options.metadataDatabase?.toLowerCase() === database) {
    details.push({
      field: 'source.database',
      reason: `${draft.source.database} is Change Relay's own metadata database (MONGODB_DB) and cannot be watched`,
    });
  }
  details.push(
    ...pipelineViolations(draft.source.pipeline).map((reason) => ({
      field: 'source.pipeline',
      reason,
    })),
  );
  if (draft.retry.initialDelayMs > draft.retry.maxDelayMs) {
    details.push({
      field: 'retry.initialDelayMs',
      reason: 'initialDelayMs must not be greater than maxDelayMs',
    });
  }
  details.push(...startFromViolations(draft.startFrom, now));
  return details;
}

export function startFromViolations(
  startFrom: { position: string; timestamp?: Date | null },
  now: Date,
): ErrorDetail[] {
  const { position, timestamp } = startFrom;
  if (position === 'timestamp') {
    if (!timestamp) {
      return [
        {
          field: 'startFrom.timestamp',
          reason: 'timestamp is required when position is timestamp',
        },
      ];
    }
    if (timestamp.getTime() > now.getTime()) {
      return [{ field: 'startFrom.timestamp', reason: 'timestamp must not be in the future' }];
    }
  } else if (timestamp) {
    return [
      {
        field: 'startFrom.timestamp',
        reason: 'timestamp is only allowed when position is timestamp',
      },
    ];
  }
  return [];
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}
