/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // these ship ES modules only; jest runs CommonJS, so their files are compiled like ours.
    '/node_modules/(fhir-kit-client|jose|iso-3166|iso-639-2|bcp-47|is-alphabetical|is-alphanumerical|is-decimal)/.+\\.js$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|jose|iso-3166|iso-639-2|bcp-47|is-alphabetical|is-alphanumerical|is-decimal)/)'],
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
  testTimeout: 30000,
};
