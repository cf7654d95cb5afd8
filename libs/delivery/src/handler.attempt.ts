import type { AbortSource, DeliveryEvent, Handler, HandlerContext } from './delivery.types';

/**
 * The context of one handler call. The AbortController is created only when the handler reads
 * `signal`: most handlers never do, and creating one per call is a measurable cost at
 * hundreds of thousands of events per second.
 */
export class AttemptContext implements HandlerContext, AbortSource {
  /** Engine clock time after which the attempt times out (Infinity: no timeout). */
  deadline = Infinity;
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
    this.onAborted(reason);
  }

  /** Called once the attempt is aborted, after its listeners: a call ends on it. */
  protected onAborted(_reason: unknown): void {
    // Nothing by default.
  }
}

/**
 * One handler call: its context, and the settling of its result. It ends once, on the
 * handler's result or when the attempt is aborted (by the timeout watchdog or an engine stop),
 * whichever comes first. A handler that ignores its signal keeps running in the background, but
 * its late result is ignored.
 *
 * Callbacks rather than a promise chain per call: at hundreds of thousands of calls per second
 * the promises, closures and outcome objects of an awaited attempt were most of the engine's
 * allocations, and their garbage collection most of its cost.
 */
export abstract class HandlerCall extends AttemptContext {
  private ended = false;

  /** Calls `handler` with `events`; `settled` is called once, always after this returns. */
  invoke<T>(handler: Handler<T>, events: DeliveryEvent<T>[]): void {
    let result: Promise<void> | undefined;
    try {
      result = handler(events, this);
    } catch (error) {
      this.endSoon(false, error, false);
      return;
    }
    try {
      if (result !== undefined && result !== null && typeof result.then === 'function') {
        result.then(
          () => this.end(true, undefined, false),
          (error: unknown) => this.end(false, error, false),
        );
      } else {
        this.endSoon(true, undefined, false);
      }
    } catch (error) {
      // A thenable whose `then` throws: the handler's failure, not the engine's.
      this.endSoon(false, error, false);
    }
  }

  protected override onAborted(reason: unknown): void {
    this.endSoon(false, reason, true);
  }

  /**
   * A handler that returned or threw synchronously, or an abort, ends the call at once (a late
   * result of an aborted handler is ignored) but reports it on the next microtask: never inside
   * the code that started or aborted it (the dispatcher, the watchdog, a stop).
   */
  private endSoon(ok: boolean, error: unknown, aborted: boolean): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    queueMicrotask(() => this.settled(ok, error, aborted));
  }

  private end(ok: boolean, error: unknown, aborted: boolean): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.settled(ok, error, aborted);
  }

  /** How the call ended: once per call. `aborted`: by the watchdog or a stop, not the handler. */
  protected abstract settled(ok: boolean, error: unknown, aborted: boolean): void;
}
