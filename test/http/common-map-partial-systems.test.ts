/**
 * A map written by an administrator between code systems whose content is not complete (a fragment, an example, or
 * concepts not present at all): a code the server does not hold may still be a code of the system, as
 * `$validate-code` says of it, so the write is accepted with a warning naming the code, where a complete system's
 * missing code refuses it. R4 lets a map give a source code several elements; only a municipality's map keeps a
 * local code's targets in one.
 */
import type { CodeSystem, ConceptMap, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';

const FHIR_JSON = 'application/fhir+json';
const BASE = 'http://example.org/fhir/CodeSystem/partial';

let app: App;
let admin: string;

const system = (name: string, content: CodeSystem['content'], codes: string[]): CodeSystem => ({
  resourceType: 'CodeSystem', id: `partial-${name}`, url: `${BASE}-${name}`, version: '1', status: 'active', content,
  ...(content === 'not-present' ? {} : { concept: codes.map((code) => ({ code, display: `Kode ${code}` })) }),
});

const map = (id: string, source: string, target: string, elements: [string, string][]): ConceptMap => ({
  resourceType: 'ConceptMap', id, url: `http://example.org/fhir/ConceptMap/${id}`, version: '1', status: 'active',
  group: [{ source, target, element: elements.map(([code, to]) => ({ code, target: [{ code: to, equivalence: 'equivalent' as const }] })) }],
});

/** Written with `Prefer: return=OperationOutcome`, which holds the write rules' warnings. */
const put = (resource: CodeSystem | ConceptMap) => request(app).put(`/fhir/${resource.resourceType}/${resource.id}`)
  .set('Authorization', admin).set('Prefer', 'return=OperationOutcome').type(FHIR_JSON).send(JSON.stringify(resource));

beforeAll(async () => {
  app = await testApp();
  admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
  for (const cs of [
    system('complete', 'complete', ['c1', 'c2']),
    system('fragment', 'fragment', ['f1']),
    system('example', 'example', ['e1']),
    system('absent', 'not-present', []),
  ]) expect((await put(cs)).status).toBe(201);
});

const issuesOf = (body: unknown) => (body as OperationOutcome).issue ?? [];

describe('a common map over code systems that do not hold all their codes', () => {
  it.each([
    ['a source code of a not-present system', `${BASE}-absent`, `${BASE}-complete`, [['zz', 'c1']], 'zz', 'not-present'],
    ['a target code missing from a fragment', `${BASE}-complete`, `${BASE}-fragment`, [['c1', 'f2']], 'f2', 'fragment'],
    ['a target code missing from an example system', `${BASE}-complete`, `${BASE}-example`, [['c2', 'e9']], 'e9', 'example'],
  ] as [string, string, string, [string, string][], string, string][])('is written with a warning for %s', async (_what, source, target, elements, code, content) => {
    const cm = map(`partial-map-${content}`, source, target, elements);
    const res = await put(cm);
    expect(res.status).toBe(201);
    const warning = issuesOf(res.body).find((i) => i.severity === 'warning' && i.details?.text?.includes(`'${code}'`));
    expect(warning?.details?.text).toContain(`'${content}'`);
    const read = await request(app).get(`/fhir/ConceptMap/${cm.id}`).expect(200);
    expect(read.body.group[0].element.map((e: { code: string }) => e.code)).toEqual(elements.map(([c]) => c));
  });

  it('is written with the warning when its target value set takes the fragment whole, and refused for a code of the system outside the value set', async () => {
    const vs = { resourceType: 'ValueSet', id: 'partial-vs-fragment', url: 'http://example.org/fhir/ValueSet/partial-fragment', status: 'active',
      compose: { include: [{ system: `${BASE}-fragment` }] } };
    await request(app).put(`/fhir/ValueSet/${vs.id}`).set('Authorization', admin).type(FHIR_JSON).send(JSON.stringify(vs)).expect(201);
    const scoped = { ...map('partial-map-scoped', `${BASE}-complete`, `${BASE}-fragment`, [['c1', 'f77']]), targetUri: vs.url };
    const res = await put(scoped);
    expect(res.status).toBe(201);
    expect(issuesOf(res.body).filter((i) => i.details?.text?.includes("'f77'")).map((i) => i.severity)).toEqual(['warning']);

    const narrow = { resourceType: 'ValueSet', id: 'partial-vs-narrow', url: 'http://example.org/fhir/ValueSet/partial-narrow', status: 'active',
      compose: { include: [{ system: `${BASE}-complete`, concept: [{ code: 'c1' }] }] } };
    await request(app).put(`/fhir/ValueSet/${narrow.id}`).set('Authorization', admin).type(FHIR_JSON).send(JSON.stringify(narrow)).expect(201);
    const outside = await put({ ...map('partial-map-outside', `${BASE}-fragment`, `${BASE}-complete`, [['f1', 'c2']]), targetUri: narrow.url });
    expect(outside.status).toBe(422);
    expect(issuesOf(outside.body).some((i) => i.severity === 'error' && i.details?.text?.includes("'c2'"))).toBe(true);
  });

  it('is refused (422) for a code missing from a complete system, naming it', async () => {
    const res = await put(map('partial-map-complete', `${BASE}-fragment`, `${BASE}-complete`, [['f1', 'c9']]));
    expect(res.status).toBe(422);
    expect(issuesOf(res.body).some((i) => i.severity === 'error' && i.code === 'code-invalid' && i.details?.text?.includes("'c9'"))).toBe(true);
    expect((await request(app).get('/fhir/ConceptMap/partial-map-complete')).status).toBe(404);
  });

  it('may give a source code two elements in one group', async () => {
    const res = await put(map('partial-map-two-elements', `${BASE}-complete`, `${BASE}-complete`, [['c1', 'c2'], ['c1', 'c1']]));
    expect(res.status).toBe(201);
    const translated = await request(app).get('/fhir/ConceptMap/$translate')
      .query({ url: 'http://example.org/fhir/ConceptMap/partial-map-two-elements', system: `${BASE}-complete`, code: 'c1' }).expect(200);
    const targets = translated.body.parameter.filter((p: { name: string }) => p.name === 'match')
      .map((m: { part: { name: string; valueCoding?: { code: string } }[] }) => m.part.find((p) => p.name === 'concept')?.valueCoding?.code);
    expect(targets.sort()).toEqual(['c1', 'c2']);
  });
});
