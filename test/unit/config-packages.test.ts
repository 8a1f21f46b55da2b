import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { writePackageTarball } from '../../src/packages/package-writer';
import { TerminologyLoadError } from '../../src/terminology/loader';
import { testApp } from '../support/app';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-packages-'));
  for (const f of ['b.tgz', 'a.tgz', 'notes.txt']) fs.writeFileSync(path.join(dir, f), '');
  fs.mkdirSync(path.join(dir, 'unpacked'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('PACKAGES', () => {
  it('names .tgz files and folders; a * in the file name matches that folder\'s files in name order', () => {
    expect(loadConfig({}).packages).toEqual([]);
    expect(loadConfig({ PACKAGES: `${dir}/*.tgz, ${dir}/unpacked` }).packages).toEqual(['a.tgz', 'b.tgz', 'unpacked'].map((f) => path.join(dir, f)));
  });

  it('is checked at start: a missing path, a pattern that matches nothing, a * in a folder name', () => {
    expect(() => loadConfig({ PACKAGES: path.join(dir, 'missing.tgz') })).toThrow(ConfigError);
    expect(() => loadConfig({ PACKAGES: `${dir}/*.zip` })).toThrow(/matches no file/);
    expect(() => loadConfig({ PACKAGES: `${dir}/*/x.tgz` })).toThrow(/only in the file name/);
  });

  it('a named package that fails its check stops start-up with the reason (exit 3 in src/index.ts)', async () => {
    const file = path.join(dir, 'r5.tgz');
    fs.writeFileSync(file, await writePackageTarball({ name: 'example.r5', version: '1.0.0', dependencies: { 'hl7.fhir.r5.core': '5.0.0' } }, [
      { resourceType: 'ValueSet', url: 'http://example.org/vs', status: 'active' },
    ]));
    const start = testApp({ packages: [file] });
    await expect(start).rejects.toThrow(TerminologyLoadError);
    await expect(start).rejects.toThrow(/hl7\.fhir\.r5\.core/);
  });
});

describe('PACKAGE_REFERENCES', () => {
  it('refuses a package whose dependency or used code system is not served by default; warn loads it, and nothing else is taken', () => {
    expect(loadConfig({}).packageReferences).toBe('refuse');
    expect(loadConfig({ PACKAGE_REFERENCES: 'warn' }).packageReferences).toBe('warn');
    expect(loadConfig({ PACKAGE_REFERENCES: 'refuse' }).packageReferences).toBe('refuse');
    for (const bad of ['WARN', 'ignore', 'true']) {
      expect(() => loadConfig({ PACKAGE_REFERENCES: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ PACKAGE_REFERENCES: bad })).toThrow(`PACKAGE_REFERENCES must be refuse or warn, not '${bad}'`);
    }
  });
});
