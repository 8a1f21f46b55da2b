/**
 * FHIR's JSON rules for what the server writes (R4 json.html): an element has a value or children, so no array or
 * object is empty, no value is null and no string is empty. Checked on the answers to a broad sweep of requests —
 * reads, searches with and without matches, histories and audit searches after writes, writes and transactions, every
 * operation at type level without parameters, and operations on the written catalogs — not only the ones that
 * happened to be found wrong (an empty search's `"entry":[]`); and each answer is checked by the server's own `$validate`.
 */
import type { Bundle, CodeSystem, OperationDefinition, OperationOutcome, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { OPERATIONS } from '../../src/operations';
import { FSIII, testApp } from '../support/app';
import { CODES, sampleCatalog, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';

/** Where a JSON value breaks the rules: the paths of empty arrays and objects, nulls and empty strings. */
function jsonRuleBreaks(value: unknown, at = '$'): string[] {
  if (value === null) return [`${at} is null`];
  if (value === '') return [`${at} is an empty string`];
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${at} is an empty array`];
    return value.flatMap((v, i) => jsonRuleBreaks(v, `${at}[${i}]`));
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return [`${at} is an empty object`];
    return entries.flatMap(([k, v]) => jsonRuleBreaks(v, `${at}.${k}`));
  }
  return [];
}

describe('jsonRuleBreaks', () => {
  it('names each empty array, empty object, null and empty string by its path, and nothing in a valid resource', () => {
    expect(jsonRuleBreaks({ resourceType: 'Bundle', entry: [], meta: {}, id: null, total: 0, link: [{ url: '' }] })).toEqual([
      '$.entry is an empty array', '$.meta is an empty object', '$.id is null', '$.link[0].url is an empty string',
    ]);
    expect(jsonRuleBreaks({ resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: false }, { name: 'n', valueInteger: 0 }] })).toEqual([]);
  });
});

describe('every answer keeps FHIR JSON rules', () => {
  let app: App;
  let municipal: string;
  let admin: string;
  /** Each request's answer, by what was asked. */
  const answers = new Map<string, unknown>();

  const keep = (what: string, res: request.Response): void => {
    if (/json/.test(String(res.headers['content-type'] ?? '')) && res.text) answers.set(`${what} (${res.status})`, JSON.parse(res.text));
  };
  const get = async (path: string, auth?: string): Promise<request.Response> => {
    const call = request(app).get(path).set('Accept-Language', 'en');
    const res = await (auth ? call.set('Authorization', auth) : call);
    keep(`GET ${path}`, res);
    return res;
  };

  beforeAll(async () => {
    app = await testApp();
    municipal = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    const { codeSystem, conceptMap } = sampleCatalog('101');
    const write = async (method: 'put' | 'delete', path: string, body?: object, prefer?: string): Promise<request.Response> => {
      let call = request(app)[method](path).set('Authorization', municipal).set('Accept-Language', 'en');
      if (prefer) call = call.set('Prefer', prefer);
      const res = await (body ? call.type(JSON_TYPE).send(body) : call);
      keep(`${method.toUpperCase()} ${path} ${prefer ?? ''}`, res);
      return res;
    };
    expect((await write('put', `/fhir/CodeSystem/${codeSystem.id}`, codeSystem, 'return=representation')).status).toBe(201);
    expect((await write('put', `/fhir/ConceptMap/${conceptMap.id}`, conceptMap, 'return=OperationOutcome')).status).toBe(201);
    const next: CodeSystem = { ...codeSystem, version: '1.1.0', concept: codeSystem.concept!.map((c, i) => (i === 1 ? { ...c, display: 'Boldspil for alle' } : c)) };
    expect((await write('put', `/fhir/CodeSystem/${codeSystem.id}`, next, 'return=minimal')).status).toBe(200);
    const refused = { ...codeSystem, identifier: [] };
    expect((await write('put', `/fhir/CodeSystem/${codeSystem.id}`, refused)).status).toBeGreaterThanOrEqual(400);
    const transaction: Bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ request: { method: 'GET', url: `CodeSystem/${codeSystem.id}` } }, { request: { method: 'GET', url: 'ValueSet?name=no-such-name' } }],
    };
    const tx = await request(app).post('/fhir').set('Authorization', municipal).type(JSON_TYPE).send(transaction);
    keep('POST transaction', tx);
    const batch = await request(app).post('/fhir').type(JSON_TYPE).send({ ...transaction, type: 'batch', entry: [...transaction.entry!, { request: { method: 'GET', url: 'CodeSystem/no-such-id' } }] });
    keep('POST batch', batch);
    const extra = sampleCatalog('101', 'slettes');
    expect((await write('put', `/fhir/CodeSystem/${extra.codeSystem.id}`, extra.codeSystem)).status).toBe(201);
    expect((await write('delete', `/fhir/CodeSystem/${extra.codeSystem.id}`)).status).toBeLessThan(300);

    for (const path of ['/fhir/metadata', '/fhir/metadata?mode=terminology', '/fhir/_history', '/fhir/_history?_since=2999-01-01',
      '/fhir/CodeSystem/_history', `/fhir/CodeSystem/${codeSystem.id}/_history`, `/fhir/CodeSystem/${codeSystem.id}/_history/1`,
      `/fhir/CodeSystem/${codeSystem.id}/_history?_since=2999-01-01`, `/fhir/CodeSystem/${extra.codeSystem.id}`]) await get(path);
    for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap', 'OperationDefinition', 'StructureDefinition']) {
      await get(`/fhir/${type}?_count=3`);
      await get(`/fhir/${type}?name=no-such-name`);
      await get(`/fhir/${type}?_count=0`);
      await get(`/fhir/${type}?_summary=count`);
      await get(`/fhir/${type}?_count=2&_summary=true`);
    }
    for (const auth of [admin, municipal]) {
      await get('/fhir/AuditEvent?_count=5', auth);
      await get('/fhir/AuditEvent?agent=no-such-agent', auth);
    }
    const definitions = (await get('/fhir/OperationDefinition?_count=1000')).body as Bundle;
    for (const e of definitions.entry ?? []) await get(`/fhir/OperationDefinition/${(e.resource as OperationDefinition).id}`);
    // every operation taken by GET at type or system level, without its parameters: an answer, or the refusal saying what is missing
    for (const op of OPERATIONS) {
      if (!(op.methods ?? ['GET', 'POST']).includes('GET')) continue;
      if (op.levels.includes('type') && op.resourceType !== 'Resource') await get(`/fhir/${op.resourceType}/$${op.spec.name}`, admin);
      if (op.levels.includes('system')) await get(`/fhir/$${op.spec.name}`, admin);
    }
    const local = codeSystem.url!;
    const fsiii = encodeURIComponent(FSIII);
    const firstUsing = ((await get(`/fhir/ValueSet?reference=${fsiii}&_count=1`)).body as Bundle).entry![0]!.resource as ValueSet;
    const vs = encodeURIComponent(firstUsing.url!);
    for (const path of [
      `/fhir/CodeSystem/$lookup?system=${fsiii}&code=${CODES.nikotin}&property=*`, `/fhir/CodeSystem/$lookup?system=${fsiii}&code=no-such-code`,
      `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(local)}&code=101-BOLD&version=1.0.0`,
      `/fhir/CodeSystem/$validate-code?url=${fsiii}&code=${CODES.nikotin}&display=wrong`, `/fhir/CodeSystem/$validate-code?url=${fsiii}&code=no-such-code`,
      `/fhir/CodeSystem/$subsumes?system=${fsiii}&codeA=${CODES.paragraf119}&codeB=${CODES.nikotin}`,
      `/fhir/ConceptMap/$translate?system=${encodeURIComponent(local)}&code=101-KOL`, `/fhir/ConceptMap/$translate?system=${encodeURIComponent(local)}&code=101-NY`,
      `/fhir/ConceptMap/$translate?system=${fsiii}&code=${CODES.nikotin}&reverse=true`,
      `/fhir/CodeSystem/$diff?url=${encodeURIComponent(local)}&from=1.0.0&to=1.1.0`, `/fhir/CodeSystem/$diff?url=${encodeURIComponent(local)}&from=1.1.0&to=1.1.0`,
      `/fhir/ValueSet/$expand?url=${vs}&filter=no-such-word`, `/fhir/ValueSet/$expand?url=${vs}&count=0`,
      `/fhir/ValueSet/$expand?url=${vs}&count=2&includeDesignations=true&property=parent`, `/fhir/ValueSet/$validate-code?url=${vs}&system=${fsiii}&code=${CODES.nikotin}`,
      `/fhir/ConceptMap/$coverage?kommunekode=101`, `/fhir/$versions?url=${encodeURIComponent(local)}`,
    ]) await get(path, municipal);
  });

  it('the sweep asked what it meant to ask', () => {
    const statuses = [...answers.keys()].map((k) => Number(/\((\d{3})\)$/.exec(k)?.[1]));
    expect(answers.size).toBeGreaterThan(100);
    expect(statuses.filter((s) => s < 300).length).toBeGreaterThan(60);
    expect(statuses.filter((s) => s >= 400).length).toBeGreaterThan(5);
    expect(statuses.some((s) => s >= 500)).toBe(false);
  });

  it("each answer is valid R4 by the server's own $validate (structure, cardinalities, invariants, required bindings)", async () => {
    const invalid: string[] = [];
    for (const [what, body] of answers) {
      // a subset (_summary, _elements) need not be valid: it is tagged SUBSETTED
      if (/[?&](_summary=(true|text|data)|_elements=)/.test(what)) continue;
      const type = (body as { resourceType: string }).resourceType;
      const res = await request(app).post(`/fhir/${type}/$validate`).set('Accept-Language', 'en').type(JSON_TYPE)
        .send({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: body }] });
      const errors = (res.body as OperationOutcome).issue.filter((i) => i.severity === 'error' || i.severity === 'fatal');
      if (res.status !== 200 || errors.length > 0) invalid.push(`${what}: ${res.status} ${errors.map((i) => `${i.expression?.[0]}: ${i.details?.text}`).join('; ')}`);
    }
    expect(invalid).toEqual([]);
  });

  it('no answer has an empty array or object, a null or an empty string', () => {
    const breaks = [...answers].flatMap(([what, body]) => jsonRuleBreaks(body).map((b) => `${what}: ${b}`));
    expect(breaks).toEqual([]);
  });
});
