/**
 * The FHIR core terminology is below the catalogs: a package's release of a code system R4 also has is what every
 * operation takes for an unversioned reference, even when its version string sorts before R4's (1.0.0 before 4.0.1);
 * R4's version still answers when asked for by version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CodeSystem, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { writePackageTarball } from '../../src/packages/package-writer';
import { testApp } from '../support/app';
import { asParameters, valueNamed } from '../support/parameters';

const DATA_ABSENT = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
const DATA_ABSENT_VS = 'http://hl7.org/fhir/ValueSet/data-absent-reason';

/** R4 has data-absent-reason at 4.0.1 (active); this release, under a lower version, has a code R4's does not. */
const release: CodeSystem = {
  resourceType: 'CodeSystem', id: 'data-absent-reason', url: DATA_ABSENT, version: '1.0.0', status: 'active', content: 'complete',
  concept: [{ code: 'unknown', display: 'Unknown' }, { code: 'later-code', display: 'A code of a later release' }],
};

let app: App;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-core-below-'));
  const file = path.join(dir, 'release.tgz');
  fs.writeFileSync(file, await writePackageTarball({ name: 'example.core.release', version: '1.0.0' }, [release]));
  app = await testApp({ packages: [file] });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const get = async (url: string, query: Record<string, string>) => (await request(app).get(url).query(query).expect(200)).body as unknown;

describe("a package's release of a FHIR core code system", () => {
  it('is what $lookup, $validate-code and $expand take for the unversioned system', async () => {
    const lookup = asParameters(await get('/fhir/CodeSystem/$lookup', { system: DATA_ABSENT, code: 'later-code' }));
    expect(valueNamed(lookup, 'version')).toBe('1.0.0');
    for (const [url, query] of [
      ['/fhir/CodeSystem/$validate-code', { url: DATA_ABSENT, code: 'later-code' }],
      ['/fhir/ValueSet/$validate-code', { url: DATA_ABSENT_VS, system: DATA_ABSENT, code: 'later-code' }],
    ] as const) {
      const res = asParameters(await get(url, query));
      expect([url, valueNamed(res, 'result'), valueNamed(res, 'version')]).toEqual([url, true, '1.0.0']);
    }
    const expansion = (await get('/fhir/ValueSet/$expand', { url: DATA_ABSENT_VS })) as ValueSet;
    expect(expansion.expansion?.contains?.map((c) => c.code)).toEqual(['unknown', 'later-code']);
    expect(expansion.expansion?.parameter).toContainEqual({ name: 'used-codesystem', valueUri: `${DATA_ABSENT}|1.0.0` });
  });

  it("leaves R4's version answering by version", async () => {
    const res = asParameters(await get('/fhir/CodeSystem/$validate-code', { url: DATA_ABSENT, version: '4.0.1', code: 'masked' }));
    expect([valueNamed(res, 'result'), valueNamed(res, 'version')]).toEqual([true, '4.0.1']);
    const later = asParameters(await get('/fhir/CodeSystem/$validate-code', { url: DATA_ABSENT, version: '4.0.1', code: 'later-code' }));
    expect(valueNamed(later, 'result')).toBe(false);
  });
});
