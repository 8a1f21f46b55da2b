/**
 * Chromium for the web page's end-to-end tests (Debian's chromium package, /usr/bin/chromium or CHROMIUM_PATH).
 * Where it is not installed the tests are skipped with a notice, unless CI=true: then they fail (.ci/run installs it).
 */
import { CHROMIUM_PATH, chromiumInstalled } from '../../scripts/chromium';
import { assertCiSuite } from './ci-only';

const REQUIRED = process.env.CI === 'true';

/** describe() when Chromium is installed; otherwise skipped with a notice, or (CI=true) one failing test saying why. */
export function describeWithChromium(name: string, fn: () => void): void {
  assertCiSuite('Chromium');
  if (chromiumInstalled()) {
    describe(name, fn);
    return;
  }
  if (REQUIRED) {
    describe(name, () => {
      it('needs Chromium', () => {
        throw new Error(`No Chromium at ${CHROMIUM_PATH}; with CI=true the browser tests are required. Install it: apt-get install -y chromium`);
      });
    });
    return;
  }
  console.warn(`NOTICE: skipping "${name}": no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH). ` +
    'With CI=true these tests fail instead.');
  describe.skip(name, fn);
}
