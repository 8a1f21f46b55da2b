import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { issueText } from '../../src/errors/issue';
import type { RuleIssue } from '../../src/municipal/rule-issues';
import { validateTerminologyResource } from '../../src/municipal/write-rules';
import { TerminologyLoadError, type LoadedTerminology } from '../../src/terminology/loader';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';
import { FhirSchemaValidator } from '../../src/fhir/schema-validator';
import { publishedCatalogs, testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, sampleCatalog } from '../support/local';

let registry: TerminologyRegistry;
beforeAll(() => {
  const published = publishedCatalogs();
  registry = new TerminologyRegistry([new ResourceSet(), new ResourceSet(published.resources)], published.defaultSupplements);
});

/** Validates `resource` with the others written alongside it (as a transaction does). */
const schema = new FhirSchemaValidator();
function validate(resource: TerminologyResource, ...alongside: TerminologyResource[]): RuleIssue[] {
  return validateTerminologyResource(resource, registry.withOverlay([resource, ...alongside]), schema);
}

const errors = (issues: RuleIssue[]) => issues.filter((i) => i.severity === 'error');
const warnings = (issues: RuleIssue[]) => issues.filter((i) => i.severity === 'warning');

const ALKOHOL_CONDITION = '57b8979f-cf46-4312-aafa-3a0dd93aa921'; // a condition (tilstand), not an intervention

describe('validation of a municipality\'s local catalog', () => {
  it('accepts a well-formed catalog and map', () => {
    const { codeSystem, conceptMap } = sampleCatalog('101');
    expect(validate(codeSystem)).toEqual([]);
    expect(validate(conceptMap, codeSystem)).toEqual([]);
  });

  it('accepts the example municipality 370 as published (the load-time check)', () => {
    const examples = publishedCatalogs().resources.filter((r) => r.url?.startsWith('http://faelles-tx.dk/fhir/kommune/370/'));
    expect(examples.map((r) => r.resourceType).sort()).toEqual(['CodeSystem', 'ConceptMap']);
    for (const r of examples) expect(errors(validateTerminologyResource(r, registry))).toEqual([]);
  });

  it('reports duplicate codes', () => {
    const cs = localCodeSystem('101', 'x', [
      { code: 'A', display: 'A', type: 'indsats' },
      { code: 'A', display: 'A again', type: 'indsats' },
    ]);
    const issues = errors(validate(cs));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'duplicate', localCode: 'A', expression: ['CodeSystem.concept[1].code'] });
  });

  it('names a nested concept\'s problems by its path, and a duplicate\'s first occurrence', () => {
    const cs = localCodeSystem('101', 'x', [{ code: 'A', display: 'A', type: 'indsats' }, { code: 'B', display: 'B', type: 'indsats' }]);
    const nested = { ...cs.concept![1]!, code: 'A', display: ' ' };
    cs.concept![1]!.concept = [{ ...cs.concept![0]!, code: 'C' }, nested];
    const found = validate(cs).map((i) => [i.expression?.[0], issueText(i)]);
    expect(found).toEqual([
      ['CodeSystem.concept[1].concept[1].code', 'Duplicate code \'A\' (first at CodeSystem.concept[0])'],
      ['CodeSystem.concept[1].concept[1].display', 'Local code \'A\' has no display (title)'],
    ]);
    nested.property = [{ code: 'type', valueCode: 'indsats' }, { code: 'type', valueCode: 'tilbud' }, { code: 'status', valueCode: 'gone' }];
    expect(validate(cs).slice(2).map((i) => [i.expression?.[0], issueText(i)])).toEqual([
      ['CodeSystem.concept[1].concept[1].property', 'Local code \'A\' has 2 \'type\' values; give exactly one of indsats, tilbud'],
      ['CodeSystem.concept[1].concept[1].property', 'Local code \'A\' has status \'gone\'; use active, retired, deprecated or draft'],
    ]);
  });

  it('requires the type property on every local concept, and indsats or tilbud as its value', () => {
    const cs = localCodeSystem('101', 'x', [{ code: 'A', display: 'A', type: 'indsats' }, { code: 'B', display: 'B', type: 'indsats' }]);
    cs.concept![0]!.property = [];
    cs.concept![1]!.property = [{ code: 'type', valueCode: 'ydelse' }];
    const texts = errors(validate(cs)).map((i) => issueText(i));
    expect(texts).toEqual([expect.stringMatching(/'A' has no 'type' property/), expect.stringMatching(/'B' has type 'ydelse'/)]);
  });

  it('requires the url pattern and the kommunekode identifier to agree', () => {
    const cs = localCodeSystem('101', 'x', [{ code: 'A', display: 'A', type: 'indsats' }]);
    cs.identifier = [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '147' }];
    expect(errors(validate(cs)).map((i) => issueText(i))).toEqual([expect.stringMatching(/identifier '147' does not match the municipality 101/)]);
    const noId = localCodeSystem('101', 'y', [{ code: 'A', display: 'A', type: 'indsats' }]);
    delete noId.identifier;
    expect(errors(validate(noId))[0]).toMatchObject({ code: 'required', expression: ['CodeSystem.identifier'] });
    const wrongUrl = { ...localCodeSystem('101', 'z', [{ code: 'A', display: 'A', type: 'indsats' }]), url: 'http://example.org/CodeSystem/z' };
    expect(issueText(errors(validate(wrongUrl))[0]!)).toMatch(/needs a url of the form http:\/\/faelles-tx\.dk\/fhir\/kommune\/\{kommunekode\}\/CodeSystem\/\{name\}/);
  });

  it('reports a target code that is not in the common catalog the group names', () => {
    const { codeSystem } = sampleCatalog('101');
    const cm = localConceptMap('101', 'lokale-indsatser', [{ code: '101-BOLD', targets: ['no-such-code'] }]);
    const issues = errors(validate(cm, codeSystem));
    expect(issues).toEqual([expect.objectContaining({ code: 'code-invalid', localCode: '101-BOLD', text: expect.objectContaining({ en: expect.stringMatching(/'no-such-code' .* is not in .*urn:oid:1\.2\.208\.176\.2\.21\|20240530/) }) })]);
  });

  it('warns about a retired target and names its replacement', () => {
    const { codeSystem } = sampleCatalog('101');
    const cm = localConceptMap('101', 'lokale-indsatser', [{ code: '101-BOLD', targets: [CODES.tobaksafvaenningRetired] }]);
    const issues = validate(cm, codeSystem);
    expect(errors(issues)).toEqual([]);
    expect(warnings(issues)).toEqual([expect.objectContaining({
      code: 'business-rule',
      text: expect.objectContaining({ en: expect.stringMatching(new RegExp(`is retired; it is replaced by ${CODES.nikotin} \\(Nikotin- og tobaksafvænning\\)`)) }),
    })]);
  });

  it("refuses group.unmapped provided or fixed on a municipality's map (each local code is mapped itself); other-map may stay", () => {
    const { codeSystem } = sampleCatalog('101');
    const modes = [{ mode: 'provided' }, { mode: 'fixed', code: CODES.fysiskTraening119 }, { mode: 'other-map', url: 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/andre' }] as const;
    const found = modes.map((unmapped) => {
      const cm = localConceptMap('101', 'lokale-indsatser', [{ code: '101-BOLD', targets: [CODES.fysiskTraening119] }]);
      cm.group![0]!.unmapped = { ...unmapped };
      return errors(validate(cm, codeSystem)).map((i) => [i.expression?.[0], issueText(i).slice(0, 38)]);
    });
    expect(found).toEqual([
      [['ConceptMap.group[0].unmapped.mode', "The group's unmapped mode 'provided' i"]],
      [['ConceptMap.group[0].unmapped.mode', "The group's unmapped mode 'fixed' is n"]],
      [],
    ]);
  });

  it('warns about a legacy key as a target (judged by the code it stands for), and refuses a grouping concept or a condition', () => {
    const { codeSystem } = sampleCatalog('101');
    const legacyKey = CODES.sygdomshaandtering.replace(/-/g, '_');
    const cm = localConceptMap('101', 'lokale-indsatser', [
      { code: '101-BOLD', targets: [legacyKey] },
      { code: '101-BALANCE', targets: [CODES.paragraf119] },
      { code: '101-KOL', targets: [ALKOHOL_CONDITION] },
    ]);
    const issues = validate(cm, codeSystem);
    expect(warnings(issues).map((i) => issueText(i))).toEqual([
      expect.stringMatching(new RegExp(`'${legacyKey}' .* is a legacy key; use the code ${CODES.sygdomshaandtering}`)),
    ]);
    expect(errors(issues).map((i) => [i.expression?.[0], issueText(i)])).toEqual([
      ['ConceptMap.group[0].element[1].target[0].code', expect.stringMatching(new RegExp(`^Target code '${CODES.paragraf119}' \\(for '101-BALANCE'\\) is not a common \\(niveau 2\\) intervention, service or offer`))],
      ['ConceptMap.group[0].element[2].target[0].code', expect.stringMatching(new RegExp(`^Target code '${ALKOHOL_CONDITION}' \\(for '101-KOL'\\) is not a common \\(niveau 2\\)`))],
    ]);
    expect(errors(issues)[1]!.text).toMatchObject({ da: expect.stringMatching(/er ikke en fælleskommunal indsats, ydelse eller et tilbud på niveau 2: .*ikke til en tilstand eller et grupperingsbegreb\.$/) });
  });

  it('refuses a target neither in the value set the map names nor niveau-2 once, as not in the value set', () => {
    const { codeSystem } = sampleCatalog('101');
    const cm = localConceptMap('101', 'lokale-indsatser', [{ code: '101-KOL', targets: [ALKOHOL_CONDITION] }]);
    cm.targetUri = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';
    expect(errors(validate(cm, codeSystem)).map((i) => [i.expression?.[0], issueText(i)])).toEqual([
      ['ConceptMap.group[0].element[0].target[0].code', expect.stringMatching(new RegExp(`^Target code '${ALKOHOL_CONDITION}' \\(for '101-KOL'\\) is not in the target value set`))],
    ]);
  });

  it('holds a map naming a target scope of its own (a code system, a value set) to the niveau-2 catalogs too', () => {
    const { codeSystem } = sampleCatalog('101');
    for (const scope of ['urn:oid:1.2.208.176.2.21', 'http://fhir.kl.dk/term/ValueSet/KLConditionCodes']) {
      const cm = localConceptMap('101', 'lokale-indsatser', [{ code: '101-KOL', targets: [ALKOHOL_CONDITION] }]);
      cm.targetUri = scope;
      const found = errors(validate(cm, codeSystem)).map((i) => issueText(i));
      expect(found).toEqual([expect.stringMatching(new RegExp(`^Target code '${ALKOHOL_CONDITION}' \\(for '101-KOL'\\) is not a common \\(niveau 2\\)`))]);
    }
  });

  it('requires exactly one target for a local intervention and at least one for an offer', () => {
    const { codeSystem } = sampleCatalog('101');
    const cm = localConceptMap('101', 'lokale-indsatser', [
      { code: '101-KOL', targets: [] },
      { code: '101-BOLD', targets: [] },
      { code: '101-BALANCE', targets: [CODES.fysiskTraening119, CODES.fysiskTraening140] },
    ]);
    const texts = errors(validate(cm, codeSystem)).map((i) => issueText(i));
    expect(texts).toEqual(expect.arrayContaining([
      expect.stringMatching(/Offer '101-KOL' has no target/),
      expect.stringMatching(/Local intervention '101-BOLD' has no target/),
      expect.stringMatching(/Local intervention '101-BALANCE' has 2 targets/),
    ]));
    expect(texts).toHaveLength(3);
  });

  it('refuses a map whose source is another municipality\'s catalog', () => {
    const other = sampleCatalog('147');
    const cm = localConceptMap('101', 'lokale-indsatser', [{ code: '147-BOLD', targets: [CODES.fysiskTraening119] }], other.codeSystem.url);
    const texts = errors(validate(cm, other.codeSystem)).map((i) => issueText(i));
    expect(texts).toEqual(expect.arrayContaining([
      expect.stringMatching(/source '.*\/kommune\/147\/CodeSystem\/lokale-indsatser' is a catalog of municipality 147, not of 101/),
      expect.stringMatching(/is a catalog of municipality 147; municipality 101 can only map its own catalogs/),
    ]));
  });

  it('lists every problem of a map at once', () => {
    const { codeSystem } = sampleCatalog('101');
    const cm = localConceptMap('101', 'lokale-indsatser', [
      { code: '101-KOL', targets: [] },
      { code: '101-BOLD', targets: ['nope', CODES.fysiskTraening119] },
      { code: 'NOT-LOCAL', targets: [CODES.fysiskTraening140] },
      { code: '101-BALANCE', targets: [CODES.tobaksafvaenningRetired] },
    ]);
    const issues = validate(cm, codeSystem);
    expect(errors(issues).map((i) => i.code).sort()).toEqual(['business-rule', 'business-rule', 'code-invalid', 'code-invalid']);
    expect(warnings(issues)).toHaveLength(1);
  });

  it('names each problem of a map by the element and target it is found at', () => {
    const { codeSystem } = sampleCatalog('101');
    const cm = localConceptMap('101', 'lokale-indsatser', [
      { code: '101-KOL', targets: [CODES.kostvejledning, CODES.kostvejledning] },
      { code: '101-BOLD', targets: [] },
      { code: 'NOT-LOCAL', targets: ['nope'] },
      { code: '101-KOL', targets: [CODES.nikotin] },
    ]);
    cm.targetUri = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
    const first = cm.group![0]!;
    first.element.push({ target: [{ code: CODES.fysiskTraening119 }] } as never, { code: '101-BALANCE', target: [{ equivalence: 'inexact' }, { code: CODES.fysiskTraening140, equivalence: 'inexact' }] });
    cm.group!.push({ ...first, element: [{ code: '101-BALANCE', target: [{ code: CODES.fysiskTraening119, equivalence: 'subsumes' }] }] });
    const found = validate(cm, codeSystem).map((i) => [i.severity, i.expression?.[0], issueText(i)]);
    const g0 = 'ConceptMap.group[0]';
    expect(found).toEqual([
      ['error', `${g0}.element[0].target[1].code`, "Local code '101-KOL' lists target 'c9a99304-1788-43b7-b7be-e187b092ae9c' twice"],
      ['error', `${g0}.element[2].code`, expect.stringMatching(/^Source code 'NOT-LOCAL' is not in Kommune 101 test \(/)],
      ['error', `${g0}.element[2].target[0].code`, expect.stringMatching(/^Target code 'nope' \(for 'NOT-LOCAL'\) is not in /)],
      ['error', `${g0}.element[3].code`, "Local code '101-KOL' has two elements in the same group (first at ConceptMap.group[0].element[0]); put all its targets in one element"],
      ['error', `${g0}.element[4].code`, 'The element has no code'],
      ['error', `${g0}.element[5].target[0].code`, "A target of '101-BALANCE' has no code (only equivalence unmatched or disjoint may leave it out)"],
      ['error', `${g0}.element[1]`, expect.stringMatching(/^Local intervention '101-BOLD' has no target;/)],
      ['error', `${g0}.element[5]`, expect.stringMatching(/^Local intervention '101-BALANCE' has 2 targets \(2abe20c7-c0b4-41c1-b397-52acf36499ef, ab87c0b5-40be-4e0a-b749-d9f833bfed2d\);/)],
      ['error', `${g0}.element[5].target[1].code`, expect.stringMatching(/^Target code '2abe20c7-c0b4-41c1-b397-52acf36499ef' \(for '101-BALANCE'\) is not in the target value set /)],
    ]);
  });

  it('reports schema problems before anything else', () => {
    const cm = { ...localConceptMap('101', 'x', []), status: 'nonsense' } as unknown as ConceptMap;
    expect(errors(validate(cm))[0]).toMatchObject({ code: 'structure', expression: ['ConceptMap.status'] });
  });
});

describe("a value set's filters on a write", () => {
  afterEach(() => jest.restoreAllMocks());

  it('are checked for a bounded time: a value set whose filters take longer is refused at the filter reached, not checked on', () => {
    const vs = {
      resourceType: 'ValueSet', url: 'http://faelles-tx.dk/fhir/kommune/101/ValueSet/mange-filtre', identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '101' }],
      version: '1', name: 'MangeFiltre', status: 'active',
      compose: { include: [{ system: 'urn:oid:1.2.208.176.2.21', filter: Array.from({ length: 5 }, (_, i) => ({ property: 'code', op: 'regex', value: `a${i}.*` })) }] },
    } as TerminologyResource;
    expect(errors(validate(vs))).toEqual([]);
    // each look at the clock finds 600 ms gone (compiling a filter is what takes the time)
    let now = 0;
    jest.spyOn(Date, 'now').mockImplementation(() => (now += 600));
    const refused = errors(validate(vs));
    expect(refused).toEqual([expect.objectContaining({ code: 'too-costly', expression: ['ValueSet.compose.include[0].filter[1]'] })]);
    expect(issueText(refused[0]!)).toMatch(/filters take more than 1000 ms to check/);
  });
});

describe('the published example municipality at start', () => {
  function withBrokenExample(edit: (cm: ConceptMap, cs: CodeSystem) => void): LoadedTerminology {
    const published = publishedCatalogs();
    const resources = published.resources.map((r) => {
      if (!r.url?.startsWith('http://faelles-tx.dk/fhir/kommune/370/')) return r;
      return structuredClone(r);
    });
    const cm = resources.find((r) => r.resourceType === 'ConceptMap' && r.url?.includes('/kommune/370/')) as ConceptMap;
    const cs = resources.find((r) => r.resourceType === 'CodeSystem' && r.url?.includes('/kommune/370/')) as CodeSystem;
    edit(cm, cs);
    return { ...published, resources, files: new Map(resources.map((r) => [r, published.files.get(r) ?? 'examples/kommune-370/edited.json'])) };
  }

  it('loads when its maps validate', async () => {
    const app = await testApp();
    expect(app.registry.find('ConceptMap', 'http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser')).toBeDefined();
  });

  it('stops start-up when a local intervention of the example maps to two interventions', async () => {
    const published = withBrokenExample((cm) => {
      const el = cm.group![0]!.element.find((e) => e.code === '370-BOLDSPIL')!;
      el.target!.push({ code: CODES.fysiskTraening140, equivalence: 'subsumes' });
    });
    await expect(testApp({}, { published }))
      .rejects.toThrow(TerminologyLoadError);
    await expect(testApp({}, { published }))
      .rejects.toThrow(/370-BOLDSPIL' has 2 targets/);
  });
});
