/**
 * scripts/kl-examples.mjs: the FSH of a small IG in a git repository (written here, in the forms KL's IGs use)
 * becomes the FHIR JSON SUSHI would make of its examples, with the manifest.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'kl-examples.mjs');

const FSH = `Alias: $FSIII = urn:oid:1.2.208.176.2.21
Alias: $KLCommonCodes = http://fhir.kl.dk/term/CodeSystem/CareSocialCodes

Profile: TestPlan
Parent: CarePlan
Id: test-plan
* activity.detail.code.coding contains level2 0..1 and level3 0..1
* activity.detail.extension contains DeliveryType named deliveryType 1..1

Profile: TestCitizen
Parent: http://hl7.dk/fhir/core/StructureDefinition/dk-core-patient
Id: test-citizen

Extension: DeliveryType
* value[x] only CodeableConcept

Extension: CaseNumber
Id: case-number
* extension contains municipalitySpecific 0..1

RuleSet: Entry(type, instance)
* entry[+].fullUrl = "https://test.fhir.dk/{type}/{instance}" // a comment
* entry[=].resource = {instance}

Instance: Citizen
InstanceOf: test-citizen
Usage: #inline
* identifier.value = "0101010101"
* deceasedBoolean = false

Instance: plan-v2
InstanceOf: TestPlan
Title: "A plan"
Usage: #inline
* id = "plan"
* activity.detail.code.coding[level2] = $FSIII#c9a99304-1788-43b7-b7be-e187b092ae9c "Kostvejledning"
* activity.detail.extension[deliveryType].valueCodeableConcept = $KLCommonCodes#8d12d74c-17da-47a7-a4fe-e69dbaec0a8c "Individuel indsats"
* activity.detail.status = http://hl7.org/fhir/care-plan-activity-status#in-progress
* intent = #plan
* subject = Reference(Citizen)
* period.start = 2022-06-02
* extension[CaseNumber].extension[municipalitySpecific].valueIdentifier
  * system = "http://example.dk/case"
  * value = "Sag 1"

/* a block
   comment */
Instance: Report
InstanceOf: Bundle
Description: "A report"
* type = #collection
* timestamp = 2022-06-10T23:25:12Z
* insert Entry(Patient, Citizen)
* insert Entry(CarePlan, plan-v2)

Instance: ReportValidationError
InstanceOf: Bundle
Description: "ReportValidationError"
Usage: #example
* type = #collection
`;

let dir: string;
let out: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-fsh-'));
  out = path.join(dir, 'out');
  fs.mkdirSync(path.join(dir, 'input', 'fsh'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'sushi-config.yaml'), 'id: test.ig\ncanonical: http://example.org/ig\nversion: 1.0.0\n');
  fs.writeFileSync(path.join(dir, 'input', 'fsh', 'test.fsh'), FSH);
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { stdio: 'pipe' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', 'ig');
  execFileSync(process.execPath, [SCRIPT, '--out', out, `owner/test-ig=${dir}`], { stdio: 'pipe' });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(out, 'test-ig', `${name}.json`), 'utf8'));

describe('the KL example converter', () => {
  it('writes the examples (not the inline instances) and a manifest with commit, file and KL\'s intent', () => {
    expect(fs.readdirSync(path.join(out, 'test-ig')).sort()).toEqual(['Report.json', 'ReportValidationError.json']);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    const commit = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    expect(manifest.sources).toEqual([{ repo: 'owner/test-ig', commit, canonical: 'http://example.org/ig', version: '1.0.0' }]);
    expect(manifest.examples.map((e: { instance: string; klIntent: string; file: string }) => [e.instance, e.klIntent, e.file])).toEqual([
      ['Report', 'valid', 'input/fsh/test.fsh'],
      ['ReportValidationError', 'invalid', 'input/fsh/test.fsh'],
    ]);
  });

  it('embeds inline instances by RuleSet, with profiles, ids, references, slices, extension urls and typed values', () => {
    expect(fixture('Report')).toEqual({
      resourceType: 'Bundle', id: 'Report', type: 'collection', timestamp: '2022-06-10T23:25:12Z',
      entry: [
        {
          fullUrl: 'https://test.fhir.dk/Patient/Citizen',
          resource: {
            resourceType: 'Patient', id: 'Citizen', meta: { profile: ['http://example.org/ig/StructureDefinition/test-citizen'] },
            identifier: [{ value: '0101010101' }], deceasedBoolean: false,
          },
        },
        {
          fullUrl: 'https://test.fhir.dk/CarePlan/plan-v2',
          resource: {
            resourceType: 'CarePlan', id: 'plan', meta: { profile: ['http://example.org/ig/StructureDefinition/test-plan'] },
            activity: [{
              detail: {
                code: { coding: [{ system: 'urn:oid:1.2.208.176.2.21', code: 'c9a99304-1788-43b7-b7be-e187b092ae9c', display: 'Kostvejledning' }] },
                extension: [{
                  url: 'http://example.org/ig/StructureDefinition/DeliveryType',
                  valueCodeableConcept: { coding: [{ system: 'http://fhir.kl.dk/term/CodeSystem/CareSocialCodes', code: '8d12d74c-17da-47a7-a4fe-e69dbaec0a8c', display: 'Individuel indsats' }] },
                }],
                status: 'in-progress',
              },
            }],
            intent: 'plan',
            subject: { reference: 'Patient/Citizen' },
            period: { start: '2022-06-02' },
            extension: [{
              url: 'http://example.org/ig/StructureDefinition/case-number',
              extension: [{ url: 'municipalitySpecific', valueIdentifier: { system: 'http://example.dk/case', value: 'Sag 1' } }],
            }],
          },
        },
      ],
    });
  });
});
