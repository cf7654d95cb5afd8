import { hash } from 'node:crypto';
import { EJSON } from 'bson';
import type { RawChangeEvent } from '../source/change-event.mapper';
import type { CorrelationSettings } from '../subscriptions/subscription.types';

/** The business process an event belongs to (see `JournalRecord.correlationId`). */
export interface Correlation {
  correlationId: string;
  processId: string | null;
}

/**
 * Paths split once: a journal reads the same few paths (correlation, business fields) of every
 * event. Bounded: past its size the cache starts over.
 */
const splitPaths = new Map<string, string[]>();
const MAX_SPLIT_PATHS = 1_000;

/** The value at a dotted path of the change event (`fullDocument.order.id`, `items.0.sku`). */
export function valueAtPath(root: unknown, path: string): unknown {
  let parts = splitPaths.get(path);
  if (!parts) {
    if (splitPaths.size >= MAX_SPLIT_PATHS) {
      splitPaths.clear();
    }
    parts = path.split('.');
    splitPaths.set(path, parts);
  }
  let value: unknown = root;
  for (const part of parts) {
    if (value === null || typeof value !== 'object') {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * A correlation value as text: strings as they are, ObjectIds as hex, dates as ISO strings,
 * numbers and booleans as written, anything else as relaxed Extended JSON. Null when missing.
 */
export function correlationText(value: unknown): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  const object = value as { _bsontype?: unknown; toHexString?: () => string };
  if (object._bsontype === 'ObjectId' && typeof object.toHexString === 'function') {
    return object.toHexString();
  }
  if (
    object._bsontype === 'Long' ||
    object._bsontype === 'Int32' ||
    object._bsontype === 'Double'
  ) {
    return (value as { toString(): string }).toString();
  }
  if (object._bsontype === 'Binary') {
    return (value as { toString(encoding: 'hex'): string }).toString('hex');
  }
  return EJSON.stringify(value, { relaxed: true });
}

/**
 * The id that ties events of one process together: the value at `correlation.idPath`; without
 * one (or when the event has none there), `txn:<lsid id>:<txnNumber>` for the events of one
 * transaction; otherwise the event's own id.
 */
export function correlationOf(
  event: RawChangeEvent,
  eventId: string,
  settings: CorrelationSettings | undefined,
): Correlation {
  const processId = settings?.processPath
    ? correlationText(valueAtPath(event, settings.processPath))
    : null;
  const byPath = settings ? correlationText(valueAtPath(event, settings.idPath)) : null;
  if (byPath !== null) {
    return { correlationId: byPath, processId };
  }
  const lsid = (event as { lsid?: { id?: unknown } }).lsid;
  const txnNumber = (event as { txnNumber?: unknown }).txnNumber;
  if (lsid?.id !== undefined && txnNumber !== undefined && txnNumber !== null) {
    return {
      correlationId: `txn:${correlationText(lsid.id) ?? ''}:${correlationText(txnNumber) ?? ''}`,
      processId,
    };
  }
  return { correlationId: eventId, processId };
}

/**
 * W3C trace context for a delivery: the trace id is derived from the correlation id (the same
 * for every event of a process, on every service), the parent (span) id from the event id and
 * attempt. Format `00-<32 hex>-<16 hex>-01`; neither id is ever all zeros.
 */
export function traceparentOf(correlationId: string, eventId: string, attempt: number): string {
  // One-shot hashes: a Hash object per id (two per webhook request) showed in profiles.
  const traceId = nonZero(hash('sha256', `trace:${correlationId}`, 'hex').slice(0, 32));
  const spanId = nonZero(hash('sha256', `span:${eventId}:${attempt}`, 'hex').slice(0, 16));
  return `00-${traceId}-${spanId}-01`;
}

function nonZero(hex: string): string {
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}

/**
 * Whether a correlation id is in the sample: a stable hash of the id against the rate, so all
 * events of a process (on every subscription with the same rate) are journaled or none.
 */
export function inSample(correlationId: string, sampleRate: number): boolean {
  if (sampleRate >= 1) {
    return true;
  }
  let hash = 0x811c9dc5;
  for (let i = 0; i < correlationId.length; i += 1) {
    hash ^= correlationId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 0x1_0000_0000 < sampleRate;
}
