import { Timestamp } from 'bson';

/** A point in the oplog: cluster time (seconds, increment) and the index of an op inside it. */
export interface OpTime {
  readonly t: number;
  readonly i: number;
}

export function compareOpTime(a: OpTime, b: OpTime): number {
  return a.t - b.t || a.i - b.i;
}

export function toTimestamp(time: OpTime): Timestamp {
  return new Timestamp({ t: time.t, i: time.i });
}

export function fromTimestamp(value: unknown): OpTime | undefined {
  if (value instanceof Timestamp) return { t: value.t, i: value.i };
  if (value !== null && typeof value === 'object') {
    const candidate = value as { t?: unknown; i?: unknown; _bsontype?: string };
    if (typeof candidate.t === 'number' && typeof candidate.i === 'number') {
      return { t: candidate.t, i: candidate.i };
    }
  }
  return undefined;
}

/**
 * The one clock of the emulator. Every write gets a strictly greater cluster time; reads and
 * idle change streams see time move with the wall clock (like mongod's periodic no-op writes), so
 * postBatchResumeTokens advance on a quiet server too.
 */
export class LogicalClock {
  private last: OpTime = { t: 0, i: 0 };

  /** A new cluster time for a write, strictly after every time handed out so far. */
  tick(): OpTime {
    const wall = Math.floor(Date.now() / 1000);
    this.last = wall > this.last.t ? { t: wall, i: 1 } : { t: this.last.t, i: this.last.i + 1 };
    return this.last;
  }

  /** Persistence hook: after a restart, later writes must sort after every recovered one. */
  advanceTo(time: OpTime): void {
    if (compareOpTime(time, this.last) > 0) this.last = { t: time.t, i: time.i };
  }

  /** The current cluster time: every write so far is at or before it, every later write after. */
  now(): OpTime {
    const wall = Math.floor(Date.now() / 1000);
    if (wall > this.last.t) this.last = { t: wall, i: 0 };
    return this.last;
  }
}
