import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StructureDefinition } from 'fhir/r4';
import { FhirSchemaValidator } from '../../src/fhir/schema-validator';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { danishOf, KL_PROFILE_EXTENSION, loadProfiles, ProfileLoadError } from '../../src/validation/profile-registry';
import { publishedCatalogs, ROOT } from '../support/app';

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
    const catalogs = publishedCatalogs();
    const registry = new TerminologyRegistry([new ResourceSet(catalogs.resources)], catalogs.defaultSupplements);
    const bindings = profiles.list().flatMap((p) => (p.resource.differential?.element ?? []).filter((e) => e.binding).map((e) => ({ id: e.id, ...e.binding! })));
    expect(bindings.length).toBe(22);
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
      'klgateway-119-care-plan-1', 'klgateway-119-care-plan-2',
      'klgateway-119-intervention-1', 'klgateway-119-intervention-2',
      'klgateway-140-care-plan-1', 'klgateway-140-care-plan-2',
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

  it('recognise Nikotin- og tobaksafvænning in the §119 rule and compare codes per coding, so a niveau-3 coding does not hide them', () => {
    const sd = profiles.byResourceId('klgateway-119-planned-intervention')!.resource;
    const rule = sd.differential!.element[0]!.constraint!.find((c) => c.key === 'klgateway-119-intervention-1')!;
    expect(rule.expression).toContain("'6d24992e-e0a2-43e7-bc27-0234622a8655'");
    expect(rule.expression).toMatch(/^activity\.detail\.code\.coding\.where\(system = 'urn:oid:1\.2\.208\.176\.2\.21' and code in \(/);
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

  it('are what profiles/build/build.mjs generates', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-profiles-'));
    try {
      execFileSync(process.execPath, [path.join(PROFILES_DIR, 'build', 'build.mjs'), out], { stdio: 'ignore' });
      const generated = fs.readdirSync(out).sort();
      expect(generated).toEqual(fs.readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.json')).sort());
      for (const f of generated) expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(fs.readFileSync(path.join(PROFILES_DIR, f), 'utf8'));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
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
