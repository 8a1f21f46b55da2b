import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';
import { checkPackage } from '../../src/packages/package-check';
import { readPackagePath } from '../../src/packages/package-reader';
import { writePackageTarball } from '../../src/packages/package-writer';
import { MemoryStore } from '../../src/store/memory-store';
import { TerminologyLoadError } from '../../src/terminology/loader';
import type { TerminologyResource } from '../../src/terminology/resource-set';
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

  describe('beside a package of the same name#version loaded at run time (kept in the store)', () => {
    const codeSystem = (...codes: string[]): TerminologyResource => ({
      resourceType: 'CodeSystem', id: 'a', url: 'http://example.org/cs/a', version: '1.0.0', status: 'active', content: 'complete',
      concept: codes.map((code) => ({ code })),
    });
    async function packageFile(...codes: string[]): Promise<string> {
      const file = path.join(dir, `test.a-${codes.join('-')}.tgz`);
      fs.writeFileSync(file, await writePackageTarball({ name: 'test.a', version: '1.0.0' }, [codeSystem(...codes)]));
      return file;
    }
    /** A store holding the package as $load-package keeps it. */
    async function storeHolding(...codes: string[]): Promise<MemoryStore> {
      const store = new MemoryStore();
      await store.savePackage(await checkPackage(await readPackagePath(await packageFile(...codes))));
      return store;
    }

    it('with other content stops start-up naming both (exit 3 in src/index.ts)', async () => {
      const start = testApp({ packages: [await packageFile('x', 'DIFFERENT')] }, { store: await storeHolding('x', 'y') });
      await expect(start).rejects.toThrow(TerminologyLoadError);
      await expect(start).rejects.toThrow(/test\.a#1\.0\.0 i PACKAGES har et andet indhold end test\.a#1\.0\.0, der blev indlæst/);
    });

    it('with the same content starts and serves it', async () => {
      const app = await testApp({ packages: [await packageFile('x', 'y')] }, { store: await storeHolding('x', 'y') });
      expect(app.registry.findCodeSystem('http://example.org/cs/a', '1.0.0')?.concept?.map((c) => c.code)).toEqual(['x', 'y']);
    });
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
