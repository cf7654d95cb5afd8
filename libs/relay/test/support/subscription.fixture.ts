import { Timestamp } from 'bson';
import type { Subscription } from '../../src/subscriptions/subscription.types';

type Overrides = Partial<Omit<Subscription, 'source' | 'delivery' | 'retry'>> & {
  source?: Partial<Subscription['source']>;
  delivery?: Partial<Subscription['delivery']>;
  retry?: Partial<Subscription['retry']>;
};

/** A valid subscription for tests, with the API's defaults; overrides win (nested ones merge). */
export function buildSubscription(overrides: Overrides = {}): Subscription {
  const now = new Date();
  const { source, delivery, retry, ...rest } = overrides;
  return {
    name: 'test-subscription',
    serviceName: 'test-service',
    description: '',
    handler: { type: 'provider', name: 'log' },
    deadLetter: { enabled: true, retentionDays: 7 },
    startFrom: { position: 'now' },
    startAtOperationTime: new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 0 }),
    epoch: 1,
    desiredState: 'active',
    revision: 1,
    createdAt: now,
    updatedAt: now,
    ...rest,
    source: {
      database: 'app',
      collections: [],
      operationTypes: [],
      pipeline: [],
      fullDocument: 'default',
      fullDocumentBeforeChange: 'off',
      ...source,
    },
    delivery: {
      ordering: 'key',
      concurrency: 4,
      batchSize: 1,
      batchWaitMs: 0,
      timeoutMs: 10_000,
      ...delivery,
    },
    retry: {
      maxAttempts: 5,
      initialDelayMs: 50,
      maxDelayMs: 1_000,
      multiplier: 2,
      jitter: 'full',
      ...retry,
    },
  };
}
