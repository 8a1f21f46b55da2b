import path from 'node:path';
import { loadConfig } from '../../src/config';

describe('a variable set to the empty text (a compose file passes ${VAR:-})', () => {
  it('is taken as not set: HOST, DATA_DIR and TERMINOLOGY_DIR keep their defaults, not the working directory or no address', () => {
    const defaults = loadConfig({});
    const empty = loadConfig({ HOST: '', DATA_DIR: '', TERMINOLOGY_DIR: '' });
    expect(empty.host).toBe('0.0.0.0');
    expect(empty.dataDir).toBe(path.resolve('./data'));
    expect(empty.terminologyDir).toBe(defaults.terminologyDir);
    expect(empty.terminologyDir).not.toBe(process.cwd());
  });

  it('except BASE_PATH, where the empty path is the root endpoint it names', () => {
    expect(loadConfig({ BASE_PATH: '' }).basePath).toBe('');
  });
});
