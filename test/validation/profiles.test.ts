import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StructureDefinition } from 'fhir/r4';
import { FhirSchemaValidator } from '../../src/fhir/schema-validator';
import { danishOf, KL_PROFILE_EXTENSION, loadProfiles, ProfileLoadError } from '../../src/profile-validation/profile-registry';
import { publishedRegistry, ROOT } from '../support/catalogs';
import { r4Resources } from '../support/r4-definitions';

const PROFILES_DIR = path.join(ROOT, 'profiles');
const schema = new FhirSchemaValidator();
const profiles = loadProfiles(PROFILES_DIR, schema);

const EXPECTED = [
  ['kl-reporting-ffb-condition', 'Condition'],
  ['kl-reporting-ffb-intervention', 'CarePlan'],
  ['kl-reporting-ffb-servicePerformer', 'CareTeam'],
  ['kl-reporting-ffb-targetGroup', 'Condition'],
  ['klgateway-119-care-plan', 'CarePlan'],
  ['klgateway-119-condition', 'Condition'],
  ['klgateway-119-planned-intervention', 'CarePlan'],
  ['klgateway-119-servicerequest', 'ServiceRequest'],
  ['klgateway-140-care-plan', 'CarePlan'],
  ['klgateway-140-condition', 'Condition'],
  ['klgateway-140-planned-intervention', 'CarePlan'],
  ['klgateway-140-servicerequest', 'ServiceRequest'],
  ['klgateway-care-condition', 'Condition'],
  ['klgateway-care-planned-intervention', 'CarePlan'],
];

describe('the profiles in profiles/', () => {
  it('are the gateway submissions of GATEWAY-RULES.md, one StructureDefinition each', () => {
    const got = profiles.list().map((p) => [p.resource.id, p.type]).sort(([a], [b]) => String(a).localeCompare(String(b)));
    expect(got).toEqual(EXPECTED);
    for (const p of profiles.list()) {
      expect(p.url).toBe(`http://faelles-tx.dk/fhir/StructureDefinition/${p.resource.id}`);
      expect(p.resource).toMatchObject({ fhirVersion: '4.0.1', kind: 'resource', derivation: 'constraint', abstract: false, status: 'active' });
      expect(p.resource.baseDefinition).toBe(`http://hl7.org/fhir/StructureDefinition/${p.type}`);
      expect(p.klProfile).toMatch(/^http:\/\/fhir\.kl\.dk\/(prevention|rehab|gateway|ffbreporting)\/StructureDefinition\//);
      expect(schema.validate(p.resource)).toEqual([]);
    }
  });

  it('name the ValueSet and strength of every binding, and every bound ValueSet is published by this server', () => {
    const registry = publishedRegistry();
    const bindings = profiles.list().flatMap((p) => (p.resource.differential?.element ?? []).filter((e) => e.binding).map((e) => ({ id: e.id, ...e.binding! })));
    expect(bindings.length).toBe(23);
    for (const b of bindings) {
      expect(b.strength).toBe('required');
      expect(b.valueSet).toMatch(/^http:\/\/fhir\.kl\.dk\//);
      expect(registry.findCanonical('ValueSet', b.valueSet!)).toBeDefined();
      expect(b.description).toBeTruthy();
    }
  });

  it('write every invariant in FHIRPath, with its text in English and Danish', () => {
    const constraints = profiles.list().flatMap((p) => (p.resource.differential?.element ?? []).flatMap((e) => e.constraint ?? []));
    expect(constraints.map((c) => c.key).sort()).toEqual([
      'gateway-140-service-request-1',
      'kl-reporting-ffb-condition-1',
      'klgateway-119-care-plan-1',
      'klgateway-119-intervention-1', 'klgateway-119-intervention-2',
      'klgateway-140-care-plan-1',
      'klgateway-140-intervention-1', 'klgateway-140-intervention-2',
      'klgateway-severity-mandatory-in-home-care-not-allowed-in-nursing',
    ]);
    for (const c of constraints) {
      expect(c.human).toBeTruthy();
      expect(danishOf((c as { _human?: Parameters<typeof danishOf>[0] })._human)).toBeTruthy();
      expect(c.expression).toBeTruthy();
    }
    for (const p of profiles.list()) {
      for (const inv of p.root.invariants) expect(typeof inv.evaluate).toBe('function');
    }
  });

  it('recognise Nikotin- og tobaksafvænning in the §119 rule, keep KL\'s expression and add the comparison per FSIII coding, so a niveau-3 coding does not hide them', () => {
    const sd = profiles.byResourceId('klgateway-119-planned-intervention')!.resource;
    const rule = sd.differential!.element[0]!.constraint!.find((c) => c.key === 'klgateway-119-intervention-1')!;
    expect(rule.expression).toContain("activity.detail.code.coding.code = '6d24992e-e0a2-43e7-bc27-0234622a8655'");
    expect(rule.expression).toMatch(/^\(activity\.detail\.code\.coding\.code = '[^']+' or .* implies basedOn\.exists\(\)\) and \(activity\.detail\.code\.coding\.where\(system = 'urn:oid:1\.2\.208\.176\.2\.21' and code in \(.*\)\)\.exists\(\) implies basedOn\.exists\(\)\)$/);
  });

  it('are found by their own canonical (with or without version) and by the KL profile they check submissions for', () => {
    const own = profiles.find('http://faelles-tx.dk/fhir/StructureDefinition/klgateway-140-condition');
    expect(own?.resource.id).toBe('klgateway-140-condition');
    expect(profiles.find('http://faelles-tx.dk/fhir/StructureDefinition/klgateway-140-condition|1.0.0')).toBe(own);
    expect(profiles.find('http://faelles-tx.dk/fhir/StructureDefinition/klgateway-140-condition|9.9.9')).toBeUndefined();
    expect(profiles.find('http://fhir.kl.dk/rehab/StructureDefinition/klgateway-140-condition|2.2.0')).toBe(own);
    expect(own?.resource.extension?.find((e) => e.url === KL_PROFILE_EXTENSION)?.valueCanonical)
      .toBe('http://fhir.kl.dk/rehab/StructureDefinition/klgateway-140-condition');
  });

  it('have a snapshot: the R4 base snapshot with the differential applied, slices after the element they slice', () => {
    const r4 = r4Resources<StructureDefinition>('profiles-resources');
    for (const p of profiles.list()) {
      const snapshot = p.resource.snapshot?.element ?? [];
      const base = r4.find((sd) => sd.id === p.type)!.snapshot!.element;
      const ids = snapshot.map((e) => e.id!);
      expect(new Set(ids).size).toBe(ids.length);
      for (const b of base) expect(ids).toContain(b.id);
      for (const d of p.resource.differential!.element) {
        const e = snapshot.find((x) => x.id === d.id)!;
        expect(e).toBeDefined();
        const { id: _id, path: _path, constraint, ...rest } = d;
        expect(e).toMatchObject(rest);
        for (const c of constraint ?? []) expect(e.constraint).toContainEqual(c);
      }
      // a slice comes after the element it slices and that element's children
      for (const [i, e] of snapshot.entries()) {
        if (!e.sliceName) continue;
        const sliced = ids.indexOf(e.id!.slice(0, e.id!.lastIndexOf(':')));
        expect(sliced).toBeGreaterThanOrEqual(0);
        expect(sliced).toBeLessThan(i);
      }
    }
    const intervention = profiles.byResourceId('klgateway-119-planned-intervention')!.resource.snapshot!.element;
    expect(intervention.find((e) => e.id === 'CarePlan.note')).toMatchObject({ min: 0, max: '0', short: 'Comments about the plan' });
    expect(intervention.find((e) => e.id === 'CarePlan.activity.detail.code.coding:level2.system')).toMatchObject({ fixedUri: 'urn:oid:1.2.208.176.2.21', type: [{ code: 'uri' }] });
  });

  it('carry KL\'s structural rules, read from KL\'s FSH at the recorded commits', () => {
    const structure = JSON.parse(fs.readFileSync(path.join(PROFILES_DIR, 'build', 'kl-structure.json'), 'utf8'));
    expect(structure.igs.map((ig: { repo: string; commit: string }) => ig.repo)).toEqual([
      'hl7dk/kl-gateway-prevention', 'hl7dk/kl-gateway-rehab', 'hl7dk/kl-gateway', 'hl7dk/kl-ffb-reporting',
    ]);
    for (const ig of structure.igs) expect(ig.commit).toMatch(/^[0-9a-f]{40}$/);
    const el = (id: string, element: string) => profiles.byResourceId(id)!.resource.differential!.element.find((e) => e.id === element);
    expect(el('klgateway-119-planned-intervention', 'CarePlan.note')).toMatchObject({ max: '0' });
    expect(el('klgateway-119-planned-intervention', 'CarePlan.subject')?.type).toEqual([
      { code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'], aggregation: ['bundled'] },
    ]);
    expect(el('klgateway-119-planned-intervention', 'CarePlan.basedOn')?.type?.[0]?.targetProfile).toEqual([
      'http://faelles-tx.dk/fhir/StructureDefinition/klgateway-119-care-plan',
    ]);
    expect(el('klgateway-140-servicerequest', 'ServiceRequest.extension:dischargeDate')).toMatchObject({
      min: 1, max: '1', type: [{ code: 'Extension', profile: ['http://fhir.kl.dk/rehab/StructureDefinition/PreconditionDate'] }],
    });
    expect(el('klgateway-140-servicerequest', 'ServiceRequest.occurrence[x]')?.type).toEqual([{ code: 'Period' }]);
    expect(el('kl-reporting-ffb-condition', 'Condition.extension')?.slicing?.rules).toBe('closed');
    expect(el('klgateway-119-condition', 'Condition.category.coding.code')).toMatchObject({ patternCode: 'problem-list-item' });
  });
});

describe('loading profiles', () => {
  const base = (): StructureDefinition => JSON.parse(fs.readFileSync(path.join(PROFILES_DIR, 'StructureDefinition-klgateway-119-condition.json'), 'utf8'));
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-bad-profiles-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, content: unknown) => fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  const loadError = (): string => {
    try {
      loadProfiles(dir, schema);
    } catch (e) {
      expect(e).toBeInstanceOf(ProfileLoadError);
      return (e as Error).message;
    }
    throw new Error('expected a ProfileLoadError');
  };

  it('gives no profiles for a missing folder', () => {
    expect(loadProfiles(path.join(dir, 'none'), schema).list()).toEqual([]);
  });

  it('stops on a file that is not JSON, naming it', () => {
    write('broken.json', '{ "resourceType": ');
    expect(loadError()).toMatch(/^[^:]+\/broken\.json: not valid JSON/);
  });

  it('stops on a StructureDefinition the FHIR schema rejects, naming the JSON path', () => {
    write('sd.json', { ...base(), differential: { element: 'nope' } });
    expect(loadError()).toMatch(/sd\.json: \$\.differential\.element: not a valid FHIR R4 StructureDefinition/);
  });

  it('stops on an element that does not exist in R4', () => {
    const sd = base();
    const at = sd.differential!.element.push({ id: 'Condition.code.colour', path: 'Condition.code.colour', min: 1 }) - 1;
    write('sd.json', sd);
    expect(loadError()).toBe(`${path.basename(dir)}/sd.json: $.differential.element[${at}].id: 'Condition.code.colour' is not an element of Condition in FHIR R4`);
  });

  it('stops on an invariant that is not FHIRPath', () => {
    const sd = base();
    const at = sd.differential!.element.push({ id: 'Condition', path: 'Condition', constraint: [{ key: 'x-1', severity: 'error', human: 'x', expression: 'code.where(' }] }) - 1;
    write('sd.json', sd);
    expect(loadError()).toMatch(new RegExp(`sd\\.json: \\$\\.differential\\.element\\[${at}\\]\\.constraint\\[0\\]\\.expression: 'code\\.where\\(' is not valid FHIRPath`));
  });

  it('stops on a slice that cannot be told apart from the others', () => {
    const sd = base();
    sd.differential!.element = sd.differential!.element.filter((e) => e.id !== 'Condition.code.coding');
    sd.differential!.element.push(
      { id: 'Condition.code.coding', path: 'Condition.code.coding', slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'closed' } },
      { id: 'Condition.code.coding:x', path: 'Condition.code.coding', sliceName: 'x' },
    );
    write('sd.json', sd);
    expect(loadError()).toMatch(/element 'Condition\.code\.coding:x': the slice has no fixed value at 'system'/);
  });

  it('stops on two profiles with the same url', () => {
    write('a.json', base());
    write('b.json', { ...base(), id: 'other' });
    expect(loadError()).toBe(`${path.basename(dir)}/b.json: $.url: 'http://faelles-tx.dk/fhir/StructureDefinition/klgateway-119-condition' is already defined by ${path.basename(dir)}/a.json`);
  });
});
