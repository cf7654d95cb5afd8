import { ErrorCode, MongoCommandError } from '../errors';
import type { CommandTable } from './command-context';

export const transactionCommands: CommandTable = {
  committransaction: (ctx) => {
    const { session, txn } = ctx;
    if (!session || !txn)
      throw new MongoCommandError(ErrorCode.NoSuchTransaction, 'no transaction in progress');
    if (session.txnState === 'committed') return {}; // a retried commit succeeds again
    try {
      txn.commit();
    } finally {
      // A commit that fails on a conflict has rolled back: the transaction is over either way.
      session.txnState = 'aborted';
    }
    session.txnState = 'committed';
    return {};
  },

  aborttransaction: (ctx) => {
    const { session, txn } = ctx;
    if (!session || !txn)
      throw new MongoCommandError(ErrorCode.NoSuchTransaction, 'no transaction in progress');
    if (session.txnState === 'committed') {
      throw new MongoCommandError(
        ErrorCode.TransactionCommitted,
        'Cannot abort a committed transaction',
      );
    }
    session.txnState = 'aborted';
    session.txn = undefined;
    return {};
  },

  configurefailpoint: (ctx) => ctx.server.failCommand.configure(ctx.command),
};
