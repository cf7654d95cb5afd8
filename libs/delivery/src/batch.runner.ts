import { AttemptWatchdog } from './attempt.watchdog';
import { HandlerTimeoutError, isNonRetryableError } from './delivery.errors';
import type { DeadLetterSink, EngineHooks, Handler } from './delivery.types';
import type { EngineClock } from './engine.clock';
import { sleep } from './engine.clock';
import { callHook } from './engine.hooks';
import type { EngineOptions } from './engine.options';
import { AttemptContext, runAttempt, type AttemptOutcome } from './handler.attempt';
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
   * Resolves once every entry is settled (or the engine halted). `slotHeld`: the caller took a
   * slot for the first attempt; otherwise the batch waits for one.
   */
  async run(entries: PendingEvent<T>[], slotHeld: boolean): Promise<void> {
    const { deps } = this;
    const { maxAttempts } = deps.options.retry;
    let holdsSlot = slotHeld;
    for (let attempt = 1; ; attempt++) {
      if (!holdsSlot) {
        await deps.gate.acquire();
        if (this.halted) {
          return;
        }
      }
      holdsSlot = false;
      const outcome = await this.attempt(entries, attempt);
      if (this.halted) {
        return;
      }
      deps.gate.release();
      if (outcome.ok) {
        if (!entries[0].submitted) {
          callHook(deps.hooks, 'delivered', outcome.events, {
            attempt,
            durationMs: outcome.durationMs,
          });
        }
        deps.settle(entries);
        return;
      }
      deps.capacityFreed();
      const { error } = outcome;
      callHook(deps.hooks, 'attemptFailed', outcome.events, {
        attempt,
        durationMs: outcome.durationMs,
        error,
        timedOut: outcome.aborted && error instanceof HandlerTimeoutError,
      });
      if (isNonRetryableError(error) || attempt >= maxAttempts) {
        return this.failedForGood(entries, error);
      }
      const delayMs = backoffDelay(deps.options.retry, attempt, deps.random);
      callHook(deps.hooks, 'retried', outcome.events, { nextAttempt: attempt + 1, delayMs, error });
      await this.sleep(delayMs);
      if (this.halted) {
        return;
      }
    }
  }

  /** Not async: the attempt's own promise is returned (one promise less per handler call). */
  private attempt(entries: PendingEvent<T>[], attempt: number): Promise<AttemptOutcome<T>> {
    const events = entries.map((entry) => entry.view(++entry.attempts));
    const ctx = new AttemptContext(attempt);
    const startedAt = this.deps.clock.now();
    this.watchdog.start(ctx, startedAt);
    return runAttempt(this.deps.handler, events, ctx, startedAt, this.deps.clock, this.watchdog);
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
    await this.run(entries.slice(0, middle), false);
    if (this.halted) {
      return;
    }
    await this.run(entries.slice(middle), false);
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
