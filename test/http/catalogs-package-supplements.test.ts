/**
 * The catalogs written as a package answer as the terminology folder does: the supplements applied by default there
 * (supplements/: FSIII's statuses, niveau and paragraph) are applied by default from the package too, at start
 * (PACKAGES) and at run time ($load-package).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Parameters } from 'fhir/r4';
import pino from 'pino';
import { createApp, type App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { loadTerminology } from '../../src/terminology/loader';
import { packageFromStore } from '../../src/packages/package-from-store';
import { readPackageTarball } from '../../src/packages/package-reader';
import { writePackageTarball } from '../../src/packages/package-writer';
import { FSIII, testApp, testConfig } from '../support/app';
import { tokenFor } from '../support/local';
import { inEnglish } from '../support/english';

/** An FSIII code that supplements/CodeSystem-fsiii-status.json retires (with its replacement). */
const RETIRED = 'c203c6b5-3be0-40a8-8204-e93751deabf5';

let dir: string;
let archive: Buffer;
let reference: App;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-catalogs-package-'));
  fs.mkdirSync(path.join(dir, 'empty'));
  // as `npm run build` writes dist/packages/faelles-tx.catalogs.tgz
  archive = (await packageFromStore(testConfig({ loadExamples: false }), undefined))!.tarball;
  fs.writeFileSync(path.join(dir, 'catalogs.tgz'), archive);
  reference = await testApp();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function serverWithoutTerminology(packages: string[] = []): Promise<App> {
  const terminologyDir = path.join(dir, 'empty');
  return createApp({
    config: testConfig({ terminologyDir, packages, loadExamples: false }), store: new MemoryStore(), logger: pino({ level: 'silent' }),
    published: loadTerminology(terminologyDir, { includeExamples: false }),
  });
}

/** The answer's parameters and properties, without what each server computes on its own. */
async function lookup(app: App): Promise<Parameters> {
  return (await inEnglish(app).get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${RETIRED}`).expect(200)).body as Parameters;
}

async function validate(app: App): Promise<Parameters> {
  return (await inEnglish(app).get(`/fhir/CodeSystem/$validate-code?url=${encodeURIComponent(FSIII)}&code=${RETIRED}`).expect(200)).body as Parameters;
}

async function activeCount(app: App): Promise<number | undefined> {
  const res = await inEnglish(app).get('/fhir/ValueSet/$expand?url=http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII&activeOnly=true&count=0').expect(200);
  return (res.body as { expansion?: { total?: number } }).expansion?.total;
}

describe('the catalogs package keeps its supplements applied by default', () => {
  it('says which supplements apply by default in package.json', async () => {
    const manifest = (await readPackageTarball(archive, 'catalogs')).manifest as Record<string, unknown>;
    expect((manifest['faelles-tx'] as { defaultSupplements?: string[] }).defaultSupplements).toEqual(expect.arrayContaining([
      expect.stringContaining('fsiii-status'), expect.stringContaining('fsiii-indsatskatalog'),
    ]));
  });

  it('a server fed only by the built catalogs package (PACKAGES) answers a retired FSIII code as the terminology folder does', async () => {
    const fed = await serverWithoutTerminology([path.join(dir, 'catalogs.tgz')]);
    const [expected, got] = [await lookup(reference), await lookup(fed)];
    expect(got.parameter?.filter((p) => p.name === 'property')).toEqual(expected.parameter?.filter((p) => p.name === 'property'));
    expect(JSON.stringify(expected)).toContain('retired');
    expect(await validate(fed)).toEqual(await validate(reference));
    expect(await activeCount(fed)).toBe(await activeCount(reference));
  });

  it('and so does one it is loaded into at run time ($load-package)', async () => {
    const fed = await serverWithoutTerminology();
    const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
    const loaded = await inEnglish(fed).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip').send(archive);
    expect(loaded.status).toBe(200);
    expect(await validate(fed)).toEqual(await validate(reference));
  });

  it('takes a name#version sent again with only other supplements applied by default as other content (409, not passed over as loaded)', async () => {
    const fed = await serverWithoutTerminology();
    const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
    const base = { resourceType: 'CodeSystem', url: 'http://example.org/base', version: '1', status: 'active', content: 'complete', concept: [{ code: 'a' }] };
    const supplement = { resourceType: 'CodeSystem', url: 'http://example.org/sup', version: '1', status: 'active', content: 'supplement', supplements: 'http://example.org/base|1', concept: [{ code: 'a', display: 'A' }] };
    const load = async (defaultSupplements?: string[]) => inEnglish(fed).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip')
      .send(await writePackageTarball({ name: 'example.defaults', version: '1.0.0', ...(defaultSupplements ? { defaultSupplements } : {}) }, [base as never, supplement as never]));
    expect((await load()).status).toBe(200);
    const again = await load(['http://example.org/sup']);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('is already loaded, with other content');
  });

  it('warns the administrator loading a package whose default supplement is of a code system it does not bring', async () => {
    const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
    const own = await testApp();
    const supplement = { resourceType: 'CodeSystem', url: 'http://example.org/fsiii-sup', version: '1', status: 'active', content: 'supplement',
      supplements: 'urn:oid:1.2.208.176.2.21', concept: [{ code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c', designation: [{ language: 'da', value: 'Anden tekst' }] }] };
    const res = await inEnglish(own).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip')
      .send(await writePackageTarball({ name: 'example.fsiii-sup', version: '1.0.0', defaultSupplements: [supplement.url] }, [supplement as never])).expect(200);
    expect(res.body.issue.filter((i: { severity: string }) => i.severity === 'warning').map((i: { details: { text: string } }) => i.details.text))
      .toEqual([expect.stringMatching(/^example\.fsiii-sup#1\.0\.0 applies its supplement http:\/\/example\.org\/fsiii-sup by default to urn:oid:1\.2\.208\.176\.2\.21, which it does not bring/)]);
  });

  it('refuses a package naming as applied by default what is not a supplement in it', async () => {
    const fed = await serverWithoutTerminology();
    const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
    const codeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/cs', version: '1', status: 'active', content: 'complete', concept: [{ code: 'a' }] };
    const bad = await writePackageTarball({ name: 'example.defaults', version: '1.0.0', defaultSupplements: ['http://example.org/cs'] }, [codeSystem as never]);
    const res = await inEnglish(fed).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip').send(bad);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('defaultSupplements names http://example.org/cs, which is not a supplement');
  });
});
