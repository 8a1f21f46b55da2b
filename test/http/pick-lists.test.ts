import type { Bundle, CodeableConcept, Coding, OperationOutcome, Parameters, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import request from 'supertest';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { evaluateValueSet } from '../../src/terminology/expansion/cache';
import { CONTAINS_PROPERTY_EXT } from '../../src/terminology/expansion/renderer';
import { FSIII, publishedCatalogs, testApp } from '../support/app';
import { importDataUseCatalogs } from '../support/data-use';
import { CODES, KOL_TARGETS, sampleCatalog, tokenFor } from '../support/local';
import { issueTranslated } from '../support/translation';

/** Bilag 6's three ways to pick interventions, on the example municipality (370) and on one written in the test (561). */
const JSON_TYPE = 'application/fhir+json';
const PREVENTION_GATEWAY = 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions';
const CARE_GATEWAY = 'http://fhir.kl.dk/gateway/CodeSystem/LocallyDefinedInterventions';
const PARAGRAF_140 = '7deb81de-12c0-4a49-bd5b-72ea6fe89d83';
const vsUrl = (k: string, name: string) => `http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/${name}`;
const csUrl = (k: string) => `http://faelles-tx.dk/fhir/kommune/${k}/CodeSystem/lokale-indsatser`;

let app: App;

beforeAll(async () => {
  app = await testApp();
});

async function expand(query: Record<string, string>, status = 200): Promise<ValueSet> {
  const res = await inEnglish(app).get('/fhir/ValueSet/$expand').query(query);
  expect(res.status).toBe(status);
  return res.body as ValueSet;
}

async function codings(query: Record<string, string>, status = 200, acceptLanguage?: string): Promise<Parameters> {
  // the warnings are read by municipal staff: Danish unless English is asked for (the caller's own Accept-Language)
  const asked = request(app).get('/fhir/CodeSystem/$local-codings').query(query);
  const res = await (acceptLanguage ? asked.set('Accept-Language', acceptLanguage) : asked);
  expect(res.status).toBe(status);
  return res.body as Parameters;
}

function properties(c: ValueSetExpansionContains, code: string): Record<string, unknown>[] {
  return (c.extension ?? []).filter((e) => e.url === CONTAINS_PROPERTY_EXT && e.extension?.[0]?.valueCode === code)
    .map((e) => { const { url: _u, ...value } = e.extension![1]!; return value; });
}

const niveau2 = (c: ValueSetExpansionContains) => properties(c, 'niveau2').map((v) => (v.valueCoding as Coding).code);
const codesOf = (list: ValueSetExpansionContains[] | undefined) => (list ?? []).map((c) => c.code);
const find = (list: ValueSetExpansionContains[] | undefined, code: string) => (list ?? []).find((c) => c.code === code);

/** The §119 and §140 catalogs' own order (KL's documents), as their compose lists it. */
function catalogOrder(id: string): string[] {
  const vs = publishedCatalogs().resources.find((r) => r.resourceType === 'ValueSet' && r.id === id) as ValueSet;
  return vs.compose!.include[0]!.concept!.map((c) => c.code);
}

function recorded(p: Parameters): CodeableConcept[] {
  return (p.parameter ?? []).filter((x) => x.name === 'codeableConcept').map((x) => x.valueCodeableConcept!);
}

/** What $local-codings records for a local intervention: its niveau-2 (FSIII) coding, the niveau-3 coding in a gateway system next to it. */
function intervention(niveau2Code: string, niveau2Display: string, gatewaySystem: string, code: string, display: string): CodeableConcept {
  return { coding: [{ system: FSIII, code: niveau2Code, display: niveau2Display }, { system: gatewaySystem, code, display }] };
}

describe('scenario 1: pick the offer, record its common interventions (370)', () => {
  it('the offers list carries each offer with kind, status and its niveau-2 targets with display', async () => {
    const vs = await expand({ url: vsUrl('370', 'tilbud') });
    expect(codesOf(vs.expansion!.contains)).toEqual(['370-KOL-REHAB']);
    const kol = vs.expansion!.contains![0]!;
    expect(properties(kol, 'type')).toEqual([{ valueCode: 'tilbud' }]);
    expect(properties(kol, 'status')).toEqual([{ valueCode: 'active' }]);
    expect(niveau2(kol)).toEqual(KOL_TARGETS);
    expect(properties(kol, 'niveau2')[0]).toEqual({ valueCoding: { system: FSIII, code: CODES.sygdomshaandtering, display: 'Sygdomshåndtering' } });
  });

  it("one $expand of the offer's value set gives its six common interventions with their displays", async () => {
    const vs = await expand({ url: vsUrl('370', 'tilbud-370-KOL-REHAB') });
    expect(vs.expansion!.total).toBe(6);
    expect(vs.expansion!.contains!.map((c) => ({ system: c.system, code: c.code }))).toEqual(KOL_TARGETS.map((code) => ({ system: FSIII, code })));
    expect(find(vs.expansion!.contains, CODES.nikotin)!.display).toBe('Nikotin- og tobaksafvænning');
  });

  it('$local-codings answers the offer as one CodeableConcept per common intervention', async () => {
    const p = await codings({ kommunekode: '370', code: '370-KOL-REHAB' });
    expect(p.parameter!.find((x) => x.name === 'kind')!.valueCode).toBe('tilbud');
    const concepts = recorded(p);
    expect(concepts.map((c) => c.coding)).toEqual(KOL_TARGETS.map((code) => [expect.objectContaining({ system: FSIII, code, display: expect.any(String) })]));
  });
});

describe('scenario 2: pick common interventions grouped under niveau 1, in catalog order', () => {
  it('a catalog expansion keeps the order of KL\'s document and can show each code\'s parent', async () => {
    const vs = await expand({ url: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119', property: 'parent' });
    expect(codesOf(vs.expansion!.contains)).toEqual(catalogOrder('indsatskatalog-119'));
    for (const c of vs.expansion!.contains!) expect(properties(c, 'parent')).toEqual([{ valueCode: CODES.paragraf119 }]);
  });

  it('asked for the hierarchy (hierarchical=true), the catalog comes grouped under its niveau-1 concept, which is not to be picked', async () => {
    // excludeNested=false alone leaves a value set that lists its codes flat, as HL7's tests expect
    for (const query of [{}, { excludeNested: 'false' }, { hierarchical: 'true', excludeNested: 'true' }] as Record<string, string>[]) {
      const flat = await expand({ url: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119', ...query });
      expect(flat.expansion!.contains!.every((c) => c.contains === undefined)).toBe(true);
    }
    const grouped = await expand({ url: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119', hierarchical: 'true' });
    expect(grouped.expansion!.parameter).toContainEqual({ name: 'hierarchical', valueBoolean: true });
    const roots = grouped.expansion!.contains!;
    expect(roots.map((c) => ({ code: c.code, abstract: c.abstract }))).toEqual([{ code: CODES.paragraf119, abstract: true }]);
    expect(roots[0]!.display).toBe('Kommunale sundhedsfremme og forebyggelsesindsatser');
    expect(codesOf(roots[0]!.contains)).toEqual(catalogOrder('indsatskatalog-119'));
  });

  it('the abstract groups hierarchical=true adds are not members: total is the number of codes, paged or not', async () => {
    const url = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
    const codes = catalogOrder('indsatskatalog-119').length;
    for (const query of [{}, { count: '0' }, { count: '3', offset: '1' }] as Record<string, string>[]) {
      expect((await expand({ url, hierarchical: 'true', ...query })).expansion!.total).toBe(codes);
    }
    const social = 'http://faelles-tx.dk/fhir/ValueSet/ffb-sociale-tilbud';
    const unpaged = await expand({ url: social, hierarchical: 'true' });
    expect(unpaged.expansion!.contains!.some((c) => c.abstract)).toBe(true);
    expect(unpaged.expansion!.total).toBe((await expand({ url: social, hierarchical: 'true', count: '3', offset: '1' })).expansion!.total);
    const filtered = await expand({ url: social, hierarchical: 'true', filter: 'botilbud' });
    const flat = await expand({ url: social, filter: 'botilbud' });
    expect(filtered.expansion!.total).toBe(flat.expansion!.contains!.length);
  });

  it('hierarchical=true with excludeNotForUI=true adds no abstract groups: the codes are listed without them', async () => {
    const url = 'http://faelles-tx.dk/fhir/ValueSet/ffb-sociale-tilbud';
    const vs = await expand({ url, hierarchical: 'true', excludeNotForUI: 'true' });
    const flat = await expand({ url });
    const flatten = (list: ValueSetExpansionContains[] | undefined): ValueSetExpansionContains[] => (list ?? []).flatMap((c) => [c, ...flatten(c.contains)]);
    expect(flatten(vs.expansion!.contains).some((c) => c.abstract)).toBe(false);
    expect(flatten(vs.expansion!.contains).map((c) => c.code)).toEqual(codesOf(flat.expansion!.contains));
    expect(vs.expansion!.total).toBe(flat.expansion!.total);
  });

  it('an FFB catalog asked for the hierarchy follows the FFB hierarchy, in the catalog\'s order', async () => {
    const vs = await expand({ url: 'http://faelles-tx.dk/fhir/ValueSet/ffb-ydelser', hierarchical: 'true' });
    const ydelse = vs.expansion!.contains!;
    expect(ydelse).toHaveLength(1);
    expect(ydelse[0]!.abstract).toBe(true);
    const order = catalogOrder('ffb-ydelser');
    const flatten = (list: ValueSetExpansionContains[] | undefined): string[] => (list ?? []).flatMap((c) => [c.code!, ...flatten(c.contains)]);
    // depth first, the tree lists the codes exactly in the catalog's order
    expect(flatten(ydelse[0]!.contains)).toEqual(order);
    const ophold = ydelse[0]!.contains![0]!;
    expect(ophold.display).toBe('Ophold');
    expect(ophold.contains!.map((c) => c.display)).toEqual(['Akut ophold', 'Midlertidigt ophold', 'Længerevarende ophold']);
  });

  it('property=child lists a niveau-1 code\'s niveau-2 codes', async () => {
    const vs = await expand({ url: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119', property: 'child' });
    // niveau-2 codes have no children
    expect(vs.expansion!.contains!.every((c) => properties(c, 'child').length === 0)).toBe(true);
    const picker = await expand({ url: vsUrl('370', 'indsatsvaelger'), property: 'child' });
    const children = properties(picker.expansion!.contains![0]!, 'child').map((v) => v.valueCode);
    expect(children).toEqual(expect.arrayContaining(catalogOrder('indsatskatalog-119')));
  });
});

describe('scenario 3: pick local interventions, each recorded with its niveau-2 code (370)', () => {
  it('the picker nests niveau 1 → niveau 2 (catalog order) → the local interventions mapped to each', async () => {
    const vs = await expand({ url: vsUrl('370', 'indsatsvaelger') });
    const roots = vs.expansion!.contains!;
    expect(codesOf(roots)).toEqual([CODES.paragraf119, PARAGRAF_140]);
    // niveau 1 is there to navigate by
    expect(roots.map((r) => r.abstract)).toEqual([true, true]);
    expect(codesOf(roots[0]!.contains)).toEqual(catalogOrder('indsatskatalog-119'));
    expect(codesOf(roots[1]!.contains)).toEqual(catalogOrder('indsatskatalog-140'));
    const sygdom = find(roots[0]!.contains, CODES.sygdomshaandtering)!;
    expect(codesOf(sygdom.contains)).toEqual(['370-TEORI-OM-KOL', '370-MEDICINUNDERVISNING', '370-PSYKOSOCIALE-FORHOLD']);
    for (const local of sygdom.contains!) expect(niveau2(local)).toEqual([CODES.sygdomshaandtering]);
    expect(codesOf(find(roots[1]!.contains, CODES.fysiskTraening140)!.contains)).toEqual(['370-BALANCETRAENING', '370-FINMOTORISK-TRAENING']);
    // offers are not interventions to pick here
    expect(JSON.stringify(vs)).not.toContain('370-KOL-REHAB');
    // the niveau-1 groups are not codes of the picker
    expect(vs.expansion!.total).toBe(catalogOrder('indsatskatalog-119').length + catalogOrder('indsatskatalog-140').length + 9);
  });

  it('niveau 1 is a group, not a code of the picker: not counted, not listed flat or paged, not valid, left out by excludeNotForUI', async () => {
    const url = vsUrl('370', 'indsatsvaelger');
    const niveau1 = [CODES.paragraf119, PARAGRAF_140];
    const codes = catalogOrder('indsatskatalog-119').length + catalogOrder('indsatskatalog-140').length + 9;
    for (const query of [{ excludeNested: 'true' }, { count: '100' }, { count: '5', offset: '2' }, { excludeNotForUI: 'true' }] as Record<string, string>[]) {
      const vs = await expand({ url, ...query });
      expect(vs.expansion!.total).toBe(codes);
      expect(codesOf(vs.expansion!.contains).filter((c) => niveau1.includes(c!))).toEqual([]);
      expect(vs.expansion!.contains!.some((c) => c.abstract)).toBe(false);
    }
    // without the groups, niveau 2 is the top level, the local codes still under it
    const forUI = await expand({ url, excludeNotForUI: 'true' });
    expect(codesOf(forUI.expansion!.contains)).toEqual([...catalogOrder('indsatskatalog-119'), ...catalogOrder('indsatskatalog-140')]);
    expect(codesOf(find(forUI.expansion!.contains, CODES.sygdomshaandtering)!.contains)).toEqual(['370-TEORI-OM-KOL', '370-MEDICINUNDERVISNING', '370-PSYKOSOCIALE-FORHOLD']);

    const validate = async (code: string) => ((await inEnglish(app).get('/fhir/ValueSet/$validate-code')
      .query({ url, system: FSIII, code, abstract: 'false' }).expect(200)).body as Parameters).parameter ?? [];
    const paragraf = await validate(PARAGRAF_140);
    expect(paragraf.find((p) => p.name === 'result')!.valueBoolean).toBe(false);
    expect(paragraf.find((p) => p.name === 'message')!.valueString).toContain(`was not found in the value set '${url}'`);
    expect((await validate(CODES.fysiskTraening140)).find((p) => p.name === 'result')!.valueBoolean).toBe(true);
  });

  it('the Danish-aware text filter works across the three levels and keeps each hit under its groups', async () => {
    // "traening" finds "træning" on every level: niveau 2 (with its local codes) and niveau 3
    const vs = await expand({ url: vsUrl('370', 'indsatsvaelger'), filter: 'balancetraening' });
    const roots = vs.expansion!.contains!;
    expect(codesOf(roots)).toEqual([PARAGRAF_140]);
    expect(codesOf(roots[0]!.contains)).toEqual([CODES.fysiskTraening140]);
    expect(codesOf(roots[0]!.contains![0]!.contains)).toEqual(['370-BALANCETRAENING']);
    // the total is the codes the filter finds, nested, flat or paged; the niveau-2 code is only where the hit is
    expect(roots[0]!.contains![0]!.abstract).toBe(true);
    expect(vs.expansion!.total).toBe(1);

    const byNiveau2 = await expand({ url: vsUrl('370', 'indsatsvaelger'), filter: 'sygdomshaandtering' });
    expect(codesOf(byNiveau2.expansion!.contains![0]!.contains)).toEqual([CODES.sygdomshaandtering]);
    expect(byNiveau2.expansion!.contains![0]!.contains![0]!.contains).toHaveLength(3);
    expect(byNiveau2.expansion!.contains![0]!.contains![0]!.abstract).toBeUndefined();
  });

  it('a filtered picker has the same total nested, flat and paged: the codes the filter finds', async () => {
    const url = vsUrl('370', 'indsatsvaelger');
    for (const filter of ['bold', 'traening', 'sygdomshaandtering']) {
      const flat = await expand({ url, filter, excludeNested: 'true' });
      const total = flat.expansion!.contains!.length;
      for (const query of [{}, { count: '10' }, { excludeNotForUI: 'true' }] as Record<string, string>[]) {
        expect({ filter, query, total: (await expand({ url, filter, ...query })).expansion!.total }).toEqual({ filter, query, total });
      }
    }
    // without what is not for a UI, no group is shown: the hit is at the top
    const forUI = await expand({ url, filter: 'bold', excludeNotForUI: 'true' });
    expect(forUI.expansion!.contains!.map((c) => ({ code: c.code, contains: c.contains }))).toEqual([{ code: '370-BOLDSPIL', contains: undefined }]);
  });

  it("a filtered picker's codes are the same nested, flat and paged: the hits, and the local codes under a niveau-2 hit", async () => {
    const url = vsUrl('370', 'indsatsvaelger');
    const selectable = (list: ValueSetExpansionContains[] | undefined): string[] =>
      (list ?? []).flatMap((c) => [...(c.abstract ? [] : [c.code!]), ...selectable(c.contains)]);
    for (const filter of ['fysisk tr', 'sygdomshaandtering', 'traening', 'bold']) {
      const nested = (await expand({ url, filter })).expansion!;
      const flat = (await expand({ url, filter, excludeNested: 'true' })).expansion!;
      const codes = codesOf(flat.contains) as string[];
      expect({ filter, nested: [...selectable(nested.contains)].sort() }).toEqual({ filter, nested: [...codes].sort() });
      expect({ filter, totals: [nested.total, flat.total] }).toEqual({ filter, totals: [codes.length, codes.length] });
      const pages: string[] = [];
      for (let offset = 0; offset < codes.length; offset += 2) {
        const page = (await expand({ url, filter, offset: String(offset), count: '2' })).expansion!;
        expect(page.total).toBe(codes.length);
        pages.push(...(codesOf(page.contains) as string[]));
      }
      expect({ filter, pages }).toEqual({ filter, pages: codes });
    }
    // "fysisk tr" finds three niveau-2 codes, which bring their four local codes: listed flat after every hit
    const flat = codesOf((await expand({ url, filter: 'fysisk tr', excludeNested: 'true' })).expansion!.contains);
    expect(flat.slice(0, 3).every((c) => !c!.startsWith('370-'))).toBe(true);
    expect(flat.slice(3).sort()).toEqual(['370-BALANCETRAENING', '370-BOLDSPIL', '370-DIGITAL-TRAENING', '370-FINMOTORISK-TRAENING']);
  });

  it('a filtered picker ranks each level as the flat list ranks the hits: the group or code with the best match in it first', async () => {
    const url = vsUrl('370', 'indsatsvaelger');
    for (const filter of ['traening', 'tr', 'sygdom']) {
      const flat = codesOf((await expand({ url, filter, excludeNested: 'true' })).expansion!.contains);
      const rank = (c: ValueSetExpansionContains): number => Math.min(
        c.abstract ? Infinity : flat.indexOf(c.code!) < 0 ? Infinity : flat.indexOf(c.code!), ...(c.contains ?? []).map(rank));
      const ordered = (list: ValueSetExpansionContains[] | undefined): boolean => {
        const ranks = (list ?? []).map(rank);
        return ranks.every((r, i) => i === 0 || ranks[i - 1]! <= r) && (list ?? []).every((c) => ordered(c.contains));
      };
      for (const query of [{}, { excludeNotForUI: 'true' }] as Record<string, string>[]) {
        const nested = (await expand({ url, filter, ...query })).expansion!;
        expect({ filter, query, ordered: ordered(nested.contains) }).toEqual({ filter, query, ordered: true });
        expect(nested.total).toBe(flat.length);
      }
    }
  });

  it('excludeNested=true lists the same codes flat', async () => {
    const nested = await expand({ url: vsUrl('370', 'indsatsvaelger') });
    const flat = await expand({ url: vsUrl('370', 'indsatsvaelger'), excludeNested: 'true' });
    expect(flat.expansion!.contains!.every((c) => c.contains === undefined)).toBe(true);
    expect(flat.expansion!.total).toBe(nested.expansion!.total);
    expect(flat.expansion!.contains!.filter((c) => c.code!.startsWith('370-'))).toHaveLength(9);
  });

  it('$local-codings gives the niveau-2 coding with the niveau-3 coding in KL\'s gateway system next to it', async () => {
    const p = await codings({ kommunekode: '370', code: '370-BOLDSPIL' });
    expect(recorded(p)).toEqual([intervention(CODES.fysiskTraening119, 'Fysisk træning', PREVENTION_GATEWAY, '370-BOLDSPIL', 'Boldspil')]);
    expect(p.parameter!.find((x) => x.name === 'source')!.valueCoding).toEqual(
      { system: csUrl('370'), version: '1.0.0', code: '370-BOLDSPIL', display: 'Boldspil' });
    // the gateway system as KL sends it, and the other gateway's system when asked for
    const viaGateway = await codings({ system: PREVENTION_GATEWAY, kommunekode: '370', code: '370-AKUPUNKTUR', gatewaySystem: CARE_GATEWAY });
    expect(recorded(viaGateway)).toEqual([intervention('f8ac963c-6ec5-4ec5-bd90-a22fea4e2d16', 'Manuel behandling', CARE_GATEWAY, '370-AKUPUNKTUR', 'Akupunktur')]);
  });

  it("$local-codings names a municipality without the code in its catalogs by its name and kommunekode", async () => {
    const outcome = (await codings({ kommunekode: '101', code: 'ZZ' }, 404, 'da')) as unknown as OperationOutcome;
    expect(issueTranslated(outcome.issue[0])).toMatchObject({
      text: "Københavns Kommune (101) har intet lokalt katalog med koden 'ZZ'",
      translation: "Københavns Kommune (101) has no local catalog with code 'ZZ'",
    });
  });

  it('$local-codings takes the local coding in a POSTed Parameters too', async () => {
    const res = await inEnglish(app).post('/fhir/CodeSystem/$local-codings').type(JSON_TYPE).send({
      resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: csUrl('370'), code: '370-MINDFULNESS' } }],
    }).expect(200);
    expect(recorded(res.body as Parameters)[0]!.coding!.map((c) => c.code)).toEqual([CODES.mentalHaandtering, '370-MINDFULNESS']);
  });

  it('property=niveau2 gives the niveau-2 targets on any expansion with local codes', async () => {
    const res = await inEnglish(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send({
      resourceType: 'Parameters', parameter: [
        { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: csUrl('370'), concept: [{ code: '370-AKUPUNKTUR' }, { code: '370-KOL-REHAB' }] }] } } },
        { name: 'property', valueString: 'niveau2' },
      ],
    }).expect(200);
    const [akupunktur, kol] = (res.body as ValueSet).expansion!.contains!;
    expect(niveau2(akupunktur!)).toEqual(['f8ac963c-6ec5-4ec5-bd90-a22fea4e2d16']);
    expect(niveau2(kol!)).toEqual(KOL_TARGETS);
    expect(properties(kol!, 'type')).toEqual([]);
  });

  it('$local-codings refuses what it cannot answer with a clear 4xx', async () => {
    await codings({ kommunekode: '370', code: 'NO-SUCH-CODE' }, 404);
    await codings({ code: '370-BOLDSPIL' }, 400);
    await codings({ kommunekode: '37', code: '370-BOLDSPIL' }, 400);
    await codings({ kommunekode: '370', code: '370-BOLDSPIL', gatewaySystem: 'http://example.org/x' }, 400);
    await codings({ system: csUrl('370'), kommunekode: '101', code: '370-BOLDSPIL' }, 400);
    await codings({ system: 'http://example.org/cs', code: '370-BOLDSPIL' }, 400);
  });

  it('the pick lists are published: searchable by the kommunekode identifier and readable by id', async () => {
    const res = await inEnglish(app).get('/fhir/ValueSet').query({ identifier: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode|370' }).expect(200);
    const urls = ((res.body as Bundle).entry ?? []).map((e) => (e.resource as ValueSet).url).sort();
    expect(urls).toEqual(['indsatser', 'indsatsvaelger', 'lokalt-katalog', 'tilbud', 'tilbud-370-KOL-REHAB'].map((n) => vsUrl('370', n)));
    const read = await inEnglish(app).get('/fhir/ValueSet/kommune-370-indsatser').expect(200);
    expect(read.body.url).toBe(vsUrl('370', 'indsatser'));
    const all = await expand({ url: vsUrl('370', 'lokalt-katalog') });
    expect(all.expansion!.total).toBe(10);
  });
});

describe('$local-codings for the data-use example 101 (a local intervention still mapped to the retired Tobaksafvænning)', () => {
  beforeAll(async () => {
    await importDataUseCatalogs(app, (kommunekode) => tokenFor({ kommunekode }));
  });

  it("records it with the §119/§140 gateway's niveau-3 system, as a code mapped to an active §119 code is", async () => {
    const rygestop = await codings({ kommunekode: '101', code: '101-RYGESTOP' });
    expect(recorded(rygestop)).toEqual([intervention(CODES.tobaksafvaenningRetired, 'Tobaksafvænning', PREVENTION_GATEWAY, '101-RYGESTOP', 'Rygestop på hold')]);
    // still answered as linked, with the replacement to map to instead
    expect((rygestop.parameter ?? []).filter((x) => x.name === 'replacement').map((x) => x.valueCoding!.code)).toEqual([CODES.nikotin]);
    // the retired code is a §119 code, as its $lookup says
    const lookup = await inEnglish(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: CODES.tobaksafvaenningRetired, property: 'lovparagraf' }).expect(200);
    expect(JSON.stringify(lookup.body)).toContain('Sundhedsloven §119');
    // the same system as for 101's codes mapped to an active §119 or §140 code
    for (const code of ['101-STYRKE', '101-OPSTART', '101-GANG']) {
      expect(recorded(await codings({ kommunekode: '101', code }))[0]!.coding![1]!.system).toBe(PREVENTION_GATEWAY);
    }
    // gatewaySystem still chooses
    const asked = await codings({ kommunekode: '101', code: '101-RYGESTOP', gatewaySystem: CARE_GATEWAY });
    expect(recorded(asked)[0]!.coding![1]!.system).toBe(CARE_GATEWAY);
  });

  it("and a home-care intervention (in neither the §119 nor the §140 catalog) still gets the care gateway's system", async () => {
    const personligHygiejne = '17312894-b23f-43d9-9723-b725ac25d872';
    await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${await tokenFor({ kommunekode: '253' })}`).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: `kode,titel,type,maal\n253-BAD,Hjælp til bad,indsats,${personligHygiejne}\n` }] })
      .expect(200);
    const p = await codings({ kommunekode: '253', code: '253-BAD' });
    expect(recorded(p)).toEqual([intervention(personligHygiejne, 'Personlig hygiejne', CARE_GATEWAY, '253-BAD', 'Hjælp til bad')]);
  });
});

describe("a value set a municipality wrote under a pick list's id before it had a catalog (563)", () => {
  it('stays under its id; the pick list computed later is served under another, and a search gives each its own fullUrl', async () => {
    const k = '563';
    const auth = `Bearer ${await tokenFor({ kommunekode: k })}`;
    const id = `kommune-${k}-indsatsvaelger`;
    const own: ValueSet = {
      resourceType: 'ValueSet', id, url: vsUrl(k, 'andet'), status: 'active',
      identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: k }],
      compose: { include: [{ system: FSIII, concept: [{ code: CODES.kostvejledning }] }] },
    };
    await inEnglish(app).put(`/fhir/ValueSet/${id}`).set('Authorization', auth).type(JSON_TYPE).send(own).expect(201);
    const { codeSystem, conceptMap } = sampleCatalog(k);
    for (const r of [codeSystem, conceptMap]) {
      await inEnglish(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', auth).type(JSON_TYPE).send(r).expect(201);
    }
    expect(((await inEnglish(app).get(`/fhir/ValueSet/${id}`).expect(200)).body as ValueSet).url).toBe(vsUrl(k, 'andet'));
    const found = (await inEnglish(app).get('/fhir/ValueSet').query({ url: vsUrl(k, 'indsatsvaelger') }).expect(200)).body as Bundle;
    const picker = found.entry?.[0]?.resource as ValueSet;
    expect(picker.id).toMatch(new RegExp(`^${id}-`));
    expect(((await inEnglish(app).get(`/fhir/ValueSet/${picker.id}`).expect(200)).body as ValueSet).url).toBe(vsUrl(k, 'indsatsvaelger'));
    const all = (await inEnglish(app).get('/fhir/ValueSet').query({ identifier: `http://faelles-tx.dk/fhir/NamingSystem/kommunekode|${k}`, _count: 100 }).expect(200)).body as Bundle;
    const fullUrls = (all.entry ?? []).map((e) => e.fullUrl);
    expect(fullUrls.length).toBeGreaterThan(2);
    expect(new Set(fullUrls).size).toBe(fullUrls.length);
    // once the municipality deletes its value set, the pick list takes its id back
    await inEnglish(app).delete(`/fhir/ValueSet/${id}`).set('Authorization', auth).expect(200);
    expect(((await inEnglish(app).get(`/fhir/ValueSet/${id}`).expect(200)).body as ValueSet).url).toBe(vsUrl(k, 'indsatsvaelger'));
    await inEnglish(app).get(`/fhir/ValueSet/${picker.id}`).expect(404);
  });
});

describe('a municipality that writes its catalog (561)', () => {
  const k = '561';
  let token: string;
  const put = async (resource: { resourceType: string; id?: string }, status: number) =>
    inEnglish(app).put(`/fhir/${resource.resourceType}/${resource.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(resource).expect(status);

  beforeAll(async () => {
    token = await tokenFor({ kommunekode: k });
  });

  it('has no pick lists before it has a local catalog', async () => {
    await expand({ url: vsUrl(k, 'indsatser') }, 404);
    await expand({ url: vsUrl(k, 'indsatsvaelger') }, 404);
    // nor is there anything under a URL that is not a municipality's, or for an offer that does not exist
    await expand({ url: vsUrl('abc', 'indsatser') }, 404);
    await expand({ url: vsUrl('370', 'tilbud-370-NO-SUCH-OFFER') }, 404);
  });

  it('gets all three scenarios from its written catalog, and they follow its next write', async () => {
    const { codeSystem, conceptMap } = sampleCatalog(k);
    await put(codeSystem, 201);
    await put(conceptMap, 201);

    // scenario 1
    const offer = await expand({ url: vsUrl(k, `tilbud-${k}-KOL`) });
    expect(codesOf(offer.expansion!.contains)).toEqual(KOL_TARGETS);
    expect(recorded(await codings({ kommunekode: k, code: `${k}-KOL` }))).toHaveLength(6);

    // scenario 3: mapped codes under their niveau-2 code, the unmapped one at the end, not hidden
    const picker = await expand({ url: vsUrl(k, 'indsatsvaelger') });
    const roots = picker.expansion!.contains!;
    expect(codesOf(roots)).toEqual([CODES.paragraf119, PARAGRAF_140, `${k}-NY`]);
    expect(codesOf(find(roots[0]!.contains, CODES.fysiskTraening119)!.contains)).toEqual([`${k}-BOLD`]);
    expect(codesOf(find(roots[1]!.contains, CODES.fysiskTraening140)!.contains)).toEqual([`${k}-BALANCE`]);
    expect(niveau2(roots[2]!)).toEqual([]);
    // an intervention not linked to niveau 2 cannot be recorded yet: said in Danish, and in English to a caller asking for it
    const unlinked = (await codings({ kommunekode: k, code: `${k}-NY` }, 422, 'da')) as unknown as OperationOutcome;
    expect(unlinked.issue[0]!.details!.text).toBe(`Den lokale kode '${k}-NY' er ikke koblet til en fælleskommunal indsats (niveau 2) i Esbjerg Kommunes ConceptMap; kobl den, før den registreres`);
    const english = (await codings({ kommunekode: k, code: `${k}-NY` }, 422, 'en')) as unknown as OperationOutcome;
    expect(english.issue[0]!.details!.text).toBe(`The local code '${k}-NY' is not linked to a common intervention (niveau 2) in Esbjerg Kommune's ConceptMap; link it before it is recorded`);

    const boldBefore = await codings({ kommunekode: k, code: `${k}-BOLD` });
    expect(recorded(boldBefore)[0]!.coding![0]!.code).toBe(CODES.fysiskTraening119);

    // the municipality links it (and moves Boldspil): the picker and $local-codings follow at once, cached answers too
    conceptMap.group![0]!.element!.push({ code: `${k}-NY`, target: [{ code: CODES.kostvejledning, equivalence: 'subsumes' }] });
    conceptMap.group![0]!.element!.find((e) => e.code === `${k}-BOLD`)!.target = [{ code: CODES.vejledningFysisk, equivalence: 'subsumes' }];
    await put(conceptMap, 200);
    const after = await expand({ url: vsUrl(k, 'indsatsvaelger') });
    expect(codesOf(after.expansion!.contains)).toEqual([CODES.paragraf119, PARAGRAF_140]);
    expect(codesOf(find(after.expansion!.contains![0]!.contains, CODES.kostvejledning)!.contains)).toEqual([`${k}-NY`]);
    expect(recorded(await codings({ kommunekode: k, code: `${k}-NY` }))).toEqual([intervention(CODES.kostvejledning, 'Kostvejledning', PREVENTION_GATEWAY, `${k}-NY`, 'Endnu ikke koblet')]);
    expect(recorded(await codings({ kommunekode: k, code: `${k}-BOLD` }))[0]!.coding![0]!.code).toBe(CODES.vejledningFysisk);
    expect(codesOf(find(after.expansion!.contains![0]!.contains, CODES.vejledningFysisk)!.contains)).toEqual([`${k}-BOLD`]);
    const interventions = await expand({ url: vsUrl(k, 'indsatser'), filter: 'koblet' });
    expect(niveau2(interventions.expansion!.contains![0]!)).toEqual([CODES.kostvejledning]);
  });

  it("a write recomputes the writing municipality's pick lists only, and they stay correct", async () => {
    const picker370 = app.registry.find('ValueSet', vsUrl('370', 'indsatsvaelger'));
    const before370 = await expand({ url: vsUrl('370', 'indsatsvaelger') });
    const evaluated370 = evaluateValueSet(app.registry, picker370!);
    const picker561 = app.registry.find('ValueSet', vsUrl(k, 'indsatsvaelger'));
    const evaluated561 = evaluateValueSet(app.registry, picker561!);
    const { conceptMap } = sampleCatalog(k);
    conceptMap.group![0]!.element!.find((e) => e.code === `${k}-BOLD`)!.target = [{ code: CODES.kostvejledning, equivalence: 'subsumes' }];
    await put(conceptMap, 200);

    // 370's lists are the ones computed before the write; 561's are computed anew from its written map
    expect(app.registry.find('ValueSet', vsUrl('370', 'indsatsvaelger'))).toBe(picker370);
    expect(app.registry.find('ValueSet', vsUrl(k, 'indsatsvaelger'))).not.toBe(picker561);
    // and 370's picker is not evaluated again (a municipality of 2,000 local codes takes ~0.1 s), 561's is
    expect(evaluateValueSet(app.registry, picker370!)).toBe(evaluated370);
    expect(evaluateValueSet(app.registry, picker561!)).not.toBe(evaluated561);
    const after370 = await expand({ url: vsUrl('370', 'indsatsvaelger') });
    expect(after370.expansion!.contains).toEqual(before370.expansion!.contains);
    const after561 = await expand({ url: vsUrl(k, 'indsatsvaelger') });
    expect(codesOf(find(after561.expansion!.contains![0]!.contains, CODES.kostvejledning)!.contains)).toEqual([`${k}-BOLD`]);
    expect(find(after561.expansion!.contains![0]!.contains, CODES.fysiskTraening119)).toEqual(expect.objectContaining({ code: CODES.fysiskTraening119 }));
    expect(find(after561.expansion!.contains![0]!.contains, CODES.fysiskTraening119)!.contains).toBeUndefined();
  });

  it('a local intervention still mapped to a retired code is shown under it, at the end of its group', async () => {
    const { conceptMap } = sampleCatalog(k);
    conceptMap.group![0]!.element!.push({ code: `${k}-NY`, target: [{ code: CODES.tobaksafvaenningRetired, equivalence: 'subsumes' }] });
    await put(conceptMap, 200);
    const picker = await expand({ url: vsUrl(k, 'indsatsvaelger') });
    const group119 = picker.expansion!.contains![0]!.contains!;
    const retired = group119[group119.length - 1]!;
    expect(retired).toEqual(expect.objectContaining({ code: CODES.tobaksafvaenningRetired, inactive: true }));
    expect(codesOf(retired.contains)).toEqual([`${k}-NY`]);
    // the active catalog is all there before it
    expect(codesOf(group119.slice(0, -1))).toEqual(catalogOrder('indsatskatalog-119'));
  });

  it('$local-codings warns when a local code maps to a retired niveau-2 code, and names its replacement', async () => {
    const { conceptMap } = sampleCatalog(k);
    conceptMap.group![0]!.element!.push({ code: `${k}-NY`, target: [{ code: CODES.tobaksafvaenningRetired, equivalence: 'subsumes' }] });
    await put(conceptMap, 200);
    const p = await codings({ kommunekode: k, code: `${k}-NY` });
    // still recordable as mapped, with a warning and the code to map to instead
    expect(recorded(p)[0]!.coding![0]!.code).toBe(CODES.tobaksafvaenningRetired);
    const replacements = (p.parameter ?? []).filter((x) => x.name === 'replacement').map((x) => x.valueCoding);
    expect(replacements).toEqual([{ system: FSIII, code: CODES.nikotin, display: 'Nikotin- og tobaksafvænning' }]);
    const issues = (p.parameter ?? []).find((x) => x.name === 'issues')!.resource as OperationOutcome;
    expect(issues.issue).toHaveLength(1);
    expect(issues.issue[0]).toEqual(expect.objectContaining({ severity: 'warning', code: 'business-rule', expression: ['code'] }));
    expect(issues.issue[0]!.details!.text).toContain(CODES.tobaksafvaenningRetired);
    expect(issues.issue[0]!.details!.text).toContain(`Brug i stedet ${CODES.nikotin} (Nikotin- og tobaksafvænning)`);
    expect(issues.issue[0]!.details!.text).toContain("som har status 'udgået'.");
    // for the municipality's staff: Danish first, the English as its translation; English first when asked for
    const translation = (i: OperationOutcome['issue'][number]) => issueTranslated(i).translation;
    expect(translation(issues.issue[0]!)).toContain(`Use ${CODES.nikotin} (Nikotin- og tobaksafvænning) instead`);
    const english = await codings({ kommunekode: k, code: `${k}-NY` }, 200, 'en');
    const inEnglish = (english.parameter ?? []).find((x) => x.name === 'issues')!.resource as OperationOutcome;
    expect(inEnglish.issue[0]!.details!.text).toMatch(new RegExp(`^The local code '${k}-NY' is mapped to the niveau-2 code ${CODES.tobaksafvaenningRetired}`));
    expect(translation(inEnglish.issue[0]!)).toContain('Brug i stedet');

    // a code mapped to an active niveau-2 code has neither
    const bold = await codings({ kommunekode: k, code: `${k}-BOLD` });
    expect((bold.parameter ?? []).filter((x) => x.name === 'replacement' || x.name === 'issues')).toEqual([]);
  });

  it('a value set the municipality writes under the same canonical wins over the derived one', async () => {
    const own: ValueSet = {
      resourceType: 'ValueSet', id: `kommune-${k}-tilbud`, url: vsUrl(k, 'tilbud'), status: 'active',
      identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: k }],
      compose: { include: [{ system: csUrl(k), concept: [{ code: `${k}-BOLD` }] }] },
    };
    await put(own, 201);
    const vs = await expand({ url: vsUrl(k, 'tilbud') });
    expect(codesOf(vs.expansion!.contains)).toEqual([`${k}-BOLD`]);
  });

  it("a value set of another url under a derived pick list's id is refused (422), and the list stays readable by its id", async () => {
    const other: ValueSet = {
      resourceType: 'ValueSet', id: `kommune-${k}-indsatsvaelger`, url: vsUrl(k, 'andet'), status: 'active',
      identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: k }],
      compose: { include: [{ system: csUrl(k) }] },
    };
    const refused = await put(other, 422);
    const text = (refused.body as OperationOutcome).issue.map((i) => i.details?.text ?? '').join(' ');
    expect(text).toContain(`the pick list ${vsUrl(k, 'indsatsvaelger')}`);
    const danish = await inEnglish(app).put(`/fhir/ValueSet/${other.id}`).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'da')
      .type(JSON_TYPE).send(other).expect(422);
    expect((danish.body as OperationOutcome).issue[0]?.details?.text).toContain(`plukkelisten ${vsUrl(k, 'indsatsvaelger')}`);
    const read = await inEnglish(app).get(`/fhir/ValueSet/kommune-${k}-indsatsvaelger`).expect(200);
    expect((read.body as ValueSet).url).toBe(vsUrl(k, 'indsatsvaelger'));
    await put({ ...other, id: `kommune-${k}-andet` }, 201);
  });
});

describe('scenario 1 for every offer code: Æ, _, a space, / and long codes each have their pick list (157)', () => {
  const k = '157';
  const long = (last: string) => `${k}-${'LANGTTILBUD'.repeat(5)}${last}`;
  /** Each offer with its own targets, and the url its pick list has by the documented rule. */
  const offers = [
    { code: `${k}-ÆBLE`, targets: [CODES.sygdomshaandtering, CODES.kostvejledning], name: `tilbud-${k}-%C3%86BLE` },
    { code: `${k}-ØBLE`, targets: [CODES.nikotin], name: `tilbud-${k}-%C3%98BLE` },
    { code: `${k}-KOL_HOLD`, targets: [CODES.vejledningFysisk], name: `tilbud-${k}-KOL_HOLD` },
    // a code that an id form replacing '_' or ' ' by '-' would merge with the two around it
    { code: `${k}-KOL HOLD`, targets: [CODES.faerdighedstraening], name: `tilbud-${k}-KOL%20HOLD` },
    { code: `${k}-KOL-HOLD`, targets: [CODES.fysiskTraening119], name: `tilbud-${k}-KOL-HOLD` },
    { code: `${k} MED MELLEMRUM`, targets: [CODES.kostvejledning, CODES.nikotin], name: `tilbud-${k}%20MED%20MELLEMRUM` },
    { code: `${k}/SLASH`, targets: [CODES.mentalHaandtering], name: `tilbud-${k}%2FSLASH` },
    // 60 characters, and another that differs only in its last: an id form cut to 64 characters would merge them
    { code: long('A'), targets: [CODES.sygdomshaandtering], name: `tilbud-${long('A')}` },
    { code: long('B'), targets: [CODES.vejledningFysisk, CODES.faerdighedstraening], name: `tilbud-${long('B')}` },
  ];
  const ID = /^[A-Za-z0-9\-.]{1,64}$/;

  beforeAll(async () => {
    const token = await tokenFor({ kommunekode: k });
    const csv = ['kode,titel,type,maal', ...offers.map((o, i) => `${o.code},Tilbud ${i},tilbud,${o.targets.join(';')}`)].join('\n');
    expect(long('A')).toHaveLength(60);
    await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: `${csv}\n` }] }).expect(200);
  });

  it('the search by the kommunekode identifier lists one pick list per offer, each with a valid id of its own', async () => {
    const res = await inEnglish(app).get('/fhir/ValueSet').query({ identifier: `http://faelles-tx.dk/fhir/NamingSystem/kommunekode|${k}`, _count: 100 }).expect(200);
    const lists = ((res.body as Bundle).entry ?? []).map((e) => e.resource as ValueSet).filter((vs) => vs.url!.startsWith(vsUrl(k, 'tilbud-')));
    expect(lists.map((vs) => vs.url).sort()).toEqual(offers.map((o) => vsUrl(k, o.name)).sort());
    for (const vs of lists) expect(vs.id).toMatch(ID);
    expect(new Set(lists.map((vs) => vs.id)).size).toBe(offers.length);
  });

  it.each(offers.map((o) => [o.code, o] as const))('%s: found by its url, readable by its id and expanded to its niveau-2 interventions', async (_code, offer) => {
    const url = vsUrl(k, offer.name);
    // the canonical goes into the query as any value does: its '%' as '%25'
    const found = (await inEnglish(app).get('/fhir/ValueSet').query({ url }).expect(200)).body as Bundle;
    expect(found.entry).toHaveLength(1);
    const vs = found.entry![0]!.resource as ValueSet;
    expect(vs.url).toBe(url);
    expect(vs.id).toMatch(ID);
    expect(((await inEnglish(app).get(`/fhir/ValueSet/${vs.id}`).expect(200)).body as ValueSet).url).toBe(url);
    const expanded = await expand({ url });
    expect(expanded.expansion!.contains!.map((c) => ({ system: c.system, code: c.code }))).toEqual(offer.targets.map((code) => ({ system: FSIII, code })));
    expect(expanded.expansion!.contains!.every((c) => typeof c.display === 'string')).toBe(true);
  });

  it('the url is matched as the canonical it is: written into the query with its % escaped, not decoded', async () => {
    const raw = `/fhir/ValueSet/$expand?url=${encodeURIComponent(vsUrl(k, ''))}tilbud-${k}-%25C3%2586BLE`;
    expect(codesOf(((await inEnglish(app).get(raw).expect(200)).body as ValueSet).expansion!.contains)).toEqual(offers[0]!.targets);
    await inEnglish(app).get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(vsUrl(k, ''))}tilbud-${k}-%C3%86BLE`).expect(404);
  });

  it('an offer whose code is a local name keeps its url and id: tilbud-{code}', async () => {
    const found = (await inEnglish(app).get('/fhir/ValueSet').query({ url: vsUrl(k, `tilbud-${k}-KOL-HOLD`) }).expect(200)).body as Bundle;
    expect((found.entry![0]!.resource as ValueSet).id).toBe(`kommune-${k}-tilbud-${k}-KOL-HOLD`);
    const old = (await inEnglish(app).get('/fhir/ValueSet/kommune-370-tilbud-370-KOL-REHAB').expect(200)).body as ValueSet;
    expect(old.url).toBe(vsUrl('370', 'tilbud-370-KOL-REHAB'));
  });
});
