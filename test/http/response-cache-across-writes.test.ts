import type { ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';
import { KOMMUNEKODE_SYSTEM, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { CODES, localCodeSystem, localConceptMap, sampleCatalog, tokenFor } from '../support/local';

/**
 * Cached answers stay while what they were computed from stays: a municipality's write leaves the answers about the
 * common catalogs and the other municipalities' catalogs, and those about its own catalog are computed again.
 */
const JSON_TYPE = 'application/fhir+json';
const vsUrl = (k: string) => `http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/indsatser`;

let app: App;

beforeAll(async () => {
  app = await testApp();
});

// one Host: the base URL is part of the cache key, and supertest listens on a new port per request
const get = (path: string, query: Record<string, string>) => request(app).get(`/fhir/${path}`).set('Host', 'tx.example').query(query).expect(200);

async function put(k: string, resource: { resourceType: string; id?: string }): Promise<void> {
  const token = await tokenFor({ kommunekode: k });
  await request(app).put(`/fhir/${resource.resourceType}/${resource.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(resource)
    .expect((res) => expect([200, 201]).toContain(res.status));
}

/** Whether the call was answered from the cache. */
async function fromCache(path: string, query: Record<string, string>): Promise<{ hit: boolean; body: Record<string, unknown> }> {
  const hits = app.responseCache.hits;
  const res = await get(path, query);
  return { hit: app.responseCache.hits === hits + 1, body: res.body as Record<string, unknown> };
}

const lookupFsiii = { system: FSIII, code: CODES.fysiskTraening119 };
const displays = (body: Record<string, unknown>) => ((body as unknown as ValueSet).expansion?.contains ?? []).map((c) => c.display);

describe('the response cache across writes', () => {
  beforeAll(async () => {
    for (const k of ['561', '615']) {
      const { codeSystem, conceptMap } = sampleCatalog(k);
      await put(k, codeSystem);
      await put(k, conceptMap);
    }
  });

  it("keeps answers about the common catalogs and other municipalities' catalogs; recomputes the writer's", async () => {
    const expand561 = { url: vsUrl('561'), filter: 'bold' };
    const validate561 = { url: vsUrl('561'), system: `http://faelles-tx.dk/fhir/kommune/561/CodeSystem/lokale-indsatser`, code: '561-BOLD' };
    for (const [path, query] of [['CodeSystem/$lookup', lookupFsiii], ['ValueSet/$expand', expand561], ['ValueSet/$validate-code', validate561]] as const) {
      await get(path, query);
      expect((await fromCache(path, query)).hit).toBe(true);
    }

    // 615 writes: nothing above read its catalog
    await put('615', localCodeSystem('615', 'lokale-indsatser', [{ code: '615-BOLD', display: 'Fodbold', type: 'indsats' }]));
    expect((await fromCache('CodeSystem/$lookup', lookupFsiii)).hit).toBe(true);
    expect((await fromCache('ValueSet/$expand', expand561)).hit).toBe(true);
    expect((await fromCache('ValueSet/$validate-code', validate561)).hit).toBe(true);

    // 561 writes: its answers are computed again, and show the change; the common catalog's stays
    await put('561', localCodeSystem('561', 'lokale-indsatser', [{ code: '561-BOLD', display: 'Boldspil på hold', type: 'indsats' }]));
    const expanded = await fromCache('ValueSet/$expand', expand561);
    expect(expanded.hit).toBe(false);
    expect(displays(expanded.body)).toEqual(['Boldspil på hold']);
    const validated = await fromCache('ValueSet/$validate-code', validate561);
    expect(validated.hit).toBe(false);
    expect(JSON.stringify(validated.body)).toContain('Boldspil på hold');
    expect((await fromCache('CodeSystem/$lookup', lookupFsiii)).hit).toBe(true);
  });

  it("a municipality's own value set follows a change to the code system it includes, with the other catalogs' answers kept", async () => {
    const system = 'http://faelles-tx.dk/fhir/kommune/561/CodeSystem/lokale-indsatser';
    const valueSet = {
      resourceType: 'ValueSet', id: 'kommune-561-udvalgte', url: 'http://faelles-tx.dk/fhir/kommune/561/ValueSet/udvalgte', version: '1.0.0',
      identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '561' }],
      name: 'Udvalgte', status: 'active', compose: { include: [{ system }] },
    };
    await put('561', valueSet);
    const validate = { url: valueSet.url, system, code: '561-BOLD' };
    const display = (body: Record<string, unknown>) =>
      ((body.parameter ?? []) as { name: string; valueString?: string }[]).find((p) => p.name === 'display')?.valueString;
    await put('561', localCodeSystem('561', 'lokale-indsatser', [{ code: '561-BOLD', display: 'Boldspil', type: 'indsats' }]));
    expect(display((await fromCache('ValueSet/$validate-code', validate)).body)).toBe('Boldspil');
    await get('CodeSystem/$lookup', lookupFsiii);
    await put('561', localCodeSystem('561', 'lokale-indsatser', [{ code: '561-BOLD', display: 'Boldspil for alle', type: 'indsats' }]));
    expect(display((await fromCache('ValueSet/$validate-code', validate)).body)).toBe('Boldspil for alle');
    expect((await fromCache('CodeSystem/$lookup', lookupFsiii)).hit).toBe(true);
  });

  it('a change to the common catalogs recomputes the answers about them', async () => {
    await get('CodeSystem/$lookup', lookupFsiii);
    expect((await fromCache('CodeSystem/$lookup', lookupFsiii)).hit).toBe(true);
    const admin = await tokenFor({ scope: 'admin' });
    const supplement = {
      resourceType: 'CodeSystem', id: 'fsiii-test-sprogpakke', url: 'http://example.org/CodeSystem/fsiii-test-sprogpakke', version: '1',
      status: 'active', content: 'supplement', supplements: FSIII,
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type', valueCode: 'lang-pack' }],
      concept: [{ code: CODES.fysiskTraening119, designation: [{ language: 'en', value: 'Physical training' }] }],
    };
    const res = await request(app).put(`/fhir/CodeSystem/${supplement.id}`).set('Authorization', `Bearer ${admin}`).type(JSON_TYPE).send(supplement);
    expect([200, 201]).toContain(res.status);
    const after = await fromCache('CodeSystem/$lookup', lookupFsiii);
    expect(after.hit).toBe(false);
    expect(JSON.stringify(after.body)).toContain('Physical training');
  });
});

describe('a supplement written again under the same url and version', () => {
  it('gives its new designations from the next request on', async () => {
    const admin = await tokenFor({ scope: 'admin' });
    const supplement = (english: string) => ({
      resourceType: 'CodeSystem', id: 'fsiii-sprogpakke-igen', url: 'http://example.org/CodeSystem/fsiii-sprogpakke-igen', version: '1',
      status: 'active', content: 'supplement', supplements: FSIII,
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type', valueCode: 'lang-pack' }],
      concept: [{ code: CODES.kostvejledning, designation: [{ language: 'en', value: english }] }],
    });
    const lookup = { system: FSIII, code: CODES.kostvejledning };
    for (const english of ['Dietary advice', 'Nutrition guidance']) {
      const res = await request(app).put('/fhir/CodeSystem/fsiii-sprogpakke-igen').set('Authorization', `Bearer ${admin}`).type(JSON_TYPE).send(supplement(english));
      expect([200, 201]).toContain(res.status);
      expect(JSON.stringify((await get('CodeSystem/$lookup', lookup)).body)).toContain(english);
    }
  });
});

describe('instance-level calls and a translation without a map, across writes', () => {
  const system = municipalUrl('751', 'CodeSystem', 'lokale-indsatser');
  const valueSet = (include: Record<string, unknown>) => ({
    resourceType: 'ValueSet', id: municipalId('751', 'udvalgte'), url: municipalUrl('751', 'ValueSet', 'udvalgte'), version: '1.0.0',
    identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '751' }], name: 'Udvalgte', status: 'active', compose: { include: [include] },
  });
  const lookup = `CodeSystem/${municipalId('751', 'lokale-indsatser')}/$lookup`;
  const expand = `ValueSet/${municipalId('751', 'udvalgte')}/$expand`;
  const codes = (body: Record<string, unknown>) => ((body as unknown as ValueSet).expansion?.contains ?? []).map((c) => c.code);
  /** Another municipality's code system and value set: nothing the calls below read. */
  async function writeElsewhere(display: string): Promise<void> {
    const cs = localCodeSystem('851', 'lokale-indsatser', [{ code: '851-BOLD', display, type: 'indsats' }]);
    await put('851', cs);
    await put('851', {
      resourceType: 'ValueSet', id: municipalId('851', 'udvalgte'), url: municipalUrl('851', 'ValueSet', 'udvalgte'), version: '1.0.0',
      identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '851' }], name: 'Udvalgte', status: 'active', compose: { include: [{ system: cs.url }] },
    } as { resourceType: string; id: string });
  }

  beforeAll(async () => {
    const { codeSystem, conceptMap } = sampleCatalog('751');
    await put('751', codeSystem);
    await put('751', conceptMap);
    await put('751', valueSet({ system }));
  });

  it("keeps $lookup and $expand on a resource by id across another municipality's writes; recomputes them when that id is written or deleted", async () => {
    const lookupBold = { code: '751-BOLD' };
    await get(lookup, lookupBold);
    await get(expand, {});
    await writeElsewhere('Fodbold');
    expect((await fromCache(lookup, lookupBold)).hit).toBe(true);
    expect((await fromCache(expand, {})).hit).toBe(true);

    await put('751', localCodeSystem('751', 'lokale-indsatser', [{ code: '751-BOLD', display: 'Boldspil på hold', type: 'indsats' }]));
    const looked = await fromCache(lookup, lookupBold);
    expect(looked.hit).toBe(false);
    expect(JSON.stringify(looked.body)).toContain('Boldspil på hold');

    await put('751', valueSet({ system, concept: [{ code: '751-BOLD' }] }));
    const expanded = await fromCache(expand, {});
    expect(expanded.hit).toBe(false);
    expect(codes(expanded.body)).toEqual(['751-BOLD']);

    const token = await tokenFor({ kommunekode: '751' });
    await request(app).delete(`/fhir/ValueSet/${municipalId('751', 'udvalgte')}`).set('Authorization', `Bearer ${token}`).expect(200);
    await request(app).get(`/fhir/${expand}`).set('Host', 'tx.example').expect(410);
    await put('751', valueSet({ system }));
    const again = await fromCache(expand, {});
    expect(again.hit).toBe(false);
    expect(codes(again.body)).toEqual(['751-BOLD']);
  });

  it("keeps a translation without a map across writes of code systems and value sets; recomputes it when a map is written", async () => {
    const translate = { system, code: '751-BOLD' };
    const targets = (body: Record<string, unknown>) => ((body.parameter ?? []) as { name: string; part?: { name: string; valueCoding?: { code?: string } }[] }[])
      .filter((p) => p.name === 'match').map((p) => p.part?.find((q) => q.name === 'concept')?.valueCoding?.code).sort();
    expect(targets((await get('ConceptMap/$translate', translate)).body as Record<string, unknown>)).toEqual([CODES.fysiskTraening119]);
    await writeElsewhere('Håndbold');
    expect((await fromCache('ConceptMap/$translate', translate)).hit).toBe(true);

    // a common map of the same local code, written by an admin: the translation now finds it
    const admin = await tokenFor({ scope: 'admin' });
    const map = {
      ...localConceptMap('751', 'lokale-indsatser', [{ code: '751-BOLD', targets: [CODES.fysiskTraening140] }], system),
      id: 'faelles-ekstra-kort', url: 'http://example.org/ConceptMap/faelles-ekstra-kort', identifier: undefined,
    };
    const res = await request(app).put(`/fhir/ConceptMap/${map.id}`).set('Authorization', `Bearer ${admin}`).type(JSON_TYPE).send(map);
    expect([200, 201]).toContain(res.status);
    const after = await fromCache('ConceptMap/$translate', translate);
    expect(after.hit).toBe(false);
    expect(targets(after.body)).toEqual([CODES.fysiskTraening119, CODES.fysiskTraening140].sort());
  });
});
