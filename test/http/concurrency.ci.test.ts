/**
 * Concurrency through a listening server on the embedded SQLite store, with requests really in parallel:
 * conflicting conditional updates have exactly one winner (the others 412, nothing lost), read-modify-write loops
 * with If-Match lose no update, and readers running during transaction writes never see a catalog half-written.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, CodeSystem, ConceptMap, OperationOutcome, Parameters } from 'fhir/r4';
import { createHttpServer } from '../../src/http/server';
import { SqliteStore } from '../../src/store/sqlite-store';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { testApp } from '../support/app';

const FHIR_JSON = 'application/fhir+json';

let dataDir: string;
let store: SqliteStore;
let server: Server;
let base: string;
let token: string;
let token461: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-concurrency-'));
  store = SqliteStore.open(dataDir);
  const app = await testApp({ dataDir }, { store });
  server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  token = await tokenFor({ kommunekode: '101' });
  token461 = await tokenFor({ kommunekode: '461' });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await store.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  etag: string | null;
  body: Record<string, unknown>;
}

async function call(method: string, p: string, init: { body?: unknown; ifMatch?: string; token?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { Accept: FHIR_JSON };
  if (method !== 'GET') headers.Authorization = `Bearer ${init.token ?? token}`;
  if (init.body !== undefined) headers['Content-Type'] = FHIR_JSON;
  if (init.ifMatch) headers['If-Match'] = init.ifMatch;
  const res = await fetch(`${base}${p}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag'), body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('parallel conflicting updates with If-Match', () => {
  const id = 'kommune-101-race';
  const resource = (title: string): CodeSystem => ({ ...localCodeSystem('101', 'race', [{ code: 'R', display: 'R', type: 'indsats' }]), title });

  it('have exactly one winner per round; the others get 412 and change nothing', async () => {
    const created = await call('PUT', `/CodeSystem/${id}`, { body: resource('start') });
    expect(created.status).toBe(201);
    let version = 1;
    for (let round = 0; round < 5; round++) {
      const writers = Array.from({ length: 20 }, (_, i) => `round ${round} writer ${i}`);
      const answers = await Promise.all(writers.map((title) => call('PUT', `/CodeSystem/${id}`, { body: resource(title), ifMatch: `W/"${version}"` })));
      const winners = answers.filter((a) => a.status === 200);
      const losers = answers.filter((a) => a.status !== 200);
      expect(winners).toHaveLength(1);
      expect(losers.map((a) => a.status)).toEqual(Array(19).fill(412));
      for (const l of losers) expect((l.body as unknown as OperationOutcome).issue[0]!.code).toBe('conflict');
      version++;
      expect(winners[0]!.etag).toBe(`W/"${version}"`);
      const current = await call('GET', `/CodeSystem/${id}`);
      expect(current.etag).toBe(`W/"${version}"`);
      expect(current.body.title).toBe(winners[0]!.body.title); // the winner's content, not a loser's
    }
    const history = (await call('GET', `/CodeSystem/${id}/_history`)).body as unknown as Bundle;
    expect(history.total).toBe(version);
    expect((await store.history('CodeSystem', id)).map((v) => v.versionId)).toEqual(Array.from({ length: version }, (_, i) => String(version - i)));
  });

  it('let exactly one of a conditional update and a conditional delete win', async () => {
    const current = await call('GET', `/CodeSystem/${id}`);
    const etag = current.etag!;
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => call('PUT', `/CodeSystem/${id}`, { body: resource(`last ${i}`), ifMatch: etag })),
      ...Array.from({ length: 5 }, () => call('DELETE', `/CodeSystem/${id}`, { ifMatch: etag })),
    ]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(9);
  });
});

describe('read-modify-write with If-Match', () => {
  it('loses no update: every client\'s every change is in the final version', async () => {
    const id = 'kommune-101-counter';
    expect((await call('PUT', `/CodeSystem/${id}`, { body: localCodeSystem('101', 'counter', [{ code: 'BASE', display: 'Base', type: 'indsats' }]) })).status).toBe(201);
    const CLIENTS = 8;
    const CHANGES = 5;
    let conflicts = 0;
    const client = async (c: number): Promise<void> => {
      for (let j = 0; j < CHANGES; j++) {
        for (;;) {
          const read = await call('GET', `/CodeSystem/${id}`);
          const cs = read.body as unknown as CodeSystem;
          const concept = { ...cs.concept![0]!, code: `C${c}-${j}`, display: `client ${c} change ${j}` };
          const answer = await call('PUT', `/CodeSystem/${id}`, { body: { ...cs, concept: [...cs.concept!, concept] }, ifMatch: read.etag! });
          if (answer.status === 200) break;
          expect(answer.status).toBe(412);
          conflicts++;
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const final = (await call('GET', `/CodeSystem/${id}`)).body as unknown as CodeSystem;
    const codes = final.concept!.map((x) => x.code).sort();
    const expected = ['BASE', ...Array.from({ length: CLIENTS * CHANGES }, (_, k) => `C${Math.floor(k / CHANGES)}-${k % CHANGES}`)].sort();
    expect(codes).toEqual(expected);
    expect(final.meta?.versionId).toBe(String(1 + CLIENTS * CHANGES));
    expect(conflicts).toBeGreaterThan(0); // the clients did collide; the retries kept every change
  });
});

describe('reads during writes', () => {
  // municipality 461 has this catalog only, so its $coverage counts exactly this catalog's codes
  const NAME = 'generations';
  /** Generation g of a catalog and its map: three local interventions G{g}-1..3, each mapped. */
  function generation(g: number): { cs: CodeSystem; cm: ConceptMap } {
    const codes = [1, 2, 3].map((k) => `461-G${g}-${k}`);
    return {
      cs: { ...localCodeSystem('461', NAME, codes.map((code) => ({ code, display: `Indsats ${code}`, type: 'indsats' as const }))), title: `generation ${g}` },
      cm: { ...localConceptMap('461', NAME, codes.map((code) => ({ code, targets: [CODES.fysiskTraening119] }))), title: `generation ${g}` },
    };
  }

  function transaction(g: number): Bundle {
    const { cs, cm } = generation(g);
    return {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } },
        { resource: cm, request: { method: 'PUT', url: `ConceptMap/${cm.id}` } },
      ],
    };
  }

  const part = (p: Parameters, name: string, sub: string) => p.parameter?.find((x) => x.name === name)?.part?.find((x) => x.name === sub)?.valueInteger;

  it('never see a catalog without its map (or an old map): every $coverage answer is whole', async () => {
    expect((await call('POST', '', { body: transaction(0), token: token461 })).status).toBe(200);
    const GENERATIONS = 40;
    let done = false;
    const seen = new Set<string>();
    const problems: string[] = [];
    const reader = async (): Promise<number> => {
      let reads = 0;
      while (!done) {
        const [coverage, cs] = await Promise.all([call('GET', '/ConceptMap/$coverage?kommunekode=461'), call('GET', `/CodeSystem/kommune-461-${NAME}`)]);
        reads++;
        const p = coverage.body as unknown as Parameters;
        if (coverage.status !== 200) problems.push(`$coverage answered ${coverage.status}`);
        else if (part(p, 'summary', 'localCodes') !== 3 || part(p, 'summary', 'unmappedLocalCodes') !== 0) {
          problems.push(`half-written: ${JSON.stringify(p.parameter?.find((x) => x.name === 'summary'))}`);
        }
        const body = cs.body as unknown as CodeSystem;
        if (cs.status !== 200 || cs.etag !== `W/"${body.meta?.versionId}"` || body.concept?.length !== 3) problems.push(`read: ${cs.status} ${cs.etag}`);
        else if (!body.concept.every((c) => c.code.startsWith(`461-G${body.title!.split(' ')[1]}-`))) problems.push(`mixed generations in ${body.title}`);
        seen.add(body.title ?? '');
      }
      return reads;
    };
    const writer = async (): Promise<void> => {
      try {
        for (let g = 1; g <= GENERATIONS; g++) {
          const res = await call('POST', '', { body: transaction(g), token: token461 });
          if (res.status !== 200) problems.push(`transaction ${g} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
        }
      } finally {
        done = true;
      }
    };
    const [, ...reads] = await Promise.all([writer(), reader(), reader(), reader(), reader()]);
    expect(problems).toEqual([]);
    expect(reads.every((n) => n > 0)).toBe(true);
    expect(seen.size).toBeGreaterThan(1); // the readers did see the catalog change while they read
    const final = (await call('GET', `/CodeSystem/kommune-461-${NAME}`)).body as unknown as CodeSystem;
    expect(final.title).toBe(`generation ${GENERATIONS}`);
    expect(final.meta?.versionId).toBe(String(GENERATIONS + 1));
  });
});
