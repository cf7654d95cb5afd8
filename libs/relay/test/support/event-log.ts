import { Inject } from '@nestjs/common';
import { waitFor } from '@app/testing';
import { ChangeHandler } from '../../src/handlers/change-handler.decorator';
import type { ChangeEventEnvelope } from '../../src/handlers/change-event.envelope';
import type { EventHandler, HandlerContext } from '../../src/handlers/handler.types';
import {
  CHANGE_RELAY_OPTIONS,
  type ResolvedChangeRelayOptions,
} from '../../src/module/change-relay.options';

export interface LoggedEvent {
  instanceId: string;
  envelope: ChangeEventEnvelope;
}

/**
 * What the recording handlers of every runtime in a test received, in order. Can be told to
 * fail the next deliveries, to exercise retries.
 */
export class EventLog {
  readonly entries: LoggedEvent[] = [];
  private failuresLeft = 0;
  private failure: unknown;

  record(instanceId: string, envelope: ChangeEventEnvelope): void {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      throw this.failure;
    }
    this.entries.push({ instanceId, envelope });
  }

  /** The next `count` deliveries throw `thrown` (any value, as a handler may throw anything). */
  failNext(count: number, thrown: unknown = new Error('scripted handler failure')): void {
    this.failuresLeft = count;
    this.failure = thrown;
  }

  forSubscription(name: string): LoggedEvent[] {
    return this.entries.filter((e) => e.envelope.subscription === name);
  }

  /** documentKey `_id`s delivered for a subscription, in delivery order. */
  keys(name: string): unknown[] {
    return this.forSubscription(name).map((e) => e.envelope.documentKey?._id);
  }

  /** Distinct `_id`s of inserted documents delivered for a subscription. */
  insertedIds(name: string): Set<unknown> {
    return new Set(
      this.forSubscription(name)
        .filter((e) => e.envelope.operationType === 'insert')
        .map((e) => e.envelope.documentKey?._id),
    );
  }

  async waitForInserted(name: string, ids: unknown[], timeoutMs = 10_000): Promise<void> {
    await waitFor(
      () => {
        const seen = this.insertedIds(name);
        return ids.every((id) => seen.has(id));
      },
      { timeoutMs, description: `inserts ${JSON.stringify(ids)} delivered to ${name}` },
    );
  }
}

export const EVENT_LOG = Symbol('EVENT_LOG');

/** A provider handler that records into the shared EventLog. */
@ChangeHandler('recorder')
export class RecordingHandler implements EventHandler {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(CHANGE_RELAY_OPTIONS) private readonly options: ResolvedChangeRelayOptions,
  ) {}

  async handle(event: ChangeEventEnvelope, _ctx: HandlerContext): Promise<void> {
    this.log.record(this.options.instanceId, event);
  }
}
