import { EJSON, type Timestamp } from 'bson';
import {
  DEFAULT_JOURNAL_SETTINGS,
  SecretCipher,
  subscriptionState,
  type HandlerSpec,
  type Subscription,
  errorMessage,
} from '@app/relay';
import type { HandlerView, SubscriptionView } from './dto/subscription.model';
import { SubscriptionErrors } from './subscriptions.errors';

/**
 * Header values are sealed unless declared public, and sealed ones are shown masked, like the
 * signing secret; values stored before encryption at rest are masked by their name.
 */
const CREDENTIAL_HEADER =
  /authorization|cookie|token|secret|password|api[-_]?key|signature|credential/i;
export const MASKED_VALUE = '***';

/** What an API returns for a stored subscription: no secrets, times as dates, pipeline as Extended JSON. */
export function toSubscriptionView(subscription: Subscription): SubscriptionView {
  const { source, stale } = subscription;
  return {
    name: subscription.name,
    serviceName: subscription.serviceName,
    description: subscription.description,
    createdBy: subscription.createdBy,
    source: {
      database: source.database,
      collections: source.collections,
      operationTypes: source.operationTypes,
      pipeline: pipelineToExtendedJson(source.pipeline),
      fullDocument: source.fullDocument,
      fullDocumentBeforeChange: source.fullDocumentBeforeChange,
      ...(source.ownerService ? { ownerService: source.ownerService } : {}),
    },
    handler: toHandlerView(subscription.handler),
    delivery: { ...subscription.delivery },
    retry: { ...subscription.retry },
    deadLetter: { ...subscription.deadLetter },
    journal: {
      ...DEFAULT_JOURNAL_SETTINGS,
      ...subscription.journal,
      fields: { ...subscription.journal?.fields },
    },
    ...(subscription.correlation ? { correlation: { ...subscription.correlation } } : {}),
    startFrom: { ...subscription.startFrom },
    startAt: timestampToDate(subscription.startAtOperationTime),
    desiredState: subscription.desiredState,
    state: subscriptionState(subscription),
    stale: stale ? { ...stale } : undefined,
    revision: subscription.revision,
    createdAt: subscription.createdAt,
    updatedAt: subscription.updatedAt,
  };
}

function toHandlerView(handler: HandlerSpec): HandlerView {
  switch (handler.type) {
    case 'provider':
      return { type: 'provider', name: handler.name };
    case 'webhook':
      return {
        type: 'webhook',
        name: 'webhook',
        url: handler.url,
        secretSet: Boolean(handler.secret),
        timeoutMs: handler.timeoutMs,
        headers: Object.fromEntries(
          Object.entries(handler.headers).map(([name, value]) => [
            name,
            SecretCipher.isSealed(value) || CREDENTIAL_HEADER.test(name) ? MASKED_VALUE : value,
          ]),
        ),
      };
  }
}

/**
 * Pipelines arrive as Extended JSON (so `{"$oid": …}` or `{"$date": …}` match real BSON values)
 * and are stored as BSON; they go back out as relaxed Extended JSON.
 */
export function pipelineFromExtendedJson(
  pipeline: Record<string, unknown>[],
): Record<string, unknown>[] {
  try {
    return EJSON.deserialize(pipeline, { relaxed: true }) as Record<string, unknown>[];
  } catch (error) {
    // The rules check Extended JSON first; this keeps anything they miss a 400, not a 500.
    throw SubscriptionErrors.invalid([
      {
        field: 'source.pipeline',
        reason: `invalid Extended JSON: ${errorMessage(error)}`,
      },
    ]);
  }
}

export function pipelineToExtendedJson(
  pipeline: Record<string, unknown>[],
): Record<string, unknown>[] {
  return EJSON.serialize(pipeline, { relaxed: true }) as unknown as Record<string, unknown>[];
}

/** A cluster time as the wall-clock second it stands for. */
export function timestampToDate(timestamp: Timestamp): Date {
  return new Date(timestamp.t * 1000);
}
