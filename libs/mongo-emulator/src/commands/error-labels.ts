import { ErrorCode, RETRYABLE_CODES } from '../errors';

const RETRYABLE_WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findandmodify']);
const TRANSACTION_END_COMMANDS = new Set(['committransaction', 'aborttransaction']);
/** Transient inside a transaction whatever the command (mongod's isTransientTransactionError). */
const ALWAYS_TRANSIENT_CODES = new Set([ErrorCode.WriteConflict, 24 /* LockTimeout */]);

/** Beyond the retryable codes, errors a change stream resumes after (mongod 7.0). */
const RESUMABLE_CHANGE_STREAM_CODES = new Set([
  63 /* StaleShardVersion */, 133 /* FailedToSatisfyReadPreference */, 150 /* StaleEpoch */,
  234 /* RetryChangeStream */, 13388 /* StaleConfig */,
]);

export interface LabelContext {
  /** Lower-cased command name. */
  command: string;
  inTransaction: boolean;
  /** A retryable write: carries a txnNumber outside a transaction. */
  retryableWrite: boolean;
  /** aggregate with $changeStream, or getMore on a change stream cursor. */
  changeStream: boolean;
}

/**
 * The error labels mongod attaches to a reply (src/mongo/db/error_labels.cpp): for a failed
 * command `code`, for a write concern error `wcCode` (a reply can carry either or both).
 */
export function errorLabelsFor(
  error: { code?: number; wcCode?: number },
  ctx: LabelContext,
): string[] {
  const { code, wcCode } = error;
  const labels: string[] = [];
  const endsTransaction = TRANSACTION_END_COMMANDS.has(ctx.command);
  const retryable = (value: number | undefined) =>
    value !== undefined && RETRYABLE_CODES.has(value);

  if (ctx.inTransaction && code !== undefined) {
    let transient = ALWAYS_TRANSIENT_CODES.has(code);
    if (endsTransaction) {
      // Retrying the whole transaction is safe after NoSuchTransaction only when no write
      // concern error says the abort/commit outcome might still be rolled back.
      transient ||= code === ErrorCode.NoSuchTransaction && wcCode === undefined;
    } else {
      transient ||= retryable(code) || code === ErrorCode.NoSuchTransaction;
    }
    if (transient) labels.push('TransientTransactionError');
  }
  const retryableWriteError =
    (endsTransaction || (ctx.retryableWrite && RETRYABLE_WRITE_COMMANDS.has(ctx.command))) &&
    (retryable(code) || retryable(wcCode));
  if (retryableWriteError) labels.push('RetryableWriteError');
  if (
    ctx.command === 'committransaction' &&
    (retryableWriteError ||
      code === ErrorCode.MaxTimeMSExpired ||
      wcCode === ErrorCode.MaxTimeMSExpired)
  ) {
    labels.push('UnknownTransactionCommitResult');
  }
  if (code === ErrorCode.ChangeStreamFatalError || code === ErrorCode.ChangeStreamHistoryLost) {
    labels.push('NonResumableChangeStreamError');
  }
  if (
    ctx.changeStream &&
    code !== undefined &&
    (retryable(code) || RESUMABLE_CHANGE_STREAM_CODES.has(code))
  ) {
    labels.push('ResumableChangeStreamError');
  }
  return labels;
}
