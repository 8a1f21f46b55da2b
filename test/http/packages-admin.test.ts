/**
 * What an administrator does with the packages served: list them ($packages: what, which version, when, by whom, how
 * many resources) and take one loaded at run time out again ($unload-package), never one another package needs;
 * loads and unloads are in the audit log like writes.
 */
import type { AuditEvent, Bundle, CapabilityStatement, CodeSystem, OperationDefinition, OperationOutcome, Parameters, ValueSet } from 'fhir/r4';
import zlib from 'node:zlib';
import request from 'supertest';
import type { App } from '../../src/app';
import { writePackageTarball } from '../../src/packages/package-writer';
import { testApp } from '../support/app';
import { inEnglish } from '../support/english';
import { issueTranslated } from '../support/translation';
import { localCodeSystem, tokenFor } from '../support/local';

const A_URL = 'http://example.org/CodeSystem/a';
const codeSystemA: CodeSystem = { resourceType: 'CodeSystem', id: 'a', url: A_URL, version: '1', status: 'active', content: 'complete', concept: [{ code: 'x', display: 'X' }] };
const valueSetUsingA = (id: string): ValueSet => ({
  resourceType: 'ValueSet', id, url: `http://example.org/ValueSet/${id}`, version: '1', status: 'active', compose: { include: [{ system: A_URL }] },
});

let adminToken: string;

beforeAll(async () => {
  adminToken = await tokenFor({ scope: 'openid admin', sub: 'kl-terminologi' });
});

function load(app: App, archive: Buffer) {
  return inEnglish(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).type('application/gzip').send(archive);
}

function unload(app: App, name: string, version: string, token: string | null = adminToken) {
  const req = inEnglish(app).post('/fhir/$unload-package').type('application/fhir+json');
  if (token) req.set('Authorization', `Bearer ${token}`);
  return req.send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: name }, { name: 'version', valueString: version }] });
}

function packageList(body: Parameters): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const p of body.parameter ?? []) {
    const fields: Record<string, unknown> = {};
    for (const part of p.part ?? []) {
      const value = Object.entries(part).find(([k]) => k.startsWith('value'))?.[1];
      if (part.name === 'dependency' || part.name === 'usedBy') fields[part.name] = [...((fields[part.name] as unknown[]) ?? []), value];
      else fields[part.name] = value;
    }
    out[`${fields.name}#${fields.version}`] = fields;
  }
  return out;
}

function texts(outcome: OperationOutcome): string {
  return outcome.issue.map((i) => i.details?.text ?? '').join('\n');
}

async function served(app: App, url: string): Promise<string[]> {
  const res = await request(app).get(`/fhir/CodeSystem?url=${encodeURIComponent(url)}`).expect(200);
  return ((res.body as Bundle).entry ?? []).map((e) => (e.resource as CodeSystem).version ?? '');
}

describe('$packages', () => {
  it('lists the terminology folder and each package loaded, with version, origin, counts, when and (for an admin) by whom', async () => {
    const app = await testApp();
    const before = Date.now();
    const a = await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]);
    const b = await writePackageTarball({ name: 'example.b', version: '2.0.0', dependencies: { 'example.a': '1.0.0' } }, [valueSetUsingA('b')]);
    expect((await load(app, a)).status).toBe(200);
    expect((await load(app, b)).status).toBe(200);

    const anonymous = packageList((await request(app).get('/fhir/$packages').expect(200)).body as Parameters);
    expect(Object.keys(anonymous)).toEqual(['faelles-tx.catalogs#0.1.0', 'example.a#1.0.0', 'example.b#2.0.0']);
    const catalogs = anonymous['faelles-tx.catalogs#0.1.0']!;
    expect(catalogs).toMatchObject({ origin: 'terminology', fhirVersion: '4.0.1' });
    expect((catalogs.codeSystems as number) + (catalogs.valueSets as number) + (catalogs.conceptMaps as number)).toBe(catalogs.resources);
    expect(catalogs.loadedAt).toBeUndefined();
    expect(anonymous['example.a#1.0.0']).toMatchObject({ origin: 'loaded', resources: 1, codeSystems: 1, valueSets: 0, conceptMaps: 0, usedBy: ['example.b#2.0.0'] });
    expect(anonymous['example.b#2.0.0']).toMatchObject({ resources: 1, valueSets: 1, dependency: ['hl7.fhir.r4.core#4.0.1', 'example.a#1.0.0'] });
    expect(Date.parse(anonymous['example.a#1.0.0']!.loadedAt as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(anonymous['example.a#1.0.0']!.loadedBy).toBeUndefined();

    const admin = packageList((await request(app).get('/fhir/$packages').set('Authorization', `Bearer ${adminToken}`).expect(200)).body as Parameters);
    expect(admin['example.a#1.0.0']!.loadedBy).toBe('kl-terminologi');
    const municipal = packageList((await request(app).get('/fhir/$packages').set('Authorization', `Bearer ${await tokenFor({ kommunekode: '101' })}`).expect(200)).body as Parameters);
    expect(municipal['example.a#1.0.0']!.loadedBy).toBeUndefined();
  });

  it('answers a caller whose Authorization header does not verify as it answers an anonymous one, as the other reads do', async () => {
    const app = await testApp();
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    const anonymous = (await request(app).get('/fhir/$packages').expect(200)).body as Parameters;
    const expired = await tokenFor({ scope: 'admin' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    for (const header of ['Basic eDp5', 'Bearer a.b.c', `Bearer ${expired}`]) {
      const res = await request(app).get('/fhir/$packages').set('Authorization', header).expect(200);
      expect(packageList(res.body as Parameters)).toEqual(packageList(anonymous));
    }
  });
});

describe("a package's resources as this server serves them", () => {
  it("carry no other server's meta.versionId and lastUpdated: tagged by their content, so a replaced package is no 304", async () => {
    const app = await testApp();
    const foreign = { versionId: '1', lastUpdated: '2024-01-02T03:04:05Z', profile: ['http://example.org/StructureDefinition/cs'] };
    const first = await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [{ ...codeSystemA, meta: foreign }]);
    expect((await load(app, first)).status).toBe(200);
    const read = await request(app).get('/fhir/CodeSystem/a').expect(200);
    expect((read.body as CodeSystem).meta).toEqual({ profile: foreign.profile });
    expect(read.headers.etag).not.toBe('W/"1"');
    expect(read.headers['last-modified']).toBeUndefined();
    const history = (await request(app).get('/fhir/CodeSystem/a/_history').expect(200)).body as Bundle;
    expect(history.entry?.map((e) => (e.resource as CodeSystem).meta?.versionId)).not.toContain('1');

    const changed = { ...codeSystemA, title: 'Ændret titel', meta: foreign };
    expect((await unload(app, 'example.a', '1.0.0')).status).toBe(200);
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.1' }, [changed]))).status).toBe(200);
    const again = await request(app).get('/fhir/CodeSystem/a').set('If-None-Match', read.headers.etag as string).expect(200);
    expect((again.body as CodeSystem).title).toBe('Ændret titel');
    await request(app).get('/fhir/CodeSystem/a').set('If-None-Match', again.headers.etag as string).expect(304);
  });
});

describe('$unload-package', () => {
  it('needs an admin token, POST, a name and a version', async () => {
    const app = await testApp();
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    expect((await unload(app, 'example.a', '1.0.0', null)).status).toBe(401);
    expect((await unload(app, 'example.a', '1.0.0', await tokenFor({ kommunekode: '101' }))).status).toBe(403);
    expect((await request(app).get('/fhir/$unload-package?name=example.a&version=1.0.0').set('Authorization', `Bearer ${adminToken}`)).status).toBe(405);
    const noVersion = await request(app).post('/fhir/$unload-package').set('Authorization', `Bearer ${adminToken}`).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'example.a' }] });
    expect(noVersion.status).toBe(400);
    const unknown = await unload(app, 'example.never', '1.0.0', adminToken);
    expect(unknown.status).toBe(404);
    expect(unknown.body.issue[0].code).toBe('not-found');
    const batch = await request(app).post('/fhir').set('Authorization', `Bearer ${adminToken}`).type('application/fhir+json').send({
      resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: '$unload-package' }, resource: { resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'example.a' }, { name: 'version', valueString: '1.0.0' }] } }],
    }).expect(200);
    expect((batch.body as Bundle).entry?.[0]?.response?.status).toMatch(/^4/);
    expect(await served(app, A_URL)).toEqual(['1']);
  });

  it('takes a loaded package out of service; the same name#version can be loaded again', async () => {
    const app = await testApp();
    const a = await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]);
    expect((await load(app, a)).status).toBe(200);
    expect((await request(app).get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(A_URL)}&code=x`)).status).toBe(200);
    const res = await unload(app, 'example.a', '1.0.0');
    expect(res.status).toBe(200);
    expect(texts(res.body as OperationOutcome)).toContain('example.a#1.0.0 is unloaded: 1 code system,');
    expect(await served(app, A_URL)).toEqual([]);
    expect((await request(app).get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(A_URL)}&code=x`)).status).toBe(404);
    expect(Object.keys(packageList((await request(app).get('/fhir/$packages')).body as Parameters))).toEqual(['faelles-tx.catalogs#0.1.0']);
    expect((await unload(app, 'example.a', '1.0.0')).status).toBe(404);
    expect((await load(app, a)).status).toBe(200);
    expect(await served(app, A_URL)).toEqual(['1']);
  });

  it('says which resources stop being served: not those another package carries too', async () => {
    const app = await testApp();
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA, valueSetUsingA('own')]))).status).toBe(200);
    expect((await load(app, await writePackageTarball({ name: 'example.same', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    const res = await unload(app, 'example.a', '1.0.0').expect(200);
    expect(texts(res.body as OperationOutcome)).toContain(
      'example.a#1.0.0 is unloaded: 0 code systems, 1 value set and 0 concept maps are no longer served; 1 of its resources stay served, as another package carries them too');
    expect(await served(app, A_URL)).toEqual(['1']);
  });

  it('a load and an unload answer in Danish with the English as its translation unless English is asked for (KL staff read them, as an import)', async () => {
    const app = await testApp();
    const archive = await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]);
    const issueOf = (res: { body: OperationOutcome }) => {
      const { text, translation } = issueTranslated(res.body.issue[0]);
      return { text, translation };
    };
    const loaded = await request(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).type('application/gzip').send(archive).expect(200);
    expect(issueOf(loaded)).toEqual({
      text: 'Pakken example.a#1.0.0 er indlæst: 1 kodesystem, 0 værdisæt og 0 mapninger',
      translation: 'Package example.a#1.0.0 is loaded: 1 code system, 0 value sets and 0 concept maps',
    });
    const again = await request(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`).type('application/gzip').send(archive).expect(409);
    expect(issueOf(again).translation).toMatch(/example\.a#1\.0\.0/);
    expect(issueOf(again).text).not.toBe(issueOf(again).translation);
    const refused = await request(app).post('/fhir/$unload-package').type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'example.a' }, { name: 'version', valueString: '1.0.0' }] }).expect(401);
    expect(issueOf(refused).translation).toBeDefined();
    const unloaded = await request(app).post('/fhir/$unload-package').set('Authorization', `Bearer ${adminToken}`).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'example.a' }, { name: 'version', valueString: '1.0.0' }] }).expect(200);
    expect(issueOf(unloaded)).toEqual({
      text: 'Pakken example.a#1.0.0 er taget ud: 1 kodesystem, 0 værdisæt og 0 mapninger udgives ikke længere',
      translation: 'Package example.a#1.0.0 is unloaded: 1 code system, 0 value sets and 0 concept maps are no longer served',
    });
    expect(issueOf(await load(app, archive))).toEqual({
      text: 'Package example.a#1.0.0 is loaded: 1 code system, 0 value sets and 0 concept maps',
      translation: 'Pakken example.a#1.0.0 er indlæst: 1 kodesystem, 0 værdisæt og 0 mapninger',
    });
  });

  it('counts what stops being served in Danish grammar to a Danish caller: one in the singular', async () => {
    const app = await testApp();
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA, valueSetUsingA('own')]))).status).toBe(200);
    const res = await unload(app, 'example.a', '1.0.0').set('Accept-Language', 'da').expect(200);
    expect(texts(res.body as OperationOutcome)).toBe('Pakken example.a#1.0.0 er taget ud: 1 kodesystem, 1 værdisæt og 0 mapninger udgives ikke længere');
  });

  it('a second version under the same id: each version is read by its own id while both are served, and the ids follow an unload', async () => {
    const app = await testApp();
    const v2: CodeSystem = { ...codeSystemA, version: '2', concept: [{ code: 'x', display: 'X2' }] };
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '2.0.0' }, [v2]))).status).toBe(200);
    const version = async (id: string) => {
      const res = await request(app).get(`/fhir/CodeSystem/${id}`);
      return res.status === 200 ? (res.body as CodeSystem).version : res.status;
    };
    const display = async (id: string) => {
      const res = await request(app).get(`/fhir/CodeSystem/${id}/$lookup?code=x`);
      return res.status === 200 ? (res.body as Parameters).parameter?.find((p) => p.name === 'display')?.valueString : res.status;
    };
    expect([await version('a'), await version('a-1')]).toEqual(['2', '1']);
    expect([await display('a'), await display('a-1')]).toEqual(['X2', 'X']);
    expect((await unload(app, 'example.a', '2.0.0')).status).toBe(200);
    expect([await version('a'), await version('a-1')]).toEqual(['1', 404]);
    expect([await display('a'), await display('a-1')]).toEqual(['X', 404]);
  });

  it("a package's resource with an id a municipality wrote first is served under another id; the municipality keeps its own", async () => {
    const app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '101', sub: 'anna@101' })}`;
    const local = { ...localCodeSystem('101', 'lokale-indsatser', [{ code: '101-BOLD', display: 'Boldspil', type: 'indsats' }]), id: 'a' };
    expect((await request(app).put('/fhir/CodeSystem/a').set('Authorization', auth).type('application/fhir+json').send(local)).status).toBe(201);
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    expect(((await request(app).get('/fhir/CodeSystem/a').expect(200)).body as CodeSystem).url).toBe(local.url);
    expect(((await request(app).get('/fhir/CodeSystem/a-1').expect(200)).body as CodeSystem).url).toBe(A_URL);
    const found = (await request(app).get('/fhir/CodeSystem?_id=a,a-1').expect(200)).body as Bundle;
    expect((found.entry ?? []).map((e) => [e.fullUrl?.replace(/^.*\/fhir\//, ''), (e.resource as CodeSystem).url]).sort())
      .toEqual([['CodeSystem/a', local.url], ['CodeSystem/a-1', A_URL]]);
    const again = await request(app).put('/fhir/CodeSystem/a').set('Authorization', auth).type('application/fhir+json').send({ ...local, title: 'Ny titel' });
    expect(again.status).toBe(200);
    expect(((await request(app).get('/fhir/CodeSystem/a-1').expect(200)).body as CodeSystem).url).toBe(A_URL);
    // a deleted id is still the municipality's: the package's resource keeps the id it was given, and the
    // municipality can write its id again
    await request(app).delete('/fhir/CodeSystem/a').set('Authorization', auth).expect(200);
    await request(app).get('/fhir/CodeSystem/a').expect(410);
    expect(((await request(app).get('/fhir/CodeSystem/a-1').expect(200)).body as CodeSystem).url).toBe(A_URL);
    expect(((await request(app).get('/fhir/CodeSystem/a/_history/2').expect(200)).body as CodeSystem).url).toBe(local.url);
    expect((await request(app).put('/fhir/CodeSystem/a').set('Authorization', auth).type('application/fhir+json').send(local)).status).toBe(201);
    expect(((await request(app).get('/fhir/CodeSystem/a').expect(200)).body as CodeSystem).url).toBe(local.url);
    expect(((await request(app).get('/fhir/CodeSystem/a-1').expect(200)).body as CodeSystem).url).toBe(A_URL);
  });

  it("a package loaded after a municipality deleted a resource under the same id serves it under another id; the id stays the municipality's", async () => {
    const app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const local = { ...localCodeSystem('101', 'lokale-indsatser', [{ code: '101-BOLD', display: 'Boldspil', type: 'indsats' }]), id: 'a' };
    await request(app).put('/fhir/CodeSystem/a').set('Authorization', auth).type('application/fhir+json').send(local).expect(201);
    await request(app).delete('/fhir/CodeSystem/a').set('Authorization', auth).expect(200);
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    await request(app).get('/fhir/CodeSystem/a').expect(410);
    expect(((await request(app).get('/fhir/CodeSystem/a-1').expect(200)).body as CodeSystem).url).toBe(A_URL);
    await request(app).put('/fhir/CodeSystem/a').set('Authorization', auth).type('application/fhir+json').send(local).expect(201);
  });

  it('a package carrying a published url|version again under another id: served once, the package\'s copy while it is loaded', async () => {
    const app = await testApp();
    const term = (await request(app).get('/fhir/ValueSet/CancellationTypes').expect(200)).body as ValueSet;
    const copy: ValueSet = { ...term, id: 'cancellation-types-copy' };
    expect((await load(app, await writePackageTarball({ name: 'example.copy', version: '1.0.0' }, [copy]))).status).toBe(200);
    const search = async () => ((await request(app).get('/fhir/ValueSet').query({ url: term.url }).expect(200)).body as Bundle).entry ?? [];
    expect((await search()).map((e) => (e.resource as ValueSet).id)).toEqual(['cancellation-types-copy']);
    expect((await unload(app, 'example.copy', '1.0.0')).status).toBe(200);
    expect((await search()).map((e) => (e.resource as ValueSet).id)).toEqual(['CancellationTypes']);
  });

  it('refuses a package another package depends on or uses, and the catalogs of the configuration; nothing changes', async () => {
    const app = await testApp();
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    expect((await load(app, await writePackageTarball({ name: 'example.b', version: '1.0.0', dependencies: { 'example.a': '1.0.0' } }, [valueSetUsingA('b')]))).status).toBe(200);
    // uses a code system of example.a without saying so in package.json
    expect((await load(app, await writePackageTarball({ name: 'example.c', version: '1.0.0' }, [valueSetUsingA('c')]))).status).toBe(200);
    const refused = await unload(app, 'example.a', '1.0.0');
    expect(refused.status).toBe(409);
    const reasons = texts(refused.body as OperationOutcome);
    expect(reasons).toContain('Package example.b#1.0.0 depends on example.a#1.0.0');
    expect(reasons).toMatch(/example\.c#1\.0\.0: ValueSet http:\/\/example\.org\/ValueSet\/c\|1 .*uses the code system http:\/\/example\.org\/CodeSystem\/a, which only example\.a#1\.0\.0 serves/);
    const da = await unload(app, 'example.a', '1.0.0').set('Accept-Language', 'da');
    expect(texts(da.body as OperationOutcome)).toContain('Pakken example.b#1.0.0 afhænger af example.a#1.0.0; tag den ud først');
    expect(await served(app, A_URL)).toEqual(['1']);

    const configured = await unload(app, 'faelles-tx.catalogs', '0.1.0');
    expect(configured.status).toBe(409);
    expect(texts(configured.body as OperationOutcome)).toContain('terminology folder');

    expect((await unload(app, 'example.b', '1.0.0')).status).toBe(200);
    expect((await unload(app, 'example.c', '1.0.0')).status).toBe(200);
    expect((await unload(app, 'example.a', '1.0.0')).status).toBe(200);
    expect(await served(app, A_URL)).toEqual([]);
  });

  it('loads and unloads are in the audit log with who, what and the outcome, refusals too', async () => {
    const app = await testApp();
    expect((await load(app, await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]))).status).toBe(200);
    expect((await load(app, await writePackageTarball({ name: 'example.b', version: '1.0.0', dependencies: { 'example.a': '1.0.0' } }, [valueSetUsingA('b')]))).status).toBe(200);
    expect((await unload(app, 'example.a', '1.0.0')).status).toBe(409);
    expect((await unload(app, 'example.b', '1.0.0')).status).toBe(200);
    const search = async (entity: string) => ((await request(app).get(`/fhir/AuditEvent?entity=${encodeURIComponent(entity)}`)
      .set('Authorization', `Bearer ${adminToken}`).expect(200)).body as Bundle).entry?.map((e) => e.resource as AuditEvent) ?? [];
    const ofA = await search('example.a#1.0.0');
    expect(ofA.map((e) => [e.subtype?.[0]?.display, e.outcome])).toEqual([['$unload-package', '4'], ['$load-package', '0']]);
    expect(ofA[0]!.outcomeDesc).toContain('409');
    expect(ofA[1]!.agent?.[0]?.who?.identifier?.value).toBe('kl-terminologi');
    expect(ofA[1]!.entity?.map((e) => e.name)).toEqual(['example.a#1.0.0', `${A_URL}|1`]);
    expect((await search(A_URL)).map((e) => e.subtype?.[0]?.display)).toEqual(['$unload-package', '$load-package']);
    expect((await search('example.b#1.0.0')).map((e) => [e.action, e.outcome])).toEqual([['D', '0'], ['C', '0']]);
    // a municipality's token is refused, and that is recorded too (the municipality finds its own refusals)
    const municipal = await tokenFor({ kommunekode: '101', sub: 'anna@kommune101' });
    expect((await unload(app, 'example.a', '1.0.0', municipal)).status).toBe(403);
    const own = ((await request(app).get('/fhir/AuditEvent?agent=anna%40kommune101').set('Authorization', `Bearer ${municipal}`).expect(200)).body as Bundle)
      .entry?.map((e) => e.resource as AuditEvent) ?? [];
    expect(own.map((e) => [e.subtype?.[0]?.display, e.outcome, e.entity?.[0]?.name])).toEqual([['$unload-package', '4', 'example.a#1.0.0']]);
  });
});

describe('a refused load in the audit log', () => {
  const search = async (app: App, entity: string) => ((await request(app).get(`/fhir/AuditEvent?entity=${encodeURIComponent(entity)}`)
    .set('Authorization', `Bearer ${adminToken}`).expect(200)).body as Bundle).entry?.map((e) => e.resource as AuditEvent) ?? [];

  it('is found by name#version whenever its package.json could be read, whatever its resources are refused for', async () => {
    const app = await testApp();
    const twice = { ...codeSystemA, id: 'a2' };
    const invalid = { ...codeSystemA, status: 'in-force' } as unknown as CodeSystem;
    const codeTwice: CodeSystem = { ...codeSystemA, concept: [{ code: 'x' }, { code: 'x' }] };
    const refused: [string, Buffer][] = [
      ['example.twice#1.0.0', await writePackageTarball({ name: 'example.twice', version: '1.0.0' }, [codeSystemA, twice])],
      ['example.invalid#1.0.0', await writePackageTarball({ name: 'example.invalid', version: '1.0.0' }, [invalid])],
      ['example.r5#1.0.0', await writePackageTarball({ name: 'example.r5', version: '1.0.0', dependencies: { 'hl7.fhir.r5.core': '5.0.0' } }, [codeSystemA])],
      ['example.csd1#1.0.0', await writePackageTarball({ name: 'example.csd1', version: '1.0.0' }, [codeTwice])],
      // a name and version the check refuses are still what the administrator sent, and searched by
      ['Example Name#1.0', await writePackageTarball({ name: 'Example Name', version: '1.0' }, [codeSystemA])],
    ];
    for (const [id, archive] of refused) {
      expect((await load(app, archive)).status).toBe(422);
      const events = await search(app, id);
      expect(events.map((e) => [e.subtype?.[0]?.display, e.outcome, e.entity?.[0]?.name])).toEqual([['$load-package', '4', id]]);
    }
    // one whose package.json cannot be read is "the package"
    expect((await load(app, Buffer.from('not a package'))).status).toBe(422);
    expect((await search(app, 'the package')).map((e) => e.outcome)).toEqual(['4']);
  });
});

describe('the package operations are in the CapabilityStatement', () => {
  it('with OperationDefinitions that can be read', async () => {
    const app = await testApp();
    const statement = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const ops = statement.rest?.[0]?.operation ?? [];
    for (const name of ['packages', 'unload-package', 'load-package']) {
      const op = ops.find((o) => o.name === name);
      expect(op).toBeDefined();
      const def = (await request(app).get(`/fhir/OperationDefinition/${op!.definition.split('/').pop()}`).expect(200)).body as OperationDefinition;
      expect(def.code).toBe(name);
      expect(def.system).toBe(true);
    }
    const unloadDef = (await request(app).get('/fhir/OperationDefinition/Resource-unload-package').expect(200)).body as OperationDefinition;
    expect(unloadDef.affectsState).toBe(true);
    expect(unloadDef.parameter?.filter((p: NonNullable<OperationDefinition['parameter']>[number]) => p.use === 'in' && p.min === 1).map((p) => p.name)).toEqual(['name', 'version']);
  });
});



describe('$load-package of a damaged archive', () => {
  it('is refused 422 with the reason, and the server goes on serving what it served', async () => {
    const app = await testApp();
    const archive = await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]);
    const tar = zlib.gunzipSync(archive);
    // a whole gzip around a tar that ends inside its second file's data
    const refused = await load(app, zlib.gzipSync(tar.subarray(0, 1024 + 100))).expect(422);
    expect(texts(refused.body as OperationOutcome)).toMatch(/tar file cannot be read/);
    expect(await served(app, A_URL)).toEqual([]);
    expect((await load(app, archive)).status).toBe(200);
    expect(await served(app, A_URL)).toEqual(['1']);
  });
});

describe('$load-package of a Binary whose data is not base64', () => {
  it("is refused 400 as FHIR's base64Binary has it (not read as an archive of no bytes), in English and Danish; the same archive base64-encoded loads", async () => {
    const app = await testApp();
    const archive = await writePackageTarball({ name: 'example.a', version: '1.0.0' }, [codeSystemA]);
    const asParameters = (data: string) => ({ resourceType: 'Parameters', parameter: [{ name: 'package', resource: { resourceType: 'Binary', contentType: 'application/gzip', data } }] });
    const post = (body: object, language = 'en') => request(app).post('/fhir/$load-package').set('Authorization', `Bearer ${adminToken}`)
      .set('Accept-Language', language).type('application/fhir+json').send(body);
    for (const data of ['!!!', `${archive.toString('base64')}!`, 'QQ===']) {
      const refused = (await post(asParameters(data)).expect(400)).body as OperationOutcome;
      expect(refused.issue[0]).toMatchObject({ code: 'invalid', expression: ['package'] });
      expect(texts(refused)).toBe("The package's data is not base64 (FHIR's base64Binary): send the archive's bytes base64-encoded, or as the request body");
    }
    const danish = (await post(asParameters('!!!'), 'da').expect(400)).body as OperationOutcome;
    expect(danish.issue[0]?.details?.text).toBe("Pakkens data er ikke base64 (FHIR's base64Binary): send arkivets bytes base64-kodet eller som forespørgslens krop");
    // the Binary as the body, as a resource parameter may be given
    await post({ resourceType: 'Binary', contentType: 'application/gzip', data: '!!!' }).expect(400);
    expect(await served(app, A_URL)).toEqual([]);
    // whitespace between base64's characters is base64Binary too
    await post(asParameters(archive.toString('base64').replace(/(.{76})/g, '$1\n'))).expect(200);
    expect(await served(app, A_URL)).toEqual(['1']);
  });
});

describe('$load-package of value sets that import themselves', () => {
  const importing = (id: string, other: string): ValueSet => ({
    ...valueSetUsingA(id), compose: { include: [{ system: A_URL }, { valueSet: [`http://example.org/ValueSet/${other}`] }] },
  });
  const servedValueSets = async (app: App) =>
    (((await request(app).get('/fhir/ValueSet?url:below=http://example.org/ValueSet/').expect(200)).body as Bundle).entry ?? []).map((e) => (e.resource as ValueSet).url);

  it('is refused 422 naming each cycle once, nothing of the package is served, and a package without the cycle loads', async () => {
    const app = await testApp();
    const cyclic = await writePackageTarball({ name: 'example.cycle', version: '1.0.0' }, [codeSystemA, importing('p', 'q'), importing('q', 'p'), importing('s', 's')]);
    const refused = await load(app, cyclic).expect(422);
    const said = texts(refused.body as OperationOutcome);
    expect(said).toContain('http://example.org/ValueSet/p|1 -> http://example.org/ValueSet/q|1 -> http://example.org/ValueSet/p|1');
    expect(said).toContain('http://example.org/ValueSet/s|1 -> http://example.org/ValueSet/s|1');
    expect(said).not.toContain('ValueSet http://example.org/ValueSet/q|1 imports itself');
    expect(await servedValueSets(app)).toEqual([]);
    expect(await served(app, A_URL)).toEqual([]);
    const chain = await writePackageTarball({ name: 'example.chain', version: '1.0.0' }, [codeSystemA, importing('p', 'q'), valueSetUsingA('q')]);
    expect((await load(app, chain)).status).toBe(200);
    expect((await servedValueSets(app)).sort()).toEqual(['http://example.org/ValueSet/p', 'http://example.org/ValueSet/q']);
  });
});
