import { calculateObjectSize } from 'bson';
import type { DeadLetterTruncation } from './dead-letter.types';

/**
 * The most of a change event a dead letter keeps, in BSON bytes. A document holds 16 MiB; the
 * rest is for the entry's own fields: its error (message and stack are cut to 4,096 and 16,384
 * characters, up to ~80 KB of UTF-8), ids, key and the last replays with their errors.
 */
export const STORED_EVENT_MAX_BYTES = 15 * 1024 * 1024;

/** What says which event it was and where it sits in the stream: dropped last. */
const IDENTITY = new Set(['_id', 'operationType', 'ns', 'to', 'clusterTime', 'wallTime']);

/**
 * The event as a dead letter stores it. Within `limit` it is the event itself. Past it (a
 * document near 16 MiB, or one with its pre-image), the largest fields other than the event's
 * identity are left out, biggest first, until it fits; `truncated` names them. Without this
 * limit, a dead letter that cannot be written would be retried forever, holding its
 * subscription back.
 */
export function eventToStore(
  event: Record<string, unknown>,
  limit = STORED_EVENT_MAX_BYTES,
): { event: Record<string, unknown>; truncated?: DeadLetterTruncation } {
  const eventBytes = calculateObjectSize(event);
  if (eventBytes <= limit) {
    return { event };
  }
  const bySize = Object.keys(event)
    .filter((name) => !IDENTITY.has(name))
    .map((name) => ({ name, bytes: calculateObjectSize({ [name]: event[name] }) - 5 }))
    .sort((a, b) => b.bytes - a.bytes);
  const kept: Record<string, unknown> = { ...event };
  const droppedFields: string[] = [];
  let size = eventBytes;
  for (const { name, bytes } of bySize) {
    if (size <= limit) {
      break;
    }
    delete kept[name];
    droppedFields.push(name);
    size -= bytes;
  }
  return { event: kept, truncated: { droppedFields, eventBytes } };
}
