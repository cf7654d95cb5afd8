import { changeTimeMs } from '../metrics/metrics.live';
import { eventWeight } from '../source/event-weight';
import { eventIdOf, type RawChangeEvent } from '../source/change-event.mapper';
import type { Subscription } from '../subscriptions/subscription.types';
import { correlationOf, valueAtPath } from './journal.correlation';
import type {
  JournalError,
  JournalOutcome,
  JournalRecord,
  StoredJournalRecord,
} from './journal.types';
import { cutShort, errorMessage, STORED_MESSAGE_MAX } from '../errors/error-message';

const HOUR_MS = 3_600_000;

/**
 * The most of one business field a record keeps: journal fields are meant for business values
 * (an order total, a status), and a record must stay small (and within a document's 16 MiB: a
 * batch with a record too large to insert would drop its neighbours too).
 */
const FIELD_MAX_CHARS = 4_096;
const FIELD_MAX_BYTES = 16 * 1024;

/**
 * A business field's value as a record keeps it: a long string cut short (saying its length), a
 * sub-document or array over 16 KiB replaced by a note of its size.
 */
function journaledValue(value: unknown): unknown {
  if (typeof value === 'string') {
    return cutShort(value, FIELD_MAX_CHARS);
  }
  if (typeof value !== 'object' || value === null || value instanceof Date) {
    return value;
  }
  const bytes = eventWeight(value);
  return bytes <= FIELD_MAX_BYTES ? value : `(a value of ${bytes} bytes, not journaled)`;
}

/**
 * What the hooks know of a handled event when it settles: references and numbers only. The
 * writer turns it into its record at once (the record, not the decoded event, waits for the
 * bulk write).
 */
export interface PendingEntry {
  subscription: Subscription;
  payload: RawChangeEvent;
  outcome: JournalOutcome;
  replay: boolean;
  attempts: number;
  /** Wall-clock ms. */
  receivedAt: number;
  /** Wall-clock ms; null for a pending record. */
  completedAt: number | null;
  handlingMs: number;
  error: unknown;
  /** A pending record may exist for it: the final one replaces it. */
  hadPending: boolean;
  /**
   * The event's BSON size as the engine weighed it for its buffer budget (so the journal does
   * not walk each event a second time); 0 when unknown (a replay): measured when the record is
   * built.
   */
  sizeBytes: number;
}

/** The `…|replay|<ms>` tail of a replay record's id (see `JournalRecord._id`). */
const REPLAY_ID_TAIL = /\|replay\|\d+$/;

/** Whether a record journals a dead-letter replay (rather than the event's handling from the stream). */
export function isReplayRecord(record: Pick<JournalRecord, '_id'>): boolean {
  return REPLAY_ID_TAIL.test(record._id);
}

/**
 * Builds the stored record of a handled event; fields without a value are left out (see
 * `StoredJournalRecord`).
 */
export function toRecord(entry: PendingEntry): StoredJournalRecord {
  const { subscription, payload } = entry;
  const eventId = eventIdOf(payload._id);
  const { correlationId, processId } = correlationOf(payload, eventId, subscription.correlation);
  const changedMs = changeTimeMs(payload);
  const fields: Record<string, unknown> = {};
  const paths = subscription.journal?.fields;
  if (paths) {
    for (const name in paths) {
      fields[name] = journaledValue(valueAtPath(payload, paths[name]) ?? null);
    }
  }
  const completedMs = entry.completedAt ?? Date.now();
  const retentionHours = subscription.journal?.retentionHours ?? 24;
  const record: StoredJournalRecord = {
    _id: entry.replay
      ? `${subscription.name}|${eventId}|replay|${entry.completedAt}`
      : `${subscription.name}|${eventId}`,
    eventId,
    subscription: subscription.name,
    service: subscription.serviceName,
    ns: { db: payload.ns?.db ?? '', coll: payload.ns?.coll ?? null },
    operationType: payload.operationType,
    correlationId,
    outcome: entry.outcome,
    attempts: entry.attempts,
    receivedAt: new Date(Math.round(entry.receivedAt)),
    handlingMs: Math.max(0, entry.handlingMs),
    latencyMs: Math.max(0, completedMs - (changedMs ?? entry.receivedAt)),
    sizeBytes: entry.sizeBytes > 0 ? entry.sizeBytes : eventWeight(payload),
    fields,
    expireAt: new Date((entry.completedAt ?? entry.receivedAt) + retentionHours * HOUR_MS),
  };
  const sourceService = subscription.source.ownerService;
  if (sourceService !== undefined && sourceService !== null) {
    record.sourceService = sourceService;
  }
  if (payload.documentKey !== undefined && payload.documentKey !== null) {
    record.documentKey = payload.documentKey;
  }
  if (processId !== null) {
    record.processId = processId;
  }
  if (changedMs !== undefined) {
    record.changedAt = new Date(changedMs);
  }
  if (entry.completedAt !== null) {
    record.completedAt = new Date(entry.completedAt);
  }
  if (entry.error !== undefined && entry.error !== null) {
    record.error = journalError(entry.error);
  }
  return record;
}

function journalError(error: unknown): JournalError {
  const code =
    (error as { code?: unknown; status?: unknown } | null)?.code ??
    (error as { status?: unknown } | null)?.status;
  return {
    message: cutShort(errorMessage(error), STORED_MESSAGE_MAX),
    code: typeof code === 'number' || typeof code === 'string' ? code : null,
  };
}
