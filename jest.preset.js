// Shared jest settings for unit specs and e2e tests: ts-jest in transpile-only mode
// (type checking is `npm run lint`'s job) and the tsconfig path aliases.
const moduleNameMapper = {
  '^@app/(delivery|relay|mongo-emulator|testing)$': '<rootDir>/libs/$1/src',
  '^@app/(delivery|relay|mongo-emulator|testing)/(.*)$': '<rootDir>/libs/$1/src/$2',
};

module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // jose ships ES modules only; jest runs CommonJS, so its files are transpiled like ours.
    '^.+/node_modules/jose/.+\\.js$': [
      'ts-jest',
      { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper,
};
