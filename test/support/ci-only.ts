/**
 * Suites that need PostgreSQL, Chromium or processes run in CI and `npm run test:all`, not in `npm test`
 * (jest.config.js): their files are named `*.ci.test.ts`. The fixtures for them call this, so a new such suite
 * under another name fails with the reason instead of slowing every `npm test` down.
 */
export function assertCiSuite(what: string): void {
  const file = expect.getState().testPath;
  if (file && !file.endsWith('.ci.test.ts')) {
    throw new Error(`${file} uses ${what}: name it *.ci.test.ts, so that it runs in CI and npm run test:all but not in npm test (jest.config.js)`);
  }
}

/**
 * describe() when what a CI suite needs is here (`missing` undefined, else why not and how to get it); without it,
 * with CI=true (.ci/run provides it) one failing test saying why, otherwise skipped with a notice.
 */
export function describeNeeding(what: string, missing: string | undefined, name: string, fn: () => void): void {
  assertCiSuite(what);
  if (missing === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it(`needs ${what}`, () => {
        throw new Error(`${missing}; with CI=true the ${what} tests are required`);
      });
    });
    return;
  }
  // Straight to stderr: jest does not show the console output of a file whose tests are all skipped.
  process.stderr.write(`\nNOTICE: skipping "${name}": ${missing}. With CI=true these tests fail instead.\n`);
  describe.skip(name, fn);
}
