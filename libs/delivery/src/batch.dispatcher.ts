import type { BatchRunner } from './batch.runner';
import type { EngineClock, TimerHandle } from './engine.clock';
import type { Batch, LaneScheduler } from './lane.scheduler';
import type { PendingEvent } from './pending.event';
import type { SlotGate } from './slot.gate';

export interface BatchDispatcherDeps<T> {
  lanes: LaneScheduler<PendingEvent<T>>;
  gate: SlotGate;
  runner: BatchRunner<T>;
  clock: EngineClock;
  batchSize: number;
  batchWaitMs: number;
  /** No more events can arrive to fill a batch: source done, draining, or maxInFlight reached. */
  batchCannotGrow(): boolean;
  /** A bug in the engine itself. */
  internalFailure(error: unknown): void;
}

/**
 * Starts batches while slots and ready lanes allow. A full batch starts at once; a partial one
 * once it waited `batchWaitMs` (measured from when events became available), or at once when
 * it cannot grow anyway. Called whenever capacity or work appears: an event admitted, a batch
 * done, a slot freed by a retry backoff, a resume.
 */
export class BatchDispatcher<T> {
  private pumping = false;
  private halted = false;
  private lingerDeadline: number | undefined;
  private lingerTimer: TimerHandle | undefined;
  /**
   * Set when the batch-wait timer fires. Timers run on the event loop's whole-millisecond clock,
   * so `clock.now()` can still read a fraction before the deadline in the callback; comparing
   * times alone would leave the partial batch waiting with no timer armed.
   */
  private lingerExpired = false;

  constructor(private readonly deps: BatchDispatcherDeps<T>) {}

  pump(): void {
    if (this.pumping || this.halted) {
      return;
    }
    const { lanes, gate, batchSize } = this.deps;
    this.pumping = true;
    try {
      while (lanes.available > 0 && gate.canTake()) {
        if (lanes.available < batchSize && !this.partialBatchDue()) {
          break;
        }
        const batch = lanes.takeBatch(batchSize) as Batch<PendingEvent<T>>;
        gate.take();
        this.deps.runner.start(batch.entries, batch);
      }
    } catch (error) {
      // A bug in the engine (a call's first attempt starts here, synchronously): not the
      // caller's problem (an admitted event, a settled batch), the engine's failure.
      this.pumping = false;
      this.deps.internalFailure(error);
      return;
    }
    this.pumping = false;
    if (lanes.available === 0 && this.lingerDeadline !== undefined) {
      this.clearLinger();
    }
  }

  /** Starts nothing more and cancels the batch-wait timer. */
  halt(): void {
    this.halted = true;
    this.clearLinger();
  }

  /** The batch settled: its lanes are free for their next events. */
  batchDone(owner: unknown): void {
    const batch = owner as Batch<PendingEvent<T>>;
    if (this.halted) {
      return;
    }
    try {
      this.deps.lanes.release(batch.lanes);
      this.pump();
    } catch (error) {
      this.deps.internalFailure(error);
    }
  }

  private partialBatchDue(): boolean {
    const { batchWaitMs, clock } = this.deps;
    if (batchWaitMs === 0 || this.deps.batchCannotGrow()) {
      return true;
    }
    if (this.lingerDeadline === undefined) {
      this.lingerDeadline = clock.now() + batchWaitMs;
      this.lingerTimer = clock.setTimeout(() => {
        this.lingerTimer = undefined;
        this.lingerExpired = true;
        this.pump();
      }, batchWaitMs);
      return false;
    }
    return this.lingerExpired || clock.now() >= this.lingerDeadline;
  }

  private clearLinger(): void {
    if (this.lingerTimer !== undefined) {
      this.deps.clock.clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
    this.lingerDeadline = undefined;
    this.lingerExpired = false;
  }
}
