export type DeadLetterStatus = 'pending' | 'replayed' | 'discarded';

export interface DeadLetterError {
  name: string;
  message: string;
  stack?: string;
  code?: number | string;
}

/** An event that failed for good, kept until `expireAt` (TTL index). */
export interface DeadLetter {
  id: string;
  subscription: string;
  eventId: string;
  /** The raw change event, as the stream produced it. */
  event: Record<string, unknown>;
  key: string;
  attempts: number;
  error: DeadLetterError;
  status: DeadLetterStatus;
  createdAt: Date;
  updatedAt: Date;
  expireAt: Date;
}

export interface NewDeadLetter {
  subscription: string;
  eventId: string;
  event: Record<string, unknown>;
  key: string;
  attempts: number;
  error: DeadLetterError;
  retentionDays: number;
}
