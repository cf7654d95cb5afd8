import { createHash } from 'node:crypto';
import { EJSON } from 'bson';
import type { ChangeEventEnvelope } from '../change-event.envelope';
import { relaxedEjsonText } from './relaxed-ejson';

/** One envelope as JSON: MongoDB Extended JSON v2, relaxed (numbers stay numbers, dates `$date`). */
export function envelopeToJson(envelope: ChangeEventEnvelope): Record<string, unknown> {
  return EJSON.serialize(envelope, { relaxed: true });
}

export interface WebhookMessage {
  /** `webhook-id`: the event id, or for a batch an id derived from its events' ids. */
  id: string;
  body: string;
}

/**
 * The body of one POST: the envelope itself for a single event, `{"events": [...]}` for a
 * subscription with batchSize > 1 (even when a batch holds one event, so receivers see one shape).
 */
export function webhookMessage(envelopes: ChangeEventEnvelope[], batched: boolean): WebhookMessage {
  if (!batched) {
    if (envelopes.length !== 1) {
      throw new Error(`An unbatched webhook carries exactly one event (got ${envelopes.length})`);
    }
    return { id: envelopes[0].id, body: relaxedEjsonText(envelopes[0]) };
  }
  let body = '{"events":[';
  for (let i = 0; i < envelopes.length; i++) {
    body += (i === 0 ? '' : ',') + relaxedEjsonText(envelopes[i]);
  }
  return { id: batchId(envelopes.map((e) => e.id)), body: `${body}]}` };
}

/** Stable for the same events in the same order, so a retried batch keeps its id. */
export function batchId(eventIds: string[]): string {
  return `batch_${createHash('sha256').update(eventIds.join('\n')).digest('base64url').slice(0, 32)}`;
}
