import { ChangeStreamCursor } from '../change-streams/change-stream-cursor';
import { ErrorCode, MongoCommandError } from '../errors';
import { toTimestamp } from '../oplog/logical-clock';
import type { ServerState } from '../server-state';
import type { SessionState } from '../sessions/session-registry';
import type { Transaction } from '../sessions/transaction';
import { Document, toNumber } from '../storage/bson-values';
import { aggregateCommands } from './aggregate.command';
import { catalogCommands } from './catalog.commands';
import { collectionCommands } from './collection.commands';
import { CommandContext, CommandTable, ConnectionInfo } from './command-context';
import { assertKnownCommandFields } from './command-fields';
import { assertSupportedReadConcern } from './command-options';
import { errorLabelsFor, LabelContext } from './error-labels';
import { handshakeCommands } from './handshake.commands';
import { readCommands } from './read.commands';
import { transactionCommands } from './transaction.commands';
import { writeCommands } from './write.commands';

const COMMANDS: CommandTable = {
  ...handshakeCommands,
  ...readCommands,
  ...writeCommands,
  ...collectionCommands,
  ...catalogCommands,
  ...aggregateCommands,
  ...transactionCommands,
};

/** Commands mongod 7.0 runs inside a multi-document transaction (others fail with 263). */
const TRANSACTION_COMMANDS = new Set([
  'find',
  'getmore',
  'killcursors',
  'aggregate',
  'distinct',
  'insert',
  'update',
  'delete',
  'findandmodify',
  'create',
  'createindexes',
  'committransaction',
  'aborttransaction',
  'bulkwrite',
  'dbhash',
  'preparetransaction',
]);

const RETRYABLE_WRITES = new Set(['insert', 'update', 'delete', 'findandmodify']);

/** The outcome of one command: a reply, or (fail point) a connection to close unanswered. */
export type DispatchResult = { reply: Document } | { closeConnection: true };

/**
 * Runs one command the way mongod does around the command itself: fail points, sessions and
 * transactions, retryable-write replay, error replies with codes and labels, cluster time.
 */
export class CommandDispatcher {
  constructor(private readonly server: ServerState) {}

  async execute(command: Document, connection: ConnectionInfo): Promise<DispatchResult> {
    const name = Object.keys(command)[0] ?? '';
    const key = name.toLowerCase();
    const db = typeof command.$db === 'string' ? command.$db : 'admin';
    const labels: LabelContext = {
      command: key,
      inTransaction: command.autocommit !== undefined,
      retryableWrite: command.txnNumber !== undefined && command.autocommit === undefined,
      changeStream: this.isChangeStreamCommand(key, command),
    };
    const seqBefore = this.server.engine.oplog.nextSeq;
    let result: Document;
    try {
      const failed = await this.applyFailPoint(name, key, connection, labels);
      if (failed && 'closeConnection' in failed) return failed;
      result = failed?.reply ?? (await this.run(command, name, key, db, connection));
      const writeConcernError =
        failed?.writeConcernError ??
        (result.ok === 1 ? unsatisfiableWriteConcern(command.writeConcern) : undefined);
      if (writeConcernError) {
        result.writeConcernError = writeConcernError;
        const errorLabels =
          failed?.errorLabels ??
          errorLabelsFor({ wcCode: toNumber(writeConcernError.code, -1) }, labels);
        if (errorLabels.length > 0) result.errorLabels = errorLabels;
      }
    } catch (error) {
      result = this.errorReply(error, labels);
    }
    try {
      // Persistence hook (persistence/): with a data directory, durable before acknowledged.
      const wrote = this.server.engine.oplog.nextSeq > seqBefore;
      await this.server.persistence?.afterCommand(command, key, wrote);
    } catch (error) {
      result = this.errorReply(error, labels);
    }
    return { reply: this.withClusterTime(result, seqBefore) };
  }

  private async run(
    command: Document,
    name: string,
    key: string,
    db: string,
    connection: ConnectionInfo,
  ): Promise<Document> {
    const handler = COMMANDS[key];
    if (!handler)
      throw new MongoCommandError(ErrorCode.CommandNotFound, `no such command: '${name}'`);
    const { sessions } = this.server;
    const session = command.lsid !== undefined ? sessions.get(command.lsid) : undefined;
    let txn: Transaction | undefined;
    if (session) txn = sessions.transactionFor(session, command, name);
    if (txn && !TRANSACTION_COMMANDS.has(key)) {
      throw new MongoCommandError(
        ErrorCode.OperationNotSupportedInTransaction,
        `Cannot run '${name}' in a multi-document transaction.`,
      );
    }
    const txnNumber = toNumber(command.txnNumber, -1);
    const retryable = session && !txn && txnNumber >= 0 && RETRYABLE_WRITES.has(key);
    if (retryable && session.retryableReply?.txnNumber === txnNumber) {
      return { ...session.retryableReply.reply };
    }
    assertKnownCommandFields(key, name, command);
    assertSupportedReadConcern(command.readConcern, txn !== undefined);
    const ctx = new CommandContext(this.server, command, name, db, connection, session, txn);
    try {
      const reply = { ...(await handler(ctx)), ok: 1 };
      if (retryable) this.rememberRetryable(session, txnNumber, reply);
      return reply;
    } catch (error) {
      if (txn && session && key !== 'committransaction') abortOnError(session);
      throw error;
    }
  }

  private rememberRetryable(session: SessionState, txnNumber: number, reply: Document): void {
    if (txnNumber >= session.txnNumber) {
      session.txnNumber = txnNumber;
      session.retryableReply = { txnNumber, reply };
    }
  }

  private async applyFailPoint(
    name: string,
    key: string,
    connection: ConnectionInfo,
    labels: LabelContext,
  ): Promise<
    | { closeConnection: true }
    | { reply?: Document; writeConcernError?: Document; errorLabels?: string[] }
    | undefined
  > {
    if (key === 'configurefailpoint') return undefined;
    const action = this.server.failCommand.trigger(name, connection.appName);
    if (!action) return undefined;
    if (action.blockTimeMS > 0) await sleep(action.blockTimeMS, connection.signal);
    if (action.closeConnection) return { closeConnection: true };
    if (action.errorCode !== undefined) {
      const error = new MongoCommandError(
        action.errorCode,
        "Failing command via 'failCommand' failpoint",
      );
      error.errorLabels = action.errorLabels;
      // failCommand fires before a getMore checks out its cursor, so mongod does not know it is
      // a change stream's and adds no ResumableChangeStreamError.
      return { reply: this.errorReply(error, { ...labels, changeStream: false }) };
    }
    return { writeConcernError: action.writeConcernError, errorLabels: action.errorLabels };
  }

  private isChangeStreamCommand(key: string, command: Document): boolean {
    if (key === 'aggregate') {
      const first = (command.pipeline as Document[] | undefined)?.[0];
      return first !== undefined && first.$changeStream !== undefined;
    }
    if (key === 'getmore') {
      return this.server.cursors.get(toNumber(command.getMore)) instanceof ChangeStreamCursor;
    }
    return false;
  }

  private errorReply(error: unknown, labels: LabelContext): Document {
    const failure =
      error instanceof MongoCommandError
        ? error
        : new MongoCommandError(
            ErrorCode.InternalError,
            error instanceof Error ? error.message : String(error),
          );
    if (!(error instanceof MongoCommandError))
      this.server.log(`internal error: ${failure.message}`);
    const errorLabels = failure.errorLabels ?? errorLabelsFor({ code: failure.code }, labels);
    return {
      ok: 0,
      errmsg: failure.message,
      code: failure.code,
      codeName: failure.codeName,
      ...(errorLabels.length > 0 ? { errorLabels } : {}),
      ...failure.extra,
    };
  }

  /** Adds $clusterTime, and operationTime: the time of the command's last write, else now. */
  private withClusterTime(reply: Document, seqBefore: number): Document {
    const { oplog, clock } = this.server.engine;
    const now = toTimestamp(clock.now());
    reply.$clusterTime = { clusterTime: now, signature: this.server.clusterTimeSignature };
    if (reply.operationTime === undefined) {
      const lastWrite = oplog.nextSeq > seqBefore ? oplog.get(oplog.nextSeq - 1) : undefined;
      reply.operationTime = lastWrite ? toTimestamp(lastWrite.time) : now;
    }
    return reply;
  }
}

/**
 * The write concern error mongod reports after a write whose `w` the one-member replica set
 * cannot satisfy (the write itself is applied, as on mongod).
 */
function unsatisfiableWriteConcern(writeConcern: unknown): Document | undefined {
  if (writeConcern === null || typeof writeConcern !== 'object') return undefined;
  const w = (writeConcern as Document).w;
  if (typeof w === 'number' && w > 1) {
    return {
      code: 100,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
    };
  }
  if (typeof w === 'string' && w !== 'majority') {
    return {
      code: 79,
      codeName: 'UnknownReplWriteConcern',
      errmsg: `No write concern mode named '${w}' found in replica set configuration`,
    };
  }
  return undefined;
}

function abortOnError(session: SessionState): void {
  session.txnState = 'aborted';
  session.txn = undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
