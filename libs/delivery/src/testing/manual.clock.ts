import type { EngineClock, TimerHandle } from '../engine.clock';

interface ManualTimer {
  id: number;
  at: number;
  callback: () => void;
}

/**
 * A clock that only moves when told to, for deterministic tests of retries, timeouts, batching
 * and checkpoint intervals. Timers fire in due-time order (ties in creation order).
 */
export class ManualClock implements EngineClock {
  private time: number;
  private lastId = 0;
  private readonly timers = new Map<number, ManualTimer>();

  constructor(startAt = 0) {
    this.time = startAt;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = ++this.lastId;
    this.timers.set(id, { id, at: this.time + Math.max(0, delayMs), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due time of the earliest timer, if any. */
  nextTimerAt(): number | undefined {
    return this.earliest()?.at;
  }

  /** Moves time to the earliest timer and fires it. False when no timer is pending. */
  fireNext(): boolean {
    const timer = this.earliest();
    if (timer === undefined) {
      return false;
    }
    this.timers.delete(timer.id);
    this.time = Math.max(this.time, timer.at);
    timer.callback();
    return true;
  }

  /**
   * Moves time forward by `ms`, firing due timers one at a time and letting promise callbacks
   * run after each (so a retry scheduled by a fired timer can itself come due in the window).
   */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await flushMicrotasks();
    for (;;) {
      const timer = this.earliest();
      if (timer === undefined || timer.at > target) {
        break;
      }
      this.fireNext();
      await flushMicrotasks();
    }
    this.time = target;
    await flushMicrotasks();
  }

  private earliest(): ManualTimer | undefined {
    let earliest: ManualTimer | undefined;
    for (const timer of this.timers.values()) {
      if (earliest === undefined || timer.at < earliest.at) {
        earliest = timer;
      }
    }
    return earliest;
  }
}

/** Lets every queued promise callback run (setImmediate runs after the microtask queue). */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
