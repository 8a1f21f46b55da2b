/**
 * Suites that need PostgreSQL, Chromium or server processes run in CI and `npm run test:all`, not in `npm test`
 * (jest.config.js): their files are named `*.ci.test.ts`. The fixtures for them call this, so a new such suite
 * under another name fails with the reason instead of slowing every `npm test` down.
 */
export function assertCiSuite(what: string): void {
  const file = expect.getState().testPath;
  if (file && !file.endsWith('.ci.test.ts')) {
    throw new Error(`${file} uses ${what}: name it *.ci.test.ts, so that it runs in CI and npm run test:all but not in npm test (jest.config.js)`);
  }
}
