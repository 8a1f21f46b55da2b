/**
 * $validate checks FHIR R4's own invariants of the resource and of the data types in it (per-1, con-5, dom-2, dom-3,
 * dom-4, ref-1, ele-1, …), as HL7's validator (KL's) does, whatever profile the resource claims: each broken rule is
 * an error with its key at the element it is on, in Danish first with R4's English as its translation.
 */
import request from 'supertest';
import type { OperationOutcome } from 'fhir/r4';
import type { App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { testApp } from '../support/app';
import { summarise, validateWith, type Issue, errorsOf, klExample } from '../validation/outcome';

let app: App;
beforeAll(async () => {
  app = await testApp({}, { store: new MemoryStore([]) });
});

const validate = (body: unknown): Promise<Issue[]> => validateWith(app, body);
const fixture = klExample;
const carePlan = () => fixture('kl-gateway-rehab/RuddiTraening.json');
const condition = () => fixture('kl-gateway-rehab/RuddiTilstand.json');

const SD = 'http://hl7.org/fhir/StructureDefinition/';

/** Posts the resource to POST /fhir/$validate and gives the issues of the rule `key`, checking their first text is Danish. */
async function broken(resource: unknown, key: string): Promise<Issue[]> {
  const res = await request(app).post('/fhir/$validate').set('Content-Type', 'application/fhir+json').send(resource as object).expect(200);
  const outcome = res.body as OperationOutcome;
  const issues = summarise(outcome);
  const of = issues.filter((i) => i.id === key);
  for (const i of of) expect(outcome.issue.find((o) => o.details?.text === i.da)).toBeDefined();
  return of;
}

describe("$validate of KL's examples breaking an invariant of FHIR R4", () => {
  it('the examples used here are valid as KL publishes them', async () => {
    expect(errorsOf(await validate(carePlan()))).toEqual([]);
    expect(errorsOf(await validate(condition()))).toEqual([]);
  });

  it('per-1: a period that starts after it ends', async () => {
    const plan = carePlan();
    plan.period = { start: '2022-05-30', end: '2022-05-01' };
    expect(await broken(plan, 'per-1')).toEqual([{
      severity: 'error', code: 'invariant', expression: ['CarePlan.period'], id: 'per-1',
      da: `Reglen per-1 er ikke overholdt: 'Er start og slut angivet, SKAL start være før slut' (defineret i ${SD}Period)`,
      en: `Constraint failed: per-1: 'If present, start SHALL have a lower value than end' (defined in ${SD}Period)`,
    }]);
    plan.period = { start: '2022-05-30', end: '2022-05-30' };
    expect(await broken(plan, 'per-1')).toEqual([]);
  });

  it('con-5: a clinicalStatus on a condition entered in error', async () => {
    const c = condition();
    c.verificationStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] };
    expect(await broken(c, 'con-5')).toEqual([{
      severity: 'error', code: 'invariant', expression: ['Condition'], id: 'con-5',
      da: `Reglen con-5 er ikke overholdt: 'Condition.clinicalStatus MÅ IKKE være angivet, når verificationStatus er entered-in-error' (defineret i ${SD}Condition)`,
      en: `Constraint failed: con-5: 'Condition.clinicalStatus SHALL NOT be present if verification Status is entered-in-error' (defined in ${SD}Condition)`,
    }]);
    delete c.clinicalStatus;
    expect(await broken(c, 'con-5')).toEqual([]);
  });

  it('dom-2: a contained resource with contained resources of its own', async () => {
    const plan = carePlan();
    plan.contained = [{ resourceType: 'Organization', id: 'o1', name: 'A', contained: [{ resourceType: 'Organization', id: 'o2', name: 'B' }], partOf: { reference: '#o2' } }];
    plan.activity[0].detail.performer = [{ reference: '#o1' }];
    expect(await broken(plan, 'dom-2')).toEqual([expect.objectContaining({
      severity: 'error', code: 'invariant', expression: ['CarePlan'],
      da: `Reglen dom-2 er ikke overholdt: 'En ressource, der er indeholdt (contained) i en anden ressource, MÅ IKKE selv indeholde ressourcer' (defineret i ${SD}DomainResource)`,
    })]);
  });

  it('dom-3: a contained resource nothing refers to', async () => {
    const plan = carePlan();
    plan.contained = [{ resourceType: 'Organization', id: 'o1', name: 'A' }];
    expect(await broken(plan, 'dom-3')).toEqual([expect.objectContaining({
      severity: 'error', code: 'invariant', expression: ['CarePlan.contained[0]'],
      en: `Constraint failed: dom-3: 'If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource or SHALL refer to the containing resource' (defined in ${SD}DomainResource)`,
    })]);
    plan.activity[0].detail.performer = [{ reference: '#o1' }];
    expect(await broken(plan, 'dom-3')).toEqual([]);
    // or it refers to its container
    delete plan.activity[0].detail.performer;
    plan.contained[0].extension = [{ url: 'http://example.org/x', valueReference: { reference: '#' } }];
    expect(await broken(plan, 'dom-3')).toEqual([]);
  });

  it('dom-4: a contained resource with meta.versionId or meta.lastUpdated', async () => {
    const plan = carePlan();
    plan.contained = [{ resourceType: 'Organization', id: 'o1', name: 'A', meta: { versionId: '2' } }];
    plan.activity[0].detail.performer = [{ reference: '#o1' }];
    expect(await broken(plan, 'dom-4')).toEqual([expect.objectContaining({ severity: 'error', code: 'invariant', expression: ['CarePlan'] })]);
    plan.contained[0].meta = { lastUpdated: '2024-01-01T00:00:00Z' };
    expect(await broken(plan, 'dom-4')).toHaveLength(1);
    plan.contained[0].meta = { source: 'x' };
    expect(await broken(plan, 'dom-4')).toEqual([]);
  });

  it('ref-1: a local reference with no contained resource of that id', async () => {
    const plan = carePlan();
    plan.subject = { reference: '#nope' };
    expect(await broken(plan, 'ref-1')).toEqual([{
      severity: 'error', code: 'invariant', expression: ['CarePlan.subject'], id: 'ref-1',
      da: `Reglen ref-1 er ikke overholdt: 'En lokal reference (#id) SKAL have en indeholdt (contained) ressource med det id' (defineret i ${SD}Reference)`,
      en: `Constraint failed: ref-1: 'SHALL have a contained resource if a local reference is provided' (defined in ${SD}Reference)`,
    }]);
  });

  it('ref-1 inside a contained resource looks in its container', async () => {
    const plan = carePlan();
    plan.contained = [{ resourceType: 'Organization', id: 'o1', name: 'A', partOf: { reference: '#o2' } }, { resourceType: 'Organization', id: 'o2', name: 'B' }];
    plan.activity[0].detail.performer = [{ reference: '#o1' }];
    expect(await broken(plan, 'ref-1')).toEqual([]);
    plan.contained[0].partOf.reference = '#o3';
    expect(await broken(plan, 'ref-1')).toEqual([expect.objectContaining({ expression: ['CarePlan.contained[0].partOf'] })]);
  });

  it('ele-1: an element with neither a value nor children', async () => {
    const plan = carePlan();
    plan.subject = {};
    expect(await broken(plan, 'ele-1')).toEqual([{
      severity: 'error', code: 'invariant', expression: ['CarePlan.subject'], id: 'ele-1',
      da: `Reglen ele-1 er ikke overholdt: 'Alle elementer skal have en værdi (@value) eller under-elementer' (defineret i ${SD}Element)`,
      en: `Constraint failed: ele-1: 'All FHIR elements must have a @value or children' (defined in ${SD}Element)`,
    }]);
    plan.subject = { id: 'x' };
    expect(await broken(plan, 'ele-1')).toHaveLength(1);
  });
});

it('a valid resource with nested data types gets no issue of R4 invariants', async () => {
  const resource = {
    resourceType: 'Condition',
    id: 'c1',
    contained: [{ resourceType: 'Patient', id: 'p', name: [{ family: 'Hansen', period: { start: '2020-01-01', end: '2021-01' } }], contact: [{ name: { text: 'X' } }] }],
    subject: { reference: '#p' },
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    onsetAge: { value: 40, unit: 'år', system: 'http://unitsofmeasure.org', code: 'a' },
    abatementPeriod: { start: '2021-02-01T10:00:00+01:00', end: '2021-02-01T11:00:00+01:00' },
    stage: [{ summary: { text: 'I' } }],
    evidence: [{ detail: [{ reference: 'Observation/1' }] }],
    identifier: [{ system: 'urn:x', value: '1', period: { start: '2020-01-01' }, assigner: { identifier: { value: 'A' } } }],
    recorder: { identifier: { value: '123' } },
    note: [{ text: 'n', authorReference: { reference: 'Practitioner/1' } }],
    extension: [{ url: 'http://example.org/e', valueRange: { low: { value: 1 }, high: { value: 2 } } }],
    _recordedDate: { extension: [{ url: 'http://example.org/r', valueString: 'x' }] },
  };
  // only that its two extensions (example.org's) are not known here, no R4 invariant
  expect((await validate(resource)).map((i) => [i.severity, i.expression?.[0], i.en.slice(0, 34)])).toEqual([
    ['warning', 'Condition.extension[0]', "The extension 'http://example.org/"], ['warning', 'Condition.recordedDate.extension[0]', "The extension 'http://example.org/"],
  ]);
});
