import type { DeliveryEvent, EngineHooks } from '@app/delivery';
import type { Timestamp } from 'bson';
import {
  emptyCounters,
  type WorkerCounters,
  type WorkerState,
  type WorkerStatus,
} from '../leases/lease.types';
import type { RawChangeEvent } from '../source/change-event.mapper';

/**
 * Counts what a worker does, in memory (engine hooks are synchronous and per event); the
 * snapshot rides along with lease renewals, so status costs no write per event.
 */
export class WorkerStatusTracker {
  private state: WorkerState = 'starting';
  private lastError: WorkerStatus['lastError'];
  private readonly counters: WorkerCounters;
  private lastEventAt: Date | undefined;
  private lastEventClusterTime: Timestamp | undefined;

  /** `base`: the counters stored on the lease, so counts continue across owners. */
  constructor(base: WorkerStatus | undefined) {
    this.counters = { ...emptyCounters(), ...base?.counters };
    this.lastError = base?.lastError;
    this.lastEventAt = base?.lastEventAt;
    this.lastEventClusterTime = base?.lastEventClusterTime;
  }

  setState(state: WorkerState): void {
    this.state = state;
  }

  recordError(error: unknown): void {
    const code = (error as { code?: unknown })?.code;
    this.lastError = {
      message: error instanceof Error ? error.message : String(error),
      ...(typeof code === 'number' ? { code } : {}),
      at: new Date(),
    };
  }

  snapshot(): WorkerStatus {
    const status: WorkerStatus = {
      state: this.state,
      counters: { ...this.counters },
      updatedAt: new Date(),
    };
    if (this.lastError) {
      status.lastError = this.lastError;
    }
    if (this.lastEventAt) {
      status.lastEventAt = this.lastEventAt;
    }
    if (this.lastEventClusterTime) {
      status.lastEventClusterTime = this.lastEventClusterTime;
    }
    return status;
  }

  /** Engine hooks feeding the counters. */
  hooks(): EngineHooks<RawChangeEvent> {
    return {
      received: (event: DeliveryEvent<RawChangeEvent>) => {
        this.counters.received += 1;
        this.lastEventAt = new Date();
        if (event.payload.clusterTime) {
          this.lastEventClusterTime = event.payload.clusterTime;
        }
      },
      delivered: (events) => {
        this.counters.delivered += events.length;
      },
      attemptFailed: (_events, info) => {
        this.counters.failedAttempts += 1;
        this.recordError(info.error);
      },
      retried: () => {
        this.counters.retried += 1;
      },
      deadLettered: () => {
        this.counters.deadLettered += 1;
      },
      deadLetterFailed: (_event, info) => {
        this.recordError(info.error);
      },
      checkpointFailed: (_checkpoint, info) => {
        this.recordError(info.error);
      },
    };
  }
}
