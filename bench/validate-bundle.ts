/**
 * `npm run bench:validate`: how long $validate takes for a Bundle of 1,000 planned interventions and for a
 * 500-resource submission Bundle of every profile. Run on demand, not in jest.
 *
 * The first Bundle holds 1,000 §119 and §140 planned interventions (KL-valid, two in three with a niveau-3 code of the
 * example municipality 370) and the citizen, organization and care plan they refer to: every structural check of
 * KL's profiles (cardinality, prohibited elements, Reference targets and bundled aggregation, slicing, extensions)
 * runs on each, beside the bindings, invariants and niveau-3 lookup. Goal: < 1 s.
 *
 * The second Bundle is a collection of gateway submissions for every profile in profiles/ (planned interventions with
 * niveau-3 codes of the example municipality 370, conditions, care plans, service requests, FFB resources), with
 * Organization entries naming the municipality and about one resource in eight carrying a mistake, so that every
 * check (schema, bindings, slicing, invariants, niveau-3 lookup) runs. It is validated over HTTP (POST /fhir/$validate
 * to a listening server; body parsing and serialisation included) once cold, as the first request after a start like
 * src/index.ts's (the profile stack loads in the background after listening; the first client comes when /ready
 * answers), then `--runs` times warm; and in-process (the validator alone). The goal is < 2 s per Bundle. The exit
 * code is 1 when the warm median over HTTP of the 1,000 planned interventions takes 1 s or more, or the cold request
 * or the warm median of the other Bundle 2 s or more.
 *
 * Options: --runs N (BENCH_RUNS, default 10), --size N (BENCH_SIZE, default 500).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { MemoryStore } from '../src/store/memory-store';
import { submissionValidation } from '../src/profile-validation';
import { parseCommandLine, wholeNumber } from '../scripts/command-line';

const USAGE = 'usage: npm run bench:validate -- [--runs N] [--size N]';
const { values: given } = parseCommandLine({ options: { runs: { type: 'string' }, size: { type: 'string' } } }, USAGE);
const RUNS = wholeNumber(given.runs ?? process.env.BENCH_RUNS, '--runs', { fallback: 10, min: 1, max: 1000 }, USAGE);
const SIZE = wholeNumber(given.size ?? process.env.BENCH_SIZE, '--size', { fallback: 500, min: 1, max: 100_000 }, USAGE);
const GOAL_MS = 2000;
const INTERVENTIONS = 1000;
const INTERVENTIONS_GOAL_MS = 1000;

const FSIII = 'urn:oid:1.2.208.176.2.21';
const FFB = 'urn:oid:1.2.208.176.2.22';
const CARE_SOCIAL = 'http://fhir.kl.dk/term/CodeSystem/CareSocialCodes';
const L3 = 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions';
const SD = 'http://faelles-tx.dk/fhir/StructureDefinition/';

type Json = Record<string, unknown>;

const coding = (system: string, code: string, display?: string) => ({ system, code, ...(display ? { display } : {}) });
const subject = { reference: 'Patient/borger' };
const performer = [{ reference: 'urn:uuid:org-370' }];
const requester = { reference: 'urn:uuid:org-370' };
/** The resources the submissions refer to: KL's profiles allow references only to entries of the Bundle. */
const REFERENCED: Json[] = [
  { fullUrl: 'urn:uuid:org-370', resource: { resourceType: 'Organization', identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '370' }], name: 'Næstved Kommune' } },
  { fullUrl: 'urn:uuid:borger', resource: { resourceType: 'Patient', id: 'borger' } },
  { fullUrl: 'urn:uuid:forloeb', resource: { resourceType: 'CarePlan', id: 'forloeb', status: 'active', intent: 'plan', subject } },
];

function intervention(profile: string, delivery: string, codings: Json[], basedOn: boolean): Json {
  return {
    resourceType: 'CarePlan', meta: { profile: [SD + profile] }, status: 'active', intent: 'plan', subject, period: { start: '2026-01-05' },
    ...(basedOn ? { basedOn: [{ reference: 'CarePlan/forloeb' }] } : {}),
    activity: [{ detail: {
      status: 'in-progress', performer,
      extension: [{ url: delivery, valueCodeableConcept: { coding: [coding(CARE_SOCIAL, '8d12d74c-17da-47a7-a4fe-e69dbaec0a8c')] } }],
      code: { coding: codings },
    } }],
  };
}

function condition(profile: string, codings: Json[], severity?: Json[]): Json {
  return {
    resourceType: 'Condition', meta: { profile: [SD + profile] }, subject, recordedDate: '2026-01-05',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    code: { coding: codings }, ...(severity ? { severity: { coding: severity } } : {}),
  };
}

function carePlan(profile: string, category: string, cancelled: boolean): Json {
  return {
    resourceType: 'CarePlan', meta: { profile: [SD + profile] }, status: 'active', intent: 'plan', subject, period: { start: '2026-01-05' },
    category: [{ coding: [coding(CARE_SOCIAL, category)] }],
    activity: [{ detail: {
      status: cancelled ? 'cancelled' : 'in-progress', performer,
      ...(cancelled ? { statusReason: { coding: [coding(CARE_SOCIAL, 'a3f2bd01-078b-486e-81be-797d192ad7bd')] } } : {}),
    } }],
  };
}

/** One submission per template, cycling; every eighth has a mistake. */
const TEMPLATES: ((bad: boolean) => Json)[] = [
  (bad) => intervention('klgateway-119-planned-intervention', 'http://fhir.kl.dk/prevention/StructureDefinition/DeliveryType',
    [coding(FSIII, bad ? 'e71b7d85-5c78-49c2-8624-8499d162317b' : 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d'), coding(L3, '370-BOLDSPIL', 'Boldspil')], true),
  (bad) => intervention('klgateway-119-planned-intervention', 'http://fhir.kl.dk/prevention/StructureDefinition/DeliveryType',
    [coding(FSIII, bad ? 'c203c6b5-3be0-40a8-8204-e93751deabf5' : '6eddbaf7-2a73-49d4-91e7-6138d419f58c')], false),
  (bad) => intervention('klgateway-140-planned-intervention', 'http://fhir.kl.dk/rehab/StructureDefinition/DeliveryType',
    [coding(FSIII, '2abe20c7-c0b4-41c1-b397-52acf36499ef'), coding(L3, '370-BALANCETRAENING', 'Balancetræning')], !bad),
  (bad) => condition('klgateway-119-condition', [coding(FSIII, bad ? '86e1982c-f459-4658-9071-e4bf3453a687' : '880cdd75-c63a-44a0-a4e4-8209644c8628')]),
  (bad) => condition('klgateway-140-condition', [coding(FSIII, '86e1982c-f459-4658-9071-e4bf3453a687')], bad ? [coding(FSIII, 'd984ad21-48fe-4619-845e-2aa0303048e7')] : undefined),
  (bad) => condition('klgateway-care-condition', [coding(FSIII, '4d46bd94-9518-431c-82e8-ebb91bca307a')], bad ? undefined : [coding(FSIII, 'd984ad21-48fe-4619-845e-2aa0303048e7')]),
  (bad) => ({
    resourceType: 'CarePlan', meta: { profile: [SD + 'klgateway-care-planned-intervention'] }, status: 'active', intent: 'plan', subject, period: { start: '2026-01-05' },
    activity: [{ detail: { status: 'in-progress', code: { coding: [coding(FSIII, bad ? 'H1.1' : '17312894-b23f-43d9-9723-b725ac25d872')] } } }],
  }),
  (bad) => carePlan('klgateway-119-care-plan', '5c160c02-e858-4c1f-925a-71ed64844749', bad),
  (bad) => carePlan('klgateway-140-care-plan', 'f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb', bad),
  (bad) => ({
    resourceType: 'ServiceRequest', meta: { profile: [SD + 'klgateway-140-servicerequest'] }, status: 'active', intent: 'plan', subject, authoredOn: '2026-01-02', requester,
    extension: [{ url: 'http://fhir.kl.dk/rehab/StructureDefinition/PreconditionDate', valueDate: '2026-01-01' }],
    category: [{ coding: [coding(CARE_SOCIAL, bad ? '8b962281-2ab6-4b10-9c91-4bac592d6d49' : 'ffd81f78-352e-4589-a195-5350dd1df2a4')] }],
    code: { coding: [coding(CARE_SOCIAL, '7fc66c15-0cb3-4c89-9e18-f3a01e6a6592')] },
  }),
  (bad) => ({
    resourceType: 'ServiceRequest', meta: { profile: [SD + 'klgateway-119-servicerequest'] }, status: 'active', intent: 'plan', subject, authoredOn: '2026-01-02',
    code: { coding: [coding(CARE_SOCIAL, bad ? '7fc66c15-0cb3-4c89-9e18-f3a01e6a6592' : 'a71921ea-fe83-441d-933b-cc21d0b3c8c3')] },
  }),
  (bad) => ({
    resourceType: 'CarePlan', meta: { profile: [SD + 'kl-reporting-ffb-intervention'] }, status: 'active', intent: 'plan', subject,
    basedOn: [{ reference: 'CarePlan/forloeb' }], period: { start: '2026-01-05' }, created: '2026-01-02',
    activity: [{ detail: { status: 'in-progress', code: { coding: [coding(bad ? FSIII : FFB, bad ? 'c9a99304-1788-43b7-b7be-e187b092ae9c' : '66e23d66-1c5f-4070-bed1-8827cc863dcd')] } } }],
  }),
  (bad) => condition('kl-reporting-ffb-condition', [coding(FFB, '3f9da5ac-9686-4eeb-b517-b46e17fcb1d7')], bad ? undefined : [coding(FFB, '8328ce4a-6238-4f73-bf1a-74aadb68eff8')]),
  (bad) => condition('kl-reporting-ffb-targetGroup', [coding(FFB, bad ? '66e23d66-1c5f-4070-bed1-8827cc863dcd' : 'f1c7ee41-21b4-4dba-9424-c874bf72b5e7')]),
  (bad) => ({
    resourceType: 'CareTeam', meta: { profile: [SD + 'kl-reporting-ffb-servicePerformer'] }, subject,
    category: [{ coding: [coding(FFB, bad ? '66e23d66-1c5f-4070-bed1-8827cc863dcd' : '9401777d-bdc5-4f52-9804-63c8cae9a792')] }],
  }),
];

function submission(size: number): Json {
  const entry: Json[] = [...REFERENCED];
  for (let i = entry.length; i < size; i++) {
    entry.push({ fullUrl: `urn:uuid:entry-${i}`, resource: TEMPLATES[i % TEMPLATES.length]!(i % 8 === 0) });
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}

/** Valid §119 and §140 planned interventions (two in three with a niveau-3 code) and what they refer to. */
function plannedInterventions(count: number): Json {
  const valid = [TEMPLATES[0]!, TEMPLATES[2]!, TEMPLATES[1]!];
  const entry: Json[] = [...REFERENCED];
  for (let i = 0; i < count; i++) entry.push({ fullUrl: `urn:uuid:intervention-${i}`, resource: valid[i % valid.length]!(false) });
  return { resourceType: 'Bundle', type: 'collection', entry };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Measured {
  label: string;
  kib: number;
  issues: number;
  http: number[];
  inProcess: number[];
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', STORE: 'memory' });
  const startedAt = performance.now();
  const app = await createApp({ config, store: new MemoryStore(), logger: pino({ level: 'silent' }) });
  const startMs = performance.now() - startedAt;

  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // as src/index.ts: the profile stack loads once the server listens; a load balancer sends traffic after /ready
  const loadStarted = performance.now();
  void app.warmUpValidation();
  await fetch(`http://127.0.0.1:${port}/ready`);
  const loadMs = performance.now() - loadStarted;
  // a new connection per request (no keep-alive): a reused socket was at times reset after a long validation
  const post = (body: string): Promise<{ ms: number; issues: number }> => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, path: '/fhir/$validate', method: 'POST', agent: false, headers: { 'content-type': 'application/fhir+json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const ms = performance.now() - t0;
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new Error(`$validate answered ${res.statusCode}: ${text.slice(0, 500)}`));
        resolve({ ms, issues: (JSON.parse(text) as { issue?: unknown[] }).issue?.length ?? 0 });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  const measure = async (label: string, body: string): Promise<Measured> => {
    const http_: number[] = [];
    let issues = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await post(body);
      http_.push(r.ms);
      issues = r.issues;
    }
    const { validator } = submissionValidation(config.profilesDir);
    const inProcess: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await validator.validate({ resource: JSON.parse(body) as Json, registry: app.registry });
      inProcess.push(performance.now() - t0);
    }
    return { label, kib: body.length / 1024, issues, http: http_, inProcess };
  };

  const interventionsBody = JSON.stringify(plannedInterventions(INTERVENTIONS));
  const mixedBody = JSON.stringify(submission(SIZE));
  const cold = await post(mixedBody);
  const interventions = await measure(`${INTERVENTIONS} planned interventions (§119/§140, structural checks included)`, interventionsBody);
  const mixed = await measure(`${SIZE}-resource collection of every profile, one in eight with a mistake`, mixedBody);
  server.close();

  const fmt = (n: number) => `${n.toFixed(0)} ms`;
  console.log(`$validate (app start ${fmt(startMs)}; profiles loaded after listen ${fmt(loadMs)}, in the background, /ready waits for it;`);
  console.log(`  first request after /ready, the mixed Bundle: ${fmt(cold.ms)})`);
  for (const m of [interventions, mixed]) {
    console.log(`${m.label}: ${m.kib.toFixed(0)} KiB, ${m.issues} issues`);
    console.log(`  HTTP, warm median of ${RUNS}      ${fmt(median(m.http))}  (min ${fmt(Math.min(...m.http))}, max ${fmt(Math.max(...m.http))})`);
    console.log(`  in-process, median of ${RUNS}     ${fmt(median(m.inProcess))}`);
  }
  const met = median(interventions.http) < INTERVENTIONS_GOAL_MS && median(mixed.http) < GOAL_MS && cold.ms < GOAL_MS;
  console.log(`  goal: ${INTERVENTIONS} planned interventions < ${INTERVENTIONS_GOAL_MS} ms, first request and mixed Bundle < ${GOAL_MS} ms: ${met ? 'met' : 'NOT met'}`);
  process.exit(met ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
