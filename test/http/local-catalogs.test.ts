import type { Bundle, CodeSystem, ConceptMap, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { GATEWAY_LOCAL_SYSTEMS, KOMMUNEKODE_SYSTEM } from '../../src/municipal/municipality';
import { FSIII, testApp } from '../support/app';
import { CODES, KOL_TARGETS, localCodeSystem, sampleCatalog, tokenFor } from '../support/local';
import { part } from '../support/parameters';

const JSON_TYPE = 'application/fhir+json';
const CS_URL = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';
const CM_URL = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/lokale-indsatser';
const CS_ID = 'kommune-101-lokale-indsatser';
const LEGACY_MAP = 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys';

let app: App;
let token101: string;
let token147: string;
let adminToken: string;

beforeAll(async () => {
  app = await testApp();
  token101 = await tokenFor({ kommunekode: '101' });
  token147 = await tokenFor({ kommunekode: '147' });
  adminToken = await tokenFor({ scope: 'openid admin' });
  const { codeSystem, conceptMap } = sampleCatalog('101');
  await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send(codeSystem).expect(201);
  await inEnglish(app).post('/fhir/ConceptMap').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send(conceptMap).expect(201);
});

function matches(body: Parameters): { equivalence?: string; code?: string; system?: string; source?: string; originMap?: string }[] {
  return (body.parameter ?? []).filter((p) => p.name === 'match').map((m) => ({
    equivalence: part(m, 'equivalence')?.valueCode,
    code: part(m, 'concept')?.valueCoding?.code,
    system: part(m, 'concept')?.valueCoding?.system,
    source: part(m, 'source')?.valueCoding?.code,
    originMap: part(m, 'originMap')?.valueCanonical,
  }));
}

function result(body: Parameters): boolean | undefined {
  return body.parameter?.find((p) => p.name === 'result')?.valueBoolean;
}

async function translate(query: Record<string, string>): Promise<Parameters> {
  const res = await inEnglish(app).get('/fhir/ConceptMap/$translate').query(query).expect(200);
  return res.body as Parameters;
}

describe('a municipality writes its catalog and map', () => {
  it('created both with server ids kommune-{kode}-{name}, version 1 and an ETag', async () => {
    const res = await inEnglish(app).get(`/fhir/CodeSystem/${CS_ID}`).expect(200);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers['last-modified']).toBeDefined();
    expect(res.body).toMatchObject({ url: CS_URL, meta: { versionId: '1' } });
    await inEnglish(app).get('/fhir/ConceptMap/kommune-101-lokale-indsatser').expect(200).expect('ETag', 'W/"1"');
  });

  it('answers a create with 201, Location and the stored resource', async () => {
    const cs = localCodeSystem('101', 'hjemmepleje', [{ code: 'HP-1', display: 'Hjælp til bad', type: 'indsats' }]);
    const res = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send(cs).expect(201);
    expect(res.headers.location).toMatch(/\/fhir\/CodeSystem\/kommune-101-hjemmepleje\/_history\/1$/);
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.body).toMatchObject({ resourceType: 'CodeSystem', id: 'kommune-101-hjemmepleje', meta: { versionId: '1' } });
  });

  it('finds them by the kommunekode identifier', async () => {
    const cs = await inEnglish(app).get('/fhir/CodeSystem').query({ identifier: '101' }).expect(200);
    expect((cs.body as Bundle).entry?.map((e) => e.resource?.id).sort()).toEqual(['kommune-101-hjemmepleje', CS_ID]);
    const cm = await inEnglish(app).get('/fhir/ConceptMap').query({ identifier: `${KOMMUNEKODE_SYSTEM}|101` }).expect(200);
    expect((cm.body as Bundle).entry?.map((e) => e.resource?.id)).toEqual(['kommune-101-lokale-indsatser']);
    const example = await inEnglish(app).get('/fhir/ConceptMap').query({ identifier: '370' }).expect(200);
    expect((example.body as Bundle).entry?.map((e) => (e.resource as ConceptMap).url)).toEqual(['http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser']);
  });
});

describe('$translate', () => {
  it('translates a local intervention forward to its one common intervention', async () => {
    const body = await translate({ system: CS_URL, code: '101-BOLD' });
    expect(result(body)).toBe(true);
    expect(matches(body)).toEqual([{ equivalence: 'subsumes', system: FSIII, code: CODES.fysiskTraening119, originMap: `${CM_URL}|1.0.0` }]);
  });

  it('translates the offer to its six targets', async () => {
    const body = await translate({ system: CS_URL, code: '101-KOL', url: CM_URL });
    expect(result(body)).toBe(true);
    const m = matches(body);
    expect(m.map((x) => x.code)).toEqual(KOL_TARGETS);
    expect(new Set(m.map((x) => x.equivalence))).toEqual(new Set(['inexact']));
  });

  it('translates at instance level and by POST with a Coding', async () => {
    const res = await inEnglish(app).post('/fhir/ConceptMap/kommune-101-lokale-indsatser/$translate').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: CS_URL, code: '101-BALANCE' } }] })
      .expect(200);
    expect(matches(res.body).map((x) => x.code)).toEqual([CODES.fysiskTraening140]);
  });

  it('translates a common code in reverse to every local code of one municipality', async () => {
    const body = await translate({ system: FSIII, code: CODES.fysiskTraening119, reverse: 'true', kommunekode: '101' });
    expect(result(body)).toBe(true);
    expect(matches(body).map((m) => [m.system, m.code, m.equivalence]).sort()).toEqual([
      [CS_URL, '101-BOLD', 'subsumes'],
      [CS_URL, '101-KOL', 'inexact'],
    ]);
  });

  it('translates in reverse across every municipality when none is named', async () => {
    const body = await translate({ system: FSIII, code: CODES.fysiskTraening119, reverse: 'true', targetsystem: CS_URL.replace('101', '370') });
    expect(matches(body).map((m) => m.code).sort()).toEqual(['370-BOLDSPIL', '370-KOL-REHAB']);
    const all = await translate({ system: FSIII, code: CODES.fysiskTraening119, reverse: 'true' });
    expect(matches(all).map((m) => m.code).sort()).toEqual(['101-BOLD', '101-KOL', '370-BOLDSPIL', '370-KOL-REHAB', CODES.fysiskTraening119.replace(/-/g, '_')]);
  });

  it('answers the R5 reverse form (targetCode) with the target as concept and the local code as source', async () => {
    const res = await inEnglish(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE).send({
      resourceType: 'Parameters',
      parameter: [{ name: 'targetCode', valueCode: CODES.fysiskTraening140 }, { name: 'targetSystem', valueUri: FSIII }, { name: 'system', valueUri: CS_URL }],
    }).expect(200);
    expect(matches(res.body)).toEqual([{ equivalence: 'subsumes', system: FSIII, code: CODES.fysiskTraening140, source: '101-BALANCE', originMap: `${CM_URL}|1.0.0` }]);
  });

  it('chooses maps by source and target scope (value set or code system)', async () => {
    const example = 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser';
    const byValueSet = await translate({ system: example, code: '370-AKUPUNKTUR', target: 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII' });
    expect(matches(byValueSet).map((m) => m.code)).toEqual(['f8ac963c-6ec5-4ec5-bd90-a22fea4e2d16']);
    const bySystem = await translate({ system: example, code: '370-AKUPUNKTUR', source: example, targetsystem: FSIII });
    expect(matches(bySystem)).toHaveLength(1);
    const otherTarget = await translate({ system: example, code: '370-AKUPUNKTUR', target: 'http://faelles-tx.dk/fhir/ValueSet/ffb-ydelser' });
    expect(result(otherTarget)).toBe(false);
    expect(otherTarget.parameter?.find((p) => p.name === 'message')?.valueString).toMatch(/no ConceptMap matches the request/);
    const wrongSystem = await translate({ system: example, code: '370-AKUPUNKTUR', targetsystem: 'urn:oid:1.2.208.176.2.22' });
    expect(result(wrongSystem)).toBe(false);
  });

  it('answers result=false with a message for an unmapped local code', async () => {
    const body = await translate({ system: CS_URL, code: '101-NY' });
    expect(result(body)).toBe(false);
    expect(body.parameter?.find((p) => p.name === 'message')?.valueString).toMatch(/No translation for .*101-NY/);
    expect(matches(body)).toEqual([]);
  });

  it('translates a legacy FSIII key to its UUID code with the published map, and back', async () => {
    const legacy = CODES.sygdomshaandtering.replace(/-/g, '_');
    const body = await translate({ url: LEGACY_MAP, system: FSIII, code: legacy });
    expect(matches(body)).toEqual([{ equivalence: 'equivalent', system: FSIII, code: CODES.sygdomshaandtering, originMap: `${LEGACY_MAP}|1.0.0` }]);
    const back = await translate({ url: LEGACY_MAP, system: FSIII, code: CODES.sygdomshaandtering, reverse: 'true' });
    expect(matches(back).map((m) => m.code)).toEqual([legacy]);
  });

  it("says which way a legacy key was followed: a key mapped to a retired code is that code's predecessor (reverse), not its replacement (forward)", async () => {
    const retired = 'c203c6b5-3be0-40a8-8204-e93751deabf5';
    const legacy = retired.replace(/-/g, '_');
    const message = (body: Parameters) => body.parameter?.find((p) => p.name === 'message')?.valueString;
    const successor = (await translate({ url: LEGACY_MAP, system: FSIII, code: legacy })).parameter!
      .filter((p) => p.name === 'match').map((m) => part(m, 'concept')!.valueCoding!.code!)[0]!;
    const forward = await translate({ url: LEGACY_MAP, system: FSIII, code: legacy });
    expect(message(forward)).toMatch(new RegExp(`maps to ${retired} \\(Tobaksafvænning\\), which is retired; the match gives its replacement ${successor}`));
    const back = await translate({ url: LEGACY_MAP, system: FSIII, code: successor, reverse: 'true' });
    expect(matches(back).map((m) => m.code)).toContain(legacy);
    expect(message(back)).toContain(`maps ${legacy} (Tobaksafvænning) to ${retired} (Tobaksafvænning), which is retired and replaced by the code asked for`);
  });

  it('resolves a gateway niveau-3 coding to the municipality\'s catalog', async () => {
    for (const gateway of GATEWAY_LOCAL_SYSTEMS) {
      const body = await translate({ system: gateway, code: '101-BOLD', kommunekode: '101' });
      expect(matches(body).map((m) => m.code)).toEqual([CODES.fysiskTraening119]);
    }
    const unknown = await translate({ system: GATEWAY_LOCAL_SYSTEMS[0]!, code: '370-BOLDSPIL', kommunekode: '101' });
    expect(result(unknown)).toBe(false);
    expect(unknown.parameter?.find((p) => p.name === 'message')?.valueString).toMatch(/not a code of any local catalog of municipality 101/);
    const res = await inEnglish(app).get('/fhir/ConceptMap/$translate').query({ system: GATEWAY_LOCAL_SYSTEMS[0]!, code: '101-BOLD' }).expect(400);
    expect(res.body.issue[0].details.text).toMatch(/kommunekode/);
  });

  it('answers a reverse translation in the gateway system when asked to', async () => {
    const gateway = GATEWAY_LOCAL_SYSTEMS[1]!;
    const body = await translate({ system: FSIII, code: CODES.fysiskTraening140, reverse: 'true', targetsystem: gateway, kommunekode: '101' });
    expect(matches(body).map((m) => [m.system, m.code])).toEqual([[gateway, '101-BALANCE']]);
  });

  it('refuses requests it cannot answer with a 4xx OperationOutcome', async () => {
    await inEnglish(app).get('/fhir/ConceptMap/$translate').query({ code: 'x' }).expect(400);
    await inEnglish(app).get('/fhir/ConceptMap/$translate').expect(400);
    await inEnglish(app).get('/fhir/ConceptMap/$translate').query({ url: 'http://example.org/none', system: FSIII, code: 'x' }).expect(404);
    await inEnglish(app).get('/fhir/ConceptMap/$translate').query({ system: FSIII, code: 'x', kommunekode: '12' }).expect(400);
    const post = (parameter: unknown[]) => inEnglish(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE).send({ resourceType: 'Parameters', parameter });
    await post([{ name: 'codeableConcept', valueCodeableConcept: { coding: { code: 'x' } } }]).expect(400);
    await post([{ name: 'coding', valueCoding: { system: FSIII, code: 5 } }]).expect(400);
    const odd = await post([
      { name: 'system', valueUri: 'http://example.org/cs' }, { name: 'code', valueCode: 'a' },
      { name: 'tx-resource', resource: { resourceType: 'ConceptMap', status: 'draft', group: { source: 'http://example.org/cs' } } },
    ]);
    expect(odd.status).toBeLessThan(500);
  });
});

describe('after a write', () => {
  it('answers $translate from the new content (caches are dropped)', async () => {
    const token = await tokenFor({ kommunekode: '530' });
    const { codeSystem, conceptMap } = sampleCatalog('530');
    await inEnglish(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(codeSystem).expect(201);
    const query = { system: codeSystem.url!, code: '530-BOLD' };
    expect(result(await translate(query))).toBe(false);
    expect(result(await translate(query))).toBe(false);
    await inEnglish(app).put(`/fhir/ConceptMap/${conceptMap.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(conceptMap).expect(201);
    expect(matches(await translate(query)).map((m) => m.code)).toEqual([CODES.fysiskTraening119]);
    await inEnglish(app).delete(`/fhir/ConceptMap/${conceptMap.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(result(await translate(query))).toBe(false);
  });
});

describe('$validate-code with a gateway coding', () => {
  it('validates the code against the municipality\'s local catalog', async () => {
    const ok = await inEnglish(app).get('/fhir/CodeSystem/$validate-code')
      .query({ system: GATEWAY_LOCAL_SYSTEMS[0]!, code: '101-BOLD', kommunekode: '101' }).expect(200);
    expect(result(ok.body)).toBe(true);
    expect(ok.body.parameter.find((p: ParametersParameter) => p.name === 'display')?.valueString).toBe('Boldspil');
    const bad = await inEnglish(app).get('/fhir/CodeSystem/$validate-code')
      .query({ system: GATEWAY_LOCAL_SYSTEMS[0]!, code: 'NOPE', kommunekode: '147' }).expect(200);
    expect(result(bad.body)).toBe(false);
  });
});

describe('$coverage', () => {
  it('reports unmapped local codes, outdated targets and uncovered common interventions', async () => {
    const res = await inEnglish(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode: '101' }).expect(200);
    const body = res.body as Parameters;
    const summary = Object.fromEntries(body.parameter!.find((p) => p.name === 'summary')!.part!.map((p) => [p.name, p.valueInteger]));
    expect(summary).toMatchObject({ localCodes: 5, unmappedLocalCodes: 2, retiredTargets: 0, legacyTargets: 0, commonInterventions: 24 });
    const unmapped = body.parameter!.filter((p) => p.name === 'unmapped').map((p) => part(p, 'concept')?.valueCoding?.code).sort();
    expect(unmapped).toEqual(['101-NY', 'HP-1']);
    const uncovered = body.parameter!.filter((p) => p.name === 'uncovered').map((p) => part(p, 'concept')?.valueCoding?.code);
    expect(uncovered).toHaveLength(24 - 7);
    expect(uncovered).toContain('6eddbaf7-2a73-49d4-91e7-6138d419f58c');
    expect(uncovered).not.toContain(CODES.fysiskTraening119);
  });

  it('reports retired and legacy targets with the code to use', async () => {
    const cs = localCodeSystem('461', 'lokale-indsatser', [
      { code: 'A', display: 'A', type: 'indsats' }, { code: 'B', display: 'B', type: 'indsats' },
    ]);
    const token = await tokenFor({ kommunekode: '461' });
    await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(cs).expect(201);
    const cm = sampleCatalog('461').conceptMap;
    cm.group![0]!.element = [
      { code: 'A', target: [{ code: CODES.tobaksafvaenningRetired, equivalence: 'subsumes' }] },
      { code: 'B', target: [{ code: CODES.mentalHaandtering.replace(/-/g, '_'), equivalence: 'subsumes' }] },
    ];
    await inEnglish(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(cm).expect(201);
    const res = await inEnglish(app).get('/fhir/ConceptMap/$coverage').query({ kommunekode: '461' }).expect(200);
    const retired = res.body.parameter.find((p: ParametersParameter) => p.name === 'retiredTarget');
    expect(part(retired, 'status')?.valueCode).toBe('retired');
    expect(part(retired, 'replacedBy')?.valueCoding?.code).toBe(CODES.nikotin);
    // the local code by its title in the catalog (the map's elements have none), as $export names it
    expect(part(retired, 'source')?.valueCoding).toEqual({ system: cs.url, code: 'A', display: 'A' });
    const legacy = res.body.parameter.find((p: ParametersParameter) => p.name === 'legacyTarget');
    expect(part(legacy, 'replacedBy')?.valueCoding?.code).toBe(CODES.mentalHaandtering);
    // both cover the code in use, as $coverage-matrix counts them
    const uncovered = res.body.parameter.filter((p: ParametersParameter) => p.name === 'uncovered').map((p: ParametersParameter) => part(p, 'concept')?.valueCoding?.code);
    expect(uncovered).not.toContain(CODES.nikotin);
    expect(uncovered).not.toContain(CODES.mentalHaandtering);
    const matrix = await inEnglish(app).get('/fhir/ConceptMap/$coverage-matrix').query({ kommunekode: '461' }).expect(200);
    const covered = (matrix.body as Parameters).parameter!.filter((p) => p.name === 'intervention' && (p.part ?? []).some((c) => c.name === 'cell'))
      .map((p) => part(p, 'concept')?.valueCoding?.code);
    expect(covered.sort()).toEqual([CODES.mentalHaandtering, CODES.nikotin].sort());
  });

  it('needs a kommunekode', async () => {
    await inEnglish(app).get('/fhir/ConceptMap/$coverage').expect(400);
  });
});

describe('authorization of writes', () => {
  const cs = () => localCodeSystem('101', 'auth', [{ code: 'X', display: 'X', type: 'indsats' }]);

  async function expect401(auth: string | undefined, pattern: RegExp): Promise<void> {
    const req = inEnglish(app).post('/fhir/CodeSystem').type(JSON_TYPE);
    if (auth !== undefined) req.set('Authorization', auth);
    const res = await req.send(cs()).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="faelles-tx", error="invalid_(token|request)"/);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'login', details: { text: expect.stringMatching(pattern) } });
  }

  it('refuses writes without a valid token (401)', async () => {
    await expect401(undefined, /Authorization: Bearer/);
    await expect401('Basic dXNlcjpwYXNz', /Bearer <JWT>/);
    await expect401(`Bearer ${await tokenFor({ kommunekode: '101' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 })}`, /expired/);
    await expect401(`Bearer ${await tokenFor({ kommunekode: '101' }, { secret: 'another-secret-of-at-least-32-bytes!!' })}`, /signature/);
    await expect401(`Bearer ${await tokenFor({ kommunekode: '101' }, { alg: 'HS512' })}`, /algorithm/);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ kommunekode: '101', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    await expect401(`Bearer ${header}.${payload}.`, /not valid|algorithm/);
    await expect401(`Bearer ${await tokenFor({ kommunekode: 'KBH' })}`, /kommunekode claim/);
    await inEnglish(app).get('/fhir/CodeSystem?identifier=101').expect(200);
  });

  it('refuses a token whose sub is not a string (RFC 7519: a StringOrURI) with 401, for a write as for a delete of another\'s', async () => {
    for (const sub of [7, { a: 1 }, ['x']]) await expect401(`Bearer ${await tokenFor({ kommunekode: '101', sub })}`, /sub claim is not a string/);
    const res = await inEnglish(app).delete(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', `Bearer ${await tokenFor({ kommunekode: '147', sub: 147 })}`);
    expect(res.status).toBe(401);
    await inEnglish(app).get(`/fhir/CodeSystem/${CS_ID}`).expect(200);
  });

  it('refuses a token of another municipality (403) and changes nothing', async () => {
    const current = (await inEnglish(app).get(`/fhir/CodeSystem/${CS_ID}`).expect(200)).body as CodeSystem;
    const changed = { ...current, title: 'overwritten by 147' };
    const res = await inEnglish(app).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', `Bearer ${token147}`).type(JSON_TYPE).send(changed).expect(403);
    expect(res.body.issue[0]).toMatchObject({ code: 'forbidden', details: { text: expect.stringMatching(/belongs to municipality 101; the token may write only Frederiksberg Kommune's resources/) } });
    await inEnglish(app).delete(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', `Bearer ${token147}`).expect(403);
    await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token147}`).type(JSON_TYPE).send(cs()).expect(403);
    const after = await inEnglish(app).get(`/fhir/CodeSystem/${CS_ID}`).expect(200);
    expect(after.body).toEqual(current);
    expect((await inEnglish(app).get(`/fhir/CodeSystem/${CS_ID}/_history`).expect(200)).body.total).toBe(1);
  });

  it("refuses another municipality's id before judging the request's conditions or its body (403, not 412 or 422)", async () => {
    const other = { Authorization: `Bearer ${token147}`, 'Accept-Language': 'en' };
    const stale = await inEnglish(app).delete(`/fhir/CodeSystem/${CS_ID}`).set({ ...other, 'If-Match': 'W/"99"' }).expect(403);
    expect(stale.body.issue[0]).toMatchObject({ code: 'forbidden' });
    const malformed = await inEnglish(app).put(`/fhir/CodeSystem/${CS_ID}`).set(other).type(JSON_TYPE)
      .send({ resourceType: 'CodeSystem', id: CS_ID, status: 'bogus', content: 'complete' }).expect(403);
    expect(malformed.body.issue[0]).toMatchObject({ code: 'forbidden' });
    // a body naming another id, or of another type, and a conditional update whose search finds the resource: 403 too
    for (const [path, body] of [
      [`CodeSystem/${CS_ID}`, { resourceType: 'CodeSystem', id: 'zzz' }],
      [`CodeSystem/${CS_ID}`, { resourceType: 'ValueSet', id: CS_ID }],
      [`CodeSystem?url=${encodeURIComponent(CS_URL)}`, { resourceType: 'CodeSystem', id: 'zzz' }],
    ] as const) {
      const res = await inEnglish(app).put(`/fhir/${path}`).set(other).type(JSON_TYPE).send(body);
      expect([res.status, res.body.issue?.[0]?.code]).toEqual([403, 'forbidden']);
    }
    await inEnglish(app).get(`/fhir/CodeSystem/${CS_ID}`).expect(200);
  });

  it('lets only the admin scope write the common catalogs', async () => {
    const common: CodeSystem = { resourceType: 'CodeSystem', url: 'http://faelles-tx.dk/fhir/CodeSystem/test-common', version: '1.0.0', status: 'draft', content: 'complete', concept: [{ code: 'a', display: 'A' }] };
    const denied = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send(common).expect(403);
    expect(denied.body.issue[0].details.text).toMatch(/common catalog resource; writing the common catalogs needs a token with the admin scope/);
    // the municipality's own writer is told what makes a resource its own (here: a url forgotten)
    expect(denied.body.issue[0].details.text).toContain('a resource of municipality 101 has a url under http://faelles-tx.dk/fhir/kommune/101/');
    const { url: _forgotten, ...noUrl } = common;
    const inDanish = await inEnglish(app).post('/fhir/CodeSystem').set({ Authorization: `Bearer ${token101}`, 'Accept-Language': 'da' }).type(JSON_TYPE).send(noUrl).expect(403);
    expect(inDanish.body.issue[0].details.text).toContain('En ressource fra kommune 101 har en url under http://faelles-tx.dk/fhir/kommune/101/');
    const ok = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${adminToken}`).type(JSON_TYPE).send(common).expect(201);
    expect(ok.body.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the published catalogs read-only (405), also for the admin scope', async () => {
    const example = (await inEnglish(app).get('/fhir/CodeSystem/kommune-370-lokale-indsatser').expect(200)).body as CodeSystem;
    const token370 = await tokenFor({ kommunekode: '370' });
    const res = await inEnglish(app).put('/fhir/CodeSystem/kommune-370-lokale-indsatser').set('Authorization', `Bearer ${token370}`).type(JSON_TYPE)
      .send({ ...example, title: 'changed' }).expect(405);
    expect(res.body.issue[0].details.text).toMatch(/published catalog resource .* read-only/);
    await inEnglish(app).delete('/fhir/ValueSet/indsatskatalog-119').set('Authorization', `Bearer ${adminToken}`).expect(405);
    const copy = { ...example, id: undefined };
    const dup = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token370}`).type(JSON_TYPE).send(copy).expect(422);
    expect(dup.body.issue[0]).toMatchObject({ code: 'business-rule', details: { text: expect.stringMatching(/is a canonical of a published catalog/) } });
    expect((await inEnglish(app).get('/fhir/CodeSystem/kommune-370-lokale-indsatser').expect(200)).body.title).toBe(example.title);
  });
});

describe('versions: If-Match, history, delete', () => {
  const id = 'kommune-101-versions';
  const base = () => localCodeSystem('101', 'versions', [{ code: 'V', display: 'V1', type: 'indsats' }]);

  it('updates with If-Match, refuses a stale If-Match (412) and a malformed one (400) without changing anything', async () => {
    const auth = `Bearer ${token101}`;
    await inEnglish(app).put(`/fhir/CodeSystem/${id}`).set('Authorization', auth).type(JSON_TYPE).send(base()).expect(201);
    const v2 = await inEnglish(app).put(`/fhir/CodeSystem/${id}`).set('Authorization', auth).set('If-Match', 'W/"1"').type(JSON_TYPE)
      .send({ ...base(), title: 'second' }).expect(200);
    expect(v2.headers.etag).toBe('W/"2"');
    expect(v2.headers['content-location']).toMatch(new RegExp(`/CodeSystem/${id}/_history/2$`));
    const stale = await inEnglish(app).put(`/fhir/CodeSystem/${id}`).set('Authorization', auth).set('If-Match', 'W/"1"').type(JSON_TYPE)
      .send({ ...base(), title: 'stale' }).expect(412);
    expect(stale.body.issue[0]).toMatchObject({ code: 'conflict', details: { text: expect.stringMatching(/at version 2, not 1/) } });
    await inEnglish(app).put(`/fhir/CodeSystem/${id}`).set('Authorization', auth).set('If-Match', 'yesterday').type(JSON_TYPE).send(base()).expect(400);
    const current = await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(200);
    expect(current.body.title).toBe('second');
    expect(current.headers.etag).toBe('W/"2"');
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).set('If-None-Match', 'W/"2"').expect(304);
    // If-Modified-Since: 304 when not modified after it (its own Last-Modified included), ignored when not an HTTP-date
    // and when If-None-Match is given (RFC 9110 §13.1.3)
    const lastModified = current.headers['last-modified']!;
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).set('If-Modified-Since', lastModified).expect(304);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).set('If-Modified-Since', new Date(Date.parse(lastModified) - 1000).toUTCString()).expect(200);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).set('If-Modified-Since', 'yesterday').expect(200);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).set({ 'If-Modified-Since': lastModified, 'If-None-Match': 'W/"1"' }).expect(200);
  });

  it('serves the history and each version', async () => {
    const h = (await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history`).expect(200)).body as Bundle;
    expect(h.type).toBe('history');
    expect(h.entry?.map((e) => [e.request?.method, e.response?.etag])).toEqual([['PUT', 'W/"2"'], ['PUT', 'W/"1"']]);
    const v1 = await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history/1`).expect(200);
    expect(v1.headers.etag).toBe('W/"1"');
    expect(v1.body.title).toBe('Kommune 101 test');
    await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history/9`).expect(404);
    await inEnglish(app).get('/fhir/CodeSystem/nothing-here/_history').expect(404);
    const published = (await inEnglish(app).get('/fhir/ValueSet/indsatskatalog-119/_history').expect(200)).body as Bundle;
    expect(published.total).toBe(1);
  });

  it("pages one resource's history with _count and _offset, and takes _since, as the history of a type does", async () => {
    const page = (await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history`).query({ _count: 1 }).expect(200)).body as Bundle;
    expect([page.total, page.entry?.map((e) => e.response?.etag)]).toEqual([2, ['W/"2"']]);
    const next = page.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    const second = (await inEnglish(app).get(new URL(next!).pathname + new URL(next!).search).expect(200)).body as Bundle;
    expect(second.entry?.map((e) => e.response?.etag)).toEqual(['W/"1"']);
    const v2 = (await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history/2`).expect(200)).headers['last-modified']!;
    const since = (await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history`).query({ _since: new Date(Date.parse(v2) + 1000).toISOString() }).expect(200)).body as Bundle;
    expect(since.total).toBe(0);
    expect(since).not.toHaveProperty('entry');
    const all = (await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history`).query({ _since: '2000-01-01' }).expect(200)).body as Bundle;
    expect(all.total).toBe(2);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history`).query({ foo: '1' }).expect(400);
  });

  it('deletes: 410 afterwards, the delete in the history, and a PUT brings it back', async () => {
    const auth = `Bearer ${token101}`;
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set('Authorization', auth).set('If-Match', 'W/"1"').expect(412);
    const del = await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set('Authorization', auth).expect(200);
    expect(del.body.issue[0].details.text).toMatch(/Deleted CodeSystem\/kommune-101-versions \(version 3\)/);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(410);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}/_history/3`).expect(410);
    // an operation on it, as a read of it: gone (410), not unknown (404); an id never written stays 404
    const lookup = await inEnglish(app).get(`/fhir/CodeSystem/${id}/$lookup`).query({ code: 'X' }).expect(410);
    expect(lookup.body.issue[0]).toMatchObject({ code: 'deleted', details: { text: `CodeSystem/${id} has been deleted` } });
    await inEnglish(app).get('/fhir/CodeSystem/never-written/$lookup').query({ code: 'X' }).expect(404);
    expect((await inEnglish(app).get('/fhir/CodeSystem').query({ url: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/versions' })).body.total).toBe(0);
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set('Authorization', auth).expect(200);
    // R4 delete: an id that never existed is answered as deleted too
    await inEnglish(app).delete('/fhir/CodeSystem/never-was').set('Authorization', auth).expect(200);
    const back = await inEnglish(app).put(`/fhir/CodeSystem/${id}`).set('Authorization', auth).type(JSON_TYPE).send(base()).expect(201);
    expect(back.body.meta.versionId).toBe('4');
  });
});

describe('validation on write', () => {
  it('answers 422 with one OperationOutcome listing every problem, and stores nothing', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('751', 'broken');
    codeSystem.concept!.push({ code: '751-BOLD', display: 'dup', property: [{ code: 'type', valueCode: 'indsats' }] });
    const token = await tokenFor({ kommunekode: '751' });
    const res = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(codeSystem).expect(422);
    expect((res.body as OperationOutcome).issue.map((i) => i.code)).toEqual(['duplicate']);
    conceptMap.group![0]!.element[1]!.target!.push({ code: CODES.fysiskTraening140, equivalence: 'subsumes' });
    conceptMap.group![0]!.element[2]!.target = [{ code: 'no-such', equivalence: 'subsumes' }];
    conceptMap.group![0]!.element.push({ code: '751-NY', target: [{ code: CODES.tobaksafvaenningRetired, equivalence: 'subsumes' }] });
    const tx = await inEnglish(app).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: { ...codeSystem, concept: codeSystem.concept!.slice(0, 4) }, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } },
        { resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } },
      ],
    }).expect(422);
    const issues = (tx.body as OperationOutcome).issue;
    expect(issues.filter((i) => i.severity === 'error').map((i) => i.details?.text)).toEqual(expect.arrayContaining([
      expect.stringMatching(/Local intervention '751-BOLD' has 2 targets/),
      expect.stringMatching(/Target code 'no-such'/),
    ]));
    expect(issues.filter((i) => i.severity === 'warning').map((i) => i.details?.text)).toEqual([expect.stringMatching(/is retired; it is replaced by/)]);
    expect(issues.every((i) => i.expression?.[0]?.startsWith('Bundle.entry[1].resource.group[0]'))).toBe(true);
    expect((await inEnglish(app).get('/fhir/CodeSystem').query({ identifier: '751' })).body.total).toBe(0);
    expect((await inEnglish(app).get('/fhir/ConceptMap').query({ identifier: '751' })).body.total).toBe(0);
  });

  it('answers malformed resources with 422 listing the structural problems, never 500', async () => {
    const auth = `Bearer ${token101}`;
    const hostile = [
      { resourceType: 'CodeSystem', url: 42, version: 7, status: 'active', content: 'complete' },
      { resourceType: 'CodeSystem', url: CS_URL, status: 'active', content: 'complete', concept: { code: 'a' }, identifier: 'x' },
      { resourceType: 'ConceptMap', url: CM_URL.replace('lokale', 'x'), status: 'active', group: [{ element: 'no' }], identifier: [{ value: 101 }] },
      ...[{}, '', 0, true, 'x', ...['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'Nonsense'].map((resourceType) => [{ resourceType }]),
        [{ resourceType: 'ValueSet', status: 'active', unknownElement: 1 }]]
        .map((contained) => ({ ...localCodeSystem('101', 'indeholdt', [{ code: 'X', display: 'X', type: 'indsats' }]), id: undefined, contained })),
    ];
    for (const body of hostile) {
      const res = await inEnglish(app).post(`/fhir/${body.resourceType}`).set('Authorization', auth).type(JSON_TYPE).send(body);
      expect(res.status).toBe(422);
      expect((res.body as OperationOutcome).issue.every((i) => i.code === 'structure')).toBe(true);
    }
  });

  it('answers null or non-object elements where FHIR has an element with 422 naming the element, never 500', async () => {
    const auth = `Bearer ${token101}`;
    const { codeSystem, conceptMap } = sampleCatalog('101');
    const concept = codeSystem.concept![0]!;
    const group = conceptMap.group![0]!;
    const element = group.element![0]!;
    const hostile: [CodeSystem | ConceptMap, string][] = [
      [{ ...codeSystem, concept: [null as never] }, 'CodeSystem.concept[0]'],
      [{ ...codeSystem, property: [null as never] }, 'CodeSystem.property[0]'],
      [{ ...codeSystem, concept: [{ ...concept, property: [null as never] }] }, 'CodeSystem.concept[0].property[0]'],
      [{ ...codeSystem, meta: 'x' as never }, 'CodeSystem.meta'],
      [{ ...codeSystem, identifier: [null as never] }, 'CodeSystem.identifier[0]'],
      [{ ...conceptMap, group: [null as never] }, 'ConceptMap.group[0]'],
      [{ ...conceptMap, group: [{ ...group, element: [null as never] }] }, 'ConceptMap.group[0].element[0]'],
      [{ ...conceptMap, group: [{ ...group, element: [{ ...element, target: [null as never] }] }] }, 'ConceptMap.group[0].element[0].target[0]'],
    ];
    for (const [body, expression] of hostile) {
      const res = await inEnglish(app).put(`/fhir/${body.resourceType}/${body.id}`).set('Authorization', auth).type(JSON_TYPE).send(body);
      expect([res.status, expression]).toEqual([422, expression]);
      const issues = (res.body as OperationOutcome).issue;
      expect(issues.every((i) => i.code === 'structure')).toBe(true);
      expect(issues.map((i) => i.expression?.[0])).toContain(expression);
    }
  });

  it('refuses bodies that are not the resource of the URL', async () => {
    const auth = `Bearer ${token101}`;
    await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', auth).type(JSON_TYPE).send({ resourceType: 'ValueSet', status: 'active' }).expect(400);
    await inEnglish(app).put('/fhir/CodeSystem/a').set('Authorization', auth).type(JSON_TYPE).send({ ...sampleCatalog('101').codeSystem, id: 'b' }).expect(400);
    await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', auth).type(JSON_TYPE).send('[]').expect(400);
    await inEnglish(app).patch(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', auth).type(JSON_TYPE).send('{}').expect(405);
    await inEnglish(app).post('/fhir/Patient').set('Authorization', auth).type(JSON_TYPE).send({ resourceType: 'Patient' }).expect(404);
  });

  it.each([
    ['{"url":"x"}', 'The body has no resourceType; it must be a CodeSystem resource', 'Kroppen har ingen resourceType; den skal være en CodeSystem-ressource'],
    ['{"resourceType":{"a":1}}', "The body's resourceType is not a string; it must be 'CodeSystem'", "Kroppens resourceType er ikke en tekst; den skal være 'CodeSystem'"],
    ['{"resourceType":null}', "The body's resourceType is not a string; it must be 'CodeSystem'", "Kroppens resourceType er ikke en tekst; den skal være 'CodeSystem'"],
    ['[]', 'The body is not a JSON object; it must be a CodeSystem resource', 'Kroppen er ikke et JSON-objekt; den skal være en CodeSystem-ressource'],
    ['{"resourceType":"ValueSet"}', 'The body is a ValueSet, but the URL is for CodeSystem', "Kroppen er en ValueSet, men URL'en er til CodeSystem"],
  ])('says what is wrong with a body %s that is not the resource of the URL, in English and Danish', async (body, en, da) => {
    const post = (language: string) => inEnglish(app).post('/fhir/CodeSystem').set({ Authorization: `Bearer ${token101}`, 'Accept-Language': language }).type(JSON_TYPE).send(body).expect(400);
    expect((await post('en')).body.issue[0].details.text).toBe(en);
    expect((await post('da')).body.issue[0].details.text).toBe(da);
  });
});

describe('transactions', () => {
  it('writes a catalog and its map together and reports each entry', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('851');
    const token = await tokenFor({ kommunekode: '851' });
    const res = await inEnglish(app).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } },
        { resource: codeSystem, request: { method: 'POST', url: 'CodeSystem' } },
      ],
    }).expect(200);
    expect((res.body as Bundle).entry?.map((e) => [e.response?.status, e.response?.location])).toEqual([
      ['201 Created', `ConceptMap/${conceptMap.id}/_history/1`],
      ['201 Created', `CodeSystem/${codeSystem.id}/_history/1`],
    ]);
    const body = await translate({ system: codeSystem.url!, code: '851-KOL' });
    expect(matches(body)).toHaveLength(6);
  });

  it('is judged by the state it makes: a map written with the delete of its source code system is refused, in either order; nothing is written', async () => {
    const { codeSystem, conceptMap: versioned } = sampleCatalog('853');
    // by its url alone: a deleted code system's versions still answer url|version, as every version a write replaced
    const conceptMap = { ...versioned, group: versioned.group!.map(({ sourceVersion, ...group }) => group) };
    const token = await tokenFor({ kommunekode: '853' });
    const send = (entry: object[]) => inEnglish(app).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry });
    await send([{ resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } }]).expect(200);
    const putMap = { resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } };
    const deleteSource = { request: { method: 'DELETE', url: `CodeSystem/${codeSystem.id}` } };
    for (const entry of [[putMap, deleteSource], [deleteSource, putMap]]) {
      const refused = (await send(entry).expect(422)).body as OperationOutcome;
      expect(refused.issue.map((i) => i.details?.text).join('\n')).toContain(`The source CodeSystem '${codeSystem.url}' is not known`);
      await request(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(200);
      await request(app).get(`/fhir/ConceptMap/${conceptMap.id}`).expect(404);
    }
    // the same code system moved to another url in the transaction leaves the map's source unknown too
    const moved = { ...codeSystem, url: `${codeSystem.url}-flyttet` };
    await send([{ resource: moved, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } }, putMap]).expect(422);
    // the map alone, or with the code system kept, is written
    await send([putMap]).expect(200);
    await send([{ resource: { ...codeSystem, title: 'Ny titel' }, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } }, { ...putMap, resource: { ...conceptMap, title: 'Ny titel' } }]).expect(200);
  });

  it('refuses bad entries', async () => {
    const auth = `Bearer ${token101}`;
    await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PATCH', url: 'CodeSystem/x' } }] }).expect(400);
    await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE)
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'PUT', url: 'Patient/x' }, resource: {} }] }).expect(400);
  });
});

describe('the entries of a transaction', () => {
  const transaction = (entry: object[]) =>
    inEnglish(app).post('/fhir').set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry });
  const refusal = async (entry: object[], status = 400) => (await transaction(entry).expect(status)).body.issue[0] as { code: string; expression?: string[]; details: { text: string } };

  it.each([
    ['ifNoneMatch', 5], ['ifNoneMatch', true], ['ifNoneMatch', {}], ['ifNoneMatch', []], ['ifMatch', ['W/"1"']], ['ifMatch', 1], ['method', ['PUT']], ['url', { type: 'CodeSystem' }],
  ])('request.%s given as %j (not text) refuses the transaction (400 naming it), never a server error, nothing written', async (field, value) => {
    const { codeSystem, conceptMap } = sampleCatalog('101', `typer-${field.toLowerCase()}`);
    const put = { resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}`, [field]: value } };
    const issue = await refusal([{ resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } }, put]);
    expect(issue).toMatchObject({ code: 'invalid', expression: [`Bundle.entry[1].request.${field}`] });
    expect(issue.details.text).toBe(`Bundle.entry[1].request.${field} must be a string, not ${JSON.stringify(value)}`);
    await inEnglish(app).get(`/fhir/ConceptMap/${conceptMap.id}`).expect(404);
    await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(404);
  });

  it('a malformed request.ifMatch, and a resource that is none or has no resourceType, are refused naming their entry', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('101', 'poster');
    const first = { resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } };
    const { resourceType: _, ...untyped } = codeSystem;
    expect(await refusal([first, { resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}`, ifMatch: 'version 1' } }], 400)).toMatchObject({
      expression: ['Bundle.entry[1].request.ifMatch'], details: { text: `Bundle.entry[1].request.ifMatch: If-Match must be * or ETags like W/"3" (a list: W/"3", W/"4"), not 'version 1'` },
    });
    expect(await refusal([first, { resource: untyped, request: { method: 'POST', url: 'CodeSystem' } }])).toMatchObject({
      expression: ['Bundle.entry[1].resource.resourceType'], details: { text: 'Bundle.entry[1].resource.resourceType: The resource has no resourceType; it must be a CodeSystem resource' },
    });
    expect(await refusal([first, { request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } }])).toMatchObject({
      expression: ['Bundle.entry[1].resource'], details: { text: 'Bundle.entry[1].resource: The resource is not a JSON object; it must be a CodeSystem resource' },
    });
    await inEnglish(app).get(`/fhir/ConceptMap/${conceptMap.id}`).expect(404);
  });

  it('a RESTful fullUrl naming another resource than the entry writes refuses the transaction (400 naming it); one that agrees is taken', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('101', 'fuldurl');
    const base = 'http://faelles-tx.dk/fhir';
    const put = (fullUrl: string) => ({ fullUrl, resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } });
    const first = { resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } };
    for (const [entry, text] of [
      [put(`${base}/CodeSystem/andet-id`), `request.url CodeSystem/${codeSystem.id}`],
      [put(`${base}/ValueSet/${codeSystem.id}`), `request.url CodeSystem/${codeSystem.id}`],
      [{ fullUrl: `${base}/CodeSystem/andet-id`, resource: codeSystem, request: { method: 'POST', url: 'CodeSystem' } }, `the resource's type and id CodeSystem/${codeSystem.id}`],
      [{ fullUrl: `${base}/CodeSystem/andet-id`, request: { method: 'DELETE', url: `CodeSystem/${codeSystem.id}` } }, `request.url CodeSystem/${codeSystem.id}`],
    ] as const) {
      const issue = await refusal([first, entry]);
      expect(issue).toMatchObject({ code: 'invalid', expression: ['Bundle.entry[1].fullUrl'] });
      expect(issue.details.text).toContain(`Bundle.entry[1].fullUrl: The fullUrl '${entry.fullUrl}' disagrees with `);
      expect(issue.details.text).toContain(text);
    }
    await inEnglish(app).get(`/fhir/ConceptMap/${conceptMap.id}`).expect(404);
    await transaction([first, put(`${base}/CodeSystem/${codeSystem.id}`)]).expect(200);
  });

  it('references to an entry\'s temporary fullUrl (urn:uuid, urn:oid) become the Type/id the server gives it, anywhere in the resources', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('101', 'henvisninger');
    const source = (reference: string) => ({ url: 'http://faelles-tx.dk/fhir/StructureDefinition/kilde', valueReference: { reference } });
    const csUuid = 'urn:uuid:6b1c6c8e-1c1f-4c7a-9a55-2d1e3f4a5b6c';
    const cmOid = 'urn:oid:1.2.208.999.1';
    const map = {
      ...conceptMap, id: undefined, extension: [source(csUuid)],
      group: [{ ...conceptMap.group![0]!, element: conceptMap.group![0]!.element.map((e, i) => (i === 0 ? { ...e, extension: [source(csUuid)] } : e)) }],
    };
    const res = await transaction([
      { fullUrl: csUuid, resource: { ...codeSystem, id: undefined, extension: [source(cmOid)] }, request: { method: 'POST', url: 'CodeSystem' } },
      { fullUrl: cmOid, resource: map, request: { method: 'POST', url: 'ConceptMap' } },
    ]).expect(200);
    const [csLocation, cmLocation] = (res.body as Bundle).entry!.map((e) => e.response!.location!.replace(/\/_history\/.*$/, ''));
    expect([csLocation, cmLocation]).toEqual([`CodeSystem/${codeSystem.id}`, `ConceptMap/${conceptMap.id}`]);
    const storedMap = (await inEnglish(app).get(`/fhir/${cmLocation}`).expect(200)).body as ConceptMap;
    expect(storedMap.extension![0]!.valueReference!.reference).toBe(csLocation);
    expect(storedMap.group![0]!.element[0]!.extension![0]!.valueReference!.reference).toBe(csLocation);
    const storedSystem = (await inEnglish(app).get(`/fhir/${csLocation}`).expect(200)).body as CodeSystem;
    expect(storedSystem.extension!.map((x) => x.valueReference!.reference)).toEqual([cmLocation]);
  });

  it('with two entries of one fullUrl is refused (400 at the second, bdl-7), nothing written: a reference to it would name either', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('101', 'dobbelt-fullurl');
    const shared = 'urn:uuid:0d9d3c5e-8f0a-4b7e-9c41-7a2f6d1e2b3c';
    const res = await transaction([
      { fullUrl: shared, resource: { ...codeSystem, id: undefined }, request: { method: 'POST', url: 'CodeSystem' } },
      { fullUrl: shared, resource: { ...conceptMap, id: undefined }, request: { method: 'POST', url: 'ConceptMap' } },
    ]).expect(400);
    const issue = (res.body as OperationOutcome).issue[0]!;
    expect(issue.expression).toEqual(['Bundle.entry[1].fullUrl']);
    expect(issue.details?.text).toBe(`Bundle.entry[1].fullUrl '${shared}' is Bundle.entry[0]'s too; a fullUrl must be unique in a transaction (bdl-7)`);
    await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(404);
  });
});

describe('conditions of a transaction entry', () => {
  const transaction = (token: string, entry: object[]) =>
    inEnglish(app).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({ resourceType: 'Bundle', type: 'transaction', entry });

  it.each([
    ['ifNoneExist', 'PUT', 'url=http://faelles-tx.dk/fhir/kommune/370/CodeSystem/andre', /If-None-Exist is the condition of a create \(POST \[type\]\) only/],
    ['ifModifiedSince', 'POST', '2026-01-01T00:00:00Z', /the condition If-Modified-Since is not supported/],
  ])('request.%s of a %s is refused (400, naming the entry) as the header is, and nothing is written', async (field, method, value, text) => {
    const token = await tokenFor({ kommunekode: '153' });
    const { codeSystem, conceptMap } = sampleCatalog('153', `vilkaar-${field.toLowerCase()}`);
    const res = await transaction(token, [
      { resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } },
      { resource: conceptMap, request: { method, url: method === 'POST' ? 'ConceptMap' : `ConceptMap/${conceptMap.id}`, [field]: value } },
    ]).expect(400);
    const issue = (res.body as OperationOutcome).issue[0]!;
    expect(issue.details?.text).toMatch(text);
    expect(issue.details?.text).toMatch(new RegExp(`^Bundle\\.entry\\[1\\]\\.request\\.${field}: `));
    expect(issue.expression).toEqual([`Bundle.entry[1].request.${field}`]);
    await inEnglish(app).get(`/fhir/CodeSystem/${codeSystem.id}`).expect(404);
    expect((await inEnglish(app).get('/fhir/ConceptMap').query({ url: conceptMap.url }).expect(200)).body.total).toBe(0);
  });

  it('request.ifMatch is honoured as If-Match on PUT is: 412 when stale, written when current', async () => {
    const token = await tokenFor({ kommunekode: '153' });
    const { codeSystem } = sampleCatalog('153', 'vilkaar-ifmatch');
    await transaction(token, [{ resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } }]).expect(200);
    const update = (ifMatch: string) => transaction(token, [{ resource: { ...codeSystem, title: 'Ændret' }, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}`, ifMatch } }]);
    await update('W/"2"').expect(412);
    const res = await update('W/"1"').expect(200);
    expect((res.body as Bundle).entry?.[0]?.response?.location).toBe(`CodeSystem/${codeSystem.id}/_history/2`);
  });

  it('request.ifNoneMatch is honoured as If-None-Match on PUT is: 412 when it matches, nothing written; written when it does not', async () => {
    const token = await tokenFor({ kommunekode: '153' });
    const { codeSystem, conceptMap } = sampleCatalog('153', 'vilkaar-ifnonematch');
    const put = (ifNoneMatch: string, title: string) => ({ resource: { ...codeSystem, title }, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}`, ifNoneMatch } });
    await transaction(token, [put('*', 'Første')]).expect(200);
    for (const ifNoneMatch of ['*', 'W/"1"', '"1"', 'W/"7", W/"1"']) {
      const res = await transaction(token, [{ resource: conceptMap, request: { method: 'PUT', url: `ConceptMap/${conceptMap.id}` } }, put(ifNoneMatch, 'Anden')]).expect(412);
      expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'conflict', details: { text: expect.stringMatching(/exists at version 1, which If-None-Match .* matches/) } });
    }
    await inEnglish(app).get(`/fhir/ConceptMap/${conceptMap.id}`).expect(404);
    const res = await transaction(token, [put('W/"2"', 'Anden')]).expect(200);
    expect((res.body as Bundle).entry?.[0]?.response?.location).toBe(`CodeSystem/${codeSystem.id}/_history/2`);
    // a create has no current representation: If-None-Match is met, as the POST alone meets it
    await transaction(token, [{ resource: conceptMap, request: { method: 'POST', url: 'ConceptMap', ifNoneMatch: '*' } }]).expect(200);
  });
});

describe('conditions of a write (RFC 9110 §13.1): If-None-Match and If-Unmodified-Since', () => {
  const id = 'kommune-101-betingelser';
  const auth = () => `Bearer ${token101}`;
  const body = (title: string) => ({ ...localCodeSystem('101', 'betingelser', [{ code: 'B', display: 'B', type: 'indsats' }]), title });
  const put = (headers: Record<string, string>, title = 'changed') =>
    inEnglish(app).put(`/fhir/CodeSystem/${id}`).set({ Authorization: auth(), ...headers }).type(JSON_TYPE).send(body(title));
  const current = async () => (await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(200)).headers.etag;

  it('If-None-Match: * creates a new id, and is 412 for an existing one, nothing written (in Danish too)', async () => {
    await put({ 'If-None-Match': '*' }, 'first').expect(201);
    const refused = await put({ 'If-None-Match': '*' }).expect(412);
    expect(refused.body.issue[0]).toMatchObject({ code: 'conflict', details: { text: `CodeSystem/${id} exists at version 1, which If-None-Match * matches: it is written only when it does not` } });
    const da = await put({ 'If-None-Match': '*', 'Accept-Language': 'da' }).expect(412);
    expect(da.body.issue[0].details.text).toBe(`CodeSystem/${id} findes i version 1, som If-None-Match * matcher: den skrives kun, når den ikke gør.`);
    expect(await current()).toBe('W/"1"');
  });

  it('If-None-Match with entity-tags: 412 when one matches the current version (weak comparison), written when none does', async () => {
    for (const tags of ['W/"1"', '"1"', 'W/"5", W/"1"']) await put({ 'If-None-Match': tags }).expect(412);
    expect(await current()).toBe('W/"1"');
    const written = await put({ 'If-None-Match': 'W/"5", W/"9"' }, 'second').expect(200);
    expect(written.headers.etag).toBe('W/"2"');
  });

  it('a refused If-None-Match is recorded in the audit log as other refused writes are', async () => {
    await put({ 'If-None-Match': 'W/"2"' }).expect(412);
    const found = await inEnglish(app).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${id}` }).set('Authorization', auth()).expect(200);
    const outcomes = ((found.body as Bundle).entry ?? []).map((e) => (e.resource as { outcomeDesc?: string }).outcomeDesc ?? '');
    expect(outcomes.filter((d) => d.startsWith('412: '))).not.toHaveLength(0);
  });

  it('If-None-Match on DELETE: 412 while it matches; * on a deleted id lets a PUT create it again', async () => {
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set({ Authorization: auth(), 'If-None-Match': '*' }).expect(412);
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set({ Authorization: auth(), 'If-None-Match': 'W/"2"' }).expect(412);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(200);
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set({ Authorization: auth(), 'If-None-Match': 'W/"1"' }).expect(200);
    await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(410);
    const again = await put({ 'If-None-Match': '*' }, 'again').expect(201);
    expect(again.headers.etag).toBe('W/"4"');
  });

  it('If-Unmodified-Since: 412 when the resource changed after that date, written when it did not; a value that is no HTTP-date is ignored (RFC 9110 §13.1.4)', async () => {
    const lastModified = (await inEnglish(app).get(`/fhir/CodeSystem/${id}`).expect(200)).headers['last-modified']!;
    const before = new Date(Date.parse(lastModified) - 1000).toUTCString();
    const refused = await put({ 'If-Unmodified-Since': before }).expect(412);
    expect(refused.body.issue[0]).toMatchObject({ code: 'conflict', details: { text: expect.stringMatching(/after .* \(If-Unmodified-Since\)$/) } });
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set({ Authorization: auth(), 'If-Unmodified-Since': before }).expect(412);
    expect(await current()).toBe('W/"4"');
    expect((await put({ 'If-Unmodified-Since': 'yesterday' }, 'no HTTP-date').expect(200)).headers.etag).toBe('W/"5"');
    // If-Match decides when both are given (RFC 9110 §13.1.4)
    await put({ 'If-Unmodified-Since': before, 'If-Match': 'W/"5"' }, 'with If-Match').expect(200);
    const written = await put({ 'If-Unmodified-Since': new Date(Date.now() + 60_000).toUTCString() }, 'unmodified').expect(200);
    expect(written.headers.etag).toBe('W/"7"');
  });

  it('If-Modified-Since is for reads only: a write ignores it', async () => {
    await put({ 'If-Modified-Since': new Date(Date.now() + 60_000).toUTCString() }, 'ignored').expect(200);
  });
});

describe('CapabilityStatement', () => {
  it('lists the write interactions, $translate and $coverage', async () => {
    const res = await inEnglish(app).get('/fhir/metadata').expect(200);
    const cm = res.body.rest[0].resource.find((r: { type: string }) => r.type === 'ConceptMap');
    expect(cm.interaction.map((i: { code: string }) => i.code)).toEqual(expect.arrayContaining(['create', 'update', 'delete', 'vread', 'history-instance']));
    expect(cm.operation.map((o: { name: string }) => o.name)).toEqual(expect.arrayContaining(['translate', 'coverage']));
  });
});
