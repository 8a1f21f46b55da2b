import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { hostileRequest, prng } from '../../scripts/fuzz/hostile-requests';
import { send } from '../../scripts/fuzz/send';
import { createHttpServer } from '../../src/http/server';
import { testApp } from '../support/app';

const SEED = 20261123;
const COUNT = 2500;

let server: Server;
let port: number;

beforeAll(async () => {
  const app = await testApp({ bodyLimitBytes: 1024 * 1024 });
  server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('hostile input (seeded fuzz)', () => {
  it(`answers ${COUNT} generated hostile requests without a 5xx, and every error is an OperationOutcome`, async () => {
    const random = prng(SEED);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (let i = 0; i < COUNT; i++) {
      const req = hostileRequest(random);
      kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
      const answer = await send(port, req);
      if (answer.status >= 500) failures.push(`#${i} ${req.kind} ${req.method} ${req.path.slice(0, 120)} → ${answer.status} ${answer.body.slice(0, 200)}`);
      else if (answer.status >= 400 && req.method !== 'HEAD') {
        let ok = false;
        try {
          ok = JSON.parse(answer.body).resourceType === 'OperationOutcome';
        } catch { /* not JSON */ }
        if (!ok) failures.push(`#${i} ${req.kind} ${req.method} ${req.path.slice(0, 120)} → ${answer.status} is not an OperationOutcome: ${answer.body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(kinds.size).toBe(18); // every family of hostile input was exercised, the costly shapes too
    for (const kind of ['many-params', 'many-codings', 'csv-import', 'odd-claims']) expect(kinds.get(kind)).toBeGreaterThan(50);
  }, 120_000);

  it('is still healthy and correct afterwards', async () => {
    const health = await send(port, { kind: 'check', method: 'GET', path: '/health', headers: {} });
    expect(health.status).toBe(200);
    const lookup = await send(port, {
      kind: 'check', method: 'GET', headers: {},
      path: '/fhir/CodeSystem/$lookup?system=urn:oid:1.2.208.176.2.21&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c',
    });
    expect(lookup.status).toBe(200);
    expect(JSON.parse(lookup.body).parameter.find((p: { name: string }) => p.name === 'display').valueString).toBe('Afklarende samtale');
  });
});
