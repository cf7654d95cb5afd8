// End-to-end tests: `test/**/*.e2e-spec.ts`, booting the real app through the shared bootstrap
// against a real MongoDB-compatible backend (MONGODB_URI, a real mongod, or the emulator), which
// global-setup starts once per run.
const preset = require('../jest.preset');

module.exports = {
  ...preset,
  rootDir: '..',
  roots: ['<rootDir>/test'],
  testRegex: '.*\\.e2e-spec\\.ts$',
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 60000,
};
