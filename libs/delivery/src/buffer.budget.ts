import { InvalidEngineOptionsError } from './delivery.errors';

export interface BufferBudgetLimits {
  /** Events buffered (admitted, not yet settled) by all members together. */
  maxEvents: number;
  /** Bytes of those events, as weighed by each engine's `weigh`. */
  maxBytes: number;
}

export interface BufferBudgetUsage {
  events: number;
  bytes: number;
  members: number;
  peakEvents: number;
  peakBytes: number;
}

/**
 * One process-wide budget for buffered events, shared fairly by many delivery engines
 * (DESIGN.md section 8): with 500 workers, a per-engine `maxInFlight` alone would let them
 * buffer 500 times as much.
 *
 * Each engine joins once (`join()`) and gets a `BudgetShare`. A share may admit while it holds
 * fewer than its fair limits, `max(1, floor(maxEvents / members))` events and
 * `max(1, floor(maxBytes / members))` bytes, and while the pool as a whole is below
 * `maxEvents` events (and `maxBytes` bytes). Guarantees:
 *
 * - Held events never exceed `maxEvents`, even just after a member joins while the others hold
 *   more than their new fair limits (they then admit nothing until they are back under it).
 * - Bytes may overshoot `maxBytes` by at most one event per member: a share that holds nothing
 *   may always take one event, whatever it weighs, so an event heavier than a fair byte share
 *   still goes through (progress rule).
 * - A member that leaves raises the others' fair limits, and a share refused because the pool
 *   was full is told when room frees: `onRaise` listeners run in both cases.
 */
export class BufferBudget {
  readonly maxEvents: number;
  readonly maxBytes: number;
  /** @internal */ events = 0;
  /** @internal */ bytes = 0;
  /** @internal */ fairEvents: number;
  /** @internal */ fairBytes: number;
  private peakEvents = 0;
  private peakBytes = 0;
  private readonly members = new Set<BudgetShare>();
  /** Shares refused because the pool (not their own share) was full. */
  private readonly waiting = new Set<BudgetShare>();

  constructor(limits: BufferBudgetLimits) {
    if (typeof limits !== 'object' || limits === null) {
      throw new InvalidEngineOptionsError('budget', 'must be an object');
    }
    integerAtLeastOne('maxEvents', limits.maxEvents);
    integerAtLeastOne('maxBytes', limits.maxBytes);
    this.maxEvents = limits.maxEvents;
    this.maxBytes = limits.maxBytes;
    this.fairEvents = this.maxEvents;
    this.fairBytes = this.maxBytes;
  }

  /** A share for one engine's life; give it to the engine, which leaves when it finishes. */
  join(): BudgetShare {
    const share = new BudgetShare(this);
    this.members.add(share);
    this.refreshFairLimits();
    return share;
  }

  usage(): BufferBudgetUsage {
    return {
      events: this.events,
      bytes: this.bytes,
      members: this.members.size,
      peakEvents: this.peakEvents,
      peakBytes: this.peakBytes,
    };
  }

  /** @internal Called by a share that took an event. */
  noteTaken(bytes: number): void {
    this.events++;
    this.bytes += bytes;
    if (this.events > this.peakEvents) {
      this.peakEvents = this.events;
    }
    if (this.bytes > this.peakBytes) {
      this.peakBytes = this.bytes;
    }
  }

  /** @internal Called by a share that gave events back. */
  noteGiven(events: number, bytes: number): void {
    this.events -= events;
    this.bytes -= bytes;
    if (this.waiting.size > 0 && this.events < this.maxEvents) {
      this.wake([...this.waiting]);
    }
  }

  /** @internal The pool, not the share's own limit, refused `share`. */
  noteWaiting(share: BudgetShare): void {
    this.waiting.add(share);
  }

  /** @internal */
  remove(share: BudgetShare): void {
    this.members.delete(share);
    this.waiting.delete(share);
    const { fairEvents, fairBytes } = this;
    this.refreshFairLimits();
    if (this.fairEvents > fairEvents || this.fairBytes > fairBytes) {
      this.wake([...this.members]);
    } else if (this.waiting.size > 0) {
      this.wake([...this.waiting]);
    }
  }

  private refreshFairLimits(): void {
    const members = Math.max(1, this.members.size);
    this.fairEvents = Math.max(1, Math.floor(this.maxEvents / members));
    this.fairBytes = Math.max(1, Math.floor(this.maxBytes / members));
  }

  private wake(shares: BudgetShare[]): void {
    for (const share of shares) {
      this.waiting.delete(share);
    }
    for (const share of shares) {
      share.raised();
    }
  }
}

/**
 * One engine's part of a `BufferBudget`. The engine asks `canAdmit()` before it admits an event,
 * `take(bytes)` when it does, `give(bytes)` when the event settles, and `leave()` when it is
 * stopped or drained (giving back whatever abandoned events still held).
 */
export class BudgetShare {
  private heldEvents = 0;
  private heldBytes = 0;
  private left = false;
  private readonly listeners: (() => void)[] = [];
  /** @internal Set by the engine that uses this share: one engine per share. */
  claimed = false;

  /** @internal Use `BufferBudget.join()`. */
  constructor(private readonly budget: BufferBudget) {}

  /** Events this share holds now. */
  get events(): number {
    return this.heldEvents;
  }

  /** Bytes this share holds now. */
  get bytes(): number {
    return this.heldBytes;
  }

  get hasLeft(): boolean {
    return this.left;
  }

  /**
   * Room for one more event: below the fair event limit, below the fair byte limit unless this
   * share holds nothing (progress rule), and the pool as a whole not full.
   */
  canAdmit(): boolean {
    const { budget } = this;
    if (this.left || this.heldEvents >= budget.fairEvents) {
      return false;
    }
    if (this.heldEvents > 0 && this.heldBytes >= budget.fairBytes) {
      return false;
    }
    if (
      budget.events >= budget.maxEvents ||
      (this.heldEvents > 0 && budget.bytes >= budget.maxBytes)
    ) {
      budget.noteWaiting(this);
      return false;
    }
    return true;
  }

  /** Records one admitted event of `bytes` bytes (after `canAdmit()`). */
  take(bytes: number): void {
    checkBytes(bytes);
    if (this.left) {
      throw new Error('BudgetShare.take() after leave()');
    }
    this.heldEvents++;
    this.heldBytes += bytes;
    this.budget.noteTaken(bytes);
  }

  /** Gives back one settled event of `bytes` bytes (the same as it was taken with). */
  give(bytes: number): void {
    if (this.left) {
      return;
    }
    checkBytes(bytes);
    if (this.heldEvents === 0) {
      throw new Error('BudgetShare.give() without a matching take()');
    }
    this.heldEvents--;
    this.heldBytes -= bytes;
    if (this.heldEvents === 0) {
      // Weights are often fractions of nothing; do not let float error pile up.
      this.heldBytes = 0;
    }
    this.budget.noteGiven(1, bytes);
  }

  /** Gives back everything still held and leaves the budget. Idempotent. */
  leave(): void {
    if (this.left) {
      return;
    }
    this.left = true;
    const { heldEvents, heldBytes } = this;
    this.heldEvents = 0;
    this.heldBytes = 0;
    this.listeners.length = 0;
    this.budget.noteGiven(heldEvents, heldBytes);
    this.budget.remove(this);
  }

  /**
   * `listener` runs (synchronously) when this share may admit again without having given
   * anything back: its fair limits rose (another member left) or the pool freed room after
   * refusing it. A throwing listener is ignored.
   */
  onRaise(listener: () => void): void {
    if (typeof listener !== 'function') {
      throw new InvalidEngineOptionsError('listener', 'must be a function');
    }
    if (!this.left) {
      this.listeners.push(listener);
    }
  }

  /** @internal */
  raised(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A listener only re-checks; its failure must not stop the others from waking.
      }
    }
  }
}

function integerAtLeastOne(option: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidEngineOptionsError(
      option,
      `must be an integer >= 1 (got ${typeof value === 'string' ? `"${value}"` : String(value)})`,
    );
  }
}

function checkBytes(bytes: number): void {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) {
    throw new RangeError(`Event bytes must be a finite number >= 0 (got ${String(bytes)})`);
  }
}
