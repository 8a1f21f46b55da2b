/**
 * Retired and legacy FSIII codes, the supplement properties $lookup adds, and display languages (Danish by default,
 * English where a designation exists).
 */
import type { CodeSystem, Parameters, ValueSet } from 'fhir/r4';
import { FSIII } from '../support/catalogs';
import { fsiiiIndex, readJson, UUID_CODE } from '../support/files';
import { asParameters, lookupProperties, param, params, propertyValues, txIssueType, validationIssues, valueOf } from '../support/parameters';
import { useRunningServer } from '../support/server';

const RETIRED = 'c203c6b5-3be0-40a8-8204-e93751deabf5'; // Tobaksafvænning
const REPLACEMENT = '6d24992e-e0a2-43e7-bc27-0234622a8655'; // Nikotin- og tobaksafvænning
const AFKLARENDE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
const GROUPING_119 = '102ea764-d2cf-4a24-979d-68c2e8d638cf';
const PREVENTION_TERM_VS = 'http://fhir.kl.dk/term/ValueSet/KLPreventionInterventionsFSIII';
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const EN_SUPPLEMENT = 'http://example.org/fhir/CodeSystem/fsiii-en-test';

const server = useRunningServer();

const get = async (name: string, resourceType: 'CodeSystem' | 'ValueSet', input: Record<string, string | boolean>, headers?: Record<string, string>) =>
  asParameters(await server.client.operation({ name, resourceType, method: 'GET', input, options: headers ? { headers } : undefined }));

const post = async <T = Parameters>(name: string, resourceType: 'CodeSystem' | 'ValueSet', parameter: Parameters['parameter'], headers?: Record<string, string>) =>
  (await server.client.operation({
    name, resourceType, method: 'POST', input: { resourceType: 'Parameters', parameter } as never, options: headers ? { headers } : undefined,
  })) as unknown as T;

describe('a retired code', () => {
  it('is retired with its replacement in the status supplement (the data this test relies on)', () => {
    const status = readJson<CodeSystem>('supplements/CodeSystem-fsiii-status.json');
    const entry = status.concept!.find((c) => c.code === RETIRED)!;
    expect(entry.property).toEqual(expect.arrayContaining([
      expect.objectContaining({ code: 'status', valueCode: 'retired' }),
      expect.objectContaining({ code: 'replacedBy', valueCode: REPLACEMENT }),
    ]));
  });

  it('$lookup shows status retired and replacedBy the new code', async () => {
    const p = await get('lookup', 'CodeSystem', { system: FSIII, code: RETIRED });
    expect(valueOf(param(p, 'display'))).toBe('Tobaksafvænning');
    expect(propertyValues(p, 'status')).toEqual(['retired']);
    expect(propertyValues(p, 'replacedBy')).toEqual([REPLACEMENT]);
    // the supplement's language is Danish (R4 Resource.language), its evidence too
    expect(propertyValues(p, 'statusReason')).toEqual([expect.stringMatching(/^Udgået ved forenklingen af FSIII i 2024: /)]);
  });

  it('$lookup of its replacement shows no retired status and no replacement', async () => {
    const p = await get('lookup', 'CodeSystem', { system: FSIII, code: REPLACEMENT });
    for (const status of propertyValues(p, 'status')) expect(status).toBe('active');
    expect(propertyValues(p, 'replacedBy')).toEqual([]);
  });

  it('CodeSystem $validate-code: true, flagged inactive, with a warning that names the replacement', async () => {
    const p = await get('validate-code', 'CodeSystem', { url: FSIII, code: RETIRED });
    expect(valueOf(param(p, 'result'))).toBe(true);
    expect(valueOf(param(p, 'inactive'))).toBe(true);
    const warnings = validationIssues(p).filter((i) => i.severity === 'warning');
    const named = warnings.filter((i) => i.details?.text?.includes(REPLACEMENT));
    expect(named.length).toBeGreaterThan(0);
    expect(txIssueType(named[0]!)).toBeDefined();
    expect(validationIssues(p).some((i) => i.severity === 'error')).toBe(false);
  });

  it('ValueSet $validate-code in a KL value set that still lists it: true with the same warning', async () => {
    const p = await get('validate-code', 'ValueSet', { url: PREVENTION_TERM_VS, system: FSIII, code: RETIRED });
    expect(valueOf(param(p, 'result'))).toBe(true);
    expect(validationIssues(p).some((i) => i.severity === 'warning' && i.details?.text?.includes(REPLACEMENT))).toBe(true);
  });

  it('is not in the §119 catalog, which lists its replacement instead', async () => {
    const p = await get('validate-code', 'ValueSet', { url: CATALOG_119, system: FSIII, code: RETIRED });
    expect(valueOf(param(p, 'result'))).toBe(false);
    const q = await get('validate-code', 'ValueSet', { url: CATALOG_119, system: FSIII, code: REPLACEMENT });
    expect(valueOf(param(q, 'result'))).toBe(true);
  });
});

describe('an FSIII legacy key', () => {
  const pairs = readJson<{ pairs: { legacyCode: string; uuidCode: string; legacyKind: string }[] }>('kl/FSIII-legacy-key-to-uuid.json').pairs;
  const kinds = [...new Set(pairs.map((p) => p.legacyKind))];

  it('the key table has all three kinds of key', () => {
    expect(kinds.length).toBe(3);
  });

  it.each(kinds.map((kind) => [kind, pairs.find((p) => p.legacyKind === kind && UUID_CODE.test(p.uuidCode))!] as const))(
    '$validate-code of a %s says it is a legacy key and names the UUID',
    async (_kind, pair) => {
      const p = await get('validate-code', 'CodeSystem', { url: FSIII, code: pair.legacyCode });
      const issues = validationIssues(p).filter((i) => /legacy/i.test(i.details?.text ?? '') && i.details!.text!.includes(pair.uuidCode));
      expect(issues).toHaveLength(1);
      expect(issues[0]!.severity).toBe('warning');
      expect(valueOf(param(p, 'message'))).toEqual(expect.stringContaining(pair.uuidCode));
      expect(valueOf(param(p, 'result'))).toBe(true);
    },
  );

  it('the UUID code itself has no legacy-key warning', async () => {
    const pair = pairs[0]!;
    const p = await get('validate-code', 'CodeSystem', { url: FSIII, code: pair.uuidCode });
    expect(validationIssues(p).some((i) => /legacy/i.test(i.details?.text ?? ''))).toBe(false);
  });
});

describe('$lookup supplement properties and hierarchy', () => {
  it('gives beskrivelse, formaal, eksempel, niveau and lovparagraf of a §119 intervention', async () => {
    const p = await get('lookup', 'CodeSystem', { system: FSIII, code: AFKLARENDE });
    const props = lookupProperties(p);
    const one = (code: string) => props.filter((x) => x.code === code).map((x) => x.value);
    expect(one('beskrivelse')).toHaveLength(1);
    expect(typeof one('beskrivelse')[0]).toBe('string');
    expect(one('formaal')).toHaveLength(1);
    expect(one('eksempel').length).toBeGreaterThan(1);
    expect(one('niveau')).toEqual([2]);
    expect(one('lovparagraf')).toEqual(['Sundhedsloven §119']);
    expect(one('niveau1')).toEqual([GROUPING_119]);
    // the supplement's property definitions travel with the values
    expect(props.find((x) => x.code === 'beskrivelse')?.description).toEqual(expect.any(String));
  });

  it('gives lovparagraf §140 and no formaal for a §140 intervention', async () => {
    const mapping = readJson<{ para140: { interventions: { code: string }[] } }>('kl/seed-catalog-mapping.json');
    const p = await get('lookup', 'CodeSystem', { system: FSIII, code: mapping.para140.interventions[0]!.code });
    expect(propertyValues(p, 'lovparagraf')).toEqual(['Sundhedsloven §140']);
    expect(propertyValues(p, 'formaal')).toEqual([]);
    expect(propertyValues(p, 'niveau')).toEqual([2]);
  });

  it('gives parent and child as the FSIII nesting has them', async () => {
    const index = fsiiiIndex();
    const grouping = await get('lookup', 'CodeSystem', { system: FSIII, code: GROUPING_119 });
    expect(new Set(propertyValues(grouping, 'child'))).toEqual(index.nodes.get(GROUPING_119)!.children);
    expect(new Set(propertyValues(grouping, 'parent'))).toEqual(index.nodes.get(GROUPING_119)!.parents);
    const leaf = await get('lookup', 'CodeSystem', { system: FSIII, code: AFKLARENDE });
    expect(propertyValues(leaf, 'parent')).toEqual([GROUPING_119]);
    expect(propertyValues(leaf, 'child')).toEqual([]);
    // parent and child name their display in the description
    const parent = lookupProperties(leaf).find((x) => x.code === 'parent')!;
    expect(parent.description).toBe(index.nodes.get(GROUPING_119)!.display);
  });

  it('gives only the asked-for supplement property with property=', async () => {
    const p = await get('lookup', 'CodeSystem', { system: FSIII, code: AFKLARENDE, property: 'lovparagraf' });
    expect(lookupProperties(p).map((x) => x.code)).toEqual(['lovparagraf']);
  });
});

describe('display language', () => {
  const supplement = (): CodeSystem => ({
    resourceType: 'CodeSystem',
    url: EN_SUPPLEMENT,
    version: '0.1.0',
    status: 'draft',
    content: 'supplement',
    supplements: `${FSIII}|20240530`,
    concept: [{
      code: AFKLARENDE,
      designation: [{ language: 'en', use: { system: 'http://terminology.hl7.org/CodeSystem/designation-usage', code: 'display' }, value: 'Clarifying conversation' }],
    }],
  });
  const withSupplement = (...rest: Parameters['parameter'] & object): Parameters['parameter'] => [
    ...rest,
    { name: 'useSupplement', valueCanonical: EN_SUPPLEMENT },
    { name: 'tx-resource', resource: supplement() },
  ];
  const display = (p: Parameters) => valueOf(param(p, 'display'));

  it('is Danish by default', async () => {
    expect(display(await get('lookup', 'CodeSystem', { system: FSIII, code: AFKLARENDE }))).toBe('Afklarende samtale');
  });

  it('stays Danish when English is asked for but no English designation exists', async () => {
    expect(display(await get('lookup', 'CodeSystem', { system: FSIII, code: AFKLARENDE, displayLanguage: 'en' }))).toBe('Afklarende samtale');
    expect(display(await get('lookup', 'CodeSystem', { system: FSIII, code: AFKLARENDE }, { 'accept-language': 'en' }))).toBe('Afklarende samtale');
  });

  it('is English with displayLanguage=en when a supplement sent with the request has an English designation', async () => {
    const p = await post('lookup', 'CodeSystem', withSupplement(
      { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: AFKLARENDE }, { name: 'displayLanguage', valueCode: 'en' },
    ));
    expect(display(p)).toBe('Clarifying conversation');
    const designations = params(p, 'designation').map((d) => Object.fromEntries((d.part ?? []).map((x) => [x.name, valueOf(x)])));
    expect(designations).toEqual(expect.arrayContaining([expect.objectContaining({ language: 'en', value: 'Clarifying conversation' })]));
  });

  it('follows Accept-Language: English for "en", Danish for "da"', async () => {
    const parameter = withSupplement({ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: AFKLARENDE });
    expect(display(await post('lookup', 'CodeSystem', parameter, { 'accept-language': 'en-GB, en;q=0.9, da;q=0.5' }))).toBe('Clarifying conversation');
    expect(display(await post('lookup', 'CodeSystem', parameter, { 'accept-language': 'da, en;q=0.5' }))).toBe('Afklarende samtale');
    expect(display(await post('lookup', 'CodeSystem', parameter))).toBe('Afklarende samtale');
  });

  it('displayLanguage wins over Accept-Language', async () => {
    const parameter = withSupplement({ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: AFKLARENDE }, { name: 'displayLanguage', valueCode: 'da' });
    expect(display(await post('lookup', 'CodeSystem', parameter, { 'accept-language': 'en' }))).toBe('Afklarende samtale');
  });

  it('$expand shows the English display where one exists and Danish for the rest', async () => {
    const vs = await post<ValueSet>('expand', 'ValueSet', withSupplement({ name: 'url', valueUri: CATALOG_119 }, { name: 'displayLanguage', valueCode: 'en' }));
    const contains = vs.expansion?.contains ?? [];
    expect(contains.find((c) => c.code === AFKLARENDE)?.display).toBe('Clarifying conversation');
    const other = contains.find((c) => c.code === REPLACEMENT);
    expect(other?.display).toBe(fsiiiIndex().nodes.get(REPLACEMENT)!.display);
  });
});
