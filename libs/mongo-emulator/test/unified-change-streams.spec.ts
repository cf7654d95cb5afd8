// MongoDB's unified-format spec tests of the change-streams folder (vendored in test/spec/change-streams).
import { describeUnifiedFolder } from './unified/runner';

describe('unified spec tests: change-streams', () => {
  describeUnifiedFolder('change-streams');
});
