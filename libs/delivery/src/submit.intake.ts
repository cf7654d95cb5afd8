import { FifoQueue } from './fifo.queue';
import type { SubmitOutcome } from './delivery.types';
import type { SubmittedEvent } from './pending.event';

export interface SubmitIntakeDeps<T> {
  /** Room for one more event now (state, pause, maxInFlight and budget allow it). */
  canAdmit(): boolean;
  /** Takes the event into its lane (and its weight into the budget). */
  admit(entry: SubmittedEvent<T>): void;
}

const CANCELLED: SubmitOutcome = Object.freeze({ status: 'cancelled' });

/**
 * Submitted events on their way in and in flight. A `submit()` waits here, unadmitted, until
 * there is room (backpressure: replays cannot grow memory past `maxInFlight` and the budget);
 * waiting submissions are admitted in submission order, before the source reads on.
 */
export class SubmitIntake<T> {
  private readonly waiting = new FifoQueue<SubmittedEvent<T>>();
  private readonly active = new Set<SubmittedEvent<T>>();

  constructor(private readonly deps: SubmitIntakeDeps<T>) {}

  /** Submitted events admitted and not yet settled. */
  get inFlight(): number {
    return this.active.size;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Nothing waiting, nothing in flight. */
  get idle(): boolean {
    return this.active.size === 0 && this.waiting.length === 0;
  }

  add(entry: SubmittedEvent<T>): void {
    if (this.waiting.length === 0 && this.deps.canAdmit()) {
      this.admit(entry);
    } else {
      this.waiting.push(entry);
    }
  }

  /** Room may have freed: admits waiting submissions, oldest first, while it lasts. */
  admitWaiting(): void {
    while (this.waiting.length > 0 && this.deps.canAdmit()) {
      this.admit(this.waiting.shift() as SubmittedEvent<T>);
    }
  }

  /** The event settled; false if it was not in flight (already settled or cancelled). */
  settled(entry: SubmittedEvent<T>): boolean {
    return this.active.delete(entry);
  }

  /** The engine stopped: every submission not settled yet resolves `cancelled`. */
  cancelAll(): void {
    const entries = [...this.active];
    this.active.clear();
    while (this.waiting.length > 0) {
      entries.push(this.waiting.shift() as SubmittedEvent<T>);
    }
    for (const entry of entries) {
      entry.finish(CANCELLED);
    }
  }

  private admit(entry: SubmittedEvent<T>): void {
    this.active.add(entry);
    this.deps.admit(entry);
  }
}

export function cancelledOutcome(): Promise<SubmitOutcome> {
  return Promise.resolve(CANCELLED);
}
