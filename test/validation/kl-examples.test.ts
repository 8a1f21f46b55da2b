/**
 * KL's own example instances of the four gateway IGs (test/fixtures/kl-examples, converted from KL's FSH by
 * scripts/kl-examples.mjs), validated as a gateway would: POST /fhir/$validate with the example as the body.
 * KL's valid examples get no error; the ones KL marks invalid get the error of the KL rule they break, at the
 * element KL's validator reports; examples with pre-UUID legacy codes are valid too, with a warning naming the UUID.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import { type App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { FSIII } from './fixtures';
import { testApp } from '../support/app';

const DIR = path.join(__dirname, '..', 'fixtures', 'kl-examples');

interface Example {
  fixture: string;
  repo: string;
  commit: string;
  instance: string;
  klIntent: 'valid' | 'invalid';
}
interface Manifest {
  sources: { repo: string; commit: string }[];
  examples: Example[];
}
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as Manifest;
const read = (ex: Example): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(DIR, ex.fixture), 'utf8')) as Record<string, unknown>;

/** The examples KL publishes as invalid ("…ValidationError"), with the KL rule each breaks and where. */
const INVALID: Record<string, { rule: string; expression: string }> = {
  // activity.detail.status cancelled without statusReason
  BrunoforloebKostAfbrudtValidationerror: { rule: 'klgateway-119-care-plan-1', expression: 'CarePlan' },
  // Kostvejledning (a treatment intervention) without basedOn
  BrunoKostvejledningValidationError: { rule: 'klgateway-119-intervention-1', expression: 'CarePlan' },
};

/**
 * Named invalid by KL but accepted by KL's rules at the commit: an Opfølgningsforløb (9791e55a, in
 * CarePlanCategories119) without a schedule. It broke no rule even when klgateway-119-care-plan-2 was in force
 * (that rule was about Interventionsforløb 5c160c02); KL has since removed the rule and prohibited
 * scheduled[x] altogether. A gateway must not reject it.
 */
const NAMED_INVALID_BUT_VALID = new Set(['BrunoforloebKostValidationerror']);

/**
 * Examples with pre-UUID FSIII legacy keys (B3, J1.1, H1.1, …), all in hl7dk/kl-gateway (its older examples). KL's
 * value sets include the legacy keys beside the UUID codes (kl-term 57d7e22, "both uuid's and legacy codes possible
 * in FSIII", in kl-term 2.1.0–2.3.0), so every one is valid. 'warned': a legacy key sits in a binding of a profile
 * this server reproduces (Condition code and severity, planned-intervention code); it meets the binding, with a
 * warning naming the UUID code to prefer. 'unchecked': the legacy keys sit only in Goal, Observation or Procedure
 * resources, whose KL profiles this server does not reproduce (a warning says the profile is unknown).
 */
const LEGACY: Record<string, 'warned' | 'unchecked'> = {
  'kl-gateway/0c1112c3-77b5-4d85-965c-0c26228ec7ef.json': 'warned',
  'kl-gateway/1652f2a9-510a-4cd3-8fc4-8b69d0ffedae.json': 'warned',
  'kl-gateway/3304e5f8-4b3f-4c19-8c68-e36c573f3f98.json': 'warned',
  'kl-gateway/374484d0-00cb-4b63-94d1-a0d984afc339.json': 'warned',
  'kl-gateway/643c3e42-ab90-4354-9b98-f01b4740d3d9.json': 'warned',
  'kl-gateway/abc81b1f-b3ba-41f0-9f4b-2fc4df5aaabb.json': 'warned',
  'kl-gateway/b1c5348b-fe9f-4afc-96ff-8c42b6c6c7ff.json': 'warned',
  'kl-gateway/cc93afc5-7849-4895-84eb-00bb5c129c0b.json': 'warned',
  'kl-gateway/d54206de-c95b-4c53-9517-6eb155dca99a.json': 'warned',
  'kl-gateway/Dialyse.json': 'warned',
  'kl-gateway/PersonligHygiejne.json': 'warned',
  'kl-gateway/ProblemerMedPersonligPleje.json': 'warned',
  'kl-gateway/TestIncrementalDelivery.json': 'warned',
  'kl-gateway/TestPersonReport.json': 'warned',
  'kl-gateway/VaskeSigLetteBegraensninger.json': 'warned',
  'kl-gateway/VaskeSigLetteBegraensningerNy.json': 'warned',
  'kl-gateway/DialyseFortsaettes.json': 'unchecked',
  'kl-gateway/EgensomsorgBegraensninger.json': 'unchecked',
  'kl-gateway/EgensomsorgBegraensningerOmkringKropspleje.json': 'unchecked',
  'kl-gateway/ForventetIngenBegraensninger.json': 'unchecked',
  'kl-gateway/OpleverIkkeBegraensningerMedVaskeSig.json': 'unchecked',
  'kl-gateway/PersonligHygiejneFortsaettes.json': 'unchecked',
  'kl-gateway/PersonligPlejeFortsaettes.json': 'unchecked',
  'kl-gateway/Saarbehandling.json': 'unchecked',
  'kl-gateway/UdfoererSelvVaskeSig.json': 'unchecked',
  'kl-gateway/VaskeSigFortsaettes.json': 'unchecked',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** FHIRPath expressions (as the validator writes them) of every FSIII coding whose code is not a UUID. */
function legacyCodings(node: unknown, at: string, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    node.forEach((item, i) => legacyCodings(item, `${at}[${i}]`, out));
  } else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (o.system === FSIII && typeof o.code === 'string' && !UUID.test(o.code)) out.push(at);
    for (const [k, v] of Object.entries(o)) if (v && typeof v === 'object') legacyCodings(v, `${at}.${k}`, out);
  }
  return out;
}

interface Issue { severity: string; expression: string; text: string; id?: string; tx?: string }

let app: App;
beforeAll(async () => {
  app = await testApp({}, { store: new MemoryStore([]) });
});

async function validate(resource: unknown): Promise<Issue[]> {
  const res = await request(app).post('/fhir/$validate').set('Content-Type', 'application/fhir+json').set('Accept-Language', 'en').send(resource as object);
  expect(res.status).toBe(200);
  return (res.body as OperationOutcome).issue.map((i) => ({
    severity: i.severity, expression: i.expression?.join(' ') ?? '', text: i.details?.text ?? '',
    id: i.extension?.find((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/operationoutcome-message-id')?.valueString,
    tx: i.details?.coding?.[0]?.code,
  }));
}
const errorsOf = (issues: Issue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');

describe('KL\'s example instances', () => {
  it('are converted from the four IGs at the commits the profiles follow', () => {
    expect(manifest.sources.map((s) => `${s.repo}@${s.commit.slice(0, 7)}`)).toEqual([
      'hl7dk/kl-gateway-prevention@86298d5', 'hl7dk/kl-gateway-rehab@2007eb6', 'hl7dk/kl-gateway@5873a09', 'hl7dk/kl-ffb-reporting@22b3d14',
    ]);
    expect(manifest.examples.length).toBeGreaterThanOrEqual(88);
    expect(manifest.examples.filter((e) => e.klIntent === 'invalid').map((e) => e.instance).sort())
      .toEqual([...Object.keys(INVALID), ...NAMED_INVALID_BUT_VALID].sort());
  });

  it('with pre-UUID legacy codes are exactly the ones listed', () => {
    const withLegacy = manifest.examples.filter((e) => legacyCodings(read(e), String(read(e).resourceType)).length > 0).map((e) => e.fixture);
    expect(withLegacy.sort()).toEqual(Object.keys(LEGACY).sort());
  });

  const valid = manifest.examples.filter((e) => !(e.instance in INVALID));
  it.each(valid.map((e) => [e.fixture, e] as const))('%s: KL accepts it, so no error', async (_name, ex) => {
    expect(errorsOf(await validate(read(ex)))).toEqual([]);
  });

  it.each(Object.entries(INVALID))('%s: KL rejects it, so the error of KL\'s rule %o', async (instance, expected) => {
    const ex = manifest.examples.find((e) => e.instance === instance)!;
    expect(ex.klIntent).toBe('invalid');
    const errors = errorsOf(await validate(read(ex)));
    expect(errors.map((e) => ({ id: e.id, expression: e.expression }))).toEqual([{ id: expected.rule, expression: expected.expression }]);
    expect(errors[0]!.text).toContain(`Constraint failed: ${expected.rule}:`);
  });

  const warned = Object.keys(LEGACY).filter((f) => LEGACY[f] === 'warned');
  it.each(warned)('%s: legacy keys meet the binding, each with a warning naming the UUID', async (fixture) => {
    const ex = manifest.examples.find((e) => e.fixture === fixture)!;
    const resource = read(ex);
    const legacy = legacyCodings(resource, String(resource.resourceType));
    const issues = await validate(resource);
    expect(errorsOf(issues)).toEqual([]);
    const advice = issues.filter((i) => i.tx === 'code-rule');
    expect(advice.length).toBeGreaterThan(0);
    for (const w of advice) {
      expect(w.severity).toBe('warning');
      expect(legacy).toContain(w.expression);
      expect(w.text).toMatch(/^The code '[^']+' is a legacy key of urn:oid:1\.2\.208\.176\.2\.21; use the code '[0-9a-f-]{36}' .* instead$/);
    }
  });
});
