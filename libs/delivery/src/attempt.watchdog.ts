import { HandlerTimeoutError } from './delivery.errors';
import type { EngineClock, TimerHandle } from './engine.clock';
import type { AttemptContext } from './handler.attempt';

/**
 * Tracks running handler calls and times them out with a single timer.
 *
 * Every attempt gets the same `timeoutMs`, so deadlines come in start order, which is the
 * insertion order of the Set: the first running attempt always has the earliest deadline. One
 * timer armed for it replaces a setTimeout/clearTimeout pair per call (a large share of the
 * engine's cost at hundreds of thousands of calls per second). Finished attempts just leave
 * the Set; when the timer fires it aborts what is overdue and re-arms for the next deadline.
 */
export class AttemptWatchdog {
  private readonly running = new Set<AttemptContext>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: EngineClock,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.running.size;
  }

  start(ctx: AttemptContext, startedAt: number): void {
    this.running.add(ctx);
    if (this.timeoutMs > 0) {
      ctx.deadline = startedAt + this.timeoutMs;
      if (this.timer === undefined) {
        this.arm(ctx.deadline);
      }
    }
  }

  finish(ctx: AttemptContext): void {
    this.running.delete(ctx);
  }

  /** Aborts every running attempt (engine stop) and leaves no timer behind. */
  abortAll(reason: unknown): void {
    if (this.timer !== undefined) {
      this.clock.clearTimeout(this.timer);
      this.timer = undefined;
    }
    const running = [...this.running];
    this.running.clear();
    running.forEach((ctx) => ctx.abort(reason));
  }

  private arm(deadline: number): void {
    this.timer = this.clock.setTimeout(
      () => this.expire(),
      Math.max(0, deadline - this.clock.now()),
    );
  }

  private expire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    for (const ctx of this.running) {
      if (ctx.deadline > now) {
        this.arm(ctx.deadline);
        return;
      }
      this.running.delete(ctx);
      ctx.abort(new HandlerTimeoutError(this.timeoutMs));
    }
  }
}
