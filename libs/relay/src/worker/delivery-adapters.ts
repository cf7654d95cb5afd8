import type { DeadLetterSink, EngineOptionsInput, Handler } from '@app/delivery';
import type { Logger } from '@nestjs/common';
import type { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import type { DeadLetterError, DeadLetterPosition } from '../dead-letters/dead-letter.types';
import { isBatchHandler, type AnyEventHandler } from '../handlers/handler.types';
import { eventIdOf, toEnvelope, type RawChangeEvent } from '../source/change-event.mapper';
import { correlationOf } from '../journal/journal.correlation';
import type { ResolvedChangeRelayOptions } from '../module/change-relay.options';
import type { Subscription } from '../subscriptions/subscription.types';

/**
 * Calls a `@ChangeHandler` with envelopes: batch handlers get the batch, others one event at a
 * time. Application handlers see the subscription without its webhook secret; only the
 * built-in handlers (the webhook signs with it) see the whole definition.
 */
export function engineHandlerFor(
  subscription: Subscription,
  handler: AnyEventHandler,
  builtIn: boolean,
): Handler<RawChangeEvent> {
  const seen = builtIn ? subscription : withoutSecrets(subscription);
  return async (events, ctx) => {
    const envelopes = events.map((event) => toEnvelope(event.payload, subscription, event.attempt));
    // `signal` stays lazy: the engine creates its AbortController only for handlers that read it.
    const handlerContext = {
      get signal() {
        return ctx.signal;
      },
      attempt: ctx.attempt,
      subscription: seen,
      correlationIds: events.map(
        (event, index) =>
          correlationOf(event.payload, envelopes[index].id, subscription.correlation).correlationId,
      ),
    };
    if (isBatchHandler(handler)) {
      await handler.handleBatch(envelopes, handlerContext);
      return;
    }
    for (const [index, envelope] of envelopes.entries()) {
      await handler.handle(envelope, {
        ...handlerContext,
        correlationIds: [handlerContext.correlationIds[index]],
      });
    }
  };
}

/** The engine settings of a subscription, plus the runtime's stream tuning. */
export function engineOptionsFor(
  subscription: Subscription,
  handler: AnyEventHandler,
  options: Pick<ResolvedChangeRelayOptions, 'maxInFlight' | 'checkpointIntervalMs'>,
): EngineOptionsInput {
  const { delivery, retry } = subscription;
  return {
    ordering: delivery.ordering,
    concurrency: delivery.concurrency,
    // A one-event handler gets batches of one, so one failure never replays its neighbours.
    batchSize: isBatchHandler(handler) ? delivery.batchSize : 1,
    batchWaitMs: delivery.batchWaitMs,
    timeoutMs: delivery.timeoutMs,
    retry: { ...retry },
    maxInFlight: options.maxInFlight,
    checkpointIntervalMs: options.checkpointIntervalMs,
  };
}

/**
 * Stores events that failed for good in `dead_letters`. With the subscription's dead-letter
 * queue disabled the event is discarded, loudly (an error log naming it), never silently.
 */
export function deadLetterSinkFor(
  subscription: Subscription,
  deadLetters: DeadLettersRepository,
  logger: Logger,
): DeadLetterSink<RawChangeEvent> {
  return async (event, error, attempts) => {
    const eventId = eventIdOf(event.token);
    const description = describeError(error);
    if (!subscription.deadLetter.enabled) {
      logger.error(
        `Subscription "${subscription.name}": event ${eventId} (key ${event.key}) discarded after ${attempts} attempt(s), dead-letter queue disabled: ${description.message}`,
      );
      return;
    }
    await deadLetters.store({
      subscription: subscription.name,
      service: subscription.serviceName,
      eventId,
      event: event.payload,
      key: event.key,
      position: positionOf(eventId, event.payload),
      attempts,
      error: description,
      retentionDays: subscription.deadLetter.retentionDays,
    });
  };
}

/** The event's place in the stream: its token and cluster time. */
export function positionOf(eventId: string, event: RawChangeEvent): DeadLetterPosition {
  const time = event.clusterTime as { t?: unknown; i?: unknown } | undefined;
  return {
    token: eventId,
    ...(time && typeof time.t === 'number' && typeof time.i === 'number'
      ? { clusterTime: { t: time.t, i: time.i } }
      : {}),
  };
}

export function describeError(error: unknown): DeadLetterError {
  if (error instanceof Error) {
    const {
      code: ownCode,
      status,
      responseBody,
    } = error as {
      code?: unknown;
      status?: unknown;
      responseBody?: unknown;
    };
    const code = ownCode ?? status;
    return {
      name: error.name,
      message: error.message,
      ...(error.stack ? { stack: error.stack } : {}),
      ...(typeof code === 'number' || typeof code === 'string' ? { code } : {}),
      ...(typeof status === 'number' ? { httpStatus: status } : {}),
      ...(typeof responseBody === 'string' ? { responseBody } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

/** The subscription as an application handler sees it: no webhook secret, no header values. */
export function withoutSecrets(subscription: Subscription): Subscription {
  if (subscription.handler.type !== 'webhook') {
    return subscription;
  }
  const { secret: _secret, headers, ...handler } = subscription.handler;
  return {
    ...subscription,
    handler: {
      ...handler,
      headers: Object.fromEntries(Object.keys(headers).map((name) => [name, '***'])),
    },
  };
}
