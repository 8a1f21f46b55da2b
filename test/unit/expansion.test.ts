import type { CodeSystem, Extension, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import { CONTAINS_PROPERTY_EXT, EXPANSION_PROPERTY_EXT } from '../../src/terminology/expansion/renderer';
import { parseLanguagePreference } from '../../src/terminology/expansion/display';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { expandValueSet, expansionRequest, serializedExpansion, type ExpansionRequest } from '../../src/terminology/expansion/value-set-expansion';
import { FFB, FSIII, publishedCatalogs, publishedRegistry } from '../support/catalogs';
import { packResource } from '../../src/terminology/packed/resource';
import { localPropertySource } from '../../src/municipal/pick-list-expansion';
import { NIVEAU2_PROPERTY } from '../../src/municipal/municipal-value-sets';
import { evaluateValueSet, keptEvaluations, MAX_OPTION_SETS } from '../../src/terminology/expansion/cache';
import { entryKey } from '../../src/terminology/compose/result';

/** "Kommunal genoptræning efter sygehusophold-tilstande": three levels deep in FSIII. */
const REHAB_CONDITIONS = '94db6c71-859d-43e6-9a62-4e7fa7daf767';
const MOBILITY = 'e3242303-2506-4a09-ac65-59dfd06cb489';
const RETIRED_SMOKING_CESSATION = 'c203c6b5-3be0-40a8-8204-e93751deabf5';
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';

let registry: TerminologyRegistry;
beforeAll(() => {
  registry = publishedRegistry();
});

const inline = (compose: ValueSet['compose']): ValueSet => ({ resourceType: 'ValueSet', status: 'active', compose });
const subtree = (code: string): ValueSet => inline({ include: [{ system: FSIII, filter: [{ property: 'concept', op: 'is-a', value: code }] }] });
const expand = (vs: ValueSet, request: Partial<ExpansionRequest> = {}, reg = registry) => expandValueSet(reg, vs, expansionRequest(request));

function flatten(contains: ValueSetExpansionContains[] | undefined): ValueSetExpansionContains[] {
  return (contains ?? []).flatMap((c) => [c, ...flatten(c.contains)]);
}
const find = (contains: ValueSetExpansionContains[] | undefined, code: string) => flatten(contains).find((c) => c.code === code);
const param = (vs: ValueSet, name: string) => vs.expansion?.parameter?.filter((p) => p.name === name) ?? [];
const propertiesOf = (c: ValueSetExpansionContains | undefined) => (c?.extension ?? [])
  .filter((e) => e.url === CONTAINS_PROPERTY_EXT)
  .map((e) => ({ code: e.extension?.find((x) => x.url === 'code')?.valueCode, value: e.extension?.find((x) => x.url === 'value') }));

describe('hierarchical expansion', () => {
  it('nests an FSIII subtree the way the code system does', () => {
    const vs = expand(subtree(REHAB_CONDITIONS));
    const all = flatten(vs.expansion?.contains);
    expect(vs.expansion?.contains).toHaveLength(1);
    const root = vs.expansion!.contains![0]!;
    expect(root.code).toBe(REHAB_CONDITIONS);
    expect(root.contains).toHaveLength(12);
    expect(find(root.contains, MOBILITY)?.contains).toHaveLength(6);
    expect(vs.expansion?.total).toBe(all.length);
    expect(new Set(all.map((c) => c.code)).size).toBe(all.length);
  });

  it('lists the same codes flat with excludeNested', () => {
    const nested = flatten(expand(subtree(REHAB_CONDITIONS)).expansion?.contains).map((c) => c.code);
    const vs = expand(subtree(REHAB_CONDITIONS), { excludeNested: true });
    expect(vs.expansion?.contains?.every((c) => c.contains === undefined)).toBe(true);
    expect(vs.expansion?.contains?.map((c) => c.code)).toEqual(nested);
  });

  it('never nests an enumerated value set, even when a child and its parent are both listed', () => {
    const vs = expand(inline({ include: [{ system: FSIII, concept: [{ code: REHAB_CONDITIONS }, { code: MOBILITY }] }] }));
    expect(vs.expansion?.contains?.map((c) => c.code)).toEqual([REHAB_CONDITIONS, MOBILITY]);
    expect(vs.expansion?.contains?.some((c) => c.contains)).toBe(false);
  });

  it('puts the children of a code left out by activeOnly under its nearest ancestor that stays', () => {
    const cs: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.org/cs/tree', status: 'active', content: 'complete', version: '1',
      property: [{ code: 'status', uri: 'http://hl7.org/fhir/concept-properties#status', type: 'code' }],
      concept: [{ code: 'top', concept: [{ code: 'old', property: [{ code: 'status', valueCode: 'retired' }], concept: [{ code: 'leaf' }] }] }],
    };
    const withCs = registry.withOverlay([cs]);
    const vs = inline({ include: [{ system: cs.url }] });
    expect(find(expand(vs, {}, withCs).expansion?.contains, 'old')?.contains?.[0]?.code).toBe('leaf');
    const active = expand(vs, { activeOnly: true }, withCs);
    expect(active.expansion?.total).toBe(2);
    expect(active.expansion?.contains?.[0]?.contains?.map((c) => c.code)).toEqual(['leaf']);
  });
});

describe('paging', () => {
  it('returns the asked-for page of the flat list with the full total', () => {
    const all = expand(subtree(REHAB_CONDITIONS), { excludeNested: true }).expansion!;
    const page = expand(subtree(REHAB_CONDITIONS), { offset: 3, count: 5 }).expansion!;
    expect(page.total).toBe(all.total);
    expect(page.offset).toBe(3);
    expect(page.contains?.map((c) => c.code)).toEqual(all.contains?.slice(3, 8).map((c) => c.code));
    expect(page.contains?.some((c) => c.contains)).toBe(false);
  });

  it('gives an empty page past the end', () => {
    const page = expand(subtree(REHAB_CONDITIONS), { offset: 10_000, count: 5 }).expansion!;
    expect(page.contains).toBeUndefined();
    expect(page.total).toBeGreaterThan(0);
  });

  it('refuses an unpaged expansion larger than the limit, as too costly', () => {
    expect(() => expand(inline({ include: [{ system: FSIII }] }), { maxSize: 100 })).toThrow(
      expect.objectContaining({ status: 422, code: 'too-costly' }),
    );
    expect(expand(inline({ include: [{ system: FSIII }] }), { maxSize: 100, count: 10 }).expansion?.contains).toHaveLength(10);
  });
});

describe('inactive codes', () => {
  it('flags retired FSIII codes and gives their status; activeOnly leaves them out', () => {
    const whole = inline({ include: [{ system: FSIII }] });
    const vs = expand(whole, { excludeNested: true });
    const retired = find(vs.expansion?.contains, RETIRED_SMOKING_CESSATION);
    expect(retired?.inactive).toBe(true);
    expect(propertiesOf(retired)).toContainEqual({ code: 'status', value: { url: 'value', valueCode: 'retired' } });
    const active = expand(whole, { excludeNested: true, activeOnly: true });
    expect(find(active.expansion?.contains, RETIRED_SMOKING_CESSATION)).toBeUndefined();
    expect(active.expansion!.total).toBe(vs.expansion!.total! - flatten(vs.expansion?.contains).filter((c) => c.inactive).length);
  });
});

describe('properties', () => {
  it('returns a supplement property of FSIII codes as the R5 property extensions, declared once', () => {
    const catalog = registry.find('ValueSet', CATALOG_119)!;
    const vs = expand(catalog, { properties: ['indsatstitel'] });
    const declarations = (vs.expansion?.extension ?? []).filter((e: Extension) => e.url === EXPANSION_PROPERTY_EXT);
    expect(declarations).toContainEqual({
      url: EXPANSION_PROPERTY_EXT,
      extension: [{ url: 'code', valueCode: 'indsatstitel' }, { url: 'uri', valueUri: 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-indsatskatalog#indsatstitel' }],
    });
    const afklarende = find(vs.expansion?.contains, '6eddbaf7-2a73-49d4-91e7-6138d419f58c');
    expect(propertiesOf(afklarende)).toContainEqual({ code: 'indsatstitel', value: { url: 'value', valueString: 'Afklarende samtale' } });
  });

  it('shows each code as the request asks, whatever an earlier expansion of the same value set asked', () => {
    const catalog = registry.find('ValueSet', CATALOG_119)!;
    const code = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
    const withTitle = expand(catalog, { properties: ['indsatstitel'] });
    const plain = expand(catalog);
    const again = expand(catalog, { properties: ['indsatstitel'] });
    expect(propertiesOf(find(plain.expansion?.contains, code))).toEqual([]);
    expect((plain.expansion?.extension ?? []).filter((e: Extension) => e.url === EXPANSION_PROPERTY_EXT)).toEqual([]);
    expect(again.expansion?.contains).toEqual(withTitle.expansion?.contains);
    expect(again.expansion?.extension).toEqual(withTitle.expansion?.extension);
    expect(propertiesOf(find(again.expansion?.contains, code))).toContainEqual({ code: 'indsatstitel', value: { url: 'value', valueString: 'Afklarende samtale' } });
  });

  it('returns the definition when asked for', () => {
    const vs = expand(subtree(MOBILITY), { properties: ['definition'], excludeNested: true });
    const withDefinition = vs.expansion?.contains?.filter((c) => propertiesOf(c).some((p) => p.code === 'definition')) ?? [];
    expect(withDefinition.length).toBeGreaterThan(0);
  });
});

describe('filters', () => {
  it('matches a regex filter against the whole display', () => {
    const vs = expand(inline({ include: [{ system: FSIII, filter: [{ property: 'display', op: 'regex', value: 'Afklarende.*' }] }] }));
    const displays = flatten(vs.expansion?.contains).map((c) => c.display);
    expect(displays).toContain('Afklarende samtale');
    expect(displays.every((d) => d?.startsWith('Afklarende'))).toBe(true);
  });

  it('runs a catastrophic regex in linear time', () => {
    const cs: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.org/cs/long', status: 'active', content: 'complete',
      concept: [{ code: `${'a'.repeat(60)}!` }, { code: 'a'.repeat(60) }],
    };
    const started = Date.now();
    const vs = expand(inline({ include: [{ system: cs.url, filter: [{ property: 'code', op: 'regex', value: '(a+)+' }] }] }), {}, registry.withOverlay([cs]));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(vs.expansion?.contains?.map((c) => c.code)).toEqual(['a'.repeat(60)]);
  });

  it('refuses a regex it cannot compile with a 400', () => {
    const vs = inline({ include: [{ system: FSIII, filter: [{ property: 'code', op: 'regex', value: '(unclosed' }] }] });
    expect(() => expand(vs)).toThrow(FhirError);
    expect(() => expand(vs)).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('finds Færdighedstræning with the text filter spelled færdig or faerdig', () => {
    for (const text of ['færdig', 'faerdig', 'FAERDIGHEDSTRAENING']) {
      const vs = expand(inline({ include: [{ system: FSIII }] }), { textFilter: text });
      expect(flatten(vs.expansion?.contains).map((c) => c.display)).toContain('Færdighedstræning');
    }
  });

  it('lists the hits of a text filter over a whole code system flat', () => {
    const vs = expand(inline({ include: [{ system: FSIII }] }), { textFilter: 'mobilitet' });
    expect(vs.expansion?.contains?.length).toBe(vs.expansion?.total);
  });
});

describe('languages and designations', () => {
  it('shows the Danish display when another language is preferred but not required', () => {
    const vs = expand(subtree(MOBILITY), { languages: parseLanguagePreference('en'), excludeNested: true });
    expect(vs.expansion?.contains?.[0]?.display).toBe('Mobilitet');
  });

  it('reads a display language weight written `Q=` as `q=`', () => {
    expect(parseLanguagePreference('en;Q=0.2, da, *;Q=0')).toEqual({ tags: ['da', 'en'], fallback: false });
  });

  it('shows no display when the request rules out every language FSIII has', () => {
    const vs = expand(subtree(MOBILITY), { languages: parseLanguagePreference('en, *; q=0'), excludeNested: true, includeDesignations: true });
    const top = vs.expansion?.contains?.[0];
    expect(top?.display).toBeUndefined();
    expect(top?.designation).toContainEqual(expect.objectContaining({ language: 'da', value: 'Mobilitet' }));
  });
});

describe('versions and supplements', () => {
  it('names the code system version once (used-codesystem), not on every code', () => {
    const vs = expand(subtree(MOBILITY));
    expect(param(vs, 'used-codesystem')).toEqual([{ name: 'used-codesystem', valueUri: `${FSIII}|20240530` }]);
    expect(flatten(vs.expansion?.contains).every((c) => c.version === undefined)).toBe(true);
  });

  it('refuses a required supplement it does not have', () => {
    expect(() => expand(subtree(MOBILITY), { evaluation: { supplements: ['http://example.org/no-such-supplement'] } })).toThrow(
      expect.objectContaining({ status: 404, message: 'Required supplement not found: http://example.org/no-such-supplement' }),
    );
  });

  it('refuses a code system version that check-system-version rules out', () => {
    const pinned = inline({ include: [{ system: FSIII, version: '20240530', concept: [{ code: MOBILITY }] }] });
    expect(() => expand(pinned, { evaluation: { checkSystemVersions: new Map([[FSIII, '2023.x']]) } })).toThrow(
      expect.objectContaining({ status: 400, code: 'exception' }),
    );
    expect(expand(pinned, { evaluation: { checkSystemVersions: new Map([[FSIII, '20240530']]) } }).expansion?.total).toBe(1);
  });

  it('reports a pinned code system version it does not know, with the versions it does', () => {
    const vs = inline({ include: [{ system: FSIII, version: '1999' }] });
    expect(() => expand(vs)).toThrow(/version '1999' could not be found.*Valid versions: 20240530/);
  });
});

describe('definition elements', () => {
  it('returns the compose only with includeDefinition', () => {
    const catalog = registry.find('ValueSet', CATALOG_119)!;
    expect(expand(catalog).compose).toBeUndefined();
    expect(expand(catalog, { includeDefinition: true }).compose).toEqual(catalog.compose);
  });
});

describe('serialized expansion', () => {
  const withoutStamp = (json: string) => json.replace(/"identifier":"urn:uuid:[^"]*","timestamp":"[^"]*"/g, '"identifier":"-","timestamp":"-"');

  it.each<[string, ValueSet, Partial<ExpansionRequest>]>([
    ['a nested subtree', subtree(REHAB_CONDITIONS), {}],
    ['a nested subtree with properties', subtree(REHAB_CONDITIONS), { properties: ['parent', 'child', 'definition'] }],
    ['a filtered page', subtree(REHAB_CONDITIONS), { textFilter: 'tr', count: 5, offset: 1 }],
    ['the §119 catalog grouped', { resourceType: 'ValueSet', status: 'active', compose: { include: [{ valueSet: [CATALOG_119] }] } }, { nestingAsked: true }],
    ['an empty selection', subtree(REHAB_CONDITIONS), { textFilter: 'zzzzqq' }],
    ['a value set without elements of its own', { resourceType: 'ValueSet', compose: subtree(MOBILITY).compose } as ValueSet, {}],
    ['a filtered page of a catalog, with designations', { resourceType: 'ValueSet', status: 'active', compose: { include: [{ valueSet: [CATALOG_119] }] } }, { textFilter: 'træn', count: 5, includeDesignations: true }],
    ['with designations', subtree(MOBILITY), { includeDesignations: true, includeDefinition: true }],
    ['codes that carry extensions, with and without the same properties', inline({
      include: [{
        system: FSIII,
        concept: [
          { code: REHAB_CONDITIONS, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/valueset-deprecated', valueBoolean: true }] },
          { code: MOBILITY, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/rendering-style', valueString: 'font-weight: bold' }] },
          { code: RETIRED_SMOKING_CESSATION, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/rendering-style', valueString: 'font-weight: bold' }] },
          { code: '6d24992e-e0a2-43e7-bc27-0234622a8655' },
        ],
      }],
    }), { properties: ['status'] }],
    ['with the definition of a value set that has an expansion of its own', {
      ...subtree(MOBILITY), description: 'Æblegrød – "quoted"',
      contained: [{ resourceType: 'ValueSet', id: 'c', status: 'active', expansion: { identifier: 'x', timestamp: '2020-01-01', contains: [{ code: 'a' }] } } as ValueSet],
    } as ValueSet, { includeDefinition: true }],
    ['a value set given by its expansion, nested under a group without a code', {
      resourceType: 'ValueSet', status: 'active', expansion: { timestamp: '2020-01-01', contains: [
        { system: 'http://example.org/s', code: 'a', display: 'A', contains: [{ system: 'http://example.org/s', code: 'a1' }] },
        { abstract: true, display: 'group', contains: [{ system: 'http://example.org/s', code: 'b', display: 'B' }, { abstract: true, contains: [{ system: 'http://example.org/s', code: 'c' }] }] },
      ] },
    } as ValueSet, {}],
  ])('is byte for byte the JSON of the expansion: %s', (_, vs, request) => {
    for (let round = 0; round < 2; round++) {
      const serialized = serializedExpansion(registry, vs, expansionRequest(request));
      const text = serialized.bytes.toString('utf8');
      expect(withoutStamp(text)).toBe(withoutStamp(JSON.stringify(expand(vs, request))));
      const parsed = JSON.parse(text) as ValueSet;
      expect(parsed.expansion?.identifier).toBe(serialized.identifier);
      expect(parsed.expansion?.timestamp).toBe(serialized.timestamp);
      // the response cache's template: cut at exactly the identifier's and the timestamp's JSON strings
      const [before, between, after] = serialized.aroundStamp();
      expect(between.toString('utf8')).toBe(',"timestamp":');
      const id = Buffer.from(JSON.stringify(serialized.identifier));
      const ts = Buffer.from(JSON.stringify(serialized.timestamp));
      expect(Buffer.concat([before, id, between, ts, after]).equals(serialized.bytes)).toBe(true);
    }
  });

  it('is byte for byte the JSON of the expansion of a packed local catalog, with its niveau-2 targets', () => {
    const catalogs = publishedCatalogs();
    const packed = new TerminologyRegistry([new ResourceSet(catalogs.resources.map(packResource))], catalogs.defaultSupplements);
    const local = inline({ include: [{ system: 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser' }] });
    const request = { properties: ['type', 'status', NIVEAU2_PROPERTY], propertySource: localPropertySource(packed) };
    for (const textFilter of ['kol', undefined]) {
      const serialized = serializedExpansion(packed, local, expansionRequest({ ...request, textFilter }));
      const text = withoutStamp(serialized.bytes.toString('utf8'));
      expect(text).toBe(withoutStamp(JSON.stringify(expand(local, { ...request, textFilter }, packed))));
      expect(text).toContain(`"valueCode":"${NIVEAU2_PROPERTY}"`);
    }
  });
});

describe('evaluations kept between requests', () => {
  it('keeps at most MAX_OPTION_SETS per value set, however many distinct version parameters requests send', () => {
    const vs = inline({ include: [{ system: FSIII, filter: [{ property: 'concept', op: 'is-a', value: REHAB_CONDITIONS }] }] });
    const plain = evaluateValueSet(registry, vs);
    expect(evaluateValueSet(registry, vs)).toBe(plain);
    for (let i = 0; i < 200; i++) {
      for (const rule of ['systemVersions', 'checkSystemVersions', 'forceSystemVersions', 'defaultValueSetVersions'] as const) {
        evaluateValueSet(registry, vs, { [rule]: new Map([['http://y.org/b', String(i)]]) });
        expect(keptEvaluations(registry, vs)).toBeLessThanOrEqual(MAX_OPTION_SETS);
      }
    }
    const again = evaluateValueSet(registry, vs);
    expect(again.entries.map((e) => e.code)).toEqual(plain.entries.map((e) => e.code));
    expect(evaluateValueSet(registry, vs)).toBe(again);
  });

  it('indexes a kept evaluation by system and code, and by code alone, for membership checks', () => {
    const ffbCode = '67b4ac73-dedf-4337-ad56-476b0a55ab03'; // Social indsats
    const vs = inline({
      include: [
        { system: FSIII, filter: [{ property: 'concept', op: 'is-a', value: REHAB_CONDITIONS }] },
        { system: FFB, concept: [{ code: ffbCode, display: 'Vist som i værdisættet' }] },
      ],
    });
    const evaluated = evaluateValueSet(registry, vs);
    expect(evaluated.index.get(entryKey(FSIII, MOBILITY))).toMatchObject({ system: FSIII, code: MOBILITY });
    expect(evaluated.index.get(entryKey(FFB, ffbCode))).toMatchObject({ system: FFB, code: ffbCode, display: 'Vist som i værdisættet' });
    expect(evaluated.index.has(entryKey(FFB, MOBILITY))).toBe(false);
    expect(evaluated.index.has(entryKey(FSIII, ffbCode))).toBe(false);
    expect(evaluated.index.size).toBe(evaluated.entries.length);
    expect(evaluated.codes.has(ffbCode)).toBe(true);
    expect(evaluated.codes.has(MOBILITY)).toBe(true);
    expect(evaluated.codes.has(RETIRED_SMOKING_CESSATION)).toBe(false);
    expect([...evaluated.codes].sort()).toEqual(evaluated.entries.map((e) => e.code).sort());
    // the same indexes on the next request, with the evaluation
    expect(evaluateValueSet(registry, vs).index).toBe(evaluated.index);
  });
});
