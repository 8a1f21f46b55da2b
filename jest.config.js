/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // fhir-kit-client and jose ship ES modules only; jest runs CommonJS, so their files are compiled like ours.
    '/node_modules/(fhir-kit-client|jose)/.+\\.js$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|jose)/)'],
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
  testTimeout: 30000,
};
