/** Unit specs live beside the code (src/**\/*.spec.ts); integration specs under test/ use real PostgreSQL. */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: {
    '^@onebox/contracts$': '<rootDir>/../libs/contracts/src/index.ts',
    '^@onebox/channels$': '<rootDir>/../libs/channels/src/index.ts',
    '^@onebox/crm$': '<rootDir>/../libs/crm/src/index.ts',
    '^@onebox/metrics$': '<rootDir>/../libs/metrics/src/index.ts',
    '^@onebox/fakes$': '<rootDir>/../libs/fakes/src/index.ts',
  },
};

module.exports = {
  // Real PostgreSQL, sockets and fake platforms, several suites at once on two cores: seconds, not
  // milliseconds. (Jest reads testTimeout from the root config only, not from a project.)
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.js',
      globalTeardown: '<rootDir>/test/global-teardown.js',
    },
  ],
};
