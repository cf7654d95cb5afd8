import { EJSON } from 'bson';
import type { DeadLetter, DeadLetterError } from '@app/relay';
import type { DeadLetterErrorView, DeadLetterEntryView } from './dto/dead-letter.model';

/** An entry as the API shows it: the raw event as relaxed Extended JSON, no claim. */
export function toDeadLetterView(entry: DeadLetter): DeadLetterEntryView {
  return {
    id: entry.id,
    subscription: entry.subscription,
    service: entry.service,
    eventId: entry.eventId,
    key: entry.key,
    status: entry.status,
    attempts: entry.attempts,
    error: errorView(entry.error),
    firstFailedAt: entry.firstFailedAt,
    lastFailedAt: entry.lastFailedAt,
    replayCount: entry.replayCount,
    replays: entry.replays.map(({ error, ...replay }) => ({
      ...replay,
      ...(error ? { error: errorView(error) } : {}),
    })),
    ...(entry.discardReason !== undefined ? { discardReason: entry.discardReason } : {}),
    expireAt: entry.expireAt,
    event: EJSON.serialize(entry.event, { relaxed: true }),
    ...(entry.truncated ? { truncated: entry.truncated } : {}),
  };
}

function errorView({ code, ...error }: DeadLetterError): DeadLetterErrorView {
  return { ...error, ...(code !== undefined ? { code: String(code) } : {}) };
}
