/**
 * A large submission shares the process: its entries are validated in turns of the event loop (src/turns.ts), so a
 * request sent while it is validated is answered meanwhile, not after it; and the answer is the one validating it in
 * one go gives.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { App } from '../../src/app';
import { ConfigError, loadConfig } from '../../src/config';
import { createHttpServer } from '../../src/http/server';
import { FSIII, testApp } from '../support/app';
import { publishedRegistry } from '../support/catalogs';
import { FhirError } from '../../src/errors/fhir-error';
import { submissionValidation } from '../../src/profile-validation';
import { withAsyncTimeBudget } from '../../src/terminology/async-time-budget';

type Json = Record<string, any>;
const REPORT = path.join(__dirname, '..', 'fixtures', 'kl-examples', 'kl-gateway-prevention', 'BrunoIndberetningsrapport.json');
const CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';

/** KL's §119 report with its entries but the citizen repeated until it has about `entries` of them. */
function largeReport(entries: number): Json {
  const report = JSON.parse(fs.readFileSync(REPORT, 'utf8')) as Json;
  const others = report.entry.filter((e: Json) => e.resource.resourceType !== 'Patient');
  for (let n = 0; report.entry.length < entries; n++) {
    for (const e of others) {
      const copy = JSON.parse(JSON.stringify(e)) as Json;
      copy.resource.id = `${copy.resource.id}-${n}`;
      copy.fullUrl = `${copy.fullUrl}-${n}`;
      report.entry.push(copy);
    }
  }
  return report;
}

let app: App;
let server: Server;
let base: string;
beforeAll(async () => {
  app = await testApp();
  server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const validate = (body: Json) => fetch(`${base}/$validate`, {
  method: 'POST', headers: { 'Content-Type': 'application/fhir+json', 'Accept-Language': 'en' }, body: JSON.stringify(body),
});

describe('a Bundle of thousands of resources to $validate', () => {
  it('a $lookup sent while it is validated is answered before it is', async () => {
    const answered: string[] = [];
    const validated = validate(largeReport(3000)).then(async (res) => {
      answered.push('validate');
      return [res.status, await res.json()] as const;
    });
    // the Bundle is sent and its validation under way
    await new Promise((r) => setTimeout(r, 150));
    const lookup = await fetch(`${base}/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${CODE}`);
    answered.push('lookup');
    expect(lookup.status).toBe(200);
    const [status, outcome] = await validated;
    expect(answered).toEqual(['lookup', 'validate']);
    expect(status).toBe(200);
    expect((outcome as Json).resourceType).toBe('OperationOutcome');
  });

  it('finds what is wrong at its first entries and at its last, after many turns', async () => {
    const large = largeReport(600);
    large.entry[large.entry.length - 1].resource.notAnElement = true;
    large.entry[1].resource.notAnElement = true;
    const res = await validate(large);
    const errors = ((await res.json()) as Json).issue.filter((i: Json) => i.severity === 'error').map((i: Json) => i.expression?.[0]);
    // after more than a hundred warnings (the citizen profile is not reproduced here): an error is listed before them
    expect(errors).toEqual(['Bundle.entry[1].resource', `Bundle.entry[${large.entry.length - 1}].resource`]);
  });
});

describe("a validation that runs past its request's time", () => {
  it('stops with the 503 timeout, not an answer with a fatal issue for the resource it was checking', async () => {
    const { validator } = submissionValidation();
    const stopped = await withAsyncTimeBudget(60_000, () => validator.validate({ resource: largeReport(3000), registry: publishedRegistry() }), Date.now() + 20)
      .catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(FhirError);
    expect([(stopped as FhirError).status, (stopped as FhirError).code]).toEqual([503, 'timeout']);
  });
});

describe('LARGE_REQUEST_KB', () => {
  it('is 1 MB unless set; 0 lets no call wait; anything but a whole number stops the start', () => {
    expect(loadConfig({}).heavyBodyBytes).toBe(1024 * 1024);
    expect(loadConfig({ LARGE_REQUEST_KB: '0' }).heavyBodyBytes).toBe(0);
    expect(loadConfig({ LARGE_REQUEST_KB: '64' }).heavyBodyBytes).toBe(64 * 1024);
    expect(() => loadConfig({ LARGE_REQUEST_KB: '1MB' })).toThrow(ConfigError);
  });
});
