import type { BufferAccount } from './buffer.account';
import { InvalidSubmissionError } from './delivery.errors';
import type { EngineHooks, SubmitItem, SubmitOutcome } from './delivery.types';
import type { EngineClock } from './engine.clock';
import { callHook } from './engine.hooks';
import { FifoQueue } from './fifo.queue';
import type { PendingEvent } from './pending.event';
import { SubmittedEvent } from './pending.event';

export interface SubmitIntakeDeps<T> {
  /** Room for one more event now (state, pause, maxInFlight and budget allow it). */
  canAdmit(): boolean;
  /** Queues the event in its key's lane (its weight is already held). */
  enqueue(entry: SubmittedEvent<T>): void;
  /** A submission settled: room freed, and perhaps everything is settled. */
  settled(): void;
  buffer: BufferAccount<T>;
  clock: EngineClock;
  hooks: EngineHooks<T>;
}

const CANCELLED: SubmitOutcome = Object.freeze({ status: 'cancelled' });

/**
 * Events the owner submits (dead-letter replays), on their way in and in flight. A submission
 * waits here, unadmitted, until there is room (backpressure: replays cannot grow memory past
 * `maxInFlight` and the budget); waiting submissions are admitted in submission order, before
 * the source reads on. Outcomes go to the submitter's promise and the `replayed` hook.
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

  /** `accepting`: the engine takes new work (not draining or stopped); else `cancelled`. */
  submit(item: SubmitItem<T>, accepting: boolean): Promise<SubmitOutcome> {
    checkSubmitItem(item);
    const weight = this.deps.buffer.weighOf(item.payload);
    if (weight === undefined) {
      throw new InvalidSubmissionError('weigh(payload) must return a finite number >= 0');
    }
    if (!accepting) {
      return Promise.resolve(CANCELLED);
    }
    const { key, payload, id } = item;
    const entry = new SubmittedEvent(key, payload, id, this.deps.clock.now(), weight);
    if (this.waiting.length === 0 && this.deps.canAdmit()) {
      this.admit(entry);
    } else {
      this.waiting.push(entry);
    }
    return entry.done;
  }

  /** Room may have freed: admits waiting submissions, oldest first, while it lasts. */
  admitWaiting(): void {
    while (this.waiting.length > 0 && this.deps.canAdmit()) {
      this.admit(this.waiting.shift() as SubmittedEvent<T>);
    }
  }

  /** The handler delivered it, or it failed for good: resolve the submitter's promise. */
  finish(pending: PendingEvent<T>, outcome: SubmitOutcome): void {
    const entry = pending as SubmittedEvent<T>;
    if (!this.active.delete(entry)) {
      return;
    }
    this.deps.buffer.release(entry.weight);
    entry.finish(outcome);
    callHook(this.deps.hooks, 'replayed', entry.view(entry.attempts), {
      outcome,
      durationMs: this.deps.clock.now() - entry.receivedAt,
    });
    this.deps.settled();
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
    this.deps.buffer.hold(entry.weight);
    this.deps.enqueue(entry);
  }
}

function checkSubmitItem(item: unknown): void {
  if (typeof item !== 'object' || item === null) {
    throw new InvalidSubmissionError(`expected an object, got ${String(item)}`);
  }
  const { key, id } = item as { key?: unknown; id?: unknown };
  if (typeof key !== 'string') {
    throw new InvalidSubmissionError(`key must be a string, got ${typeof key}`);
  }
  if (id !== undefined && typeof id !== 'string') {
    throw new InvalidSubmissionError(`id must be a string when given, got ${typeof id}`);
  }
}
