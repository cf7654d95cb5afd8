// Unit specs: `*.spec.ts` beside the code in src/, libs/ and apps/.
const preset = require('./jest.preset');

module.exports = {
  ...preset,
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/libs', '<rootDir>/apps'],
  testRegex: '.*\\.spec\\.ts$',
  // Specs that need MongoDB share one backend per run (see test/global-setup.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  testTimeout: 30000,
};
