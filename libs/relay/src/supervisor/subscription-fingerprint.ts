import { EJSON } from 'bson';
import type { Subscription } from '../subscriptions/subscription.types';

/**
 * What a running worker depends on. When it changes the worker restarts (from its checkpoint)
 * with the new definition; pause/resume and stale are handled separately.
 */
export function workerFingerprint(subscription: Subscription): string {
  const {
    serviceName,
    source,
    handler,
    delivery,
    retry,
    deadLetter,
    startAtOperationTime,
    epoch,
    revision,
  } = subscription;
  return EJSON.stringify(
    {
      serviceName,
      source,
      handler,
      delivery,
      retry,
      deadLetter,
      startAtOperationTime,
      epoch,
      revision,
    },
    { relaxed: false },
  );
}
