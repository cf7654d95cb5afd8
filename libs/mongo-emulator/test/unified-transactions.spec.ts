// MongoDB's unified-format spec tests of the transactions folder (vendored in test/spec/transactions).
import { describeUnifiedFolder } from './unified/runner';

describe('unified spec tests: transactions', () => {
  describeUnifiedFolder('transactions');
});
