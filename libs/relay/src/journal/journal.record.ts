import { changeTimeMs } from '../metrics/metrics.live';
import { eventWeight } from '../source/event-weight';
import { eventIdOf, type RawChangeEvent } from '../source/change-event.mapper';
import type { Subscription } from '../subscriptions/subscription.types';
import { correlationOf, valueAtPath } from './journal.correlation';
import type { JournalError, JournalOutcome, JournalRecord } from './journal.types';

const HOUR_MS = 3_600_000;

/**
 * What the hooks keep per handled event: references and numbers only. The record itself
 * (paths, correlation, BSON size) is built at flush time, off the delivery path.
 */
export interface PendingEntry {
  subscription: Subscription;
  payload: RawChangeEvent;
  outcome: JournalOutcome;
  replay: boolean;
  attempts: number;
  /** Wall-clock ms. */
  receivedAt: number;
  /** Wall-clock ms; null for a pending record. */
  completedAt: number | null;
  handlingMs: number;
  error: unknown;
  /** A pending record may exist for it: the final one replaces it. */
  hadPending: boolean;
  /**
   * The event's BSON size as the engine weighed it for its buffer budget (so the journal does
   * not walk each event a second time); 0 when unknown (a replay): measured at flush time.
   */
  sizeBytes: number;
}

/** Builds the stored record of a handled event (at flush time). */
export function toRecord(entry: PendingEntry): JournalRecord {
  const { subscription, payload } = entry;
  const eventId = eventIdOf(payload._id);
  const { correlationId, processId } = correlationOf(payload, eventId, subscription.correlation);
  const changedMs = changeTimeMs(payload);
  const fields: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(subscription.journal?.fields ?? {})) {
    fields[name] = valueAtPath(payload, path) ?? null;
  }
  const completedMs = entry.completedAt ?? Date.now();
  const retentionHours = subscription.journal?.retentionHours ?? 24;
  return {
    _id: entry.replay
      ? `${subscription.name}|${eventId}|replay|${entry.completedAt}`
      : `${subscription.name}|${eventId}`,
    eventId,
    subscription: subscription.name,
    service: subscription.serviceName,
    sourceService: subscription.source.ownerService ?? null,
    ns: { db: payload.ns?.db ?? '', coll: payload.ns?.coll ?? null },
    operationType: payload.operationType,
    documentKey: payload.documentKey ?? null,
    correlationId,
    processId,
    outcome: entry.outcome,
    attempts: entry.attempts,
    changedAt: changedMs === undefined ? null : new Date(changedMs),
    receivedAt: new Date(Math.round(entry.receivedAt)),
    completedAt: entry.completedAt === null ? null : new Date(entry.completedAt),
    handlingMs: Math.max(0, entry.handlingMs),
    latencyMs: Math.max(0, completedMs - (changedMs ?? entry.receivedAt)),
    sizeBytes: entry.sizeBytes > 0 ? entry.sizeBytes : eventWeight(payload),
    fields,
    error: entry.error === undefined || entry.error === null ? null : journalError(entry.error),
    expireAt: new Date((entry.completedAt ?? entry.receivedAt) + retentionHours * HOUR_MS),
  };
}

function journalError(error: unknown): JournalError {
  const code =
    (error as { code?: unknown; status?: unknown } | null)?.code ??
    (error as { status?: unknown } | null)?.status;
  return {
    message: error instanceof Error ? error.message : String(error),
    code: typeof code === 'number' || typeof code === 'string' ? code : null,
  };
}
