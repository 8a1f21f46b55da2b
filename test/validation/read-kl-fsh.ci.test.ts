import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../support/catalogs';

const READER = path.join(ROOT, 'profiles', 'build', 'read-kl-fsh.mjs');

const FSH = `Alias: $FSIII = urn:oid:1.2.208.176.2.21

Profile: ExampleIntervention
Parent: CarePlan
Id: example-intervention
Title: "Example"
* intent = #plan
* basedOn ..1
* basedOn only Reference(example-plan) // the care plan
* basedOn ^type.aggregation = #bundled
* note ..0
* activity.detail.code.coding ^slicing.discriminator.type = #value
* activity.detail.code.coding ^slicing.discriminator.path = "system"
* activity.detail.code.coding ^slicing.rules = #closed
* activity.detail.code.coding contains level2 0..1 and level3 0..1 MS
* activity.detail.code.coding[level2].system = $FSIII
* activity.detail.code.coding[level2] from SomeValueSet
* activity.detail.extension contains DeliveryType named deliveryType 1..1
* extension contains
   http://example.org/fhir/StructureDefinition/other named other 0..1
* period.start ^short = "[DK] start // not a comment"
* obeys example-1

Profile: ExamplePlan
Parent: CarePlan
Id: example-plan

Extension: DeliveryType
* value[x] only CodeableConcept
* ^context.expression = "CarePlan.activity.detail"
`;

const CONFIG = 'id: example.ig\ncanonical: http://example.org/ig\nversion: 1.0.0\n';

function run(fsh: string, config = CONFIG): { status: number; output?: Record<string, unknown>; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-fsh-'));
  try {
    fs.mkdirSync(path.join(dir, 'input', 'fsh'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'sushi-config.yaml'), config);
    fs.writeFileSync(path.join(dir, 'input', 'fsh', 'example.fsh'), fsh);
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'example');
    const out = path.join(dir, 'out.json');
    try {
      execFileSync(process.execPath, [READER, path.join(dir, '.git'), '--out', out], { stdio: 'pipe' });
    } catch (e) {
      return { status: (e as { status: number }).status, stderr: String((e as { stderr: Buffer }).stderr) };
    }
    return { status: 0, output: JSON.parse(fs.readFileSync(out, 'utf8')), stderr: '' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('profiles/build/read-kl-fsh.mjs', () => {
  it('reads the structural rules of a FSH profile and the value[x] rules of its extensions, with the commit', () => {
    const { output } = run(FSH);
    const igs = output!.igs as { commit: string; canonical: string }[];
    expect(igs[0]!.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(igs[0]!.canonical).toBe('http://example.org/ig');
    const profiles = output!.profiles as Record<string, { type: string; url: string; rules: unknown[] }>;
    expect(profiles['example-intervention']!.type).toBe('CarePlan');
    expect(profiles['example-intervention']!.rules).toEqual([
      { path: 'intent', assign: { code: 'plan', exactly: false } },
      { path: 'basedOn', max: '1' },
      { path: 'basedOn', only: 'Reference', targets: [{ profile: 'http://example.org/ig/StructureDefinition/example-plan', type: 'CarePlan' }] },
      { path: 'basedOn', aggregation: 'bundled' },
      { path: 'note', max: '0' },
      { path: 'activity.detail.code.coding', slicing: { discriminatorType: 'value', discriminatorPath: 'system', rules: 'closed' } },
      { path: 'activity.detail.code.coding', contains: [{ sliceName: 'level2', min: 0, max: '1' }, { sliceName: 'level3', min: 0, max: '1' }] },
      { path: 'activity.detail.code.coding:level2.system', assign: { uri: 'urn:oid:1.2.208.176.2.21', exactly: false } },
      { path: 'activity.detail.extension', contains: [{ sliceName: 'deliveryType', min: 1, max: '1', extension: 'http://example.org/ig/StructureDefinition/DeliveryType' }] },
      { path: 'extension', contains: [{ sliceName: 'other', min: 0, max: '1', extension: 'http://example.org/fhir/StructureDefinition/other' }] },
    ]);
    expect(output!.extensions).toEqual({
      'http://example.org/ig/StructureDefinition/DeliveryType': {
        name: 'DeliveryType', source: expect.objectContaining({ file: 'input/fsh/example.fsh' }), rules: [{ path: 'value[x]', only: ['CodeableConcept'] }],
      },
    });
  });

  it('resolves an extension of a dependency by name in the package that has it at the version the IG depends on', () => {
    const fsh = 'Profile: C\nParent: Condition\n* extension contains ConditionLastAssertedDate named lastAsserted 0..1\n';
    const sliceUrl = (config: string) => {
      const profiles = run(fsh, config).output!.profiles as Record<string, { rules: { contains?: { extension: string | null }[] }[] }>;
      return profiles['C']!.rules[0]!.contains![0]!.extension;
    };
    // kl-ffb-reporting's dependencies: dk-core 1.1.0 has no ConditionLastAssertedDate (it came in 2.1.0), KL core has
    const ffb = `${CONFIG}dependencies:\n  hl7.fhir.dk.core: 1.1.0\n  kl.dk.fhir.core: 1.2.0\n  kl.dk.fhir.term: 1.0.0\n\nmenu:\n  Home: index.html\n`;
    expect(sliceUrl(ffb)).toBe('http://fhir.kl.dk/core/StructureDefinition/ConditionLastAssertedDate');
    const dkCore3 = `${CONFIG}dependencies:\n  hl7.fhir.dk.core:\n    # uri: https://hl7.dk/fhir/core\n    version: 3.2.0\n`;
    expect(sliceUrl(dkCore3)).toBe('http://hl7.dk/fhir/core/StructureDefinition/ConditionLastAssertedDate');
    expect(sliceUrl(CONFIG)).toBeNull();
  });

  it('stops on a rule it does not understand, naming it, rather than leave a rule out', () => {
    const { status, stderr } = run('Profile: X\nParent: Condition\n* code contains nonsense\n');
    expect(status).not.toBe(0);
    expect(stderr).toContain("cannot read 'code contains nonsense'");
  });
});
