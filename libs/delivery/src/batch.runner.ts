import { AttemptWatchdog } from './attempt.watchdog';
import { HandlerTimeoutError, isNonRetryableError } from './delivery.errors';
import type { DeadLetterSink, DeliveryEvent, EngineHooks, Handler } from './delivery.types';
import type { EngineClock } from './engine.clock';
import { sleep } from './engine.clock';
import { callHook } from './engine.hooks';
import type { EngineOptions } from './engine.options';
import { HandlerCall } from './handler.attempt';
import type { PendingEvent } from './pending.event';
import { backoffDelay } from './retry.backoff';
import type { SlotGate } from './slot.gate';

export interface BatchRunnerDeps<T> {
  handler: Handler<T>;
  deadLetter: DeadLetterSink<T>;
  options: EngineOptions;
  clock: EngineClock;
  random: () => number;
  hooks: EngineHooks<T>;
  gate: SlotGate;
  /** Events delivered, or stored by the dead-letter sink. */
  settle(entries: readonly PendingEvent<T>[]): void;
  /** A submitted event failed for good: it goes back to its submitter, not to dead letters. */
  submitFailed(entry: PendingEvent<T>, error: unknown): void;
  /** A slot was given back while the batch keeps its lanes (retry backoff, split). */
  capacityFreed(): void;
  /** A bug in the engine itself. */
  internalFailure(error: unknown): void;
  /** A batch started with `start(entries, owner)` is settled. */
  batchDone(owner: unknown): void;
}

/**
 * What follows a batch once it is settled: `finish(owner)`, a function and its argument
 * instead of a closure per batch (the dispatcher's `batchDone` and the batch; a split half's
 * promise resolve).
 */
type Finish = (owner: unknown) => void;

function callResolve(resolve: unknown): void {
  (resolve as () => void)();
}

/**
 * Delivers one batch to the end: attempts with timeout, retries with backoff, then, when the
 * batch fails for good, splits it in halves (each with a fresh retry budget, first half first
 * so a key's order holds) until a failing event is alone and goes to the dead-letter sink.
 * Every wait checks `halted` afterwards: a stopped engine's batches just end, like a crash.
 */
export class BatchRunner<T> {
  private halted = false;
  private readonly watchdog: AttemptWatchdog;
  private readonly pendingSleeps = new Set<() => void>();

  constructor(private readonly deps: BatchRunnerDeps<T>) {
    this.watchdog = new AttemptWatchdog(deps.clock, deps.options.timeoutMs);
  }

  get activeCalls(): number {
    return this.watchdog.size;
  }

  /** Abandons all batches: aborts running handlers and cancels backoff waits. */
  halt(reason: unknown): void {
    this.halted = true;
    this.watchdog.abortAll(reason);
    for (const cancel of this.pendingSleeps) {
      cancel();
    }
    this.pendingSleeps.clear();
  }

  /**
   * Starts a batch on the slot its caller took. `deps.batchDone(owner)` is called once every
   * entry is settled (never after a halt: a stopped engine's batches just end).
   */
  start(entries: PendingEvent<T>[], owner: unknown): void {
    this.launch(entries, 1, this.deps.batchDone, owner);
  }

  /** Runs a batch to its end, waiting for a slot first (a half of a split batch). */
  private runToEnd(entries: PendingEvent<T>[]): Promise<void> {
    return new Promise((resolve) => this.acquireAndLaunch(entries, 1, callResolve, resolve));
  }

  private acquireAndLaunch(
    entries: PendingEvent<T>[],
    attempt: number,
    finish: Finish,
    owner: unknown,
  ): void {
    this.deps.gate.acquire().then(() => {
      if (!this.halted) {
        this.launch(entries, attempt, finish, owner);
      }
    }, this.deps.internalFailure);
  }

  private launch(
    entries: PendingEvent<T>[],
    attempt: number,
    finish: Finish,
    owner: unknown,
  ): void {
    const events =
      entries.length === 1
        ? [entries[0].view(++entries[0].attempts)]
        : entries.map((entry) => entry.view(++entry.attempts));
    const startedAt = this.deps.clock.now();
    const call = new BatchCall(this, entries, events, finish, owner, attempt, startedAt);
    this.watchdog.start(call, startedAt);
    call.invoke(this.deps.handler, events);
  }

  /** A handler call ended: settle the batch, or retry it, or fail it for good. */
  callEnded(call: BatchCall<T>, ok: boolean, error: unknown, aborted: boolean): void {
    const { deps } = this;
    this.watchdog.finish(call);
    if (this.halted) {
      return;
    }
    try {
      deps.gate.release();
      const { entries, events, attempt } = call;
      const durationMs = deps.clock.now() - call.startedAt;
      if (ok) {
        if (!entries[0].submitted) {
          callHook(deps.hooks, 'delivered', events, { attempt, durationMs });
        }
        deps.settle(entries);
        call.finish(call.owner);
        return;
      }
      deps.capacityFreed();
      callHook(deps.hooks, 'attemptFailed', events, {
        attempt,
        durationMs,
        error,
        timedOut: aborted && error instanceof HandlerTimeoutError,
      });
      if (isNonRetryableError(error) || attempt >= deps.options.retry.maxAttempts) {
        this.failedForGood(entries, error).then(() => {
          if (!this.halted) {
            call.finish(call.owner);
          }
        }, deps.internalFailure);
        return;
      }
      const delayMs = backoffDelay(deps.options.retry, attempt, deps.random);
      callHook(deps.hooks, 'retried', events, { nextAttempt: attempt + 1, delayMs, error });
      this.sleep(delayMs).then(() => {
        if (!this.halted) {
          this.acquireAndLaunch(entries, attempt + 1, call.finish, call.owner);
        }
      }, deps.internalFailure);
    } catch (failure) {
      deps.internalFailure(failure);
    }
  }

  private async failedForGood(entries: PendingEvent<T>[], error: unknown): Promise<void> {
    if (entries.length === 1) {
      if (entries[0].submitted) {
        this.deps.submitFailed(entries[0], error);
        return;
      }
      return this.deadLetter(entries[0], error);
    }
    callHook(
      this.deps.hooks,
      'batchSplit',
      entries.map((entry) => entry.view(entry.attempts)),
      { error },
    );
    const middle = Math.ceil(entries.length / 2);
    await this.runToEnd(entries.slice(0, middle));
    if (this.halted) {
      return;
    }
    await this.runToEnd(entries.slice(middle));
  }

  /** Stores the event in the dead-letter sink, retrying the sink with backoff until it works. */
  private async deadLetter(entry: PendingEvent<T>, error: unknown): Promise<void> {
    const { deps } = this;
    const event = entry.view(entry.attempts);
    for (let failures = 1; ; failures++) {
      try {
        await deps.deadLetter(event, error, entry.attempts);
      } catch (sinkError) {
        if (this.halted) {
          return;
        }
        const retryInMs = backoffDelay(deps.options.retry, failures, deps.random);
        callHook(deps.hooks, 'deadLetterFailed', event, { error: sinkError, failures, retryInMs });
        await this.sleep(retryInMs);
        if (this.halted) {
          return;
        }
        continue;
      }
      if (this.halted) {
        return;
      }
      callHook(deps.hooks, 'deadLettered', event, {
        attempts: entry.attempts,
        error,
        durationMs: deps.clock.now() - entry.receivedAt,
      });
      deps.settle([entry]);
      return;
    }
  }

  private async sleep(delayMs: number): Promise<void> {
    const timer = sleep(this.deps.clock, delayMs);
    this.pendingSleeps.add(timer.cancel);
    await timer.done;
    this.pendingSleeps.delete(timer.cancel);
  }
}

/** One handler call of a batch, with what the runner needs when it ends. */
class BatchCall<T> extends HandlerCall {
  constructor(
    private readonly runner: BatchRunner<T>,
    readonly entries: PendingEvent<T>[],
    readonly events: DeliveryEvent<T>[],
    /** What follows once every entry settled: `finish(owner)`. */
    readonly finish: Finish,
    readonly owner: unknown,
    attempt: number,
    readonly startedAt: number,
  ) {
    super(attempt);
  }

  protected settled(ok: boolean, error: unknown, aborted: boolean): void {
    this.runner.callEnded(this, ok, error, aborted);
  }
}
