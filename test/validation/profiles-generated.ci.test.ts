import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/catalogs';

/** The profiles in profiles/ are generated, not edited: running the generator (as a process, like the build does) gives them byte for byte. */

const PROFILES_DIR = path.join(ROOT, 'profiles');

describe('the profiles in profiles/', () => {
  it('are what profiles/build/build.mjs generates', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-profiles-'));
    try {
      execFileSync(process.execPath, [path.join(PROFILES_DIR, 'build', 'build.mjs'), out], { stdio: 'ignore' });
      const generated = fs.readdirSync(out).sort();
      expect(generated).toEqual(fs.readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).sort());
      for (const f of generated) expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(fs.readFileSync(path.join(PROFILES_DIR, f), 'utf8'));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
