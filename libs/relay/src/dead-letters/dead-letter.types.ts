export type DeadLetterStatus = 'pending' | 'replayed' | 'discarded';

export interface DeadLetterError {
  name: string;
  message: string;
  stack?: string;
  code?: number | string;
  /** Webhooks: the HTTP status of the last answer. */
  httpStatus?: number;
  /** Webhooks: the first 1 KiB of the last answer's body. */
  responseBody?: string;
}

/** Where the event sits in its subscription's stream, so entries replay in stream order. */
export interface DeadLetterPosition {
  /** The resume token's `_data` (the event id). */
  token: string;
  /** The event's cluster time, when it has one. */
  clusterTime?: { t: number; i: number };
}

/** One replay attempt of an entry. */
export interface DeadLetterReplay {
  at: Date;
  outcome: 'delivered' | 'failed';
  jobId?: string;
  attempts: number;
  error?: DeadLetterError;
}

/** What a dead letter left out of an event too large to keep whole (see `eventToStore`). */
export interface DeadLetterTruncation {
  /** Top-level fields of the change event that are not stored, largest first. */
  droppedFields: string[];
  /** The whole event's BSON size. */
  eventBytes: number;
}

/** An event that failed for good, kept until `expireAt` (TTL index). */
export interface DeadLetter {
  id: string;
  subscription: string;
  service: string;
  eventId: string;
  /** The raw change event, as the stream produced it (less `truncated.droppedFields`). */
  event: Record<string, unknown>;
  /**
   * Set when the event was too large to keep whole: it is stored without these fields, and a
   * replay refuses it (it would deliver an incomplete event).
   */
  truncated?: DeadLetterTruncation;
  key: string;
  position: DeadLetterPosition;
  /** Sorts entries of one subscription in stream order. */
  streamOrder: string;
  attempts: number;
  error: DeadLetterError;
  status: DeadLetterStatus;
  firstFailedAt: Date;
  lastFailedAt: Date;
  /** How many times it was replayed (the last `REPLAYS_KEPT` of them in `replays`). */
  replayCount: number;
  replays: DeadLetterReplay[];
  discardReason?: string;
  createdAt: Date;
  updatedAt: Date;
  expireAt: Date;
}

export interface NewDeadLetter {
  subscription: string;
  service: string;
  eventId: string;
  event: Record<string, unknown>;
  key: string;
  position: DeadLetterPosition;
  attempts: number;
  error: DeadLetterError;
  retentionDays: number;
}

/** What the API filters entries by; every field optional. */
export interface DeadLetterFilter {
  subscription?: string;
  /** Restricts to these services (a caller's scope); undefined = all. */
  services?: readonly string[];
  service?: string;
  status?: DeadLetterStatus;
  errorName?: string;
  httpStatus?: number;
  key?: string;
  ids?: readonly string[];
  /** First failure at or after. */
  from?: Date;
  /** First failure before. */
  to?: Date;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  total: number;
  /** Pass back to get the next (older) page; absent on the last page. */
  nextCursor?: string;
}

export interface DeadLetterSummary {
  bySubscription: { subscription: string; service: string; pending: number }[];
  byError: { subscription: string; errorName: string; httpStatus?: number; pending: number }[];
}

/** Retention of dead letters unless a subscription says otherwise. */
export const DEFAULT_DEAD_LETTER_RETENTION_DAYS = 30;
