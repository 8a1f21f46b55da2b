/**
 * `$package` without a version asked for never gives one name#version to two contents (FHIR package specification,
 * npm): the version is the date and a digest of the content, but for the catalogs of the terminology folder alone,
 * which are the server's release (faelles-tx.catalogs#0.1.0, as `$packages` names them).
 */
import type { Binary } from 'fhir/r4';
import request from 'supertest';
import { nextFsiiiPackage } from '../../scripts/next-fsiii-release';
import type { App } from '../../src/app';
import { isPackageVersion } from '../../src/packages/package-check';
import { CATALOGS_VERSION } from '../../src/packages/export-selection';
import { readPackageTarball } from '../../src/packages/package-reader';
import { TERMINOLOGY_DIR, testApp } from '../support/app';
import { inEnglish } from '../support/english';
import { sampleCatalog, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';

/** The name#version of the package `$package` answers (as a Binary, to read it as JSON). */
async function packageId(app: App, query = ''): Promise<{ name: string; version: string }> {
  const res = await inEnglish(app).get(`/fhir/$package${query}`).set('Accept', JSON_TYPE).expect(200);
  const manifest = (await readPackageTarball(Buffer.from((res.body as Binary).data!, 'base64'), 'p')).manifest as { name: string; version: string };
  return { name: manifest.name, version: manifest.version };
}

const DATED = /^\d{4}\.\d{1,2}\.\d{1,2}-c[0-9a-f]{10}$/;

describe('the default version of $package', () => {
  it("of the terminology folder alone is the server's release; with a package loaded, a version of the content", async () => {
    const app = await testApp();
    expect(await packageId(app)).toEqual({ name: 'faelles-tx.catalogs', version: CATALOGS_VERSION });
    const admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
    const { archive } = await nextFsiiiPackage(TERMINOLOGY_DIR);
    await inEnglish(app).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip').send(archive).expect(200);
    const { version } = await packageId(app);
    expect(version).toMatch(DATED);
    expect(isPackageVersion(version)).toBe(true);
    expect(await packageId(app, '?version=3.0.0')).toEqual({ name: 'faelles-tx.catalogs', version: '3.0.0' });
  });

  it("of a municipality's package is the same for the same content and another once it changed; one asked for is kept", async () => {
    const app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '105' })}`;
    const { codeSystem, conceptMap } = sampleCatalog('105');
    await request(app).post('/fhir/CodeSystem').set('Authorization', auth).type(JSON_TYPE).send(codeSystem).expect(201);
    await request(app).post('/fhir/ConceptMap').set('Authorization', auth).type(JSON_TYPE).send(conceptMap).expect(201);
    const first = (await packageId(app, '?kommunekode=105')).version;
    expect(first).toMatch(DATED);
    expect((await packageId(app, '?kommunekode=105')).version).toBe(first);
    await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', auth).type(JSON_TYPE).send({ ...codeSystem, title: 'Changed' }).expect(200);
    const second = (await packageId(app, '?kommunekode=105')).version;
    expect(second).toMatch(DATED);
    expect(second).not.toBe(first);
    expect((await packageId(app, '?kommunekode=105&version=1.0.0')).version).toBe('1.0.0');
  });
});
