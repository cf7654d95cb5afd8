import { InvalidSourceItemError } from './delivery.errors';
import type { DeliverySource, SourceItem, SourceOutcome } from './delivery.types';

export interface SourceReaderDeps<T> {
  /** Room for one more item (not paused, below `maxInFlight` and the budget, still running). */
  canAdmit(): boolean;
  /** Room for one more event (below `maxInFlight` and the budget), whatever the state. */
  hasRoom(): boolean;
  admit(item: SourceItem<T>): void;
}

/** After this many items in a row, yield to the event loop so timers and I/O get a turn. */
const ITEMS_PER_TURN = 1024;

/**
 * Pulls the source one item at a time, only while the engine has room: the source is never
 * read ahead, so a backlog of millions stays in the database, not in memory.
 */
export class SourceReader<T> {
  readonly done: Promise<SourceOutcome>;
  private resolveDone!: (outcome: SourceOutcome) => void;
  private outcome: SourceOutcome | undefined;
  private iterator: AsyncIterator<SourceItem<T>> | undefined;
  private wakeUp: (() => void) | undefined;
  private closed = false;
  /** The source's synchronous take, when it has one (see `PullSource.ready`). */
  private readonly ready: (() => SourceItem<T> | undefined) | undefined;

  constructor(
    private readonly source: DeliverySource<T>,
    private readonly deps: SourceReaderDeps<T>,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.ready = typeof source === 'function' ? source.ready : undefined;
  }

  get finished(): SourceOutcome | undefined {
    return this.outcome;
  }

  start(): void {
    void this.loop();
  }

  /** Re-checks `canAdmit()` after an event settled or the engine resumed. */
  wake(): void {
    if (this.wakeUp !== undefined && this.deps.canAdmit()) {
      const wakeUp = this.wakeUp;
      this.wakeUp = undefined;
      wakeUp();
    }
  }

  /**
   * Stops reading (drain or stop). An item still being fetched is dropped unadmitted, which is
   * safe: it has no sequence number, so no checkpoint can pass it.
   */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.finish({ status: 'stopped' });
    this.closeIterator();
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  private async loop(): Promise<void> {
    let pull: () => Promise<SourceItem<T> | null | undefined>;
    try {
      pull = this.pullOf(this.source);
    } catch (error) {
      this.finish({ status: 'failed', error });
      return;
    }
    let itemsThisTurn = 0;
    /** An event fetched while there was room, which something else took meanwhile. */
    let waiting: SourceItem<T> | undefined;
    while (!this.closed) {
      if (!this.deps.canAdmit()) {
        await new Promise<void>((resolve) => (this.wakeUp = resolve));
        continue;
      }
      if (waiting !== undefined) {
        const item = waiting;
        waiting = undefined;
        this.deps.admit(item);
        continue;
      }
      let item: SourceItem<T> | null | undefined;
      try {
        item = this.ready?.() ?? (await pull());
      } catch (error) {
        this.finish({ status: 'failed', error });
        return;
      }
      if (this.closed) {
        return;
      }
      if (item === undefined || item === null) {
        this.finish({ status: 'ended' });
        return;
      }
      const problem = checkItem(item);
      if (problem !== undefined) {
        this.finish({ status: 'failed', error: new InvalidSourceItemError(problem) });
        this.closeIterator();
        return;
      }
      // Room was checked before the fetch; a submitted event or another engine sharing the
      // budget may have taken it while the fetch ran. Hold the event (unadmitted) until room.
      if (item.kind === 'event' && !this.deps.hasRoom()) {
        waiting = item;
        continue;
      }
      this.deps.admit(item);
      if (++itemsThisTurn === ITEMS_PER_TURN) {
        itemsThisTurn = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }

  /**
   * The source as a pull function: a pull source as it is (no promise of its own per item), an
   * iterable through its iterator (kept to be closed).
   */
  private pullOf(source: DeliverySource<T>): () => Promise<SourceItem<T> | null | undefined> {
    if (typeof source === 'function') {
      return source;
    }
    const iterator = (this.iterator = source[Symbol.asyncIterator]());
    return async () => {
      const result = await iterator.next();
      return result.done ? undefined : result.value;
    };
  }

  private finish(outcome: SourceOutcome): void {
    if (this.outcome === undefined) {
      this.outcome = outcome;
      this.resolveDone(outcome);
    }
  }

  private closeIterator(): void {
    const iterator = this.iterator;
    this.iterator = undefined;
    if (iterator?.return === undefined) {
      return;
    }
    // Not awaited: a change stream's return() may wait for its pending getMore. Errors closing
    // a source we are done with change nothing.
    try {
      Promise.resolve(iterator.return()).catch(() => undefined);
    } catch {
      // Same as above.
    }
  }
}

function checkItem(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) {
    return `expected an object, got ${String(item)}`;
  }
  const { kind, key } = item as { kind?: unknown; key?: unknown };
  if (kind === 'event') {
    return typeof key === 'string' ? undefined : `an event needs a string key, got ${typeof key}`;
  }
  return kind === 'idle' ? undefined : `unknown kind ${String(kind)}`;
}
