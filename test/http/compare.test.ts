import type { CodeSystem, Parameters, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';
import { valueNamed as value } from '../support/parameters';

const CODES_119 = 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119';
const INTERVENTIONS = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const CATALOG_140 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-140';
const FHIR_JSON = 'application/fhir+json';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const compare = (query: Record<string, string>) => request(app).get('/fhir/ValueSet/$compare').query(query);
const post = (body: Parameters) => request(app).post('/fhir/ValueSet/$compare').set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
const codes = (p: Parameters, name: string) => String(value(p, name) ?? '').split(',').filter(Boolean).sort();
const expandCodes = async (url: string) =>
  ((await request(app).get('/fhir/ValueSet/$expand').query({ url, excludeNested: 'true' }).expect(200)).body as ValueSet)
    .expansion!.contains!.map((c) => c.code!).sort();
const enumerated = (url: string, list: string[]): ValueSet => ({
  resourceType: 'ValueSet', url, status: 'active', compose: { include: [{ system: FSIII, concept: list.map((code) => ({ code })) }] },
});

describe('ValueSet/$compare on KL value sets', () => {
  it('finds the §119 gateway codes a subset of all FSIII interventions, and the reverse a superset', async () => {
    const sub = (await compare({ thisUrl: CODES_119, otherUrl: INTERVENTIONS, diagnostics: 'true' }).expect(200)).body as Parameters;
    expect(value(sub, 'result')).toBe('subset');
    expect(value(sub, 'performed-expansion')).toBe(true);
    expect(value(sub, 'missing-codes')).toBeUndefined();
    // the codes in common are exactly the 119 codes; the extra ones are the rest of the interventions
    const [codes119, all] = [await expandCodes(CODES_119), await expandCodes(INTERVENTIONS)];
    expect(codes(sub, 'common-codes')).toEqual(codes119);
    expect(codes(sub, 'extra-codes')).toEqual(all.filter((c) => !codes119.includes(c)));

    const sup = (await compare({ thisUrl: INTERVENTIONS, otherUrl: CODES_119 }).expect(200)).body as Parameters;
    expect(value(sup, 'result')).toBe('superset');
    expect(value(sup, 'message')).toContain('super-set');
    expect(sup.parameter?.map((p) => p.name).sort()).toEqual(['message', 'result']);
  });

  it('finds the §119 and §140 catalogs disjoint, from their enumerations without expanding', async () => {
    const res = (await compare({ thisUrl: CATALOG_119, otherUrl: CATALOG_140, diagnostics: 'true' }).expect(200)).body as Parameters;
    expect(value(res, 'result')).toBe('disjoint');
    expect(value(res, 'performed-expansion')).toBe(false);
    expect(codes(res, 'missing-codes')).toEqual(await expandCodes(CATALOG_119));
    expect(codes(res, 'extra-codes')).toEqual(await expandCodes(CATALOG_140));
  });

  it('finds a value set the same as itself, and a new release that adds a code a superset of the old one (POST, inline)', async () => {
    const old = (await expandCodes(CATALOG_119)).slice(0, 5);
    const release = [...old, (await expandCodes(CATALOG_140))[0]!];
    const same = (await compare({ thisUrl: CATALOG_119, otherUrl: CATALOG_119 }).expect(200)).body as Parameters;
    expect(value(same, 'result')).toBe('same');
    const res = (await post({
      resourceType: 'Parameters',
      parameter: [
        { name: 'thisValueSet', resource: enumerated('http://example.dk/ValueSet/new', release) },
        { name: 'otherValueSet', resource: enumerated('http://example.dk/ValueSet/old', [...old].reverse()) },
        { name: 'diagnostics', valueBoolean: true },
      ],
    }).expect(200)).body as Parameters;
    expect(value(res, 'result')).toBe('superset');
    expect(codes(res, 'missing-codes')).toEqual([release[5]]);
  });

  it('names an inline value set without a url by the parameter it came in, with its title or name', async () => {
    const list = (await expandCodes(CATALOG_119)).slice(0, 3);
    const inline = (extra: Partial<ValueSet>, codes: string[]): ValueSet => {
      const { url: _url, ...vs } = enumerated('', codes);
      return { ...vs, ...extra };
    };
    const message = async (a: ValueSet, b: ValueSet, language = 'en') => value((await post({
      resourceType: 'Parameters', parameter: [{ name: 'thisValueSet', resource: a }, { name: 'otherValueSet', resource: b }],
    }).set('Accept-Language', language).expect(200)).body as Parameters, 'message');
    expect(await message(inline({}, list), inline({}, list.slice(0, 2)))).toBe('The valueSet thisValueSet is a super-set of the valueSet otherValueSet');
    expect(await message(inline({ name: 'Ny' }, list.slice(0, 2)), inline({ title: 'Gammel liste', name: 'Gammel' }, list)))
      .toBe("The valueSet thisValueSet 'Ny' is a sub-set of the valueSet otherValueSet 'Gammel liste'");
    expect(await message(inline({}, list), enumerated(CATALOG_140, list.slice(0, 2)), 'da'))
      .toBe(`Værdisættet thisValueSet indeholder alle koderne i værdisættet ${CATALOG_140} og flere til (en overmængde)`);
  });

  it('compares an instance with another value set, and against the active codes only with activeOnly', async () => {
    const id = (await request(app).get('/fhir/ValueSet').query({ url: CATALOG_119 }).expect(200)).body.entry[0].resource.id as string;
    const res = (await request(app).get(`/fhir/ValueSet/${id}/$compare`).query({ otherUrl: CATALOG_119, activeOnly: 'true', diagnostics: 'true' })
      .expect(200)).body as Parameters;
    expect(value(res, 'result')).toBe('same');
    expect(value(res, 'performed-expansion')).toBe(true);
  });

  it('compares a value set given only by its stored expansion through that expansion', async () => {
    const codes119 = (await expandCodes(CATALOG_119)).slice(0, 3);
    const stored: ValueSet = {
      resourceType: 'ValueSet', url: 'http://example.dk/ValueSet/stored', status: 'active',
      expansion: { timestamp: '2026-01-01T00:00:00Z', contains: codes119.slice(0, 2).map((code) => ({ system: FSIII, code })) },
    };
    const res = (await post({
      resourceType: 'Parameters',
      parameter: [{ name: 'thisValueSet', resource: stored }, { name: 'otherValueSet', resource: enumerated('http://example.dk/ValueSet/e', codes119) },
        { name: 'diagnostics', valueBoolean: true }],
    }).expect(200)).body as Parameters;
    expect(value(res, 'result')).toBe('subset');
    expect(value(res, 'performed-expansion')).toBe(true);
    expect(codes(res, 'extra-codes')).toEqual([codes119[2]]);
    const neither = (await post({
      resourceType: 'Parameters',
      parameter: [{ name: 'thisValueSet', resource: { resourceType: 'ValueSet', url: 'http://example.dk/ValueSet/none', status: 'active' } as ValueSet },
        { name: 'otherUrl', valueUri: CATALOG_119 }],
    }).expect(200)).body as Parameters;
    expect(value(neither, 'result')).toBe('indeterminate');
    expect(value(neither, 'message')).toContain('has no compose');
  });

  it('reads a compose of JSON null as no compose, on either side', async () => {
    const codes119 = (await expandCodes(CATALOG_119)).slice(0, 2);
    const nullCompose = { resourceType: 'ValueSet', url: 'http://example.dk/ValueSet/null-compose', status: 'active', compose: null,
      expansion: { timestamp: '2026-01-01T00:00:00Z', contains: codes119.map((code) => ({ system: FSIII, code })) } } as unknown as ValueSet;
    for (const [thisVs, otherVs, result] of [[nullCompose, enumerated('http://example.dk/ValueSet/e', codes119), 'same'],
      [enumerated('http://example.dk/ValueSet/e', codes119.slice(0, 1)), nullCompose, 'subset']] as const) {
      const res = (await post({
        resourceType: 'Parameters', parameter: [{ name: 'thisValueSet', resource: thisVs }, { name: 'otherValueSet', resource: otherVs }],
      }).expect(200)).body as Parameters;
      expect(value(res, 'result')).toBe(result);
    }
  });

  it('says indeterminate, not a guess, when a side cannot be expanded', async () => {
    // two is-a filters on a code system the server does not know: neither the rules nor the expansions can tell
    const unknownSystem = (code: string): ValueSet => ({
      resourceType: 'ValueSet', url: `http://example.dk/ValueSet/${code}`, status: 'active',
      compose: { include: [{ system: 'http://example.dk/unknown', filter: [{ property: 'concept', op: 'is-a', value: code }] }] },
    });
    const res = (await post({
      resourceType: 'Parameters',
      parameter: [{ name: 'thisValueSet', resource: unknownSystem('x') }, { name: 'otherValueSet', resource: unknownSystem('y') }],
    }).expect(200)).body as Parameters;
    expect(value(res, 'result')).toBe('indeterminate');
    expect(value(res, 'message')).toMatch(/^Unable to compare .*Both expansions failed/);
  });

  it('compares filters over the versions the compose\'s lockedDate picks, by expansion when those differ', async () => {
    const system = 'http://example.dk/CodeSystem/releases';
    const release = (version: string, date: string, codes: string[]): CodeSystem => ({
      resourceType: 'CodeSystem', url: system, version, date, status: 'active', content: 'complete', hierarchyMeaning: 'is-a',
      concept: [{ code: 'A', concept: codes.map((code) => ({ code })) }],
    });
    const releases = [release('1.0.0', '2024-01-01', ['A1', 'A2']), release('2.0.0', '2025-01-01', ['A1', 'A2', 'A3'])]
      .map((resource) => ({ name: 'tx-resource', resource }));
    const underA = (name: string, pin: { lockedDate?: string; version?: string }): ValueSet => ({
      resourceType: 'ValueSet', url: `http://example.dk/ValueSet/${name}`, status: 'active',
      compose: { ...(pin.lockedDate ? { lockedDate: pin.lockedDate } : {}),
        include: [{ system, ...(pin.version ? { version: pin.version } : {}), filter: [{ property: 'concept', op: 'is-a', value: 'A' }] }] },
    });
    const run = async (thisVs: ValueSet, otherVs: ValueSet) => (await post({
      resourceType: 'Parameters',
      parameter: [{ name: 'thisValueSet', resource: thisVs }, { name: 'otherValueSet', resource: otherVs }, { name: 'diagnostics', valueBoolean: true },
        ...releases],
    }).expect(200)).body as Parameters;
    // 2024 has 1.0.0 in force, the unlocked one uses the newest (2.0.0): the rules alone would call them the same
    const differ = await run(underA('locked-2024', { lockedDate: '2024-06-01' }), underA('newest', {}));
    expect(value(differ, 'result')).toBe('subset');
    expect(value(differ, 'performed-expansion')).toBe(true);
    expect(codes(differ, 'extra-codes')).toEqual(['A3']);
    // a lockedDate and a pin that pick one version: settled by the rules
    const same = await run(underA('locked-2024', { lockedDate: '2024-06-01' }), underA('pinned-1', { version: '1.0.0' }));
    expect(value(same, 'result')).toBe('same');
    expect(value(same, 'performed-expansion')).toBe(false);
    // no version in force on the lockedDate: the expansion says why
    const none = await run(underA('locked-2023', { lockedDate: '2023-06-01' }), underA('newest', {}));
    expect(value(none, 'result')).toBe('indeterminate');
  });

  it('compares listed codes as the code system has them: not case sensitive, and without the codes it does not have, as $expand lists them', async () => {
    const CI = 'http://example.org/cs/ci';
    const ci: CodeSystem = { resourceType: 'CodeSystem', url: CI, status: 'active', content: 'complete', caseSensitive: false, concept: [{ code: 'A', display: 'Alpha' }] };
    const listing = (url: string, list: string[]): ValueSet => ({ resourceType: 'ValueSet', url, status: 'active', compose: { include: [{ system: CI, concept: list.map((code) => ({ code })) }] } });
    const run = async (a: string[], b: string[]) => (await post({
      resourceType: 'Parameters', parameter: [
        { name: 'thisValueSet', resource: listing('http://example.org/vs/this', a) }, { name: 'otherValueSet', resource: listing('http://example.org/vs/other', b) },
        { name: 'diagnostics', valueBoolean: true }, { name: 'tx-resource', resource: ci },
      ],
    }).expect(200)).body as Parameters;
    const lowered = await run(['a'], ['A']);
    expect([value(lowered, 'result'), value(lowered, 'missing-codes'), value(lowered, 'extra-codes')]).toEqual(['same', undefined, undefined]);
    expect(value(await run(['A', 'ZZZ'], ['A']), 'result')).toBe('same');
    // as their expansions say
    const expanded = await Promise.all([['a'], ['A', 'ZZZ']].map(async (list) => ((await request(app).post('/fhir/ValueSet/$expand').set('Content-Type', FHIR_JSON).send(JSON.stringify({
      resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: listing('http://example.org/vs/x', list) }, { name: 'tx-resource', resource: ci }],
    })).expect(200)).body as ValueSet).expansion!.contains!.map((c) => c.code)));
    expect(expanded).toEqual([['A'], ['A']]);
  });

  it('refuses a missing side and an unknown value set with 4xx OperationOutcomes', async () => {
    const missing = await compare({ thisUrl: CATALOG_119 }).expect(400);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    expect(missing.body.issue[0].expression).toEqual(['otherUrl']);
    const unknown = await compare({ thisUrl: CATALOG_119, otherUrl: 'http://example.dk/ValueSet/none' }).expect(404);
    expect(unknown.body.issue[0].code).toBe('not-found');
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body;
    const vs = cs.rest[0].resource.find((r: { type: string }) => r.type === 'ValueSet');
    expect(vs.operation.map((o: { name: string }) => o.name)).toContain('compare');
  });
});
