import { Query } from 'mingo';
import type { RawChangeEvent } from '../change-event.mapper';
import type { SubscriptionSource } from '../../subscriptions/subscription.types';

/**
 * What a subscription's own change stream would let through, evaluated in process on the
 * events of a shared stream: its collections, its operation types and its pipeline's `$match`
 * stages (with mingo, the query engine the emulator uses too). A pipeline with any other stage
 * reshapes events: such a subscription keeps a stream of its own (`undefined`).
 */
export type MemberFilter = (event: RawChangeEvent) => boolean;

export function memberFilterFor(source: SubscriptionSource): MemberFilter | undefined {
  const matches: Record<string, unknown>[] = [];
  for (const stage of source.pipeline) {
    const names = Object.keys(stage);
    if (names.length !== 1 || names[0] !== '$match') {
      return undefined;
    }
    matches.push(stage.$match as Record<string, unknown>);
  }
  let query: Query | undefined;
  if (matches.length > 0) {
    try {
      query = new Query(matches.length === 1 ? matches[0] : { $and: matches }, {
        idKey: '_id',
        useStrictMode: true,
        scriptEnabled: false,
      });
    } catch {
      // Not understood here: the server judges it on a stream of the subscription's own.
      return undefined;
    }
  }
  const collections = source.collections.length > 0 ? new Set(source.collections) : undefined;
  const operations =
    source.operationTypes.length > 0 ? new Set<string>(source.operationTypes) : undefined;
  return (event) => {
    if (collections && !(event.ns?.coll !== undefined && collections.has(event.ns.coll))) {
      return false;
    }
    if (operations && !operations.has(event.operationType)) {
      return false;
    }
    return query === undefined || query.test(event);
  };
}

/**
 * Subscriptions share a stream when it is opened identically for them: same database and the
 * same document modes (the shared stream carries what each would get from its own).
 */
export function sharedStreamKey(source: SubscriptionSource): string {
  return JSON.stringify([source.database, source.fullDocument, source.fullDocumentBeforeChange]);
}
