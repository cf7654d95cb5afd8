import type { AbortSource } from '@app/delivery';
import type { Subscription } from '../subscriptions/subscription.types';
import type { ChangeEventEnvelope } from './change-event.envelope';

export interface HandlerContext {
  /** Aborted when the attempt times out or the worker stops: give up promptly. */
  signal: AbortSignal;
  /** 1 on the first attempt. */
  attempt: number;
  /**
   * The same aborts as `signal`, without creating an AbortController (which costs a few
   * microseconds per call): pass it to clients that take an event source as their signal
   * (undici's `request({ signal })` does).
   */
  abortSource?: AbortSource;
  /** The subscription being served (its webhook secret included: keep it out of logs). */
  subscription: Subscription;
  /**
   * The correlation id of each event, in the order of the events (see the subscription's
   * `correlation`): propagate it to tie your own work to the business process.
   */
  correlationIds?: readonly string[];
}

/**
 * A handler for one event at a time. Resolve = delivered; throw to retry (with backoff), or
 * throw a `NonRetryableError` to dead-letter at once. Must be idempotent: an event can come
 * again after a crash (`event.id` is stable).
 */
export interface EventHandler {
  handle(event: ChangeEventEnvelope, ctx: HandlerContext): Promise<void>;
}

/** A handler for batches (up to the subscription's `delivery.batchSize` events, in order). */
export interface BatchEventHandler {
  handleBatch(events: ChangeEventEnvelope[], ctx: HandlerContext): Promise<void>;
}

export type AnyEventHandler = EventHandler | BatchEventHandler;

export function isBatchHandler(handler: AnyEventHandler): handler is BatchEventHandler {
  return typeof (handler as Partial<BatchEventHandler>).handleBatch === 'function';
}

export function isEventHandler(handler: unknown): handler is AnyEventHandler {
  if (typeof handler !== 'object' || handler === null) {
    return false;
  }
  const candidate = handler as Partial<EventHandler & BatchEventHandler>;
  return typeof candidate.handle === 'function' || typeof candidate.handleBatch === 'function';
}
