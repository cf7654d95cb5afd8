import type { Ordering } from './engine.options';
import { FifoQueue } from './fifo.queue';

const MAX_SPARE_LANES = 256;

/** The lanes of a batch that holds none (`none` mode). */
const NO_LANES: readonly never[] = [];

export interface LaneEntry {
  readonly seq: number;
  readonly key: string;
  /** Runs in a batch of its own (a submitted event): never batched with other events. */
  readonly submitted: boolean;
}

/** The events of one key (or of the whole stream in `strict` and `none` modes). */
export interface Lane<E> {
  key: string;
  readonly queue: FifoQueue<E>;
  /** A handler call holds this lane: its other events wait (exclusive lanes only). */
  busy: boolean;
  /** Listed in the ready queue. */
  ready: boolean;
}

export interface Batch<E> {
  entries: E[];
  /** Exclusive lanes the batch holds; release them when its work is settled. */
  lanes: readonly Lane<E>[];
}

/**
 * Decides which admitted events may start next.
 *
 * - `key`: a lane per key. A lane is exclusive: while a batch holds it, its later events wait,
 *   so a key's events run in stream order. Any free slot takes any ready lane, so a slow or
 *   retrying key never holds up other keys (no hashing of keys onto fixed workers).
 * - `strict`: one exclusive lane for the whole stream.
 * - `none`: one shared lane that is never held, so batches run side by side.
 */
export class LaneScheduler<E extends LaneEntry> {
  private readonly lanes = new Map<string, Lane<E>>();
  private readonly readyLanes = new FifoQueue<Lane<E>>();
  /** Emptied lanes kept for reuse: with mostly-unique keys, a lane per event is GC churn. */
  private readonly spareLanes: Lane<E>[] = [];
  private readonly sharedLane: Lane<E> | undefined;
  private readonly exclusive: boolean;
  private availableCount = 0;

  constructor(ordering: Ordering) {
    this.exclusive = ordering !== 'none';
    if (ordering !== 'key') {
      this.sharedLane = newLane('');
    }
  }

  /** Events that could start now: queued in lanes no batch holds. */
  get available(): number {
    return this.availableCount;
  }

  enqueue(entry: E): void {
    const lane = this.laneFor(entry.key);
    lane.queue.push(entry);
    if (!lane.busy) {
      this.availableCount++;
      if (!lane.ready) {
        lane.ready = true;
        this.readyLanes.push(lane);
      }
    }
  }

  /**
   * Takes up to `max` events: whole prefixes of ready lanes, oldest-ready lane first. Events of
   * several keys may share a batch, each key's events contiguous and in order; the batch is
   * sorted by sequence number so the handler sees stream order. A submitted event is a batch of
   * its own: a lane's prefix stops before it, and it is taken alone once it heads its lane and
   * its lane heads the ready queue.
   */
  takeBatch(max: number): Batch<E> | null {
    if (this.availableCount === 0) {
      return null;
    }
    if (max === 1) {
      return this.takeOne();
    }
    const entries: E[] = [];
    const held: Lane<E>[] = [];
    while (entries.length < max) {
      const lane = this.readyLanes.peek();
      if (lane === undefined) {
        break;
      }
      const alone = (lane.queue.peek() as E).submitted;
      if (alone && entries.length > 0) {
        break;
      }
      this.readyLanes.shift();
      lane.ready = false;
      const { queue } = lane;
      const before = entries.length;
      if (alone) {
        entries.push(queue.shift() as E);
      } else {
        while (entries.length < max && queue.length > 0 && !(queue.peek() as E).submitted) {
          entries.push(queue.shift() as E);
        }
      }
      this.availableCount -= entries.length - before;
      if (this.exclusive) {
        lane.busy = true;
        // The lane's remaining events wait for this batch: no longer available.
        this.availableCount -= queue.length;
        held.push(lane);
      } else if (queue.length > 0) {
        lane.ready = true;
        this.readyLanes.push(lane);
      }
      if (alone) {
        break;
      }
    }
    if (held.length > 1) {
      entries.sort((a, b) => a.seq - b.seq);
    }
    return { entries, lanes: held };
  }

  /** `takeBatch(1)`: the first event of the oldest ready lane, with no array growing. */
  private takeOne(): Batch<E> {
    const lane = this.readyLanes.shift() as Lane<E>;
    lane.ready = false;
    const entry = lane.queue.shift() as E;
    this.availableCount--;
    if (this.exclusive) {
      lane.busy = true;
      this.availableCount -= lane.queue.length;
      return { entries: [entry], lanes: [lane] };
    }
    if (lane.queue.length > 0) {
      lane.ready = true;
      this.readyLanes.push(lane);
    }
    return { entries: [entry], lanes: NO_LANES };
  }

  /** Frees the lanes a finished batch held; their waiting events become available. */
  release(lanes: readonly Lane<E>[]): void {
    for (const lane of lanes) {
      lane.busy = false;
      if (lane.queue.length > 0) {
        this.availableCount += lane.queue.length;
        lane.ready = true;
        this.readyLanes.push(lane);
      } else if (lane !== this.sharedLane) {
        this.lanes.delete(lane.key);
        if (this.spareLanes.length < MAX_SPARE_LANES) {
          this.spareLanes.push(lane);
        }
      }
    }
  }

  private laneFor(key: string): Lane<E> {
    if (this.sharedLane) {
      return this.sharedLane;
    }
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = this.spareLanes.pop() ?? newLane(key);
      lane.key = key;
      this.lanes.set(key, lane);
    }
    return lane;
  }
}

function newLane<E>(key: string): Lane<E> {
  return { key, queue: new FifoQueue<E>(), busy: false, ready: false };
}
