import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { ROOT } from '../support/catalogs';

describe('PROFILES_DIR', () => {
  it('is the project\'s profiles/ when not set (or empty), else the folder named', () => {
    expect(loadConfig({}).profilesDir).toBe(path.join(ROOT, 'profiles'));
    expect(loadConfig({ PROFILES_DIR: '' }).profilesDir).toBe(path.join(ROOT, 'profiles'));
    expect(loadConfig({ PROFILES_DIR: os.tmpdir() }).profilesDir).toBe(path.resolve(os.tmpdir()));
  });

  it('must be an existing folder: one that is not there would leave $validate without the profiles, saying only that it loaded none', () => {
    const missing = path.join(os.tmpdir(), `faelles-tx-no-profiles-${process.pid}`);
    expect(fs.existsSync(missing)).toBe(false);
    expect(() => loadConfig({ PROFILES_DIR: missing })).toThrow(new ConfigError(`PROFILES_DIR: ${missing} is not an existing folder`));
    expect(() => loadConfig({ PROFILES_DIR: '/dev/null' })).toThrow(new ConfigError('PROFILES_DIR: /dev/null is not an existing folder'));
  });
});
