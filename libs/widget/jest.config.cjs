/** Widget tests run in jsdom; TypeScript through ts-jest. */
module.exports = {
  displayName: 'widget',
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/src'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: { '^@onebox/contracts$': '<rootDir>/../contracts/src/index.ts' },
};
