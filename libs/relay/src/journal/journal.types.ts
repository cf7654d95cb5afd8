/**
 * The event journal: one record per event a subscription with `journal.enabled` handled, in
 * the `event_journal` collection of the metadata database. Written in bulk batches off the
 * delivery path by the `JournalWriter`; read by the process and interaction analytics (and the
 * SQL table `CHANGE_STREAM_EVENTS()`). A stored record leaves out the fields that have no value
 * (`StoredJournalRecord`: fewer bytes to write, parse and keep per event); the readers give them
 * back as null (`JournalRecord`).
 */

export const JOURNAL_COLLECTION = 'event_journal';

/**
 * How an event ended:
 * - `delivered`: the handler accepted the event from the stream;
 * - `dead-lettered`: it failed for good and was stored in the dead-letter queue;
 * - `failed`: it failed for good and was not stored (dead-letter queue disabled), or a replay
 *   of it failed again;
 * - `replayed`: a dead-letter replay delivered it;
 * - `pending`: received and not settled yet after a flush interval (queued, or retrying); the
 *   record is replaced by the final one when the event settles.
 */
export const JOURNAL_OUTCOMES = [
  'delivered',
  'failed',
  'dead-lettered',
  'replayed',
  'pending',
] as const;
export type JournalOutcome = (typeof JOURNAL_OUTCOMES)[number];

/** Outcomes that count as a success of the event, and as its failure. */
export const SUCCESS_OUTCOMES: readonly JournalOutcome[] = ['delivered', 'replayed'];
export const FAILURE_OUTCOMES: readonly JournalOutcome[] = ['failed', 'dead-lettered'];

/** The error of the last attempt of a failed event. */
export interface JournalError {
  message: string;
  code: string | number | null;
}

/** Fields a stored record leaves out when they are null. */
export const NULLABLE_JOURNAL_FIELDS = [
  'sourceService',
  'documentKey',
  'processId',
  'changedAt',
  'completedAt',
  'error',
] as const;
type NullableJournalField = (typeof NULLABLE_JOURNAL_FIELDS)[number];

/** A record as written: the `NULLABLE_JOURNAL_FIELDS` only when they have a value. */
export type StoredJournalRecord = Omit<JournalRecord, NullableJournalField> &
  Partial<Pick<JournalRecord, NullableJournalField>>;

/** A record as read (every field present, null when it has no value). */
export interface JournalRecord {
  /**
   * `${subscription}|${eventId}` for an event from the stream (a redelivery after a crash
   * writes the same id, so it is journaled once); `${subscription}|${eventId}|replay|${ms}`
   * for a replay of a dead letter.
   */
  _id: string;
  /** The event's stable id (its resume token's `_data`), as in the envelope and dead letters. */
  eventId: string;
  /** The subscription that handled it. */
  subscription: string;
  /** The subscriber: the subscription's `serviceName`. */
  service: string;
  /** The service owning the watched collection (`source.ownerService`), or null. */
  sourceService: string | null;
  /** Namespace of the change (`coll` null for database-level events). */
  ns: { db: string; coll: string | null };
  /** insert, update, replace, delete, ... */
  operationType: string;
  /** The change's documentKey (raw BSON values), or null. */
  documentKey: Record<string, unknown> | null;
  /**
   * The business process the event belongs to: the value at `correlation.idPath` (as a
   * string); without one, `txn:` + lsid id + `:` + txnNumber for events of a transaction;
   * otherwise the event id.
   */
  correlationId: string;
  /** The value at `correlation.processPath` (as a string), or null. */
  processId: string | null;
  outcome: JournalOutcome;
  /** Handler attempts made (the successful one included). */
  attempts: number;
  /** When the change happened (its wallTime, else its cluster time), or null. */
  changedAt: Date | null;
  /** When this instance read the event from the stream (or the replay started). */
  receivedAt: Date;
  /** When the outcome was reached (handler success, dead-letter stored, replay ended); null while pending. */
  completedAt: Date | null;
  /** Time in the handler: the successful (or last failed) attempt, in ms. */
  handlingMs: number;
  /** End to end: changedAt → completedAt in ms (receivedAt → completedAt without a time); so far while pending. */
  latencyMs: number;
  /** BSON size of the change event in bytes. */
  sizeBytes: number;
  /** The subscription's `journal.fields`: name → value at its path (null when missing). */
  fields: Record<string, unknown>;
  /** The last attempt's error, for failed and dead-lettered events; else null. */
  error: JournalError | null;
  /** TTL: completedAt (receivedAt while pending) + the subscription's `journal.retentionHours`. */
  expireAt: Date;
}
