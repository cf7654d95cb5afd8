import type { DeliveryEvent, EngineStats } from '@app/delivery';
import type { RawChangeEvent } from '../source/change-event.mapper';
import type { LiveFigures } from './metrics.types';

/** Compacts the lag queue once this many entries were consumed. */
const COMPACT_AFTER = 1_024;

/**
 * The live gauges of one running worker: in flight and queued come from its engine's stats;
 * retrying and checkpoint lag are followed through the engine hooks. Lag: the cluster times
 * of received changes wait in a queue (in stream order) until a checkpoint covers them, so the
 * head is the oldest change not yet checkpointed.
 */
export class LiveWorkerGauges {
  private readonly retryingIds = new Set<string | number>();
  private seqs: number[] = [];
  private times: number[] = [];
  private head = 0;

  constructor(
    readonly subscription: string,
    readonly service: string,
    private readonly stats: () => EngineStats | undefined,
  ) {}

  received(event: DeliveryEvent<RawChangeEvent>): void {
    const at = changeTimeMs(event.payload);
    if (at !== undefined) {
      this.seqs.push(event.seq);
      this.times.push(at);
    }
  }

  retrying(events: readonly DeliveryEvent<RawChangeEvent>[]): void {
    for (const event of events) {
      this.retryingIds.add(idOf(event));
    }
  }

  settled(events: readonly DeliveryEvent<RawChangeEvent>[]): void {
    for (const event of events) {
      this.retryingIds.delete(idOf(event));
    }
  }

  checkpointed(seq: number): void {
    while (this.head < this.seqs.length && this.seqs[this.head] <= seq) {
      this.head += 1;
    }
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  lagMs(now = Date.now()): number {
    return this.head < this.times.length ? Math.max(0, now - this.times[this.head]) : 0;
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
