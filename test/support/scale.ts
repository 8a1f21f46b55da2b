/**
 * The size of a sweep or a stress run: `npm test` runs it on a representative part, CI (and `npm run test:all`) on
 * all of it, as it runs the *.ci.test.ts suites (jest.config.js). The test asserts the same in both; only how much
 * it goes through differs.
 */
export const FULL_SCALE = process.env.CI === 'true' || process.env.TEST_ALL === 'true';

export function atScale<T>(representative: T, full: T): T {
  return FULL_SCALE ? full : representative;
}
