import type { ChangeStreamOptions, Document } from 'mongodb';
import type { StreamPosition } from '../checkpoints/checkpoint.types';
import type { SubscriptionSource } from '../subscriptions/subscription.types';

/**
 * The aggregation pipeline of a subscription's database-level watch: a `$match` on the watched
 * collections and operation types (when given), then the user's own stages.
 */
export function buildWatchPipeline(source: SubscriptionSource): Document[] {
  const match: Document = {};
  if (source.collections.length > 0) {
    match['ns.coll'] = { $in: [...source.collections] };
  }
  if (source.operationTypes.length > 0) {
    match.operationType = { $in: [...source.operationTypes] };
  }
  const stages: Document[] = Object.keys(match).length > 0 ? [{ $match: match }] : [];
  return [...stages, ...source.pipeline];
}

/** Driver options of the watch: document modes as configured (server defaults left out). */
export function buildWatchOptions(
  source: SubscriptionSource,
  start: StreamPosition,
  tuning: { maxAwaitTimeMs: number; batchSize?: number },
): ChangeStreamOptions {
  const options: ChangeStreamOptions = { maxAwaitTimeMS: tuning.maxAwaitTimeMs };
  if (tuning.batchSize !== undefined) {
    options.batchSize = tuning.batchSize;
  }
  if (source.fullDocument !== 'default') {
    options.fullDocument = source.fullDocument;
  }
  if (source.fullDocumentBeforeChange !== 'off') {
    options.fullDocumentBeforeChange = source.fullDocumentBeforeChange;
  }
  if (start.kind === 'token') {
    // `startAfter`, not `resumeAfter`: the same for an event's token, and it also continues after
    // an invalidate (the watched database dropped), where `resumeAfter` fails for good.
    options.startAfter = start.resumeToken;
  } else {
    options.startAtOperationTime = start.clusterTime;
  }
  return options;
}
