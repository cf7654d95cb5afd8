import { MongoChangeStreamError, MongoServerError } from 'mongodb';

/**
 * Server errors after which a change stream cannot continue from its position without
 * skipping events: restarting would fail the same way (or silently lose history), so the
 * subscription becomes `stale` and an operator decides.
 */
const FATAL_CODES = new Map<number, string>([
  [286, 'ChangeStreamHistoryLost'],
  [280, 'ChangeStreamFatalError'],
  [260, 'InvalidResumeToken'],
  // Pre-4.4 servers reported a resume token missing from the oplog with this code.
  [40585, 'ChangeStreamHistoryLost'],
  // An event over 16 MiB that the server could not split (before MongoDB 7.0 / 6.0.9, or one
  // field alone over 16 MiB): every restart would fail on it again.
  [10334, 'BSONObjectTooLarge'],
]);

export interface FatalStreamError {
  reason: string;
  code?: number;
}

/**
 * Fatal: the history is gone or the stream itself is broken (e.g. the pipeline removed the
 * resume token). Everything else (network, elections, a failing getMore the driver could not
 * resume, a bad pipeline that a PATCH can fix) restarts the worker with backoff.
 */
export function classifyStreamError(error: unknown): FatalStreamError | undefined {
  if (
    error instanceof MongoServerError &&
    typeof error.code === 'number' &&
    FATAL_CODES.has(error.code)
  ) {
    return { reason: `${FATAL_CODES.get(error.code)}: ${error.message}`, code: error.code };
  }
  if (error instanceof MongoChangeStreamError) {
    return { reason: `ChangeStreamError: ${error.message}` };
  }
  return undefined;
}
