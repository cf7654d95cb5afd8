import { EJSON } from 'bson';
import type { Subscription } from '../subscriptions/subscription.types';

/**
 * What a running worker depends on. When it changes the worker restarts (from its checkpoint,
 * or from the new start when the epoch moved) with the new definition; pause/resume and stale
 * are handled separately.
 */
const FINGERPRINT_FIELDS = [
  'serviceName',
  'source',
  'handler',
  'delivery',
  'retry',
  'deadLetter',
  'startAtOperationTime',
  'epoch',
  'revision',
] as const satisfies readonly (keyof Subscription)[];

export function workerFingerprint(subscription: Subscription): string {
  return EJSON.stringify(
    Object.fromEntries(FINGERPRINT_FIELDS.map((field) => [field, subscription[field]])),
    { relaxed: false },
  );
}
