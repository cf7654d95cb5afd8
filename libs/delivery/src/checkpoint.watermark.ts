import type { Checkpoint } from './delivery.types';

/**
 * An event as the tracker follows it: its sequence number, plus links the tracker sets. The
 * engine's own record of the event carries them, so tracking allocates nothing per event (a
 * map of unsettled events churned its hash table at tens of thousands of events per second).
 */
export interface TrackedEvent {
  readonly seq: number;
  /** Token of the item received just before this event: the watermark while it is the oldest. */
  previousToken: unknown;
  older: TrackedEvent | undefined;
  newer: TrackedEvent | undefined;
  /** Received and not yet settled. */
  unsettled: boolean;
}

/**
 * Tracks which received positions are settled and answers "up to where is everything settled?".
 *
 * Every received item (event or idle token) takes the next sequence number, so `seq - 1` is
 * always the item received just before. Each unsettled event keeps the token of that
 * predecessor: when the oldest unsettled event is `s`, everything before `s` is settled and the
 * watermark is `(s - 1, token of s - 1)`. Unsettled events are linked oldest to newest (in seq
 * order, since they are received in that order); settling unlinks one. Settled events need no
 * memory at all, so the tracker holds O(unsettled) entries however far other keys run ahead of
 * a stuck one.
 */
export class WatermarkTracker<E extends TrackedEvent = TrackedEvent> {
  private oldest: TrackedEvent | undefined;
  private newest: TrackedEvent | undefined;
  private count = 0;
  private lastSeq = 0;
  private lastToken: unknown = undefined;

  /** The sequence number the next received item takes. */
  get nextSeq(): number {
    return this.lastSeq + 1;
  }

  /** Registers a received event, whose `seq` must be `nextSeq`. */
  receiveEvent(event: E, token: unknown): void {
    if (event.seq !== this.lastSeq + 1) {
      throw new Error(`Expected event ${this.lastSeq + 1}, got ${event.seq}`);
    }
    this.lastSeq = event.seq;
    event.previousToken = this.lastToken;
    event.older = this.newest;
    event.newer = undefined;
    event.unsettled = true;
    if (this.newest === undefined) {
      this.oldest = event;
    } else {
      this.newest.newer = event;
    }
    this.newest = event;
    this.count++;
    this.lastToken = token;
  }

  /** Registers an idle resume token: settled on receipt. Returns its sequence number. */
  receiveIdle(token: unknown): number {
    const seq = ++this.lastSeq;
    this.lastToken = token;
    return seq;
  }

  /** Marks an event settled. Settling twice, or an event never received, is a no-op. */
  settle(event: E): boolean {
    if (!event.unsettled) {
      return false;
    }
    event.unsettled = false;
    const { older, newer } = event;
    if (older === undefined) {
      this.oldest = newer;
    } else {
      older.newer = newer;
    }
    if (newer === undefined) {
      this.newest = older;
    } else {
      newer.older = older;
    }
    event.older = event.newer = undefined;
    this.count--;
    return true;
  }

  get unsettledCount(): number {
    return this.count;
  }

  get highestSeq(): number {
    return this.lastSeq;
  }

  /** The highest position with every predecessor settled, or null before anything settled. */
  watermark(): Checkpoint | null {
    const oldest = this.oldest;
    if (oldest === undefined) {
      return this.lastSeq === 0 ? null : { seq: this.lastSeq, token: this.lastToken };
    }
    return oldest.seq === 1 ? null : { seq: oldest.seq - 1, token: oldest.previousToken };
  }
}
