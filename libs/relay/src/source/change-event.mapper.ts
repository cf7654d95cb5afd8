import { EJSON, type Timestamp } from 'bson';
import type {
  ChangeEventEnvelope,
  ChangeNamespace,
  UpdateDescription,
} from '../handlers/change-event.envelope';
import type { Subscription } from '../subscriptions/subscription.types';

/** A change event as the driver returns it (only the fields the runtime reads are typed). */
export interface RawChangeEvent {
  _id: unknown;
  operationType: string;
  ns?: { db: string; coll?: string };
  to?: { db: string; coll?: string };
  documentKey?: Record<string, unknown>;
  fullDocument?: Record<string, unknown> | null;
  fullDocumentBeforeChange?: Record<string, unknown> | null;
  updateDescription?: UpdateDescription;
  clusterTime?: Timestamp;
  wallTime?: Date;
  [field: string]: unknown;
}

/**
 * The stable id of an event: its resume token's `_data` (what MongoDB itself uses to resume
 * after it). Tokens of other shapes are serialised canonically so the id is still stable.
 */
export function eventIdOf(token: unknown): string {
  if (typeof token === 'object' && token !== null) {
    const data = (token as { _data?: unknown })._data;
    if (typeof data === 'string') {
      return data;
    }
  }
  return EJSON.stringify(token, { relaxed: false });
}

/**
 * The ordering key: canonical Extended JSON of the documentKey, so `{_id: 1}` and
 * `{_id: 1.0}` stay distinct like in MongoDB and field order is what the server sent.
 * Events without a document (drop, rename, ...) are keyed by their namespace.
 */
export function orderingKeyOf(event: RawChangeEvent): string {
  if (event.documentKey) {
    return singleIdKey(event.documentKey) ?? EJSON.stringify(event.documentKey, { relaxed: false });
  }
  const ns = event.ns ? `${event.ns.db}.${event.ns.coll ?? ''}` : '';
  return `ns:${ns}`;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/**
 * The canonical Extended JSON of `{_id: value}` for the usual ids (string, int32, ObjectId),
 * written directly: serialising every event's key through EJSON showed in profiles. The same
 * text as `EJSON.stringify(documentKey, { relaxed: false })` (a spec holds them equal), so keys
 * stored with dead letters still match; undefined for any other shape.
 */
function singleIdKey(documentKey: Record<string, unknown>): string | undefined {
  let fields = 0;
  for (const name in documentKey) {
    if (++fields > 1 || name !== '_id') {
      return undefined;
    }
  }
  const id = documentKey._id;
  if (typeof id === 'string') {
    return `{"_id":${JSON.stringify(id)}}`;
  }
  if (
    typeof id === 'number' &&
    Number.isInteger(id) &&
    id >= INT32_MIN &&
    id <= INT32_MAX &&
    !Object.is(id, -0)
  ) {
    return `{"_id":{"$numberInt":"${id}"}}`;
  }
  if (
    typeof id === 'object' &&
    id !== null &&
    (id as { _bsontype?: unknown })._bsontype === 'ObjectId'
  ) {
    return `{"_id":{"$oid":"${(id as { toHexString(): string }).toHexString()}"}}`;
  }
  return undefined;
}

/** Builds what the handler receives; fields the event does not have are left out. */
export function toEnvelope(
  event: RawChangeEvent,
  subscription: Subscription,
  attempt: number,
): ChangeEventEnvelope {
  const envelope: ChangeEventEnvelope = {
    id: eventIdOf(event._id),
    subscription: subscription.name,
    service: subscription.serviceName,
    operationType: event.operationType,
    ns: namespace(event.ns),
    attempt,
  };
  if (event.documentKey !== undefined) {
    envelope.documentKey = event.documentKey;
  }
  if (event.fullDocument !== undefined) {
    envelope.fullDocument = event.fullDocument;
  }
  if (event.fullDocumentBeforeChange !== undefined) {
    envelope.fullDocumentBeforeChange = event.fullDocumentBeforeChange;
  }
  if (event.updateDescription !== undefined) {
    envelope.updateDescription = event.updateDescription;
  }
  if (event.to !== undefined) {
    envelope.to = namespace(event.to);
  }
  if (event.clusterTime !== undefined) {
    envelope.clusterTime = event.clusterTime;
  }
  if (event.wallTime !== undefined) {
    envelope.wallTime = event.wallTime;
  }
  return envelope;
}

function namespace(ns: { db: string; coll?: string } | undefined): ChangeNamespace {
  if (!ns) {
    return { db: '' };
  }
  return ns.coll === undefined ? { db: ns.db } : { db: ns.db, coll: ns.coll };
}
