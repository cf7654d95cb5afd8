export type WorkerState = 'starting' | 'running' | 'backoff' | 'stopped';

/**
 * What the owner of a lease says about its worker: its state and the last error. Counters and
 * latencies are telemetry and go through the metrics recorder, never through the lease.
 */
export interface WorkerStatus {
  state: WorkerState;
  lastError?: { message: string; code?: number; at: Date };
  updatedAt: Date;
}

/** The right to run a subscription. One per subscription; the token only ever grows. */
export interface Lease {
  subscription: string;
  /** Instance id of the owner (kept after release, for status). */
  owner: string;
  /** Monotonic per subscription: fences checkpoint writes of older owners. */
  token: number;
  /** Released leases have an expiry of RELEASED_AT. */
  expiresAt: Date;
  acquiredAt: Date;
  status: WorkerStatus;
}

/** The expiry a released lease gets: free at once (and recognisable in a change stream). */
export const RELEASED_AT = new Date(0);
