/**
 * Every extension of a submission, as HL7's validator (KL's gateway) checks it, whatever profile the resource claims:
 * its url is absolute (a part of a complex extension excepted) and names an extension this server knows (R4's, KL's,
 * those its profiles name); a url under one of KL's IGs that is none of their extensions (a misspelling) and an
 * unknown modifierExtension are errors, another unknown extension a warning (src/profile-validation/extension-checker.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../../src/app';
import { KL_GUIDES } from '../../src/profile-validation/kl-extensions';
import { testApp } from '../support/app';
import { errorsOf, klExample, validateWith, type Issue } from './outcome';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const validate = (body: unknown): Promise<Issue[]> => validateWith(app, body);
const kostvejledning = () => klExample('kl-gateway-prevention/BrunoKostvejledning.json');
const PREVENTION = 'http://fhir.kl.dk/prevention/StructureDefinition/';

it("KL's extensions known here are every extension of the four IGs, as read from their FSH (kl-structure.json)", () => {
  const structure = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', 'build', 'kl-structure.json'), 'utf8')) as {
    igs: { canonical: string }[]; extensions: Record<string, unknown>;
  };
  const four = KL_GUIDES.filter((g) => structure.igs.some((ig) => ig.canonical === g.canonical));
  expect(four.map((g) => g.canonical)).toEqual(structure.igs.map((ig) => ig.canonical));
  expect(four.flatMap((g) => g.extensions.map((name) => `${g.canonical}/StructureDefinition/${name}`)).sort()).toEqual(Object.keys(structure.extensions).sort());
});

describe('an extension url under one of KL\'s IGs that is none of its extensions', () => {
  it('is an error at the extension naming the IG\'s extensions, in Danish too: the url is misspelt and KL cannot read it', async () => {
    const cp = kostvejledning();
    expect(cp.extension[0].url).toBe(`${PREVENTION}BasedOnServiceRequestExtension`);
    cp.extension[0].url = `${PREVENTION}BasedOnServiceRequest`;
    const errors = errorsOf(await validate(cp));
    expect(errors.map((e) => [e.code, e.expression, e.en])).toEqual([['structure', ['CarePlan.extension[0]'],
      `The extension '${PREVENTION}BasedOnServiceRequest' is not defined by KL's implementation guide kl-gateway-prevention 2.1.0 (http://fhir.kl.dk/prevention), so KL's gateway cannot read it: check the url. That guide's extensions are BasedOnCarePlanExtension, BasedOnServiceRequestExtension, DeliveryType`]]);
    expect(errors[0]!.da).toBe(`Udvidelsen '${PREVENTION}BasedOnServiceRequest' er ikke defineret i KL's implementeringsguide kl-gateway-prevention 2.1.0 (http://fhir.kl.dk/prevention), så KL's gateway kan ikke læse den: ret url'en. Guidens udvidelser er BasedOnCarePlanExtension, BasedOnServiceRequestExtension, DeliveryType`);
  });

  it('so is one of KL core (on which the FFB IG depends), in a resource claiming no profile and in a Bundle entry', async () => {
    const patient = { resourceType: 'Patient', id: 'p', extension: [{ url: 'http://fhir.kl.dk/core/StructureDefinition/ConditionRnk', valuePositiveInt: 1 }] };
    expect(errorsOf(await validate(patient)).map((e) => [e.expression, e.en])).toEqual([[['Patient.extension[0]'], expect.stringMatching(
      /^The extension 'http:\/\/fhir\.kl\.dk\/core\/StructureDefinition\/ConditionRnk' is not defined by KL's implementation guide KL core 1\.2\.0 \(kl\.dk\.fhir\.core\) \(http:\/\/fhir\.kl\.dk\/core\), .* ConditionLastAssertedDate, ConditionRank, /,
    )]]);
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:3f0c1d2e-4b5a-4c6d-8e7f-9a0b1c2d3e4f', resource: patient }] };
    expect(errorsOf(await validate(bundle)).map((e) => e.expression)).toEqual([['Bundle.entry[0].resource.extension[0]']]);
  });
});

it('a relative extension url is an error; a part of a complex extension is named by a relative url', async () => {
  const cp = kostvejledning();
  cp.extension.push({ url: 'foo', valueString: 'x' });
  const errors = errorsOf(await validate(cp));
  expect(errors.map((e) => [e.expression, e.en, e.da])).toEqual([[['CarePlan.extension[1]'],
    "The extension url 'foo' is not absolute: an extension is named by the canonical URL of the StructureDefinition that defines it (FHIR R4, extensibility)",
    "Udvidelsens url 'foo' er ikke absolut: en udvidelse angives med den kanoniske URL for den StructureDefinition, der definerer den (FHIR R4, extensibility)"]]);
  const part = klExample('kl-gateway-prevention/BrunoKostvejledning.json');
  part.extension.push({ url: 'http://fhir.kl.dk/ffbreporting/StructureDefinition/kl-reporting-ffb-municipalityCaseNumber', extension: [{ url: 'municipalitySpecific', valueIdentifier: { value: 'Sag1' } }] });
  expect(errorsOf(await validate(part))).toEqual([]);
});

describe('a modifierExtension', () => {
  it('not known here is an error: one not understood must not be ignored', async () => {
    const cp = kostvejledning();
    cp.modifierExtension = [{ url: 'http://example.dk/mod', valueBoolean: true }];
    const errors = errorsOf(await validate(cp));
    expect(errors.map((e) => [e.expression, e.en])).toEqual([[['CarePlan.modifierExtension[0]'],
      "The modifier extension 'http://example.dk/mod' is not known to this server: a modifier extension changes the meaning of the element it is on, and one that is not understood must not be ignored (FHIR R4, extensibility)"]]);
    expect(errors[0]!.da).toMatch(/^Udvidelsen 'http:\/\/example\.dk\/mod' i modifierExtension kendes ikke af serveren: /);
  });

  it('that is a known extension but no modifier (KL\'s), or a modifier extension sent as an extension (R4\'s), is an error', async () => {
    const cp = kostvejledning();
    cp.modifierExtension = [cp.extension[0]];
    cp.activity[0].detail.extension.push({ url: 'http://hl7.org/fhir/StructureDefinition/request-doNotPerform', valueBoolean: true });
    expect(errorsOf(await validate(cp)).map((e) => [e.expression, e.en])).toEqual([
      [['CarePlan.modifierExtension[0]'], `The extension '${PREVENTION}BasedOnServiceRequestExtension' is not a modifier extension: it must be sent in extension, not modifierExtension`],
      [['CarePlan.activity[0].detail.extension[1]'], "The extension 'http://hl7.org/fhir/StructureDefinition/request-doNotPerform' is a modifier extension: it must be sent in modifierExtension, not extension"],
    ]);
  });
});

it('an extension of another domain, not known here, is a warning that it was not checked (also on a primitive); R4\'s and the server\'s own are known', async () => {
  const cp = kostvejledning();
  cp.extension.push({ url: 'http://example.dk/note', valueString: 'x' });
  cp._status = { extension: [{ url: 'http://example.dk/why', valueString: 'x' }, { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] };
  const issues = await validate(cp);
  expect(issues.map((i) => [i.severity, i.expression])).toEqual([['warning', ['CarePlan.extension[1]']], ['warning', ['CarePlan.status.extension[0]']]]);
  expect(issues[0]!.en).toBe("The extension 'http://example.dk/note' is not known to this server, so it was not checked. KL's gateway validates with HL7's validator, which by default refuses an extension whose definition it does not have");
  expect(issues[0]!.da).toBe("Udvidelsen 'http://example.dk/note' kendes ikke af serveren og er ikke kontrolleret. KL's gateway validerer med HL7's validator, som normalt afviser en udvidelse, den ikke har definitionen af");
  // its ConceptMap of FSIII's legacy keys, its profiles' KL source
  const map = { resourceType: 'ConceptMap', status: 'draft', extension: [{ url: 'http://faelles-tx.dk/fhir/StructureDefinition/legacy-code-map', valueBoolean: true }] };
  expect((await validate(map)).map((i) => i.severity)).toEqual(['information']);
  const sd = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'profiles', 'StructureDefinition-klgateway-119-condition.json'), 'utf8')) as { extension: { url: string }[] };
  expect(sd.extension.map((e) => e.url)).toContain('http://faelles-tx.dk/fhir/StructureDefinition/kl-source-profile');
  expect((await validate(sd)).filter((i) => /extension/.test(i.expression?.[0] ?? ''))).toEqual([]);
});

