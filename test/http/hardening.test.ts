/**
 * Input hardening through HTTP: the operation time budget (an expansion that would take hours is answered 422
 * too-costly), unknown parameters (ignored and named on an error answer; refused under Prefer: handling=strict),
 * bodies on requests that take none, bodies nested too deep, over-long URLs, client disconnects, and ids and urls
 * checked before they reach the store. Inputs of several megabytes (a 200,000-concept code system, chains of 15,000
 * value sets or maps) are in costly-requests.ci.test.ts.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { CodeSystem, OperationOutcome, Parameters, ValueSet } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import pino from 'pino';
import { inEnglish } from '../support/english';
import { createApp, type App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { send } from '../../scripts/fuzz/send';
import { createHttpServer } from '../../src/http/server';
import { MemoryStore } from '../../src/store/memory-store';
import { FSIII, publishedCatalogs, testApp, testConfig } from '../support/app';
import { errorLogLines } from '../support/error-log';
import { tokenFor } from '../support/local';
import { failure, useRunningServer } from '../support/server';
import { rawExchange } from '../support/socket';

const JSON_TYPE = 'application/fhir+json';
const CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
const LOOKUP = `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${CODE}`;

const errors = errorLogLines();

/** Waits until `done` holds, looking every 10 ms; fails after `ms`. */
async function waitFor(done: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let app: App;
let store: MemoryStore;
let server: http.Server;
let port: number;

beforeAll(async () => {
  store = new MemoryStore();
  // A small budget: the nested value sets below would take hours, so any budget shows the behaviour.
  app = await createApp({
    config: testConfig({ operationTimeBudgetMs: 300 }), store, logger: pino({ level: 'warn' }, errors.stream), published: publishedCatalogs(),
  });
  server = createHttpServer(app).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

afterEach(() => {
  expect(errors.lines).toEqual([]);
});

/**
 * `depth` levels of value sets, each level two value sets that both import both of the next level: evaluating the
 * top one naively visits 2^depth paths.
 */
function nestedImports(depth: number): ValueSet[] {
  const url = (name: string) => `http://example.org/fhir/ValueSet/nested-${name}`;
  const level = (k: number) => (k === depth ? { include: [{ system: 'http://hl7.org/fhir/administrative-gender' }] }
    : { include: [{ valueSet: [url(`a${k + 1}`)] }, { valueSet: [url(`b${k + 1}`)] }] });
  const sets: ValueSet[] = [{ resourceType: 'ValueSet', url: url('top'), status: 'active', compose: level(0) }];
  for (let k = 1; k <= depth; k++) {
    for (const x of ['a', 'b']) sets.push({ resourceType: 'ValueSet', url: url(`${x}${k}`), status: 'active', compose: level(k) });
  }
  return sets;
}

function outcome(body: unknown): OperationOutcome {
  expect((body as { resourceType?: string }).resourceType).toBe('OperationOutcome');
  return body as OperationOutcome;
}

describe('operation time budget', () => {
  const sets = nestedImports(40);
  const txResources = sets.map((resource) => ({ name: 'tx-resource', resource }));

  it('expands 40 levels of value sets each importing the next two, each evaluated once', async () => {
    const res = await inEnglish(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: sets[0]!.url }, ...txResources] }).expect(200);
    expect((res.body as ValueSet).expansion?.total).toBe(4);
  });

  it('answers a $validate-code of a code in none of them, reached along 2^40 ways, within the budget: each value set checked once', async () => {
    // a code in none of them: each level's two includes are tried in turn, all the way down
    const res = await inEnglish(app).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE).send({
      resourceType: 'Parameters',
      parameter: [{ name: 'url', valueUri: sets[0]!.url }, { name: 'system', valueUri: 'http://hl7.org/fhir/administrative-gender' },
        { name: 'code', valueCode: 'nope' }, ...txResources],
    });
    expect(res.status).toBe(200);
    const result = (res.body as Parameters).parameter?.find((p) => p.name === 'result');
    expect(result?.valueBoolean).toBe(false);
  });

  it('expands the same structure when it is shallow', async () => {
    const shallow = nestedImports(3);
    const res = await inEnglish(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send({
      resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: shallow[0]!.url }, ...shallow.map((resource) => ({ name: 'tx-resource', resource }))],
    }).expect(200);
    expect((res.body as ValueSet).expansion?.total).toBe(4);
  });
});

describe('value sets imported from many places', () => {
  // 25 levels, each two value sets both importing the next two: 2^25 ways down, 52 value sets
  const url = (x: string, i: number) => `http://example.org/fhir/ValueSet/diamond-${x}${i}`;
  const diamond: ValueSet[] = [];
  for (let i = 0; i < 25; i++) {
    diamond.push({ resourceType: 'ValueSet', url: url('d', i), status: 'active', compose: { include: [{ valueSet: [url('d', i + 1), url('e', i + 1)] }] } });
    diamond.push({ resourceType: 'ValueSet', url: url('e', i), status: 'active', compose: { include: [{ valueSet: [url('d', i + 1)] }, { valueSet: [url('e', i + 1)] }] } });
  }
  for (const x of ['d', 'e']) diamond.push({ resourceType: 'ValueSet', url: url(x, 25), status: 'active', compose: { include: [{ system: 'http://hl7.org/fhir/administrative-gender' }] } });
  const body = (...more: unknown[]) => JSON.stringify({
    resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: url('d', 0) }, ...diamond.map((resource) => ({ name: 'tx-resource', resource })), ...more],
  });

  it('are evaluated once each: $expand answers within the budget', async () => {
    const res = await inEnglish(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send(body()).expect(200);
    expect((res.body as ValueSet).expansion?.contains?.map((c) => c.code).sort()).toEqual(['female', 'male', 'other', 'unknown']);
  });

  it('are prepared once each: $validate-code of a code not in them answers within the budget', async () => {
    const res = await inEnglish(app).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE)
      .send(body({ name: 'system', valueUri: 'http://hl7.org/fhir/administrative-gender' }, { name: 'code', valueCode: 'nope' })).expect(200);
    expect(res.body.parameter.find((p: { name: string }) => p.name === 'result').valueBoolean).toBe(false);
  });
});

describe('unknown parameters', () => {
  const unknownVs = 'http://example.org/no-such-vs';

  it('are ignored on a successful answer (as terminology servers do)', async () => {
    const res = await inEnglish(app).get(`${LOOKUP}&zzz=1`).expect(200);
    expect(res.body.resourceType).toBe('Parameters');
  });

  it('are named as information issues on an error answer, by GET and by POST', async () => {
    const get = await inEnglish(app).get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(unknownVs)}&zzz=1&colour=red`).expect(404);
    const post = await inEnglish(app).post('/fhir/ValueSet/$expand').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: unknownVs }, { name: 'zzz', valueString: '1' }, { name: 'colour', valueString: 'red' }] })
      .expect(404);
    for (const res of [get, post]) {
      const issues = outcome(res.body).issue;
      expect(issues[0]).toMatchObject({ severity: 'error', code: 'not-found' });
      expect(issues.slice(1)).toEqual([
        { severity: 'information', code: 'informational', diagnostics: "Parameter 'zzz' is not a parameter of $expand and was ignored", expression: ['zzz'] },
        { severity: 'information', code: 'informational', diagnostics: "Parameter 'colour' is not a parameter of $expand and was ignored", expression: ['colour'] },
      ]);
    }
  });

  it('are refused with 400 under Prefer: handling=strict, by GET (also for a cached answer) and by POST', async () => {
    await inEnglish(app).get(`${LOOKUP}&zzz=1`).expect(200); // now in the response cache
    const get = await inEnglish(app).get(`${LOOKUP}&zzz=1`).set('Prefer', 'handling=strict').expect(400);
    expect(outcome(get.body).issue[0]).toMatchObject({ code: 'not-supported', details: { text: expect.stringMatching(/Unknown parameter 'zzz' for \$lookup/) }, expression: ['zzz'] });
    const post = await inEnglish(app).post('/fhir/CodeSystem/$lookup').set('Prefer', 'return=representation, handling=strict').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE }, { name: 'uuid', valueUuid: 'urn:uuid:1' }] })
      .expect(400);
    expect(outcome(post.body).issue[0].details?.text).toMatch(/Unknown parameter 'uuid'/);
    // known parameters only: strict changes nothing; lenient is the default
    await inEnglish(app).get(LOOKUP).set('Prefer', 'handling=strict').expect(200);
    await inEnglish(app).get(`${LOOKUP}&zzz=1`).set('Prefer', 'handling=lenient').expect(200);
  });
});

async function openConnections(): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never: ${what}`);
}

describe('bodies, URLs and disconnects', () => {
  it('refuses a body nested deeper than the limit with a 400 OperationOutcome', async () => {
    const depth = 200;
    const body = Buffer.from(`{"resourceType":"Parameters","parameter":[${'['.repeat(depth)}${']'.repeat(depth)}]}`);
    const answer = await send(port, { kind: 'deep', method: 'POST', path: '/fhir/ValueSet/$expand', headers: { 'Content-Type': 'application/fhir+json' }, body });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).issue[0].details.text).toMatch(/nested deeper/);
  });

  it('answers an over-long URL with 431 and an OperationOutcome', async () => {
    const answer = await send(port, { kind: 'long', method: 'GET', path: `/fhir/ValueSet/$expand?filter=${'a'.repeat(40_000)}`, headers: {} });
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body).resourceType).toBe('OperationOutcome');
  });

  it('refuses a body on a GET (beyond 1 KiB) with 413 and closes the connection', async () => {
    const answer = await rawExchange(port, `GET ${LOOKUP} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n`, 'x'.repeat(2000));
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(answer).toMatch(/"code":"too-long"/);
    await inEnglish(app).get(LOOKUP).send('x'.repeat(100)).expect(200); // a small stray body is tolerated
  });

  it('refuses a body in a transfer coding other than chunked with 501, and reads a chunked one', async () => {
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119' }, { name: 'count', valueInteger: 1 }] });
    const chunked = (codings: string, payload: Buffer) => rawExchange(port,
      `POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nTransfer-Encoding: ${codings}\r\nConnection: close\r\n\r\n`,
      Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]));
    for (const codings of ['gzip, chunked', 'compress,chunked', 'x-custom, chunked']) {
      const answer = await chunked(codings, gzipSync(body));
      expect(answer).toMatch(/^HTTP\/1\.1 501 /);
      expect(answer).toMatch(/"code":"not-supported"/);
      expect(answer).toMatch(/transfer coding/);
    }
    expect(await chunked('chunked', Buffer.from(body))).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers a body over the limit with 413 without reading it, and closes the connection', async () => {
    const small = await testApp({ bodyLimitBytes: 2048 });
    const res = await inEnglish(small).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send({ resourceType: 'Parameters', parameter: [{ name: 'filter', valueString: 'x'.repeat(5000) }] });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(outcome(res.body).issue[0].code).toBe('too-long');
  });

  describe('a body over the limit that is still on its way', () => {
    const small = useRunningServer({ bodyLimitBytes: 2048, requestTimeoutMs: 500, operationTimeBudgetMs: 250 });
    const smallPort = () => Number(new URL(small.baseUrl).port);

    it('is answered 413 from its declared length, before any of it is read (not 408 when less comes)', async () => {
      const answer = await rawExchange(smallPort(), `POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: 10000\r\n\r\n`, '{}');
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(answer).toMatch(/"code":"too-long"/);
      await inEnglish(small.app).get(LOOKUP).expect(200);
    });

    it('is read to its end after the 413, so that a client still sending it gets the answer, not a reset', async () => {
      const served = createHttpServer(small.app).listen(0, '127.0.0.1');
      await new Promise((r) => served.once('listening', r));
      try {
        const rest = 4 * 1024 * 1024;
        // as an HTTP client does, the socket stays open for sending when the server has ended its side
        const socket = net.connect({ port: (served.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
        let answer = '';
        socket.on('data', (c: Buffer) => { answer += c.toString('latin1'); });
        const closed = new Promise<{ ended: boolean; error?: string }>((resolve) => {
          let ended = false;
          socket.on('end', () => { ended = true; });
          socket.on('error', (e: NodeJS.ErrnoException) => resolve({ ended, error: e.code }));
          socket.on('close', () => resolve({ ended }));
        });
        socket.write(`POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${1024 + rest}\r\n\r\n`);
        socket.write(Buffer.alloc(1024, ' '));
        // the client reads the answer while it is still sending: the rest of its body comes after the 413 was written
        await waitFor(() => answer.includes('"too-long"'), 2000);
        await new Promise((r) => setTimeout(r, 100));
        const written = await new Promise<string | undefined>((resolve) => socket.write(Buffer.alloc(rest, ' '), (e) => resolve((e as NodeJS.ErrnoException | undefined)?.code)));
        expect(written).toBeUndefined();
        socket.end();
        // the server closes the connection once the body is in: an orderly close, not a reset
        expect(await closed).toEqual({ ended: true });
        expect(answer).toMatch(/^HTTP\/1\.1 413 [^]*\r\nconnection: close\r\n/i);
      } finally {
        served.closeAllConnections();
        await new Promise((r) => served.close(r));
      }
    });

    it('is taken no longer than the linger limits: a client that stops sending, or sends too much, is closed', async () => {
      const served = createHttpServer(small.app, { linger: { ms: 400, bytes: 1024 * 1024 } }).listen(0, '127.0.0.1');
      await new Promise((r) => served.once('listening', r));
      const open = () => new Promise<number>((resolve) => served.getConnections((_e, n) => resolve(n)));
      /** A client that sends the head and 100 bytes of a 100 MB body, reads the 413, and keeps its side open. */
      const refusedClient = async () => {
        const socket = net.connect({ port: (served.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
        socket.on('error', () => { /* the reset of a client over the limit */ });
        let answer = '';
        socket.on('data', (c: Buffer) => { answer += c.toString('latin1'); });
        socket.write(`POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: 100000000\r\n\r\n${'x'.repeat(100)}`);
        await waitFor(() => answer.includes('"too-long"'), 2000);
        return socket;
      };
      try {
        const stopped = await refusedClient();
        const answeredAt = Date.now();
        await new Promise((r) => setTimeout(r, 100));
        expect(await open()).toBe(1);
        await waitFor(async () => (await open()) === 0, 2000);
        expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(350);
        expect(stopped.destroyed || stopped.readableEnded).toBe(true);

        const flooding = await refusedClient();
        const floodedAt = Date.now();
        for (let i = 0; i < 4 && !flooding.destroyed; i++) flooding.write(Buffer.alloc(1024 * 1024, ' '));
        await waitFor(async () => (await open()) === 0, 2000);
        expect(Date.now() - floodedAt).toBeLessThan(350);
      } finally {
        served.closeAllConnections();
        await new Promise((r) => served.close(r));
      }
    });

    it('does not take the server down when the request times out after what came of it was found too large', async () => {
      // within the limit as sent, over it once inflated; the client then sends no more
      const zipped = gzipSync(Buffer.alloc(100_000, ' '));
      const answer = await rawExchange(smallPort(),
        `POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Encoding: gzip\r\nContent-Length: 2000\r\n\r\n`, zipped);
      expect(answer).toMatch(/^HTTP\/1\.1 (408|413) /);
      await new Promise((r) => setTimeout(r, 200));
      const after = await rawExchange(smallPort(), `GET ${LOOKUP} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, '');
      expect(after).toMatch(/^HTTP\/1\.1 200 /);
    });
  });

  it('answers a client that does not finish sending its request (slowloris) with 408 and closes the connection', async () => {
    const slow = createHttpServer(app, { receiveTimeoutMs: 300 }).listen(0, '127.0.0.1');
    await new Promise((r) => slow.once('listening', r));
    try {
      const answer = await rawExchange((slow.address() as AddressInfo).port,
        `POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: 1000\r\n\r\n`, '{"resourceType":');
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(answer).toMatch(/"code":"timeout"/);
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });

  it('survives clients that disconnect in the middle of a body or of an operation, and keeps no connection', async () => {
    for (let i = 0; i < 20; i++) {
      await rawExchange(port, `POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: 100000\r\n\r\n`,
        '{"resourceType":"Parameters","parameter":[', { destroyAfterWrite: true });
      await rawExchange(port, `PUT /fhir/CodeSystem/kommune-101-x HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        '10\r\n{"resourceType":\r\n', { destroyAfterWrite: true });
    }
    // an operation that runs until its budget is spent, its client gone long before
    const sets = nestedImports(40);
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: sets[0]!.url }, ...sets.map((resource) => ({ name: 'tx-resource', resource }))] });
    await rawExchange(port, `POST /fhir/ValueSet/$expand HTTP/1.1\r\nHost: x\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`, body, { destroyAfterWrite: true });
    await eventually(async () => (await openConnections()) === 0, 'every aborted connection is closed');
    await inEnglish(app).get(LOOKUP).expect(200);
    const metrics = await inEnglish(app).get('/metrics').expect(200);
    // no server failure (a 501 for a transfer coding not offered, asked for above, is none)
    expect(metrics.text).not.toMatch(/faelles_tx_requests_total\{[^}]*status="5(?!01)\d\d"[^}]*\} [1-9]/);
  });
});

describe('ids and urls are checked before they reach the store', () => {
  let admin: string;
  beforeAll(async () => {
    admin = await tokenFor({ scope: 'admin' });
  });

  const common = (extra: Partial<CodeSystem>): CodeSystem => ({
    resourceType: 'CodeSystem', url: 'http://faelles-tx.dk/fhir/CodeSystem/hardening', version: '1.0.0', status: 'draft', content: 'complete',
    concept: [{ code: 'a', display: 'A' }], ...extra,
  });

  it.each([
    ['a NUL in the url', { url: 'http://faelles-tx.dk/fhir/CodeSystem/x\u0000y' }, 'CodeSystem.url'],
    ['a control character in the url', { url: 'http://faelles-tx.dk/fhir/CodeSystem/x\u0007' }, 'CodeSystem.url'],
    ['a relative url', { url: 'CodeSystem/x' }, 'CodeSystem.url'],
    ['a | in the url', { url: 'http://faelles-tx.dk/fhir/CodeSystem/x|2' }, 'CodeSystem.url'],
    ['an unpaired surrogate in the url', { url: 'http://faelles-tx.dk/fhir/CodeSystem/\ud800x' }, 'CodeSystem.url'],
    ['a url of 3000 characters', { url: `http://faelles-tx.dk/${'x'.repeat(3000)}` }, 'CodeSystem.url'],
    ['a NUL in the version', { version: '1\u0000' }, 'CodeSystem.version'],
    ['a | in the version', { version: '1|2' }, 'CodeSystem.version'],
  ])('refuses %s with 422 and stores nothing', async (_name, extra, expression) => {
    const before = await store.loadAll();
    const res = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${admin}`).type(JSON_TYPE).send(common(extra));
    expect(res.status).toBe(422);
    expect(outcome(res.body).issue.some((i) => i.expression?.includes(expression))).toBe(true);
    expect(await store.loadAll()).toEqual(before);
  });

  it('says what is wrong with a url or version in Danish to a caller who asks for it, the English as its translation', async () => {
    const res = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${admin}`).set('Accept-Language', 'da').type(JSON_TYPE)
      .send(common({ url: 'CodeSystem/x', version: '1|2' })).expect(422);
    const issues = outcome(res.body).issue.filter((i) => i.code === 'value');
    expect(issues.map((i) => [i.expression?.[0], i.details?.text])).toEqual([
      ['CodeSystem.url', "url'en skal være en absolut URI (skema:…) uden mellemrum, kontroltegn, '|' og '#'"],
      ['CodeSystem.version', "Versionen må ikke indeholde kontroltegn eller '|'"],
    ]);
    const english = await inEnglish(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${admin}`).type(JSON_TYPE).send(common({ url: 'CodeSystem/x' })).expect(422);
    expect(outcome(english.body).issue.find((i) => i.code === 'value')?.details?.text).toBe("The url must be an absolute URI (scheme:…) without spaces, control characters, '|' or '#'");
  });

  it('answers ids that are not FHIR ids with 400 on read, history, update and delete', async () => {
    const auth = `Bearer ${admin}`;
    const bad = encodeURIComponent('x'.repeat(65));
    for (const path of [`/fhir/CodeSystem/${bad}`, `/fhir/CodeSystem/${bad}/_history`, `/fhir/CodeSystem/${bad}/_history/1`, "/fhir/ValueSet/a'b/_history"]) {
      const res = await inEnglish(app).get(path).expect(400);
      expect(outcome(res.body).issue[0].details?.text).toMatch(/is not a valid resource id/);
    }
    await inEnglish(app).put(`/fhir/CodeSystem/${bad}`).set('Authorization', auth).type(JSON_TYPE).send(common({ id: 'x'.repeat(65) })).expect(400);
    await inEnglish(app).delete('/fhir/CodeSystem/a%20b').set('Authorization', auth).expect(400);
    // '.' and '..' fit the pattern, but as a URL's segment they are dot segments: no client could address them
    for (const dots of ['.', '..']) {
      const put = await inEnglish(app).put(`/fhir/CodeSystem/${dots}`).set('Authorization', auth).type(JSON_TYPE).send(common({ id: dots })).expect(400);
      expect(outcome(put.body).issue[0].details?.text).toBe(`'${dots}' is not a valid resource id`);
    }
    expect(await store.loadAll()).toEqual([]);
  });
});

describe('configuration of the time budget', () => {
  it('defaults to 10 s, below the request timeout, and can be turned off', () => {
    expect(loadConfig({}).operationTimeBudgetMs).toBe(10_000);
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '4000' }).operationTimeBudgetMs).toBe(2000);
    expect(loadConfig({ OPERATION_TIME_BUDGET_MS: '0' }).operationTimeBudgetMs).toBe(0);
    expect(() => loadConfig({ OPERATION_TIME_BUDGET_MS: 'soon' })).toThrow(/OPERATION_TIME_BUDGET_MS must be a whole number/);
  });
});
