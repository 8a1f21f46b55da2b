/**
 * ValueSet/$expand through HTTP: GET and POST, published, inline and FHIR core value sets, trees and flat lists,
 * the Danish-aware text filter (æ/ø/å match ae/oe/aa, case and accents ignored), paging with offset/count,
 * activeOnly, includeDesignations, properties, limits, and the echo of the parameters used. (Every KL value set's
 * exact codes: kl-valueset-expansions.test.ts; the type and instance levels through a FHIR client:
 * operations-by-level-and-method.test.ts.)
 */
import type { CodeSystem, OperationDefinition, Parameters, Resource, TerminologyCapabilities, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import { FFB, FSIII } from '../support/catalogs';
import { fold, fsiiiIndex, readJson, UUID_CODE } from '../support/files';
import { parametersOf } from '../support/parameters';
import { useRunningServer } from '../support/server';

const CARE_PLAN_CATEGORIES = 'http://fhir.kl.dk/term/ValueSet/KLCarePlanCategoryCodes';
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const INTERVENTIONS = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';
const PREVENTION = 'http://fhir.kl.dk/term/ValueSet/KLPreventionInterventionsFSIII';
const HOME_CARE = 'http://fhir.kl.dk/term/ValueSet/KLHomeCareInterventionsFSIII';
const FHIR_JSON = 'application/fhir+json';
const FSIII_STATUS = 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status';
const CANCELLATION_TYPES = 'http://fhir.kl.dk/term/ValueSet/CancellationTypes';

const server = useRunningServer();

const post = (body: Parameters, headers: Record<string, string> = {}) =>
  request(server.app).post('/fhir/ValueSet/$expand').set({ 'Content-Type': FHIR_JSON, ...headers }).send(JSON.stringify(body));
const inlineValueSet = (compose: unknown) => ({ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose } as ValueSet });
const flatten = (c: ValueSetExpansionContains[] | undefined): ValueSetExpansionContains[] => (c ?? []).flatMap((x) => [x, ...flatten(x.contains)]);

describe('GET and POST $expand', () => {
  it('takes date as a FHIR date or dateTime at any precision, and refuses a value that is neither (400)', async () => {
    // the catalog came into force on 2026-11-23: before that it is a 404 (versions-on-a-date.test.ts)
    for (const date of ['2027', '2027-06', '2027-06-30', '2027-06-30T12:00:00Z', '2027-06-30T12:00:00.250+01:00']) {
      await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, date, count: '1' }).expect(200);
    }
    for (const date of ['2025-06-30T25:00:00Z', '2025-06-30T12:00:00', '30-06-2025', '2025-6-30', 'today']) {
      const res = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, date }).expect(400);
      expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['date'] });
      expect(res.body.issue[0].details.text).toContain(`not '${date}'`);
    }
    const posted = await post(parametersOf({ name: 'url', valueUri: CATALOG_119 }, { name: 'date', valueDateTime: '2025-02-29' })).expect(400);
    expect(posted.body.issue[0].expression).toEqual(['Parameters.parameter[1].valueDateTime']);
  });

  it('expands a published KL value set defined by one descendent-of filter as a tree', async () => {
    const res = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CARE_PLAN_CATEGORIES }).expect(200);
    const vs = res.body as ValueSet;
    const all = flatten(vs.expansion?.contains);
    expect(vs.expansion?.total).toBe(all.length);
    expect(vs.expansion?.contains?.some((c) => (c.contains?.length ?? 0) > 0)).toBe(true);
    const flat = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CARE_PLAN_CATEGORIES, excludeNested: 'true' }).expect(200);
    expect((flat.body as ValueSet).expansion?.contains?.map((c) => c.code).sort()).toEqual(all.map((c) => c.code).sort());
    expect((flat.body as ValueSet).expansion?.parameter).toContainEqual({ name: 'excludeNested', valueBoolean: true });
  });

  it('pages the 119 catalog with offset and count and echoes them', async () => {
    const res = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, offset: '2', count: '3' }).expect(200);
    const exp = (res.body as ValueSet).expansion!;
    expect(exp.contains).toHaveLength(3);
    expect(exp.offset).toBe(2);
    expect(exp.total).toBeGreaterThan(5);
    expect(exp.parameter).toEqual(expect.arrayContaining([{ name: 'offset', valueInteger: 2 }, { name: 'count', valueInteger: 3 }]));
  });

  it('takes a count up to FHIR\'s largest integer by GET as by POST, and refuses one beyond it', async () => {
    const largest = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, count: '2147483647', offset: '1000000000' }).expect(200);
    expect((largest.body as ValueSet).expansion?.contains ?? []).toEqual([]);
    const beyond = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, count: '2147483648' }).expect(400);
    expect(beyond.body.issue[0].details.text).toBe("Parameter 'count' must be an integer (32 bits), not '2147483648'");
  });

  it('names the parameter whose query value is not of its type, and quotes a long value only in part', async () => {
    const offset = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, offset: '1e3' }).expect(400);
    expect(offset.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['offset'] });
    const long = 'ja'.repeat(2000);
    const flag = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, activeOnly: long }).expect(400);
    expect(flag.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['activeOnly'] });
    expect(flag.body.issue[0].details.text).toBe(`Parameter 'activeOnly' must be 'true' or 'false', not '${long.slice(0, 100)}…'`);
    const resource = await request(server.app).get('/fhir/ValueSet/$expand').query({ valueSet: '{"resourceType":"ValueSet"}' }).expect(400);
    expect(resource.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['valueSet'] });
    expect(resource.body.issue[0].details.text).toBe("Parameter 'valueSet' can only be sent in a Parameters resource (POST)");    const twice = await request(server.app).get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(CATALOG_119)}&count=2&count=3`).expect(400);
    expect(twice.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['count'] });
  });

  it('answers a negative count with a 400 OperationOutcome', async () => {
    const res = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, count: '-1' }).expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('returns requested properties as the R5 property extensions an R4 client reads', async () => {
    const res = await post(parametersOf({ name: 'url', valueUri: CATALOG_119 }, { name: 'property', valueString: 'beskrivelse' })).expect(200);
    const exp = (res.body as ValueSet).expansion!;
    expect(exp.extension?.map((e) => e.url)).toContain('http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.property');
    const withProperty = exp.contains?.filter((c) => c.extension?.some((e) =>
      e.url === 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property'
      && e.extension?.some((x) => x.url === 'code' && x.valueCode === 'beskrivelse')));
    expect(withProperty?.length).toBeGreaterThan(0);
  });

  it('expands an inline FFB value set with a regex filter', async () => {
    const res = await post(parametersOf(inlineValueSet({ include: [{ system: FFB, filter: [{ property: 'display', op: 'regex', value: 'Social.*' }] }] }))).expect(200);
    const all = flatten((res.body as ValueSet).expansion?.contains);
    expect(all.length).toBeGreaterThan(0);
    expect(all.every((c) => c.display?.startsWith('Social'))).toBe(true);
  });

  it('answers a catastrophic regex quickly', async () => {
    const started = Date.now();
    await post(parametersOf(inlineValueSet({ include: [{ system: FSIII, filter: [{ property: 'definition', op: 'regex', value: '((a+)+)+b' }] }] }))).expect(200);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a regex that would compile to a huge program before compiling it (422), in Danish when asked', async () => {
    const huge = `${'.{0,1000}'.repeat(110)}.{0,100}`;
    const res = await post(parametersOf(inlineValueSet({ include: [{ system: FSIII, filter: [{ property: 'display', op: 'regex', value: huge }] }] })), { 'Accept-Language': 'da' }).expect(422);
    expect(res.body.issue[0].code).toBe('too-costly');
    expect(res.body.issue[0].expression).toEqual(['ValueSet.compose.include[0].filter[0].value']);
    expect(res.body.issue[0].details.text).toContain('Det regulære udtryk ville blive til mere end 3000 instruktioner');
    const allowed = await post(parametersOf(inlineValueSet({ include: [{ system: FSIII, filter: [{ property: 'display', op: 'regex', value: 'Afklarende.{0,1000}' }] }] }))).expect(200);
    expect(flatten((allowed.body as ValueSet).expansion?.contains).map((c) => c.display)).toContain('Afklarende samtale');
  });

  it('answers a malformed inline value set with a 400, not a 500', async () => {
    for (const compose of ['x', { include: 'x' }, { include: [{ system: FSIII, version: 7 }] }, { include: [{ valueSet: [5] }] }, { include: [{}] }]) {
      const res = await post(parametersOf(inlineValueSet(compose)));
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('echoes the display language asked for by Accept-Language', async () => {
    const res = await request(server.app).get('/fhir/ValueSet/$expand').set('Accept-Language', 'da').query({ url: CATALOG_119, count: '1' }).expect(200);
    expect((res.body as ValueSet).expansion?.parameter).toContainEqual({ name: 'displayLanguage', valueCode: 'da' });
    expect((res.body as ValueSet).expansion?.contains?.[0]?.display).toBeDefined();
  });

  it('refuses a malformed displayLanguage parameter with a 400, as $lookup and $validate-code do; Accept-Language stays lenient', async () => {
    for (const displayLanguage of ['!!', 'en-', '__proto__']) {
      const res = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: CATALOG_119, count: '1', displayLanguage }).expect(400);
      expect(res.body.issue[0].details.text).toBe(`Invalid displayLanguage: '${displayLanguage}'`);
      const danish = await request(server.app).get('/fhir/ValueSet/$expand').set('Accept-Language', 'da')
        .query({ url: CATALOG_119, count: '1', displayLanguage }).expect(400);
      expect(danish.body.issue[0].details.text).toBe(`Ugyldigt displayLanguage: '${displayLanguage}'`);
    }
    await request(server.app).get('/fhir/ValueSet/$expand').set('Accept-Language', '!!, da').query({ url: CATALOG_119, count: '1' }).expect(200);
  });

  it('lists includes of several versions of one code system in compose order, a code both list where it first comes (newest first)', async () => {
    const S = 'http://example.org/fhir/CodeSystem/compose-order';
    const version = (v: string, codes: string[]): CodeSystem => ({
      resourceType: 'CodeSystem', url: S, version: v, status: 'active', content: 'complete', concept: codes.map((code) => ({ code })),
    });
    const expansion = async (include: unknown[], versionsMatch?: boolean) => {
      const compose = {
        ...(versionsMatch ? { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter',
          extension: [{ url: 'name', valueCode: 'versionsMatch' }, { url: 'value', valueString: 'true' }] }] } : {}),
        include,
      };
      const res = await post(parametersOf(inlineValueSet(compose), { name: 'tx-resource', resource: version('1.0.0', ['A', 'B']) },
        { name: 'tx-resource', resource: version('2.0.0', ['A', 'B', 'E']) })).expect(200);
      const exp = (res.body as ValueSet).expansion!;
      return {
        contains: exp.contains!.map((c) => `${c.code}|${c.version}`),
        used: exp.parameter!.filter((p) => p.name === 'used-codesystem').map((p) => p.valueUri),
      };
    };
    expect(await expansion([{ system: S, version: '1.0.0', concept: [{ code: 'A' }] }, { system: S, version: '2.0.0', concept: [{ code: 'E' }] }]))
      .toEqual({ contains: ['A|1.0.0', 'E|2.0.0'], used: [`${S}|1.0.0`, `${S}|2.0.0`] });
    expect(await expansion([{ system: S, version: '2.0.0', concept: [{ code: 'E' }] }, { system: S, version: '1.0.0', concept: [{ code: 'A' }] }]))
      .toEqual({ contains: ['E|2.0.0', 'A|1.0.0'], used: [`${S}|2.0.0`, `${S}|1.0.0`] });
    const both = [{ system: S, version: '1.0.0', concept: [{ code: 'B' }, { code: 'A' }] }, { system: S, version: '2.0.0', concept: [{ code: 'E' }, { code: 'A' }] }];
    expect((await expansion(both)).contains).toEqual(['B|1.0.0', 'A|2.0.0', 'A|1.0.0', 'E|2.0.0']);
    expect((await expansion(both, true)).contains).toEqual(['B|1.0.0', 'A|2.0.0', 'E|2.0.0']);
  });

  it('lets a client lower, but not raise, the too-costly threshold', async () => {
    const whole = parametersOf(inlineValueSet({ include: [{ system: FSIII }] }));
    const res = await post(whole, { 'X-Too-Costly-Threshold': '100' }).expect(422);
    expect(res.body.issue[0].code).toBe('too-costly');
    await post(whole, { 'X-Too-Costly-Threshold': '100000000' }).expect(200);
  });

  it('names an inline value set without a url that is too large by its id, or as the value set given in the request', async () => {
    const compose = { include: [{ system: FSIII }] };
    const withId = await post(parametersOf({ name: 'valueSet', resource: { resourceType: 'ValueSet', id: 'stor', status: 'active', compose } }), { 'X-Too-Costly-Threshold': '100' }).expect(422);
    expect(withId.body.issue[0].details.text).toBe("The expansion of the value set with id 'stor' (it has no url) has too many codes to produce (>100)");
    const anonymous = await post(parametersOf(inlineValueSet(compose)), { 'X-Too-Costly-Threshold': '100' }).expect(422);
    expect(anonymous.body.issue[0].details.text).toBe('The expansion of the value set given in the request has too many codes to produce (>100)');
    const named = await post(parametersOf({ name: 'valueSet', resource: { resourceType: 'ValueSet', url: 'http://example.org/vs/stor', version: '2', status: 'active', compose } }),
      { 'X-Too-Costly-Threshold': '100' }).expect(422);
    expect(named.body.issue[0].details.text).toBe("The value set 'http://example.org/vs/stor|2' expansion has too many codes to produce (>100)");
    expect([withId, anonymous, named].map((r) => r.body.issue[0].extension?.[0]?.valueString)).toEqual(['VALUESET_TOO_COSTLY', 'VALUESET_TOO_COSTLY', 'VALUESET_TOO_COSTLY']);
  });

  it('says that an include of a supplement names a supplement, as $validate-code does', async () => {
    const res = await post(parametersOf(inlineValueSet({ include: [{ system: FSIII_STATUS }] }))).expect(400);
    expect(res.body.issue[0]).toMatchObject({ code: 'invalid', details: { text: `CodeSystem ${FSIII_STATUS}|1.0.0 is a supplement, so can't be used as a value in Coding.system` } });
  });

  it('says whose supplement it is when useSupplement names a supplement of another code system', async () => {
    const res = await post(parametersOf(inlineValueSet({ include: [{ system: FFB }] }), { name: 'useSupplement', valueCanonical: FSIII_STATUS })).expect(404);
    expect(res.body.issue[0].details.text).toBe(`The supplement '${FSIII_STATUS}' supplements the code system '${FSIII}|20240530', not '${FFB}|20240530'`);
  });

  it('expands a FHIR core value set', async () => {
    const res = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: 'http://hl7.org/fhir/ValueSet/administrative-gender' }).expect(200);
    expect((res.body as ValueSet).expansion?.contains?.map((c) => c.code).sort()).toEqual(['female', 'male', 'other', 'unknown']);
  });
});

describe('server metadata', () => {
  it('answers $versions with the FHIR version it speaks', async () => {
    const res = await request(server.app).get('/fhir/$versions').expect(200);
    expect(res.body).toEqual({ resourceType: 'Parameters', parameter: [{ name: 'version', valueCode: '4.0' }, { name: 'default', valueCode: '4.0' }] });
  });

  it('lists $versions as a system operation and hierarchical expansion in the terminology capabilities', async () => {
    const cs = (await request(server.app).get('/fhir/metadata').expect(200)).body;
    expect(cs.rest[0].operation.map((o: { name: string }) => o.name)).toContain('versions');
    const tc = (await request(server.app).get('/fhir/metadata').query({ mode: 'terminology' }).expect(200)).body;
    expect(tc.expansion.hierarchical).toBe(true);
    expect(tc.expansion.parameter.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['property', 'excludeNested', 'count', 'offset']));
  });

  it("lists as expansion parameters every parameter of $expand's OperationDefinition but the value set itself (url, valueSet)", async () => {
    const tc = (await request(server.app).get('/fhir/metadata').query({ mode: 'terminology' }).expect(200)).body as TerminologyCapabilities;
    const od = (await request(server.app).get('/fhir/OperationDefinition/ValueSet-expand').expect(200)).body as OperationDefinition;
    const declared = od.parameter!.filter((p) => p.use === 'in').map((p) => p.name);
    const listed = tc.expansion!.parameter!.map((p) => p.name);
    expect(listed).toEqual(expect.arrayContaining(['date', 'excludePostCoordinated', 'context', 'valueSetVersion', 'tx-resource']));
    expect([...listed].sort()).toEqual(declared.filter((name) => name !== 'url' && name !== 'valueSet').sort());
  });

  it('says $translate needs no map named, as it finds the maps of a code itself', async () => {
    const tc = (await request(server.app).get('/fhir/metadata').query({ mode: 'terminology' }).expect(200)).body;
    expect(tc.translation.needsMap).toBe(false);
    const local = 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser';
    const answer = (await request(server.app).get('/fhir/ConceptMap/$translate').query({ system: local, code: '370-BOLDSPIL' }).expect(200)).body as Parameters;
    expect(answer.parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(true);
  });
});

// ---- through fhir-kit-client: filter, paging, activeOnly, designations ---------------------------------------------

const expand = async (input: Record<string, string | number | boolean>): Promise<ValueSet> => {
  const vs = (await server.client.operation({ name: 'expand', resourceType: 'ValueSet', method: 'GET', input })) as unknown as ValueSet;
  expect(vs.resourceType).toBe('ValueSet');
  return vs;
};

/** Every entry, nested ones included. */
const entries = (vs: ValueSet): ValueSetExpansionContains[] => {
  const walk = (list: ValueSetExpansionContains[] | undefined): ValueSetExpansionContains[] =>
    (list ?? []).flatMap((c) => [...(c.code ? [c] : []), ...walk(c.contains)]);
  return walk(vs.expansion?.contains);
};
const codes = (vs: ValueSet) => entries(vs).map((c) => c.code!);
const used = (vs: ValueSet, name: string) => vs.expansion?.parameter?.filter((p) => p.name === name) ?? [];

/** The one FSIII UUID concept with this display, found in KL's file. */
function fsiiiCode(display: string): string {
  const found = fsiiiIndex().find((n) => n.display === display && UUID_CODE.test(n.code));
  expect(found).toHaveLength(1);
  return found[0]!.code;
}

describe('the Danish-aware text filter', () => {
  const faerdighedstraening = () => fsiiiCode('Færdighedstræning');

  it.each(['faerdig', 'færdig', 'FÆRDIG', 'Faerdig', 'færdighedstræning', 'FAERDIGHEDSTRAENING', 'færdighedstraening', 'Faerdighedstræning'])(
    'filter=%s finds Færdighedstræning in KL\'s intervention value set and in the §119 catalog',
    async (filter) => {
      const code = faerdighedstraening();
      expect(codes(await expand({ url: INTERVENTIONS, filter, count: 1000 }))).toContain(code);
      expect(codes(await expand({ url: CATALOG_119, filter, count: 1000 }))).toContain(code);
    },
  );

  it('takes a word given twice as given once, and refuses a filter longer than 1,000 characters (400 too-long), in Danish when asked', async () => {
    const once = codes(await expand({ url: INTERVENTIONS, filter: 'færdig træning', count: 1000 }));
    expect(once.length).toBeGreaterThan(0);
    const repeated = `${'færdig '.repeat(100)}${'TRÆNING '.repeat(20)}`;
    expect(codes(await expand({ url: INTERVENTIONS, filter: repeated, count: 1000 }))).toEqual(once);
    const long = 'a '.repeat(501);
    const res = await request(server.app).get('/fhir/ValueSet/$expand').query({ url: INTERVENTIONS, filter: long }).set('Accept-Language', 'da').expect(400);
    expect(res.body.issue[0].code).toBe('too-long');
    expect(res.body.issue[0].expression).toEqual(['filter']);
    expect(res.body.issue[0].details.text).toBe('Tekstfilteret er længere end 1000 tegn');
  });

  it.each(['sa\u030arbehandling', 'SA\u030aRBEHANDLING', 'saarbehandling'])(
    'filter=%s (å as a and a combining ring, or spelled aa) finds Sårbehandling as filter=sår does',
    async (filter) => {
      const code = fsiiiCode('Sårbehandling');
      expect(codes(await expand({ url: INTERVENTIONS, filter: 'sår', count: 1000 }))).toContain(code);
      expect(codes(await expand({ url: INTERVENTIONS, filter, count: 1000 }))).toContain(code);
    },
  );

  it.each([
    ['kostvéjledning', 'Kostvejledning'],
    ['KOSTVEJLEDNING', 'Kostvejledning'],
    ['diaetbehandling', 'Diætbehandling'],
    ['DIÆTBEHANDLING', 'Diætbehandling'],
    ['tobaksafvaenning', 'Nikotin- og tobaksafvænning'],
    ['alkohôl', 'Samtale om alkohol'],
  ])('filter=%s finds %s (case and accents ignored)', async (filter, display) => {
    expect(codes(await expand({ url: CATALOG_119, filter }))).toContain(fsiiiCode(display));
  });

  it.each(['faerdig', 'træning', 'samtale', 'ADL'])(
    'filter=%s returns what it should: every concept whose display has a word starting with it, and nothing that lacks it',
    async (filter) => {
      const all = await expand({ url: INTERVENTIONS, includeDesignations: true, count: 100000 });
      const filtered = await expand({ url: INTERVENTIONS, filter, includeDesignations: true, count: 100000 });
      const term = fold(filter);
      const texts = (c: ValueSetExpansionContains) => [c.display ?? '', c.code ?? '', ...(c.designation ?? []).map((d) => d.value)].map(fold);
      const wordStart = new RegExp(`(^|[^\\p{L}\\p{N}])${term}`, 'u');
      const mustHave = entries(all).filter((c) => wordStart.test(fold(c.display ?? ''))).map((c) => c.code);
      expect(mustHave.length).toBeGreaterThan(0);
      const got = codes(filtered);
      expect(got).toEqual(expect.arrayContaining(mustHave));
      for (const c of entries(filtered)) expect(texts(c).some((t) => t.includes(term))).toBe(true);
      expect(filtered.expansion?.total).toBe(got.length);
      expect(got.length).toBeLessThan(entries(all).length);
    },
  );

  it('every word of a filter of several words must match', async () => {
    const got = entries(await expand({ url: INTERVENTIONS, filter: 'fysisk træning', count: 1000 }));
    expect(got.length).toBeGreaterThan(0);
    for (const c of got) {
      const d = fold(`${c.display} ${(c.designation ?? []).map((x) => x.value).join(' ')}`);
      expect(d.includes('fysisk') && d.includes('traening')).toBe(true);
    }
  });

  it('a filter that matches nothing gives an empty expansion with total 0', async () => {
    const vs = await expand({ url: CATALOG_119, filter: 'zzzzqqq' });
    expect(vs.expansion?.total).toBe(0);
    expect(entries(vs)).toHaveLength(0);
  });

  it('finds a Danish letter in the texts, not spelled out inside a code (filter=æ is not "ae" in a UUID)', async () => {
    const all = entries(await expand({ url: INTERVENTIONS, includeDesignations: true, count: 100000 }));
    const text = (c: ValueSetExpansionContains) => fold(`${c.display ?? ''} ${(c.designation ?? []).map((d) => d.value).join(' ')}`);
    const uuidWithAe = all.find((c) => /ae/.test(c.code ?? '') && !text(c).includes('ae'));
    expect(uuidWithAe).toBeDefined();
    const got = entries(await expand({ url: INTERVENTIONS, filter: 'æ', includeDesignations: true, count: 100000 }));
    expect(got.length).toBeGreaterThan(0);
    for (const c of got) expect(text(c)).toContain('ae');
    expect(got.map((c) => c.code)).not.toContain(uuidWithAe!.code);
  });

  it('filters texts outside Latin-1 beside Danish ones, each code by its own texts (a tx-resource code system)', async () => {
    const system = 'http://example.org/fhir/CodeSystem/many-scripts';
    const concept = [
      { code: 'g1', display: 'Καρδιά και πνεύμονες' },
      { code: 'e1', display: '🫀 Hjerte og lunger' },
      { code: 'd1', display: 'Hjælp til øjendråber' },
      { code: 'g2', display: 'Πνευμονία', designation: [{ language: 'da', value: 'Lungebetændelse' }] },
      { code: 'c1', display: '心脏 hjerte' },
    ];
    const body = parametersOf(
      { name: 'tx-resource', resource: { resourceType: 'CodeSystem', url: system, status: 'active', content: 'complete', concept } as unknown as Resource },
      inlineValueSet({ include: [{ system }] }),
    );
    const filtered = async (filter: string) => (entries((await post({ ...body, parameter: [...body.parameter!, { name: 'filter', valueString: filter }] }).expect(200)).body as ValueSet)
      .map((c) => c.code).sort());
    expect(await filtered('πνευ')).toEqual(['g1', 'g2']);
    expect(await filtered('καρδ')).toEqual(['g1']);
    expect(await filtered('hjerte')).toEqual(['c1', 'e1']);
    expect(await filtered('lunge')).toEqual(['e1', 'g2']);
    expect(await filtered('øjen')).toEqual(['d1']);
    expect(await filtered('心脏')).toEqual(['c1']);
    expect(await filtered('og')).toEqual(['e1']);
  });

  it('finds a code by the start of one of its words', async () => {
    const concept = entries(await expand({ url: INTERVENTIONS, count: 100000 })).find((c) => UUID_CODE.test(c.code ?? ''))!;
    const [first, second] = concept.code!.split('-');
    expect(codes(await expand({ url: INTERVENTIONS, filter: first!.slice(0, 6), count: 1000 }))).toContain(concept.code);
    expect(codes(await expand({ url: INTERVENTIONS, filter: second!, count: 1000 }))).toContain(concept.code);
  });

  it('lists a flat list\'s best matches first (what a pick list shows as one types), each kind in the value set\'s order, and pages that order', async () => {
    const inOrder = entries(await expand({ url: INTERVENTIONS, count: 100000, excludeNested: true }));
    const position = new Map(inOrder.map((c, i) => [c.code, i]));
    for (const filter of ['kol', 'træning']) {
      const hits = entries(await expand({ url: INTERVENTIONS, filter, count: 1000, excludeNested: true }));
      // a display with a word starting with the filter comes before one that only has it inside a word (Nonfarmakologisk, Genoptræning)
      const kind = (c: ValueSetExpansionContains) => (new RegExp(`(^|[^\\p{L}\\p{N}])${fold(filter)}`, 'u').test(fold(c.display ?? '')) ? 0 : 1);
      expect(hits.map(kind)).toContain(1);
      expect(hits.map(kind)).toEqual([...hits.map(kind)].sort());
      for (let i = 1; i < hits.length; i++) {
        if (kind(hits[i]!) === kind(hits[i - 1]!)) expect(position.get(hits[i]!.code)).toBeGreaterThan(position.get(hits[i - 1]!.code)!);
      }
    }
    // the display that is the filter comes first
    expect(entries(await expand({ url: INTERVENTIONS, filter: 'genoptræning', count: 1, excludeNested: true }))[0]?.display).toBe('Genoptræning');
    // the pages of a filtered list are pieces of the same order
    const ranked = codes(await expand({ url: INTERVENTIONS, filter: 'hjælp til', count: 1000, excludeNested: true }));
    const pages: string[] = [];
    for (let offset = 0; offset < ranked.length; offset += 3) pages.push(...codes(await expand({ url: INTERVENTIONS, filter: 'hjælp til', offset, count: 3, excludeNested: true })));
    expect(pages).toEqual(ranked);
  });

  it('also matches designations (the display used before the 2024 simplification)', async () => {
    const withDesignation = fsiiiIndex().find((n) => UUID_CODE.test(n.code) && n.designations.length > 0);
    const homeCare = new Set(codes(await expand({ url: HOME_CARE, count: 1000 })));
    const concept = withDesignation.find((n) => homeCare.has(n.code))!;
    expect(concept).toBeDefined();
    const designation = concept.designations[0]!;
    const word = designation.split(/\s+/).find((w) => !fold(concept.display!).includes(fold(w)) && w.length > 3)!;
    expect(codes(await expand({ url: HOME_CARE, filter: word, count: 1000 }))).toContain(concept.code);
  });
});

describe('paging', () => {
  it('offset and count page through the expansion in a stable order, total unchanged', async () => {
    const full = await expand({ url: INTERVENTIONS, count: 100000, excludeNested: true });
    const all = codes(full);
    expect(all.length).toBeGreaterThan(20);
    const pageSize = 7;
    const paged: string[] = [];
    for (let offset = 0; offset < all.length; offset += pageSize) {
      const page = await expand({ url: INTERVENTIONS, offset, count: pageSize, excludeNested: true });
      expect(page.expansion?.total).toBe(all.length);
      expect(page.expansion?.offset).toBe(offset);
      expect(used(page, 'offset').map((p) => p.valueInteger)).toEqual([offset]);
      expect(used(page, 'count').map((p) => p.valueInteger)).toEqual([pageSize]);
      paged.push(...codes(page));
    }
    expect(paged).toEqual(all);
  });

  it('count=0 gives the total only', async () => {
    const vs = await expand({ url: CATALOG_119, count: 0 });
    expect(vs.expansion?.total).toBe(14);
    expect(entries(vs)).toHaveLength(0);
  });

  it('an offset past the end gives no codes and the same total', async () => {
    const vs = await expand({ url: CATALOG_119, offset: 500, count: 10 });
    expect(vs.expansion?.total).toBe(14);
    expect(entries(vs)).toHaveLength(0);
  });

  it('states expansion.offset in a paged answer (count or offset given), and not in one that is not paged', async () => {
    expect((await expand({ url: CATALOG_119, count: 5 })).expansion?.offset).toBe(0);
    expect((await expand({ url: CATALOG_119, offset: 0 })).expansion?.offset).toBe(0);
    expect((await expand({ url: CATALOG_119, offset: 3, count: 5 })).expansion?.offset).toBe(3);
    expect((await expand({ url: CATALOG_119 })).expansion).not.toHaveProperty('offset');
  });

  it('lists a page flat whether or not it holds every code, for a tree of the value set and for hierarchical=true', async () => {
    const nested = (vs: ValueSet) => vs.expansion?.contains?.some((c) => c.contains !== undefined) ?? false;
    const tree = await expand({ url: CANCELLATION_TYPES });
    expect(nested(tree)).toBe(true);
    const all = tree.expansion!.total!;
    const pagings: Record<string, number>[] = [{ count: all - 1 }, { count: all }, { count: 100 }, { offset: 0 }, { offset: 1, count: 100 }];
    for (const paging of pagings) {
      const page = await expand({ url: CANCELLATION_TYPES, ...paging });
      expect(nested(page)).toBe(false);
      expect(page.expansion?.contains?.every((c) => c.code !== undefined && c.abstract === undefined)).toBe(true);
    }
    expect(nested(await expand({ url: CATALOG_119, hierarchical: true }))).toBe(true);
    for (const paging of pagings.slice(2, 4)) expect(nested(await expand({ url: CATALOG_119, hierarchical: true, ...paging }))).toBe(false);
  });

  it('paging applies after the filter', async () => {
    const all = codes(await expand({ url: INTERVENTIONS, filter: 'træning', count: 1000, excludeNested: true }));
    const second = await expand({ url: INTERVENTIONS, filter: 'træning', offset: 2, count: 2, excludeNested: true });
    expect(codes(second)).toEqual(all.slice(2, 4));
    expect(second.expansion?.total).toBe(all.length);
  });
});

describe('activeOnly', () => {
  const retired = () => new Set(readJson<CodeSystem>('supplements/CodeSystem-fsiii-status.json').concept!
    .filter((c) => c.property?.some((p) => p.code === 'status' && p.valueCode === 'retired'))
    .map((c) => c.code));

  it('leaves out the retired codes, which are otherwise flagged inactive', async () => {
    const all = entries(await expand({ url: PREVENTION }));
    const retiredHere = all.filter((c) => retired().has(c.code!));
    expect(retiredHere.length).toBeGreaterThan(0);
    for (const c of retiredHere) expect(c.inactive).toBe(true);
    const active = await expand({ url: PREVENTION, activeOnly: true });
    expect(new Set(codes(active))).toEqual(new Set(all.filter((c) => !retired().has(c.code!)).map((c) => c.code)));
    expect(active.expansion?.total).toBe(all.length - retiredHere.length);
    expect(used(active, 'activeOnly').map((p) => p.valueBoolean)).toEqual([true]);
  });

  it('combines with the filter: "tobak" finds the retired Tobaksafvænning only without activeOnly', async () => {
    const retiredCode = 'c203c6b5-3be0-40a8-8204-e93751deabf5';
    const current = fsiiiCode('Nikotin- og tobaksafvænning');
    expect(new Set(codes(await expand({ url: PREVENTION, filter: 'tobak' })))).toEqual(new Set([retiredCode, current]));
    expect(codes(await expand({ url: PREVENTION, filter: 'tobak', activeOnly: true }))).toEqual([current]);
  });
});

describe('includeDesignations', () => {
  it('designation given as a code alone matches a designation\'s language as well as its use', async () => {
    const designations = async (designation: string) => {
      // no display language the catalog has: the display stays among the designations, as preferredForLanguage
      const query = { url: CATALOG_119, includeDesignations: 'true', designation, displayLanguage: 'en, *; q=0' };
      const res = await request(server.app).get('/fhir/ValueSet/$expand').query(query).expect(200);
      return flatten(res.body.expansion.contains).flatMap((c) => c.designation ?? []);
    };
    const byLanguage = await designations('urn:ietf:bcp:47|da');
    expect(byLanguage.length).toBeGreaterThan(0);
    expect(await designations('da')).toEqual(byLanguage);
    const byUse = await designations('http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra|preferredForLanguage');
    expect(byUse.length).toBeGreaterThan(0);
    expect(await designations('preferredForLanguage')).toEqual(byUse);
  });

  it('adds the designations of a concept only when asked', async () => {
    const concept = fsiiiIndex().find((n) => UUID_CODE.test(n.code) && n.designations.length > 0 && n.display === 'Indkøb')[0]!;
    const withD = entries(await expand({ url: HOME_CARE, filter: 'indkøb', includeDesignations: true })).find((c) => c.code === concept.code)!;
    expect(withD.designation?.map((d) => d.value)).toEqual(expect.arrayContaining(concept.designations));
    const withoutD = entries(await expand({ url: HOME_CARE, filter: 'indkøb' })).find((c) => c.code === concept.code)!;
    expect(withoutD.designation).toBeUndefined();
  });
});

describe('the parameters used are echoed in the expansion', () => {
  it('filter, offset, count, activeOnly, includeDesignations, displayLanguage and the code system version', async () => {
    const vs = await expand({
      url: INTERVENTIONS, filter: 'faerdig', offset: 1, count: 2, activeOnly: true, includeDesignations: false, displayLanguage: 'da',
    });
    expect(used(vs, 'filter').map((p) => p.valueString)).toEqual(['faerdig']);
    expect(used(vs, 'offset').map((p) => p.valueInteger)).toEqual([1]);
    expect(used(vs, 'count').map((p) => p.valueInteger)).toEqual([2]);
    expect(used(vs, 'activeOnly').map((p) => p.valueBoolean)).toEqual([true]);
    expect(used(vs, 'includeDesignations').map((p) => p.valueBoolean)).toEqual([false]);
    expect(used(vs, 'displayLanguage').map((p) => p.valueCode ?? p.valueString)).toEqual(['da']);
    expect(used(vs, 'used-codesystem').map((p) => p.valueUri)).toContain('urn:oid:1.2.208.176.2.21|20240530');
  });

  it('echoes nothing that was not asked for', async () => {
    const vs = await expand({ url: CATALOG_119 });
    const names = (vs.expansion?.parameter ?? []).map((p) => p.name);
    for (const name of ['filter', 'offset', 'count', 'activeOnly', 'includeDesignations', 'displayLanguage']) expect(names).not.toContain(name);
  });
});

describe('exclude-system (R4)', () => {
  const both = inlineValueSet({ include: [{ system: FSIII }, { system: FFB }] });
  const systems = (body: ValueSet) => [...new Set(flatten(body.expansion?.contains).map((c) => c.system))];

  it('leaves out every code of the code system named, and says so in the expansion parameters', async () => {
    const whole = await post(parametersOf(both, { name: 'count', valueInteger: 5000 }));
    expect(systems(whole.body).sort()).toEqual([FSIII, FFB].sort());
    const res = await post(parametersOf(both, { name: 'count', valueInteger: 5000 }, { name: 'exclude-system', valueCanonical: FFB }));
    expect(res.status).toBe(200);
    expect(systems(res.body)).toEqual([FSIII]);
    expect(res.body.expansion.total).toBe(flatten(whole.body.expansion.contains).filter((c) => c.system === FSIII).length);
    expect(res.body.expansion.parameter).toContainEqual({ name: 'exclude-system', valueUri: FFB });
  });

  it('with a version, only that version of it; by GET too', async () => {
    const other = await post(parametersOf(both, { name: 'count', valueInteger: 5000 }, { name: 'exclude-system', valueCanonical: `${FFB}|1999` }));
    expect(systems(other.body).sort()).toEqual([FSIII, FFB].sort());
    const res = await request(server.baseUrl).get('/ValueSet/$expand')
      .query({ url: 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII', 'exclude-system': `${FSIII}|20240530`, count: 10 }).expect(200);
    expect(res.body.expansion.total).toBe(0);
  });
});
