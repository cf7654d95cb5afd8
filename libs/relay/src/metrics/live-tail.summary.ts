import type { DeliveryEvent } from '@app/delivery';
import { eventIdOf, type RawChangeEvent } from '../source/change-event.mapper';
import { changeTimeMs } from './metrics.live';
import type { LiveDelivery, LiveOutcome } from './live-tail.types';

const ERROR_MAX = 200;

/** The live-tail summary of one event's outcome (no document contents, only its key). */
export function liveDelivery(
  event: DeliveryEvent<RawChangeEvent>,
  outcome: LiveOutcome,
  nowMs: number,
  handlerMs?: number,
  error?: unknown,
): LiveDelivery {
  const { operationType, ns } = event.payload;
  const changedAt = changeTimeMs(event.payload);
  return {
    id: eventIdOf(event.token ?? event.payload._id),
    operationType,
    ns: { db: ns?.db ?? '', coll: ns?.coll ?? '' },
    documentKey: event.key,
    outcome,
    attempt: event.attempt,
    ...(changedAt !== undefined ? { latencyMs: Math.max(0, nowMs - changedAt) } : {}),
    ...(handlerMs !== undefined ? { handlerMs } : {}),
    ...(error !== undefined ? { error: describe(error) } : {}),
    at: new Date(nowMs),
  };
}

function describe(error: unknown): string {
  const text =
    error instanceof Error
      ? `${error.name}: ${error.message}`
      : typeof error === 'string'
        ? error
        : 'non-Error value thrown';
  return text.slice(0, ERROR_MAX);
}
