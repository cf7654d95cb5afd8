import type {
  DeadLetterSink,
  DeliveryEvent,
  EngineOptionsInput,
  Handler,
  HandlerContext as EngineContext,
} from '@app/delivery';
import type { Logger } from '@nestjs/common';
import type { DeadLettersRepository } from '../dead-letters/dead-letters.repository';
import type { DeadLetterError, DeadLetterPosition } from '../dead-letters/dead-letter.types';
import type { ChangeEventEnvelope } from '../handlers/change-event.envelope';
import {
  isBatchHandler,
  type AnyEventHandler,
  type HandlerContext,
} from '../handlers/handler.types';
import { eventIdOf, toEnvelope, type RawChangeEvent } from '../source/change-event.mapper';
import { correlationOf } from '../journal/journal.correlation';
import type { ResolvedChangeRelayOptions } from '../module/change-relay.options';
import type { Subscription } from '../subscriptions/subscription.types';
import { cutShort, errorMessage, STORED_MESSAGE_MAX } from '../errors/error-message';

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
  const correlation = subscription.correlation;
  if (isBatchHandler(handler)) {
    return async (events, ctx) => {
      const envelopes = events.map((event) =>
        toEnvelope(event.payload, subscription, event.attempt),
      );
      await handler.handleBatch(
        envelopes,
        new RelayHandlerContext(ctx, seen, events, envelopes, correlation),
      );
    };
  }
  const handleOne = (event: DeliveryEvent<RawChangeEvent>, ctx: EngineContext): Promise<void> => {
    const envelope = toEnvelope(event.payload, subscription, event.attempt);
    return handler.handle(
      envelope,
      new RelayHandlerContext(ctx, seen, [event], [envelope], correlation),
    );
  };
  // The engine gives a one-event handler batches of one: the handler's own promise is returned
  // as it is (no async frame around it, one promise less per event).
  return (events, ctx) => {
    if (events.length === 1) {
      return handleOne(events[0], ctx);
    }
    return (async () => {
      for (const event of events) {
        await handleOne(event, ctx);
      }
    })();
  };
}

/**
 * What a handler call sees. `signal` and `correlationIds` are computed when read: the engine
 * creates an attempt's AbortController only for handlers that read its signal, and most
 * handlers read neither (both showed in profiles at tens of thousands of events per second).
 * A class, with the two as getters on its prototype: an object literal with getters cost
 * ~0.6 µs per call to create. Spreading it (`{...ctx}`) copies the plain fields only; read the
 * two from the context itself.
 */
class RelayHandlerContext implements HandlerContext {
  readonly attempt: number;
  readonly abortSource: HandlerContext['abortSource'];
  private ids: readonly string[] | undefined;

  constructor(
    private readonly engine: EngineContext,
    readonly subscription: Subscription,
    private readonly events: readonly DeliveryEvent<RawChangeEvent>[],
    private readonly envelopes: readonly ChangeEventEnvelope[],
    private readonly correlation: Subscription['correlation'],
  ) {
    this.attempt = engine.attempt;
    this.abortSource = engine.abortSource;
  }

  get signal(): AbortSignal {
    return this.engine.signal;
  }

  get correlationIds(): readonly string[] {
    this.ids ??= this.events.map(
      (event, index) =>
        correlationOf(event.payload, this.envelopes[index].id, this.correlation).correlationId,
    );
    return this.ids;
  }
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

/** The most of a handler error's stack a dead letter keeps (characters). */
const STACK_MAX = 16_384;

/** A handler's failure as a dead letter stores it, cut short to fit in a document. */
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
      name: cutShort(error.name, 256),
      message: cutShort(error.message, STORED_MESSAGE_MAX),
      ...(error.stack ? { stack: cutShort(error.stack, STACK_MAX) } : {}),
      ...(typeof code === 'number' || typeof code === 'string' ? { code } : {}),
      ...(typeof status === 'number' ? { httpStatus: status } : {}),
      ...(typeof responseBody === 'string' ? { responseBody } : {}),
    };
  }
  return { name: 'Error', message: cutShort(errorMessage(error), STORED_MESSAGE_MAX) };
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
