/**
 * $expand's text filter (Danish-aware: æ/ø/å match ae/oe/aa, case and accents ignored), paging with offset/count,
 * activeOnly, includeDesignations, and the echo of the parameters used.
 */
import type { CodeSystem, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import { fold, fsiiiIndex, readJson, UUID_CODE } from '../support/files';
import { useRunningServer } from '../support/server';

const INTERVENTIONS = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const PREVENTION = 'http://fhir.kl.dk/term/ValueSet/KLPreventionInterventionsFSIII';
const HOME_CARE = 'http://fhir.kl.dk/term/ValueSet/KLHomeCareInterventionsFSIII';

const server = useRunningServer();

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
