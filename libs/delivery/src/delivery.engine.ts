import { BatchDispatcher } from './batch.dispatcher';
import { BufferAccount } from './buffer.account';
import type { BudgetShare } from './buffer.budget';
import { BatchRunner } from './batch.runner';
import { CheckpointReporter } from './checkpoint.reporter';
import { WatermarkTracker } from './checkpoint.watermark';
import { EngineStoppedError, InvalidEngineOptionsError } from './delivery.errors';
import type {
  CheckpointSink,
  DeadLetterSink,
  DeliverySource,
  DrainResult,
  EngineHooks,
  EngineState,
  EngineStats,
  Handler,
  SourceItem,
  SourceOutcome,
  SubmitItem,
  SubmitOutcome,
} from './delivery.types';
import type { EngineClock } from './engine.clock';
import { systemClock } from './engine.clock';
import { callHook } from './engine.hooks';
import type { EngineOptions, EngineOptionsInput } from './engine.options';
import { resolveEngineOptions } from './engine.options';
import { LaneScheduler } from './lane.scheduler';
import { PendingEvent } from './pending.event';
import { SlotGate } from './slot.gate';
import { SourceReader } from './source.reader';
import { SubmitIntake } from './submit.intake';

export interface DeliveryEngineConfig<T> {
  source: DeliverySource<T>;
  handler: Handler<T>;
  deadLetter: DeadLetterSink<T>;
  onCheckpoint: CheckpointSink;
  /** Validated on construction (`InvalidEngineOptionsError`); defaults fill the rest. */
  options?: EngineOptionsInput;
  hooks?: EngineHooks<T>;
  /** Defaults to real time. Tests pass a `ManualClock`. */
  clock?: EngineClock;
  /** Uniform in [0, 1), for backoff jitter. Defaults to `Math.random`. */
  random?: () => number;
  /**
   * This engine's share of a process-wide `BufferBudget` (`budget.join()`, one per engine).
   * The engine admits only while the share allows it too, and leaves it when stopped or drained.
   */
  budget?: BudgetShare;
  /** Bytes an event's payload takes in memory, for the budget and `stats().bufferedBytes`. */
  weigh?: (payload: T) => number;
}

/**
 * Delivers a source of change events to a handler with the guarantees of DESIGN.md section 4:
 * ordering per mode, batching, retries with backoff and timeouts, dead letters, a checkpoint
 * watermark that never passes an unsettled event, and bounded in-flight work.
 *
 * Lifecycle: `start()`; `pause()`/`resume()`; `drain(graceMs)` to finish admitted work and
 * write a final checkpoint; `stop()` to abandon everything at once, as a crash would. A
 * drained or stopped engine is done: resume by building a new one on a source that restarts
 * from the last checkpoint.
 */
export class DeliveryEngine<T> {
  readonly options: EngineOptions;
  /** Resolves (never rejects) when the source ends, throws, or is closed by drain/stop. */
  readonly sourceDone: Promise<SourceOutcome>;

  private state: EngineState = 'created';
  private paused = false;
  private halted = false;
  private allSettledWaiter: ((settled: boolean) => void) | undefined;
  private draining: Promise<DrainResult> | undefined;
  private readonly hooks: EngineHooks<T>;
  private readonly clock: EngineClock;
  private readonly tracker = new WatermarkTracker<PendingEvent<T>>();
  private readonly lanes: LaneScheduler<PendingEvent<T>>;
  private readonly gate: SlotGate;
  private readonly runner: BatchRunner<T>;
  private readonly dispatcher: BatchDispatcher<T>;
  private readonly reporter: CheckpointReporter;
  private readonly reader: SourceReader<T>;
  private readonly intake: SubmitIntake<T>;
  private readonly buffer: BufferAccount<T>;
  private resolveSourceDone!: (outcome: SourceOutcome) => void;

  constructor(config: DeliveryEngineConfig<T>) {
    requireFunction('handler', config.handler);
    requireFunction('deadLetter', config.deadLetter);
    requireFunction('onCheckpoint', config.onCheckpoint);
    if (
      typeof config.source !== 'function' &&
      typeof config.source?.[Symbol.asyncIterator] !== 'function'
    ) {
      throw new InvalidEngineOptionsError('source', 'must be an AsyncIterable or a pull function');
    }
    const options = (this.options = resolveEngineOptions(config.options));
    const random = config.random ?? Math.random;
    this.hooks = config.hooks ?? {};
    this.clock = config.clock ?? systemClock;
    this.lanes = new LaneScheduler(options.ordering);
    this.gate = new SlotGate(options.ordering === 'strict' ? 1 : options.concurrency);
    this.runner = new BatchRunner<T>({
      handler: config.handler,
      deadLetter: config.deadLetter,
      options,
      clock: this.clock,
      random,
      hooks: this.hooks,
      gate: this.gate,
      settle: (entries) => this.settle(entries),
      submitFailed: (entry, error) =>
        this.intake.finish(entry, { status: 'failed', attempts: entry.attempts, error }),
      capacityFreed: () => this.dispatcher.pump(),
      internalFailure: (error) => this.internalFailure(error),
      batchDone: (batch) => this.dispatcher.batchDone(batch),
    });
    this.dispatcher = new BatchDispatcher<T>({
      lanes: this.lanes,
      gate: this.gate,
      runner: this.runner,
      clock: this.clock,
      batchSize: options.batchSize,
      batchWaitMs: options.batchWaitMs,
      batchCannotGrow: () =>
        this.state === 'draining' || this.reader.finished !== undefined || !this.hasRoom(),
      internalFailure: (error) => this.internalFailure(error),
    });
    this.reporter = new CheckpointReporter({
      tracker: this.tracker,
      sink: config.onCheckpoint,
      clock: this.clock,
      random,
      intervalMs: options.checkpointIntervalMs,
      every: options.checkpointEvery,
      retry: options.retry,
      hooks: this.hooks,
    });
    this.reader = new SourceReader(config.source, {
      canAdmit: () => this.state === 'running' && !this.paused && this.hasRoom(),
      hasRoom: () => this.hasRoom(),
      admit: (item) => this.admit(item),
    });
    // Last: the share is claimed only once nothing else can fail.
    this.buffer = new BufferAccount(config.budget, config.weigh);
    this.buffer.onRaise(() => this.roomFreed());
    this.intake = new SubmitIntake<T>({
      canAdmit: () =>
        (this.state === 'running' || this.state === 'draining') && !this.paused && this.hasRoom(),
      enqueue: (entry) => {
        this.lanes.enqueue(entry);
        this.dispatcher.pump();
      },
      settled: () => {
        if (this.inFlight() === 0 && this.intake.idle) {
          this.allSettledWaiter?.(true);
        }
        this.roomFreed();
      },
      buffer: this.buffer,
      clock: this.clock,
      hooks: this.hooks,
    });
    this.sourceDone = new Promise((resolve) => (this.resolveSourceDone = resolve));
    void this.reader.done.then((outcome) => {
      this.resolveSourceDone(outcome);
      this.sourceFinished();
    });
  }

  /** Starts pulling the source. */
  start(): void {
    if (this.state !== 'created') {
      throw new Error(`Cannot start a delivery engine that is ${this.state}`);
    }
    this.state = 'running';
    this.intake.admitWaiting();
    this.reader.start();
  }

  /**
   * Delivers an event the owner submits (a dead-letter replay) through this engine, in its
   * key's lane: per-key order and single flight hold between it and live events. It is handled
   * with the same retries, backoff and timeout, in a batch of its own, but it has no stream
   * position: it neither holds back nor advances the checkpoint, and when it fails for good the
   * promise resolves `failed` instead of calling the dead-letter sink. It waits for room under
   * `maxInFlight` and the budget before it is admitted (backpressure). Resolves `cancelled` when
   * the engine is draining or stopped before it settles (a drain lets admitted and waiting
   * submissions finish within its grace period). Never rejects; throws
   * `InvalidSubmissionError` on a malformed item.
   */
  submit(item: SubmitItem<T>): Promise<SubmitOutcome> {
    return this.intake.submit(item, this.state === 'created' || this.state === 'running');
  }

  /** Stops reading and starting handler calls; running calls finish. */
  pause(): void {
    this.paused = true;
    this.gate.pause();
  }

  resume(): void {
    if (this.state === 'stopped') {
      return;
    }
    this.paused = false;
    this.gate.resume();
    this.roomFreed();
    this.dispatcher.pump();
  }

  /**
   * Stops reading, delivers every admitted event (lifting a pause), then writes the final
   * checkpoint. Work still unsettled after `graceMs` is abandoned; the checkpoint stays behind
   * it, so it is redelivered after a restart. Calling it again returns the same result.
   */
  drain(graceMs: number): Promise<DrainResult> {
    if (typeof graceMs !== 'number' || !(graceMs >= 0)) {
      throw new InvalidEngineOptionsError(
        'graceMs',
        `must be a number >= 0 (got ${String(graceMs)})`,
      );
    }
    this.draining ??= this.runDrain(graceMs);
    return this.draining;
  }

  /** Abandons everything at once, like a crash: aborts handlers, no further callbacks. */
  stop(): void {
    if (this.state === 'stopped') {
      return;
    }
    this.state = 'stopped';
    this.abandonWork(new EngineStoppedError());
    this.reporter.halt();
    this.reader.close();
    // Abandoned events are not buffered any more: their budget goes back at once.
    this.buffer.close();
  }

  stats(): EngineStats {
    return {
      state: this.state,
      paused: this.paused,
      inFlight: this.inFlight(),
      bufferedBytes: this.buffer.bytes,
      submittedInFlight: this.intake.inFlight,
      submitWaiting: this.intake.waitingCount,
      ready: this.lanes.available,
      activeCalls: this.runner.activeCalls,
      lastSeq: this.tracker.highestSeq,
      watermark: this.tracker.watermark(),
      lastCheckpoint: this.reporter.lastCheckpoint,
    };
  }

  private async runDrain(graceMs: number): Promise<DrainResult> {
    if (this.state === 'created' || this.state === 'stopped') {
      const drained = this.state === 'created';
      this.state = 'stopped';
      this.reader.close();
      this.intake.cancelAll();
      this.buffer.close();
      return { drained, checkpoint: this.reporter.lastCheckpoint };
    }
    this.state = 'draining';
    const deadline = this.clock.now() + graceMs;
    this.reader.close();
    this.paused = false;
    this.gate.resume();
    this.intake.admitWaiting();
    this.dispatcher.pump();
    const drained = await this.waitAllSettled(deadline);
    if (this.halted) {
      // stop() was called during the drain.
      return { drained: false, checkpoint: this.reporter.lastCheckpoint };
    }
    if (!drained) {
      this.abandonWork(new EngineStoppedError('Drain grace period elapsed'));
    }
    const { error } = await this.reporter.finish(deadline);
    this.state = 'stopped';
    // Nothing runs any more; this also cancels the timeout watchdog's timer.
    this.runner.halt(new EngineStoppedError('Drained'));
    this.buffer.close();
    const result: DrainResult = { drained, checkpoint: this.reporter.lastCheckpoint };
    if (error !== undefined) {
      result.checkpointError = error;
    }
    return result;
  }

  private admit(item: SourceItem<T>): void {
    if (item.kind === 'idle') {
      this.tracker.receiveIdle(item.token);
      this.reporter.noteProgress(0);
      return;
    }
    const weight = this.buffer.weighOf(item.payload);
    if (weight === undefined) {
      this.internalFailure(
        new InvalidEngineOptionsError('weigh', 'must return a finite number >= 0'),
      );
      return;
    }
    const entry = new PendingEvent(
      this.tracker.nextSeq,
      item.token,
      item.key,
      item.payload,
      this.clock.now(),
      weight,
    );
    this.tracker.receiveEvent(entry, item.token);
    this.buffer.hold(weight);
    if (this.hooks.received !== undefined) {
      callHook(this.hooks, 'received', entry.view(0), weight);
    }
    this.lanes.enqueue(entry);
    this.dispatcher.pump();
  }

  private settle(entries: readonly PendingEvent<T>[]): void {
    const first = entries[0];
    if (first.submitted) {
      // A submitted event runs alone, outside the watermark.
      this.intake.finish(first, { status: 'delivered', attempts: first.attempts });
      return;
    }
    const { buffer } = this;
    for (const entry of entries) {
      this.tracker.settle(entry);
      buffer.release(entry.weight);
    }
    this.reporter.noteProgress(entries.length);
    if (this.tracker.unsettledCount === 0) {
      if (this.intake.idle) {
        this.allSettledWaiter?.(true);
      }
      if (this.reader.finished !== undefined && this.state === 'running') {
        this.reporter.request();
      }
    }
    this.roomFreed();
  }

  /** Below `maxInFlight` (submitted events included) and the budget's share. */
  private hasRoom(): boolean {
    return (
      this.tracker.unsettledCount + this.intake.inFlight < this.options.maxInFlight &&
      this.buffer.canAdmit()
    );
  }

  private inFlight(): number {
    return this.tracker.unsettledCount + this.intake.inFlight;
  }

  /** Something settled, the engine resumed or the budget rose: admit what now fits. */
  private roomFreed(): void {
    this.intake.admitWaiting();
    this.reader.wake();
  }

  private sourceFinished(): void {
    if (this.state !== 'running') {
      return;
    }
    // Nothing more will arrive: flush partial batches, and checkpoint now if all is settled.
    this.dispatcher.pump();
    if (this.tracker.unsettledCount === 0) {
      this.reporter.request();
    }
  }

  private waitAllSettled(deadline: number): Promise<boolean> {
    if (this.inFlight() === 0 && this.intake.idle) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(
        () => finish(false),
        Math.max(0, deadline - this.clock.now()),
      );
      const finish = (settled: boolean): void => {
        this.clock.clearTimeout(timer);
        this.allSettledWaiter = undefined;
        resolve(settled);
      };
      this.allSettledWaiter = finish;
    });
  }

  private abandonWork(reason: Error): void {
    this.halted = true;
    this.runner.halt(reason);
    this.dispatcher.halt();
    this.intake.cancelAll();
    this.allSettledWaiter?.(false);
  }

  /**
   * A bug in the engine itself: fail like a crash and report it through `sourceDone`, so the
   * worker restarts from the last checkpoint instead of running on in an unknown state.
   */
  private internalFailure(error: unknown): void {
    this.resolveSourceDone({ status: 'failed', error });
    this.stop();
  }
}

function requireFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new InvalidEngineOptionsError(name, 'must be a function');
  }
}
