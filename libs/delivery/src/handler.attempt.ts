import type { AbortSource, DeliveryEvent, Handler, HandlerContext } from './delivery.types';
import type { EngineClock } from './engine.clock';

/**
 * The context of one handler call. The AbortController is created only when the handler reads
 * `signal`: most handlers never do, and creating one per call is a measurable cost at
 * hundreds of thousands of events per second.
 */
export class AttemptContext implements HandlerContext, AbortSource {
  /** Engine clock time after which the attempt times out (Infinity: no timeout). */
  deadline = Infinity;
  /** Set by `runAttempt`: settles the attempt as failed when it is aborted from outside. */
  onAbort: ((reason: unknown) => void) | undefined;
  private controller: AbortController | undefined;
  private abortReason: unknown = undefined;
  private isAborted = false;
  /** Listeners added through `abortSource` (not through `signal`). */
  private listeners: Array<() => void> | undefined;

  constructor(readonly attempt: number) {}

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.isAborted) {
        this.controller.abort(this.abortReason);
      }
    }
    return this.controller.signal;
  }

  /** The context itself: its `abort` events are the attempt's. */
  get abortSource(): AbortSource {
    return this;
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.abortReason;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.isAborted) {
      (this.listeners ??= []).push(listener);
    }
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const index = this.listeners?.indexOf(listener) ?? -1;
    if (index >= 0) {
      this.listeners!.splice(index, 1);
    }
  }

  abort(reason: unknown): void {
    if (this.isAborted) {
      return;
    }
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    listeners?.forEach((listener) => listener());
    this.onAbort?.(reason);
  }
}

export interface AttemptOutcome<T> {
  ok: boolean;
  error: unknown;
  /** Ended by an abort (timeout or stop) rather than by the handler. */
  aborted: boolean;
  durationMs: number;
  events: DeliveryEvent<T>[];
}

/**
 * Calls the handler once. Settles on the handler's result or when the attempt is aborted (by
 * the timeout watchdog or an engine stop), whichever comes first. A handler that ignores its
 * signal keeps running in the background, but its late result is ignored.
 */
export function runAttempt<T>(
  handler: Handler<T>,
  events: DeliveryEvent<T>[],
  ctx: AttemptContext,
  startedAt: number,
  clock: EngineClock,
  /** Told when the attempt settles (the timeout watchdog stops watching it). */
  watchdog?: { finish(ctx: AttemptContext): void },
): Promise<AttemptOutcome<T>> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean, error: unknown, aborted: boolean): void => {
      if (done) {
        return;
      }
      done = true;
      ctx.onAbort = undefined;
      watchdog?.finish(ctx);
      resolve({ ok, error, aborted, durationMs: clock.now() - startedAt, events });
    };
    ctx.onAbort = (reason) => finish(false, reason, true);
    let result: Promise<void> | undefined;
    try {
      result = handler(events, ctx);
    } catch (error) {
      finish(false, error, false);
      return;
    }
    try {
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        result.then(
          () => finish(true, undefined, false),
          (error: unknown) => finish(false, error, false),
        );
      } else {
        finish(true, undefined, false);
      }
    } catch (error) {
      // A thenable whose `then` throws: the handler's failure, not the engine's.
      finish(false, error, false);
    }
  });
}
