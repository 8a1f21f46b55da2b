/**
 * `npm run bench:validate`: how long $validate takes for a 500-resource submission Bundle. Run on demand, not in jest.
 *
 * The Bundle is a collection of gateway submissions for every profile in profiles/ (planned interventions with
 * niveau-3 codes of the example municipality 370, conditions, care plans, service requests, FFB resources), with
 * Organization entries naming the municipality and about one resource in eight carrying a mistake, so that every
 * check (schema, bindings, slicing, invariants, niveau-3 lookup) runs. It is validated over HTTP (POST /fhir/$validate
 * to a listening server; body parsing and serialisation included) once cold, as the first request after a start like
 * src/index.ts's (the profile stack loads in the background after listening; the first client comes when /ready
 * answers), then `--runs` times warm; and in-process (the
 * validator alone). The goal is < 2 s per Bundle; the exit code is 1 when the cold request or the warm median over
 * HTTP takes 2 s or more.
 *
 * Options: --runs N (BENCH_RUNS, default 10), --size N (BENCH_SIZE, default 500).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import { MemoryStore } from '../src/store/memory-store';
import { submissionValidation } from '../src/validation';

function option(name: string, env: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1]!;
  return process.env[env] ?? fallback;
}

const RUNS = Number(option('runs', 'BENCH_RUNS', '10'));
const SIZE = Number(option('size', 'BENCH_SIZE', '500'));
const GOAL_MS = 2000;

const FSIII = 'urn:oid:1.2.208.176.2.21';
const FFB = 'urn:oid:1.2.208.176.2.22';
const CARE_SOCIAL = 'http://fhir.kl.dk/term/CodeSystem/CareSocialCodes';
const L3 = 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions';
const SD = 'http://faelles-tx.dk/fhir/StructureDefinition/';

type Json = Record<string, unknown>;

const coding = (system: string, code: string, display?: string) => ({ system, code, ...(display ? { display } : {}) });
const subject = { reference: 'Patient/borger' };
const performer = [{ reference: 'urn:uuid:org-370' }];

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
      scheduledTiming: { repeat: { count: 8, duration: 60, durationUnit: 'min' } },
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
    resourceType: 'CarePlan', meta: { profile: [SD + 'klgateway-care-planned-intervention'] }, status: 'active', intent: 'plan', subject,
    activity: [{ detail: { status: 'in-progress', code: { coding: [coding(FSIII, bad ? 'H1.1' : '17312894-b23f-43d9-9723-b725ac25d872')] } } }],
  }),
  (bad) => carePlan('klgateway-119-care-plan', '5c160c02-e858-4c1f-925a-71ed64844749', bad),
  (bad) => carePlan('klgateway-140-care-plan', 'f15b2663-94d9-4d0c-a5de-d8bd8e1e4ebb', bad),
  (bad) => ({
    resourceType: 'ServiceRequest', meta: { profile: [SD + 'klgateway-140-servicerequest'] }, status: 'active', intent: 'plan', subject, authoredOn: '2026-01-02',
    category: [{ coding: [coding(CARE_SOCIAL, bad ? '8b962281-2ab6-4b10-9c91-4bac592d6d49' : 'ffd81f78-352e-4589-a195-5350dd1df2a4')] }],
    code: { coding: [coding(CARE_SOCIAL, '7fc66c15-0cb3-4c89-9e18-f3a01e6a6592')] },
  }),
  (bad) => ({
    resourceType: 'ServiceRequest', meta: { profile: [SD + 'klgateway-119-servicerequest'] }, status: 'active', intent: 'plan', subject, authoredOn: '2026-01-02',
    code: { coding: [coding(CARE_SOCIAL, bad ? '7fc66c15-0cb3-4c89-9e18-f3a01e6a6592' : 'a71921ea-fe83-441d-933b-cc21d0b3c8c3')] },
  }),
  (bad) => ({
    resourceType: 'CarePlan', meta: { profile: [SD + 'kl-reporting-ffb-intervention'] }, status: 'active', intent: 'plan', subject,
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
  const entry: Json[] = [{
    fullUrl: 'urn:uuid:org-370',
    resource: { resourceType: 'Organization', identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '370' }], name: 'Næstved Kommune' },
  }];
  for (let i = 1; i < size; i++) {
    entry.push({ fullUrl: `urn:uuid:entry-${i}`, resource: TEMPLATES[i % TEMPLATES.length]!(i % 8 === 0) });
  }
  return { resourceType: 'Bundle', type: 'collection', entry };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', STORE: 'memory' });
  const startedAt = performance.now();
  const app = await createApp({ config, store: new MemoryStore(), logger: pino({ level: 'silent' }) });
  const startMs = performance.now() - startedAt;
  const bundle = submission(SIZE);
  const body = JSON.stringify(bundle);

  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // as src/index.ts: the profile stack loads once the server listens; a load balancer sends traffic after /ready
  const loadStarted = performance.now();
  void app.warmUpValidation();
  await fetch(`http://127.0.0.1:${port}/ready`);
  const loadMs = performance.now() - loadStarted;
  const post = async (): Promise<{ ms: number; issues: number }> => {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/fhir/$validate`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body });
    const outcome = await res.json() as { issue?: unknown[] };
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`$validate answered ${res.status}: ${JSON.stringify(outcome).slice(0, 500)}`);
    return { ms, issues: outcome.issue?.length ?? 0 };
  };

  const cold = await post();
  const httpRuns: number[] = [];
  for (let i = 0; i < RUNS; i++) httpRuns.push((await post()).ms);

  const { validator } = submissionValidation(config.profilesDir);
  const inProcess: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    validator.validate({ resource: JSON.parse(body) as Json, registry: app.registry });
    inProcess.push(performance.now() - t0);
  }
  server.close();

  const warm = median(httpRuns);
  const fmt = (n: number) => `${n.toFixed(0)} ms`;
  console.log(`$validate of a ${SIZE}-resource collection Bundle (${(body.length / 1024).toFixed(0)} KiB, ${cold.issues} issues)`);
  console.log(`  app start                     ${fmt(startMs)}`);
  console.log(`  profiles loaded after listen  ${fmt(loadMs)} (in the background; /ready waits for it)`);
  console.log(`  HTTP, cold (first request)    ${fmt(cold.ms)}`);
  console.log(`  HTTP, warm median of ${RUNS}      ${fmt(warm)}  (min ${fmt(Math.min(...httpRuns))}, max ${fmt(Math.max(...httpRuns))})`);
  console.log(`  in-process, median of ${RUNS}     ${fmt(median(inProcess))}`);
  console.log(`  goal < ${GOAL_MS} ms: ${warm < GOAL_MS && cold.ms < GOAL_MS ? 'met' : 'NOT met'}`);
  process.exit(warm < GOAL_MS && cold.ms < GOAL_MS ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
