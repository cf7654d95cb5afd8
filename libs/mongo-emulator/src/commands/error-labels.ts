import { ErrorCode, MongoCommandError, RETRYABLE_CODES } from '../errors';

const RETRYABLE_WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findandmodify']);
const TRANSACTION_END_COMMANDS = new Set(['committransaction', 'aborttransaction']);
const TRANSIENT_TRANSACTION_CODES = new Set([
  ErrorCode.WriteConflict,
  ErrorCode.NoSuchTransaction,
  24 /* LockTimeout */,
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

/** The error labels mongod attaches to a failed command (see src/mongo/db/error_labels.cpp). */
export function errorLabelsFor(error: MongoCommandError, ctx: LabelContext): string[] {
  const labels: string[] = [];
  const retryable = RETRYABLE_CODES.has(error.code);
  const endsTransaction = TRANSACTION_END_COMMANDS.has(ctx.command);
  if (
    ctx.inTransaction &&
    !endsTransaction &&
    (retryable || TRANSIENT_TRANSACTION_CODES.has(error.code))
  ) {
    labels.push('TransientTransactionError');
  }
  if (
    ctx.command === 'committransaction' &&
    (retryable || error.code === ErrorCode.MaxTimeMSExpired)
  ) {
    labels.push('UnknownTransactionCommitResult');
  }
  if (
    retryable &&
    (endsTransaction || (ctx.retryableWrite && RETRYABLE_WRITE_COMMANDS.has(ctx.command)))
  ) {
    labels.push('RetryableWriteError');
  }
  if (ctx.changeStream && retryable) labels.push('ResumableChangeStreamError');
  return labels;
}
