import type { Timestamp } from 'bson';

export type WorkerState = 'starting' | 'running' | 'backoff' | 'stopped';

export interface WorkerCounters {
  received: number;
  delivered: number;
  retried: number;
  failedAttempts: number;
  deadLettered: number;
}

/** What the owner of a lease reports about its worker (written with lease renewals). */
export interface WorkerStatus {
  state: WorkerState;
  lastError?: { message: string; code?: number; at: Date };
  /** Cumulative over the subscription's owners (a new owner continues from the stored ones). */
  counters: WorkerCounters;
  lastEventAt?: Date;
  lastEventClusterTime?: Timestamp;
  updatedAt: Date;
}

/** The right to run a subscription. One per subscription; the token only ever grows. */
export interface Lease {
  subscription: string;
  /** Instance id of the owner (kept after release, for status). */
  owner: string;
  /** Monotonic per subscription: fences checkpoint writes of older owners. */
  token: number;
  /** Released leases have an expiry in the past. */
  expiresAt: Date;
  acquiredAt: Date;
  status: WorkerStatus;
}

export function emptyCounters(): WorkerCounters {
  return { received: 0, delivered: 0, retried: 0, failedAttempts: 0, deadLettered: 0 };
}
