/**
 * KL's delivery reports (the Bundle profiles of KL's four IGs): a Bundle claiming one is a collection with a
 * timestamp, its entries without request, and each entry of one of the report's profiles for its type — named in
 * meta.profile, or met as KL's validator finds it (profiles/README.md, deviation 8; report-profiles.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { errorsOf, klExample, validateWith, type Issue } from './outcome';

type Json = Record<string, any>;
const REPORT = path.join(__dirname, '..', 'fixtures', 'kl-examples', 'kl-gateway-prevention', 'BrunoIndberetningsrapport.json');
const PREVENTION = 'http://fhir.kl.dk/prevention/StructureDefinition/';
const report = (): Json => JSON.parse(fs.readFileSync(REPORT, 'utf8')) as Json;

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const validate = (body: unknown, query: Record<string, string> = {}): Promise<Issue[]> => validateWith(app, body, '/fhir/$validate', query);
const at = (issues: Issue[]) => issues.map((i) => [i.severity, i.expression?.[0]]);

describe("KL's §119 delivery report", () => {
  it("KL's own report: no error, and no warning that the report's profile is unknown", async () => {
    const issues = await validate(report());
    expect(errorsOf(issues)).toEqual([]);
    expect(issues.filter((i) => i.expression?.[0] === 'Bundle.meta.profile[0]')).toEqual([]);
  });

  it('sent as a transaction without a timestamp, its entries with request: each is an error at its element, in Danish too', async () => {
    const b = report();
    b.type = 'transaction';
    delete b.timestamp;
    b.entry[0].request = { method: 'POST', url: 'Patient' };
    // (R4's own rules of a transaction add an error at each entry without its request)
    const errors = errorsOf(await validate(b)).filter((i) => /indberetningsrapport/.test(i.da));
    expect(at(errors)).toEqual([['error', 'Bundle.type'], ['error', 'Bundle.timestamp'], ['error', 'Bundle.entry[0].request']]);
    expect(errors[1]!.da).toBe('En §119-indberetningsrapport skal have et tidsstempel (timestamp; KL: 1..1)');
  });

  it('an entry naming no profile is checked against the report\'s profiles of its type: met, it passes; met by none, an error', async () => {
    const b = report();
    delete b.entry[8].resource.meta; // a planned intervention, as KL's report has it
    expect(errorsOf(await validate(b))).toEqual([]);
    delete b.entry[8].resource.basedOn; // a Kostvejledning needs its care plan: neither §119 CarePlan profile is met
    const errors = errorsOf(await validate(b));
    expect(at(errors)).toEqual([['error', 'Bundle.entry[8].resource']]);
    expect(errors[0]!.en).toMatch(new RegExp(`^The CarePlan conforms to none of the profiles a §119 delivery report takes for it: ${PREVENTION}klgateway-119-care-plan \\(\\d+ errors?\\), ${PREVENTION}klgateway-119-planned-intervention \\(\\d+ errors?\\)`));
  });

  it('an entry of a type the report does not take is an error; one whose KL profile is not reproduced here, a warning', async () => {
    const b = report();
    b.entry.push({ fullUrl: 'urn:uuid:5a0a3a32-2b8a-4d0f-a7c4-4a4f8b0f0b01', resource: { resourceType: 'Medication', id: 'm' } });
    delete b.entry[0].resource.meta;
    const issues = await validate(b);
    expect(errorsOf(issues).map((i) => [i.expression?.[0], i.en.slice(0, 42)])).toEqual([[`Bundle.entry[${b.entry.length - 1}].resource`, 'A §119 delivery report takes no Medication']]);
    expect(issues.filter((i) => i.severity === 'warning' && i.expression?.[0] === 'Bundle.entry[0].resource').map((i) => i.en))
      .toEqual([`The Patient names no profile of the §119 delivery report in meta.profile; KL checks it against ${PREVENTION}klgateway-119-citizen (not reproduced here), so it was not checked against KL's profile here`]);
  });

  it('in mode=profile a report named by the profile parameter is the only one checked, not the one the Bundle claims', async () => {
    const errors = errorsOf(await validate(report(), { profile: 'http://fhir.kl.dk/rehab/StructureDefinition/klgateway-140-delivery-report', mode: 'profile' }));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => !/a §140 delivery report takes/.test(e.en))).toEqual([]);
  });

  it('the profile parameter may name the report: a Bundle not claiming it is checked as one; another resource is 400', async () => {
    const b = report();
    delete b.meta;
    delete b.timestamp;
    expect(at(errorsOf(await validate(b, { profile: `${PREVENTION}klgateway-119-delivery-report` })))).toEqual([['error', 'Bundle.timestamp']]);
    expect(errorsOf(await validate(b))).toEqual([]);
    const res = await request(app).post('/fhir/$validate').query({ profile: `${PREVENTION}klgateway-119-delivery-report` }).type('application/fhir+json').send(b.entry[0].resource);
    expect([res.status, res.body.issue[0].expression]).toEqual([400, ['profile']]);
  });
});

describe("KL's §140 and care reports: the entries KL's report invariants hold to the IG's profiles", () => {
  const REHAB = 'http://fhir.kl.dk/rehab/StructureDefinition/';
  const CARE = 'http://fhir.kl.dk/gateway/StructureDefinition/';
  const entryAt = (b: Json, id: string): number => b.entry.findIndex((e: Json) => e.resource.id === id);
  const added = (b: Json, resource: Json): number => b.entry.push({ fullUrl: `urn:uuid:6c1f0e2a-8d3b-4f5e-9a7c-${String(b.entry.length).padStart(12, '0')}`, resource }) - 1;

  it('a §140 CarePlan meeting neither KL CarePlan profile is an error (gateway-140-report-2), in Danish too', async () => {
    const b = klExample('kl-gateway-rehab/RuddiIndberetningsrapport.json');
    const i = entryAt(b, 'RuddiTraening');
    delete b.entry[i].resource.meta;
    delete b.entry[i].resource.basedOn; // a training intervention needs its care plan
    const errors = errorsOf(await validate(b));
    expect(at(errors)).toEqual([['error', `Bundle.entry[${i}].resource`]]);
    expect(errors[0]!.en).toMatch(new RegExp(`^The CarePlan conforms to none of the profiles a §140 delivery report takes for it: ${REHAB}klgateway-140-care-plan \\(\\d+ errors?\\), ${REHAB}klgateway-140-planned-intervention \\(\\d+ errors?\\)`));
    expect(errors[0]!.da).toMatch(/^CarePlan-ressourcen opfylder ingen af de profiler, en §140-indberetningsrapport tager for den: /);
  });

  it('a §119 planned intervention in a §140 report is an error at its entry: it claims no §140 profile and meets none', async () => {
    const b = klExample('kl-gateway-rehab/RuddiIndberetningsrapport.json');
    const i = added(b, klExample('kl-gateway-prevention/BrunoKostvejledning.json'));
    const errors = errorsOf(await validate(b)).filter((e) => e.expression?.[0] === `Bundle.entry[${i}].resource`);
    expect(errors.map((e) => e.en)).toEqual([expect.stringMatching(/^The CarePlan conforms to none of the profiles a §140 delivery report takes for it: /)]);
  });

  it('a §140 Condition meeting neither KL Condition profile: a warning, as the focus condition is not reproduced here', async () => {
    const b = klExample('kl-gateway-rehab/RuddiIndberetningsrapport.json');
    const i = added(b, { resourceType: 'Condition', id: 'x', code: { text: 'x' }, subject: { reference: 'Patient/RuddiTestBerggren' }, severity: { text: 'svær' }, note: [{ text: 'x' }] });
    const issues = (await validate(b)).filter((e) => e.expression?.[0] === `Bundle.entry[${i}].resource`);
    expect(issues.map((e) => [e.severity, e.en.replace(/\(\d+ errors?\)/, '(n errors)')])).toEqual([['warning',
      `The Condition names none of the profiles of the §140 delivery report in meta.profile and meets none of those reproduced here: ${REHAB}klgateway-140-condition (n errors), ${REHAB}klgateway-140-focus-condition (not reproduced here). Name the one meant in meta.profile`]]);
  });

  it('an Observation in a care report naming none of KL\'s Observation profiles is a warning that it was not checked against them', async () => {
    const b = klExample('kl-gateway/TestPersonReport.json');
    const i = added(b, { resourceType: 'Observation', id: 'x', status: 'final', code: { text: 'blodtryk' }, valueString: '120/80' });
    const issues = (await validate(b)).filter((e) => e.expression?.[0] === `Bundle.entry[${i}].resource`);
    expect(issues.map((e) => [e.severity, e.en])).toEqual([['warning', `The Observation names no profile of the care delivery report in meta.profile; KL checks it against ${CARE}klgateway-care-citizens-own-observation (not reproduced here), ${CARE}klgateway-care-matter-of-interest-observation (not reproduced here), ${CARE}klgateway-care-follow-up-observation (not reproduced here), so it was not checked against KL's profile here`]]);
    expect(issues[0]!.da).toMatch(/^Observation-ressourcen angiver ingen af profilerne i indberetningsrapport for pleje og omsorg i meta\.profile; KL kontrollerer den mod /);
  });
});

describe("KL's FFB report: its invariants 1–3, as published, hold no entry to the FFB profiles", () => {
  const FFB = 'http://fhir.kl.dk/ffbreporting/StructureDefinition/';

  it('a Condition meeting neither FFB Condition profile is a warning, not an error: KL\'s gateway accepts it', async () => {
    const b = klExample('kl-ffb-reporting/4b4e5f33-a9a2-42f6-b598-180543029ae5.json');
    const i = b.entry.findIndex((e: Json) => e.resource.resourceType === 'Condition' && e.resource.meta);
    const condition = b.entry[i].resource;
    delete condition.meta;
    condition.category = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }];
    const issues = await validate(b);
    expect(errorsOf(issues)).toEqual([]);
    const warnings = issues.filter((e) => e.expression?.[0] === `Bundle.entry[${i}].resource`);
    expect(warnings.map((e) => [e.severity, e.en])).toEqual([['warning', expect.stringMatching(new RegExp(
      `^The Condition conforms to none of the profiles a FFB delivery report takes for it: ${FFB}kl-reporting-ffb-condition \\(\\d+ errors?\\), ${FFB}kl-reporting-ffb-targetGroup \\(\\d+ errors?\\)\\. KL's invariant kl-reporting-ffb-delivery-report-1 as published checks no entry`,
    ))]]);
    expect(warnings[0]!.da).toMatch(/opfylder ingen af de profiler, en FFB-indberetningsrapport tager for den: .* KL's regel kl-reporting-ffb-delivery-report-1 kontrollerer, som den er udgivet, ingen poster/);
  });
});

describe("the citizen of a §119 or §140 report (entry:citizen 1..1)", () => {
  const REHAB_REPORT = path.join(__dirname, '..', 'fixtures', 'kl-examples', 'kl-gateway-rehab', 'RuddiIndberetningsrapport.json');
  const citizens = (b: Json): number[] => b.entry.flatMap((e: Json, i: number) => (e.resource.resourceType === 'Patient' ? [i] : []));

  it('a report without its citizen is an error at Bundle.entry, in Danish too', async () => {
    const b = report();
    const [i] = citizens(b);
    b.entry.splice(i, 1);
    // the entries referring to the citizen now point at nothing: those are errors of their own
    const errors = errorsOf(await validate(b)).filter((e) => e.expression?.[0] === 'Bundle.entry');
    expect(errors.map((e) => [e.code, e.da])).toEqual([['required', `En §119-indberetningsrapport skal have én post med borgeren (entry:citizen 1..1, en Patient efter ${PREVENTION}klgateway-119-citizen), og denne har ingen`]]);
  });

  it('a report of two citizens is an error at the second; a second Patient naming the citizen profile counts, as one naming none does', async () => {
    for (const claim of [undefined, `${PREVENTION}klgateway-119-citizen|2.1.0`]) {
      const b = report();
      const [i] = citizens(b);
      const second = JSON.parse(JSON.stringify(b.entry[i])) as Json;
      second.fullUrl = 'urn:uuid:0b6f5c1e-4c7e-4a57-9d38-3f4d2a1b9c10';
      second.resource.id = 'second';
      if (claim) second.resource.meta = { profile: [claim] };
      else delete second.resource.meta;
      b.entry.push(second);
      const errors = errorsOf(await validate(b)).filter((e) => /entry:citizen/.test(e.en));
      expect(errors.map((e) => [e.code, e.expression])).toEqual([['structure', [`Bundle.entry[${b.entry.length - 1}]`]]]);
      expect(errors[0]!.en).toMatch(/and this one has 2: .*Send one report per citizen$/);
    }
  });

  it("KL's §140 report has its citizen; the care report, which has no such slice, may leave it out", async () => {
    const rehab = JSON.parse(fs.readFileSync(REHAB_REPORT, 'utf8')) as Json;
    expect(errorsOf(await validate(rehab))).toEqual([]);
    rehab.entry.splice(citizens(rehab)[0], 1);
    expect(errorsOf(await validate(rehab)).filter((e) => /entry:citizen/.test(e.en)).map((e) => e.expression)).toEqual([['Bundle.entry']]);
    const care = { resourceType: 'Bundle', meta: { profile: ['http://fhir.kl.dk/gateway/StructureDefinition/klgateway-care-delivery-report'] }, type: 'collection', timestamp: '2024-01-01T00:00:00Z', entry: [] };
    expect((await validate(care)).filter((e) => /citizen/.test(e.en))).toEqual([]);
  });
});

describe("a reference to an entry of the right type but another of KL's profiles", () => {
  it("a §119 Kostvejledning based on a planned intervention instead of its care plan is an error at basedOn; KL's own report is not", async () => {
    const b = report();
    b.entry[8].resource.basedOn = [{ reference: 'CarePlan/BrunoAfklarendeSamtale' }];
    const errors = errorsOf(await validate(b)).filter((i) => i.expression?.[0] === 'Bundle.entry[8].resource.basedOn[0]');
    expect(errors.map((i) => i.en)).toEqual([expect.stringMatching(
      new RegExp(`^CarePlan\\.basedOn: the reference points to a CarePlan of the profile ${PREVENTION}klgateway-119-planned-intervention, but must point to one of .*klgateway-119-care-plan`),
    )]);
    expect(errorsOf(await validate(report()))).toEqual([]);
  });
});
