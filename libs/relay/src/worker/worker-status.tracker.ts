import type { EngineHooks } from '@app/delivery';
import type { Logger } from '@nestjs/common';
import type { WorkerState, WorkerStatus } from '../leases/lease.types';
import { eventIdOf, type RawChangeEvent } from '../source/change-event.mapper';
import { describeError } from './delivery-adapters';
import { cutShort, errorMessage, STORED_MESSAGE_MAX } from '../errors/error-message';

/**
 * A worker's state and the last error of its stream (why it is in backoff), as its lease
 * records them, plus a log line per failed attempt (warn) and per dead letter (error).
 * Counters and delivery errors are the metrics recorder's business.
 */
export class WorkerStatusTracker {
  private state: WorkerState = 'starting';
  private lastError: WorkerStatus['lastError'];

  constructor(
    private readonly subscription: string,
    private readonly logger: Logger,
    base?: WorkerStatus,
  ) {
    this.lastError = base?.lastError;
  }

  setState(state: WorkerState): void {
    this.state = state;
  }

  recordError(error: unknown): void {
    const code = (error as { code?: unknown })?.code;
    this.lastError = {
      message: cutShort(errorMessage(error), STORED_MESSAGE_MAX),
      ...(typeof code === 'number' ? { code } : {}),
      at: new Date(),
    };
  }

  snapshot(): WorkerStatus {
    const status: WorkerStatus = { state: this.state, updatedAt: new Date() };
    if (this.lastError) {
      status.lastError = this.lastError;
    }
    return status;
  }

  /** Engine hooks keeping the last error and writing the failure log lines. */
  hooks(): EngineHooks<RawChangeEvent> {
    return {
      attemptFailed: (events, info) => {
        const first = events[0];
        this.logger.warn(
          `Subscription "${this.subscription}": attempt ${info.attempt} failed for event ${first ? eventIdOf(first.token) : '?'} (key ${first?.key ?? '?'}${events.length > 1 ? `, batch of ${events.length}` : ''}${info.timedOut ? ', timed out' : ''}): ${describeError(info.error).message}`,
        );
      },
      deadLettered: (event, info) => {
        this.logger.error(
          `Subscription "${this.subscription}": event ${eventIdOf(event.token)} (key ${event.key}) dead-lettered after ${info.attempts} attempt(s): ${describeError(info.error).message}`,
        );
      },
    };
  }
}
