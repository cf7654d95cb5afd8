import type { Checkpoint, CheckpointSink, EngineHooks } from './delivery.types';
import type { EngineClock, TimerHandle } from './engine.clock';
import type { RetryOptions } from './engine.options';
import { callHook } from './engine.hooks';
import { backoffDelay } from './retry.backoff';
import type { WatermarkTracker } from './checkpoint.watermark';

export interface CheckpointReporterDeps {
  tracker: WatermarkTracker;
  sink: CheckpointSink;
  clock: EngineClock;
  random: () => number;
  intervalMs: number;
  every: number;
  /** Backoff for failed writes; the attempt budget is ignored: checkpoints are always retried. */
  retry: RetryOptions;
  hooks: EngineHooks<unknown>;
}

/**
 * Reports the watermark to the checkpoint sink: within `intervalMs` of progress, at once after
 * `every` settled events, one write at a time, each strictly ahead of the last accepted one.
 * A failed write is reported and retried with backoff; it never stops delivery.
 */
export class CheckpointReporter {
  private last: Checkpoint | null = null;
  private settledSinceWrite = 0;
  private intervalTimer: TimerHandle | undefined;
  private retryTimer: TimerHandle | undefined;
  private failures = 0;
  private running: Promise<void> | null = null;
  private writeAgain = false;
  /** Set by `finish()` or `halt()`: no more automatic writes. */
  private closed = false;
  private halted = false;
  private endFinishBackoff: (() => void) | undefined;

  constructor(private readonly deps: CheckpointReporterDeps) {}

  get lastCheckpoint(): Checkpoint | null {
    return this.last;
  }

  /** The watermark may have moved: `settled` events settled, or an idle token arrived (0). */
  noteProgress(settled: number): void {
    this.settledSinceWrite += settled;
    if (this.closed || this.retryTimer !== undefined) {
      return;
    }
    if (this.settledSinceWrite >= this.deps.every) {
      this.request();
    } else {
      this.armInterval();
    }
  }

  /** Writes the watermark now (after the running write, if any). */
  request(): void {
    if (this.closed) {
      return;
    }
    if (this.running) {
      this.writeAgain = true;
      return;
    }
    this.running = this.writeLoop();
  }

  /**
   * Final write on drain: stops automatic writes, waits for a running one, then writes the
   * watermark if it is ahead, retrying with backoff until `deadline` (at least one try).
   */
  async finish(deadline: number): Promise<{ error?: unknown }> {
    this.closed = true;
    this.clearTimers();
    if (this.running) {
      await this.running;
    }
    for (;;) {
      const outcome = await this.writeOnce();
      if (outcome.ok || this.halted) {
        return {};
      }
      const delay = backoffDelay(this.deps.retry, this.failures, this.deps.random);
      if (this.deps.clock.now() + delay >= deadline) {
        return { error: outcome.error };
      }
      await this.finishBackoff(delay);
    }
  }

  /** Abandons everything at once (engine stop): no further writes, results ignored. */
  halt(): void {
    this.closed = true;
    this.halted = true;
    this.clearTimers();
    this.endFinishBackoff?.();
  }

  /** A backoff wait of `finish()` that `halt()` ends early, so a stopped drain still returns. */
  private finishBackoff(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.deps.clock.setTimeout(() => this.endFinishBackoff?.(), delayMs);
      this.endFinishBackoff = () => {
        this.deps.clock.clearTimeout(timer);
        this.endFinishBackoff = undefined;
        resolve();
      };
    });
  }

  private armInterval(): void {
    if (this.intervalTimer !== undefined) {
      return;
    }
    this.intervalTimer = this.deps.clock.setTimeout(() => {
      this.intervalTimer = undefined;
      this.request();
    }, this.deps.intervalMs);
  }

  private async writeLoop(): Promise<void> {
    try {
      do {
        this.writeAgain = false;
        const outcome = await this.writeOnce();
        if (!outcome.ok) {
          this.scheduleRetry();
          return;
        }
      } while (this.writeAgain && !this.closed);
      // Progress made while the write was running must still be reported within the interval.
      if (!this.closed && this.isBehind()) {
        this.armInterval();
      }
    } finally {
      this.running = null;
    }
  }

  private async writeOnce(): Promise<{ ok: true } | { ok: false; error: unknown }> {
    if (this.halted) {
      return { ok: true };
    }
    const watermark = this.deps.tracker.watermark();
    if (watermark === null || (this.last !== null && watermark.seq <= this.last.seq)) {
      return { ok: true };
    }
    // This write covers whatever a pending interval or retry timer was waiting to write.
    this.clearTimers();
    this.settledSinceWrite = 0;
    const startedAt = this.deps.clock.now();
    try {
      await this.deps.sink(watermark);
    } catch (error) {
      if (this.halted) {
        return { ok: true };
      }
      this.failures++;
      callHook(this.deps.hooks, 'checkpointFailed', watermark, { error, failures: this.failures });
      return { ok: false, error };
    }
    if (this.halted) {
      return { ok: true };
    }
    this.last = watermark;
    this.failures = 0;
    callHook(this.deps.hooks, 'checkpointed', watermark, {
      durationMs: this.deps.clock.now() - startedAt,
    });
    return { ok: true };
  }

  private scheduleRetry(): void {
    if (this.closed) {
      return;
    }
    const delay = backoffDelay(this.deps.retry, this.failures, this.deps.random);
    this.retryTimer = this.deps.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.request();
    }, delay);
  }

  private isBehind(): boolean {
    const watermark = this.deps.tracker.watermark();
    return watermark !== null && (this.last === null || watermark.seq > this.last.seq);
  }

  private clearTimers(): void {
    if (this.intervalTimer !== undefined) {
      this.deps.clock.clearTimeout(this.intervalTimer);
      this.intervalTimer = undefined;
    }
    if (this.retryTimer !== undefined) {
      this.deps.clock.clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }
}
