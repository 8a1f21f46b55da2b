/**
 * `npm test` runs every test file but those named `*.ci.test.ts`: the suites that need PostgreSQL or Chromium, start
 * server processes (crash loops) or the build's own scripts as processes (the profile generator, KL's FSH and example
 * readers), or run for long (the seeded fuzz runs, the parallel-write races, requests carrying megabytes of concepts).
 * With CI=true (.ci/run) or TEST_ALL=true (`npm run test:all`) those run too, and the sweeps and stress runs of the
 * other files at their full size (test/support/scale.ts).
 */
const everything = process.env.CI === 'true' || process.env.TEST_ALL === 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: everything ? ['/node_modules/'] : ['/node_modules/', '\\.ci\\.test\\.ts$'],
  // what `npm run build` writes next to the compiled modules, written once next to the sources (test/support/global-setup.ts)
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // jest's default leaves one core to itself; its own work is light, so a worker per core
  maxWorkers: '100%',
  transform: {
    '^.+\\.ts$': ['@swc/jest'],
    // these ship ES modules only; jest runs CommonJS, so their files are compiled like ours.
    '/node_modules/(fhir-kit-client|jose|iso-3166|iso-639-2|bcp-47|is-alphabetical|is-alphanumerical|is-decimal)/.+\\.js$': ['@swc/jest'],
  },
  // a worker keeps the modules' transformed and compiled code for the next test file it runs (test/support/worker-runtime.js)
  runtime: '<rootDir>/test/support/worker-runtime.js',
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|jose|iso-3166|iso-639-2|bcp-47|is-alphabetical|is-alphanumerical|is-decimal)/)'],
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
  testTimeout: 30000,
};
