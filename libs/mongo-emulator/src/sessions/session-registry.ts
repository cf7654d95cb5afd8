import { Binary, Long } from 'bson';
import { createHash } from 'node:crypto';
import { ErrorCode, MongoCommandError } from '../errors';
import type { Document } from '../storage/bson-values';
import { toNumber } from '../storage/bson-values';
import type { StorageEngine } from '../storage/storage-engine';
import { Transaction } from './transaction';

/** The `uid` mongod puts in lsids: SHA-256 of the (empty) authenticated user name. */
const ANONYMOUS_UID = new Binary(createHash('sha256').update('').digest(), 0);

export type TransactionState = 'none' | 'inProgress' | 'committed' | 'aborted';

export interface SessionState {
  readonly key: string;
  readonly lsid: { id: Binary; uid: Binary };
  lastUse: number;
  /** Highest txnNumber seen on this session. */
  txnNumber: number;
  txnState: TransactionState;
  txn?: Transaction;
  /** Reply of the last retryable write, so a retry with the same txnNumber is not re-executed. */
  retryableReply?: { txnNumber: number; reply: Document };
}

/** Logical sessions by lsid, with their transaction and retryable-write state. */
export class SessionRegistry {
  private readonly sessions = new Map<string, SessionState>();

  constructor(private readonly engine: StorageEngine) {}

  get(lsid: unknown): SessionState | undefined {
    const id = (lsid as { id?: unknown } | undefined)?.id;
    if (!(id instanceof Binary)) return undefined;
    const key = Buffer.from(id.buffer).toString('hex');
    let session = this.sessions.get(key);
    if (!session) {
      session = {
        key,
        lsid: { id, uid: ANONYMOUS_UID },
        lastUse: Date.now(),
        txnNumber: -1,
        txnState: 'none',
      };
      this.sessions.set(key, session);
    }
    session.lastUse = Date.now();
    return session;
  }

  list(): SessionState[] {
    return [...this.sessions.values()];
  }

  end(lsids: unknown[]): void {
    for (const lsid of lsids) {
      const id = (lsid as { id?: unknown } | undefined)?.id;
      if (id instanceof Binary) this.sessions.delete(Buffer.from(id.buffer).toString('hex'));
    }
  }

  /**
   * Validates the transaction fields of a command and returns the transaction it runs in.
   * Mirrors mongod: `startTransaction` opens one, later statements must use the same txnNumber.
   */
  transactionFor(
    session: SessionState,
    command: Document,
    commandName: string,
  ): Transaction | undefined {
    if (command.autocommit === undefined) return undefined;
    const txnNumber = toNumber(command.txnNumber, -1);
    if (command.startTransaction === true) {
      if (
        txnNumber < session.txnNumber ||
        (txnNumber === session.txnNumber && session.txnState !== 'none')
      ) {
        throw new MongoCommandError(
          ErrorCode.TransactionTooOld,
          `Cannot start transaction ${txnNumber} on session because a newer transaction ${session.txnNumber} has already started`,
        );
      }
      session.txnNumber = txnNumber;
      session.txnState = 'inProgress';
      session.txn = new Transaction(this.engine, Long.fromNumber(txnNumber), session.lsid, () =>
        this.transactionsInProgress(),
      );
      return session.txn;
    }
    if (txnNumber !== session.txnNumber || session.txnState === 'none') {
      throw noSuchTransaction(txnNumber);
    }
    if (session.txnState === 'committed' && commandName !== 'commitTransaction') {
      throw new MongoCommandError(
        ErrorCode.TransactionCommitted,
        `Transaction ${txnNumber} has been committed.`,
      );
    }
    if (session.txnState === 'aborted' && commandName !== 'abortTransaction') {
      throw noSuchTransaction(txnNumber);
    }
    return session.txn;
  }

  /** Aborts the transactions in progress of the given sessions (all sessions without lsids). */
  kill(lsids?: unknown[]): void {
    const keys = lsids?.map((lsid) => {
      const id = (lsid as { id?: unknown } | undefined)?.id;
      return id instanceof Binary ? Buffer.from(id.buffer).toString('hex') : '';
    });
    for (const session of this.sessions.values()) {
      if (keys && !keys.includes(session.key)) continue;
      if (session.txnState === 'inProgress') {
        session.txnState = 'aborted';
        session.txn = undefined;
      }
    }
  }

  /**
   * mongod aborts a transaction that runs longer than transactionLifetimeLimitSeconds (60 s),
   * so an abandoned one cannot hold its documents forever.
   */
  abortExpiredTransactions(limitMs: number, now = Date.now()): void {
    for (const session of this.sessions.values()) {
      if (
        session.txnState === 'inProgress' &&
        session.txn &&
        now - session.txn.startedAt > limitMs
      ) {
        session.txnState = 'aborted';
        session.txn = undefined;
      }
    }
  }

  /** Transactions in progress on any session (their writes are not committed yet). */
  *transactionsInProgress(): Iterable<Transaction> {
    for (const session of this.sessions.values()) {
      if (session.txnState === 'inProgress' && session.txn) yield session.txn;
    }
  }

  reapIdle(maxIdleMs: number, now = Date.now()): void {
    for (const [key, session] of this.sessions) {
      if (now - session.lastUse > maxIdleMs && session.txnState !== 'inProgress')
        this.sessions.delete(key);
    }
  }
}

export function noSuchTransaction(txnNumber: number): MongoCommandError {
  return new MongoCommandError(
    ErrorCode.NoSuchTransaction,
    `Transaction with { txnNumber: ${txnNumber} } has been aborted.`,
  );
}
