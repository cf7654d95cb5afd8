// MongoDB's unified-format spec tests of the crud folder (vendored in test/spec/crud).
import { describeUnifiedFolder } from './unified/runner';

describe('unified spec tests: crud', () => {
  describeUnifiedFolder('crud');
});
