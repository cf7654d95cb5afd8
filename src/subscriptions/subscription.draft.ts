import { EJSON } from 'bson';
import { DEFAULT_JOURNAL_SETTINGS, type HandlerSpec, type Subscription } from '@app/relay';
import type { CreateSubscriptionInput } from './dto/create-subscription.input';
import type { UpdateSubscriptionInput } from './dto/update-subscription.input';
import { SUBSCRIPTION_DEFAULTS } from './subscription.defaults';
import type { HandlerDraft, SubscriptionDraft } from './subscription.rules';
import { pipelineFromExtendedJson } from './subscription.view';

/** The operator-defined fields of a stored subscription: what `sameDefinition` compares. */
const DEFINITION_FIELDS = [
  'name',
  'serviceName',
  'description',
  'source',
  'handler',
  'delivery',
  'retry',
  'deadLetter',
  'journal',
  'correlation',
  'startFrom',
] as const satisfies readonly (keyof Subscription)[];

export type SubscriptionDefinition = Pick<Subscription, (typeof DEFINITION_FIELDS)[number]>;

/** Keeps the fields that were given: undefined and null (GraphQL's "not given") both mean "leave as is". */
function given<T extends object>(input: T | null | undefined): Partial<T> {
  if (!input) {
    return {};
  }
  return Object.fromEntries(
    Object.entries(input).filter(([, value]) => value !== undefined && value !== null),
  ) as Partial<T>;
}

/** A create input with every default applied; still to be checked by subscriptionViolations. */
export function draftFromCreateInput(
  input: CreateSubscriptionInput,
  defaultServiceName: string,
): SubscriptionDraft {
  const source = given(input.source);
  return {
    name: input.name,
    serviceName: input.serviceName ?? defaultServiceName,
    description: input.description ?? SUBSCRIPTION_DEFAULTS.description,
    source: {
      ...SUBSCRIPTION_DEFAULTS.source,
      ...source,
      database: input.source.database,
      collections: source.collections ?? [],
      operationTypes: source.operationTypes ?? [],
      pipeline: pipelineFromExtendedJson(source.pipeline ?? []),
    },
    handler: given(input.handler) as HandlerDraft,
    delivery: { ...SUBSCRIPTION_DEFAULTS.delivery, ...given(input.delivery) },
    retry: { ...SUBSCRIPTION_DEFAULTS.retry, ...given(input.retry) },
    deadLetter: { ...SUBSCRIPTION_DEFAULTS.deadLetter, ...given(input.deadLetter) },
    journal: { ...DEFAULT_JOURNAL_SETTINGS, ...given(input.journal) },
    ...correlationFrom(input.correlation),
    startFrom: { ...SUBSCRIPTION_DEFAULTS.startFrom, ...given(input.startFrom) },
  };
}

/**
 * A PATCH merged onto the stored subscription: objects merge field by field, arrays and headers
 * are replaced, and a handler of another type replaces the handler (so stale webhook fields do
 * not linger on a provider handler). The merged result is then checked as a whole.
 */
export function draftFromPatch(
  current: Subscription,
  patch: UpdateSubscriptionInput,
): SubscriptionDraft {
  const source = given(patch.source);
  return {
    name: current.name,
    serviceName: patch.serviceName ?? current.serviceName,
    description: patch.description ?? current.description,
    source: {
      ...current.source,
      ...source,
      pipeline: source.pipeline
        ? pipelineFromExtendedJson(source.pipeline)
        : current.source.pipeline,
    },
    handler: mergeHandler(current.handler, patch.handler),
    delivery: { ...current.delivery, ...given(patch.delivery) },
    retry: { ...current.retry, ...given(patch.retry) },
    deadLetter: { ...current.deadLetter, ...given(patch.deadLetter) },
    journal: { ...DEFAULT_JOURNAL_SETTINGS, ...current.journal, ...given(patch.journal) },
    ...(patch.correlation
      ? correlationFrom(patch.correlation)
      : current.correlation
        ? { correlation: current.correlation }
        : {}),
    startFrom: current.startFrom,
  };
}

/** Only the given paths (GraphQL sends null for a missing processPath). */
function correlationFrom(
  input: CreateSubscriptionInput['correlation'],
): Pick<Subscription, 'correlation'> {
  if (!input) {
    return {};
  }
  return {
    correlation: {
      idPath: input.idPath,
      ...(input.processPath ? { processPath: input.processPath } : {}),
    },
  };
}

function mergeHandler(
  current: HandlerSpec,
  patch: UpdateSubscriptionInput['handler'],
): HandlerDraft {
  const changes = given(patch);
  if (changes.type && changes.type !== current.type) {
    return changes as HandlerDraft;
  }
  return { ...given(current as HandlerDraft), ...changes, type: current.type };
}

/** The stored form of a draft that passed the rules: only the handler type's own fields, defaults filled in. */
export function definitionFromDraft(draft: SubscriptionDraft): SubscriptionDefinition {
  return { ...draft, handler: handlerSpecFromDraft(draft.handler) };
}

function handlerSpecFromDraft(handler: HandlerDraft): HandlerSpec {
  switch (handler.type) {
    case 'provider':
      return { type: 'provider', name: requireField(handler.name, 'name') };
    case 'webhook': {
      const spec: HandlerSpec = {
        type: 'webhook',
        url: requireField(handler.url, 'url'),
        timeoutMs: handler.timeoutMs ?? SUBSCRIPTION_DEFAULTS.webhook.timeoutMs,
        headers: { ...(handler.headers ?? SUBSCRIPTION_DEFAULTS.webhook.headers) },
      };
      if (handler.secret !== undefined) {
        spec.secret = handler.secret;
      }
      return spec;
    }
  }
}

function requireField<T>(value: T | undefined, field: string): T {
  if (value === undefined) {
    // The rules refuse such a draft first; reaching this is a programming error.
    throw new Error(`handler.${field} missing after validation`);
  }
  return value;
}

/** Whether two subscriptions define the same thing (BSON values by type and value, any key order). */
export function sameDefinition(a: SubscriptionDefinition, b: SubscriptionDefinition): boolean {
  return canonical(definitionOf(a)) === canonical(definitionOf(b));
}

/** Only the definition's fields: a stored subscription also carries revision, state and times. */
function definitionOf(subscription: SubscriptionDefinition): SubscriptionDefinition {
  return Object.fromEntries(
    DEFINITION_FIELDS.map((field) => [field, subscription[field]]),
  ) as SubscriptionDefinition;
}

function canonical(value: SubscriptionDefinition): string {
  return JSON.stringify(sortKeys(EJSON.serialize(value, { relaxed: false })));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
