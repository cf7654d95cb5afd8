import type { DeliveryEvent, EngineStats } from '@app/delivery';
import type { RawChangeEvent } from '../source/change-event.mapper';
import type { LiveFigures } from './metrics.types';

/** Initial capacity of the lag queue (it doubles when full; a power of two). */
const INITIAL_CAPACITY = 1_024;

/**
 * The live gauges of one running worker: in flight and queued come from its engine's stats;
 * retrying and checkpoint lag are followed through the engine hooks. Lag: the cluster times
 * of received changes wait in a queue (in stream order) until a checkpoint covers them, so the
 * head is the oldest change not yet checkpointed.
 */
export class LiveWorkerGauges {
  private readonly retryingIds = new Set<string | number>();
  // A ring of (seq, cluster time) pairs, typed arrays so that queueing allocates nothing.
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  /** Positions (ever increasing) of the oldest entry and of the next free slot. */
  private head = 0;
  private tail = 0;

  constructor(
    readonly subscription: string,
    readonly service: string,
    private readonly stats: () => EngineStats | undefined,
  ) {}

  received(event: DeliveryEvent<RawChangeEvent>): void {
    const at = changeTimeMs(event.payload);
    if (at !== undefined) {
      if (this.tail - this.head > this.mask) {
        this.grow();
      }
      const slot = this.tail & this.mask;
      this.seqs[slot] = event.seq;
      this.times[slot] = at;
      this.tail += 1;
    }
  }

  retrying(events: readonly DeliveryEvent<RawChangeEvent>[]): void {
    for (const event of events) {
      this.retryingIds.add(idOf(event));
    }
  }

  settled(events: readonly DeliveryEvent<RawChangeEvent>[]): void {
    // Per delivered event: nothing to look up while nothing is retrying (the usual case).
    if (this.retryingIds.size === 0) {
      return;
    }
    for (const event of events) {
      this.retryingIds.delete(idOf(event));
    }
  }

  checkpointed(seq: number): void {
    while (this.head < this.tail && this.seqs[this.head & this.mask] <= seq) {
      this.head += 1;
    }
  }

  lagMs(now = Date.now()): number {
    return this.head < this.tail ? Math.max(0, now - this.times[this.head & this.mask]) : 0;
  }

  /** Doubles the ring, keeping its entries in order. */
  private grow(): void {
    const capacity = (this.mask + 1) * 2;
    const seqs = new Float64Array(capacity);
    const times = new Float64Array(capacity);
    for (let i = this.head; i < this.tail; i++) {
      seqs[i - this.head] = this.seqs[i & this.mask];
      times[i - this.head] = this.times[i & this.mask];
    }
    this.tail -= this.head;
    this.head = 0;
    this.seqs = seqs;
    this.times = times;
    this.mask = capacity - 1;
  }

  figures(now = Date.now()): LiveFigures {
    const stats = this.stats();
    return {
      subscription: this.subscription,
      service: this.service,
      inFlight: stats?.inFlight ?? 0,
      queued: stats?.ready ?? 0,
      retrying: this.retryingIds.size,
      lagMs: this.lagMs(now),
      streamUp: stats?.state === 'running',
    };
  }
}

/** When the change happened: its wall time (ms precision) or else its cluster time (s). */
export function changeTimeMs(event: RawChangeEvent | undefined): number | undefined {
  if (!event) {
    return undefined;
  }
  if (event.wallTime instanceof Date) {
    return event.wallTime.getTime();
  }
  const clusterTime = event.clusterTime as { getHighBitsUnsigned?: () => number } | undefined;
  return typeof clusterTime?.getHighBitsUnsigned === 'function'
    ? clusterTime.getHighBitsUnsigned() * 1_000
    : undefined;
}

function idOf(event: DeliveryEvent<unknown>): string | number {
  return event.submitted ? `submitted:${event.submissionId ?? event.key}` : event.seq;
}
