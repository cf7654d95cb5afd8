import type { Checkpoint } from './delivery.types';

/**
 * Tracks which received positions are settled and answers "up to where is everything settled?".
 *
 * Every received item (event or idle token) takes the next sequence number, so `seq - 1` is
 * always the item received just before. For each unsettled event we keep the token of that
 * predecessor: when the oldest unsettled event is `s`, everything before `s` is settled and the
 * watermark is `(s - 1, token of s - 1)`. Settled events need no memory at all, so the tracker
 * holds O(unsettled) entries however far other keys run ahead of a stuck one.
 */
export class WatermarkTracker {
  /** seq of each unsettled event -> token of the item received just before it. In seq order. */
  private readonly unsettled = new Map<number, unknown>();
  private lastSeq = 0;
  private lastToken: unknown = undefined;

  /** Registers a received event and returns its sequence number. */
  receiveEvent(token: unknown): number {
    const seq = ++this.lastSeq;
    // Map iteration follows insertion order, and seqs are inserted increasing, so the first key
    // is always the oldest unsettled event.
    this.unsettled.set(seq, this.lastToken);
    this.lastToken = token;
    return seq;
  }

  /** Registers an idle resume token: settled on receipt. Returns its sequence number. */
  receiveIdle(token: unknown): number {
    const seq = ++this.lastSeq;
    this.lastToken = token;
    return seq;
  }

  /** Marks an event settled. Settling twice, or an unknown seq, is a no-op. */
  settle(seq: number): boolean {
    return this.unsettled.delete(seq);
  }

  get unsettledCount(): number {
    return this.unsettled.size;
  }

  get highestSeq(): number {
    return this.lastSeq;
  }

  /** The highest position with every predecessor settled, or null before anything settled. */
  watermark(): Checkpoint | null {
    if (this.unsettled.size === 0) {
      return this.lastSeq === 0 ? null : { seq: this.lastSeq, token: this.lastToken };
    }
    const oldest = this.unsettled.entries().next().value as [number, unknown];
    const [seq, previousToken] = oldest;
    return seq === 1 ? null : { seq: seq - 1, token: previousToken };
  }
}
