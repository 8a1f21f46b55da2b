/**
 * A code system whose hierarchy is a cycle (through `parent` or `child` properties, nested concepts, or both) is not
 * written: in it every concept would subsume the others. One that is stored anyway (written before the rule) is
 * answered alike by `$subsumes` and `$closure`; one given as tx-resource is refused, as a write is.
 */
import type { CodeSystem, CodeSystemConcept, ConceptMap, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import { appWithToken, testApp } from '../support/app';
import { inEnglish } from '../support/english';
import { localCodeSystem, tokenFor } from '../support/local';
import { parametersOf } from '../support/parameters';
import { issueTranslated } from '../support/translation';

const JSON_TYPE = 'application/fhir+json';
const URL = 'http://example.org/fhir/CodeSystem/cyclic';

let app: App;
let admin: string;

beforeAll(async () => {
  ({ app, auth: admin } = await appWithToken({ scope: 'admin' }));
});

/** The probe's code system: 101-A below 101-C below 101-B below 101-A, by `parent` properties. */
function municipalCycle(): CodeSystem {
  const cs = localCodeSystem('101', 'ring', [
    { code: '101-A', display: 'A', type: 'indsats' },
    { code: '101-B', display: 'B', type: 'indsats' },
    { code: '101-C', display: 'C', type: 'indsats' },
  ]);
  cs.hierarchyMeaning = 'is-a';
  cs.property!.push({ code: 'parent', uri: 'http://hl7.org/fhir/concept-properties#parent', type: 'code' });
  const parentOf: Record<string, string> = { '101-A': '101-C', '101-B': '101-A', '101-C': '101-B' };
  for (const c of cs.concept!) c.property!.push({ code: 'parent', valueCode: parentOf[c.code] });
  return cs;
}

const concept = (code: string, more: Partial<CodeSystemConcept> = {}): CodeSystemConcept => ({ code, display: code.toUpperCase(), ...more });

function codeSystem(id: string, concepts: CodeSystemConcept[]): CodeSystem {
  return {
    resourceType: 'CodeSystem', id, url: `${URL}-${id}`, version: '1', status: 'active', content: 'complete', hierarchyMeaning: 'is-a',
    property: [{ code: 'parent', type: 'code' }, { code: 'child', type: 'code' }], concept: concepts,
  };
}

const cycleIssues = (res: request.Response) => (res.body as OperationOutcome).issue.filter((i) => i.code === 'business-rule');

describe('a write of a code system whose hierarchy is a cycle', () => {
  it("is refused for a municipality (422 business-rule at the concept, naming the cycle's codes, in Danish), and nothing is stored", async () => {
    const token = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const cs = municipalCycle();
    const res = await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', token).type(JSON_TYPE).send(cs);
    expect(res.status).toBe(422);
    const [issue, ...more] = cycleIssues(res);
    expect(more).toEqual([]);
    expect(issue).toMatchObject({ severity: 'error', expression: ['CodeSystem.concept[0]'] });
    expect(issueTranslated(issue)).toEqual({
      text: "Hierarkiet går i ring: '101-A' -> '101-C' -> '101-B' -> '101-A' (hver kodes overbegreb efter den); et begreb kan ikke ligge under sig selv",
      lang: 'en',
      translation: "The hierarchy is a cycle: '101-A' -> '101-C' -> '101-B' -> '101-A' (each code's parent after it); a concept cannot be below itself",
    });
    const english = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', token).type(JSON_TYPE).send(cs).expect(422);
    expect(cycleIssues(english)[0]?.details?.text).toContain("'101-A' -> '101-C' -> '101-B' -> '101-A'");
    await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    // and by POST
    await request(app).post('/fhir/CodeSystem').set('Authorization', token).type(JSON_TYPE).send({ ...cs, id: undefined }).expect(422);
  });

  it.each<[string, CodeSystemConcept[], string, string]>([
    ['child properties', [concept('a', { property: [{ code: 'child', valueCode: 'b' }] }), concept('b', { property: [{ code: 'child', valueCode: 'a' }] })],
      'CodeSystem.concept[0]', "'a' -> 'b' -> 'a'"],
    ['nesting and a parent property', [concept('top', { concept: [concept('mid', { concept: [concept('low')] })], property: [{ code: 'parent', valueCode: 'low' }] })],
      'CodeSystem.concept[0]', "'top' -> 'low' -> 'mid' -> 'top'"],
    ['nesting and a child property, below a root', [concept('root', { concept: [concept('x', { concept: [concept('y', { property: [{ code: 'child', valueCode: 'x' }] })] })] })],
      'CodeSystem.concept[0].concept[0]', "'x' -> 'y' -> 'x'"],
  ])("is refused for the admin too, through %s (at the cycle's first concept)", async (_how, concepts, at, codes) => {
    const cs = codeSystem('cyclic', concepts);
    const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', admin).type(JSON_TYPE).send(cs);
    expect(res.status).toBe(422);
    expect(cycleIssues(res)).toEqual([expect.objectContaining({ expression: [at], details: expect.objectContaining({ text: expect.stringContaining(codes) }) })]);
    await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });

  it('is refused in a transaction (at the entry), which writes nothing', async () => {
    const good = codeSystem('acyclic-beside', [concept('a')]);
    const bad = codeSystem('cyclic-in-bundle', [concept('a', { property: [{ code: 'parent', valueCode: 'b' }] }), concept('b', { property: [{ code: 'parent', valueCode: 'a' }] })]);
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [good, bad].map((resource) => ({ resource, request: { method: 'PUT', url: `CodeSystem/${resource.id}` } })) };
    const res = await inEnglish(app).post('/fhir').set('Authorization', admin).type(JSON_TYPE).send(bundle);
    expect(res.status).toBe(422);
    expect(cycleIssues(res)[0]?.expression).toEqual(['Bundle.entry[1].resource.concept[0]']);
    for (const id of ['acyclic-beside', 'cyclic-in-bundle']) await request(app).get(`/fhir/CodeSystem/${id}`).expect(404);
  });

  it('names each cycle that shares no concept with another', async () => {
    const cs = codeSystem('two-cycles', [
      concept('a', { property: [{ code: 'parent', valueCode: 'b' }] }), concept('b', { property: [{ code: 'parent', valueCode: 'a' }, { code: 'parent', valueCode: 'c' }] }),
      concept('c', { property: [{ code: 'parent', valueCode: 'a' }] }), concept('d', { property: [{ code: 'parent', valueCode: 'e' }] }),
      concept('e', { property: [{ code: 'parent', valueCode: 'd' }] }),
    ]);
    const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', admin).type(JSON_TYPE).send(cs).expect(422);
    expect(cycleIssues(res).map((i) => [i.expression![0], i.details?.text?.replace(/ \(each.*/, '')])).toEqual([
      ['CodeSystem.concept[0]', "The hierarchy is a cycle: 'a' -> 'b' -> 'a'"],
      ['CodeSystem.concept[3]', "The hierarchy is a cycle: 'd' -> 'e' -> 'd'"],
    ]);
  });
});

describe('a hierarchy without a cycle is written', () => {
  it('a poly-hierarchy (two parents meeting again), links stated twice, and a concept naming itself as its parent', async () => {
    const cs = codeSystem('diamond', [
      concept('top', { concept: [concept('left'), concept('right')] }),
      concept('bottom', { property: [{ code: 'parent', valueCode: 'left' }, { code: 'parent', valueCode: 'right' }, { code: 'parent', valueCode: 'bottom' }] }),
      concept('other', { property: [{ code: 'child', valueCode: 'left' }, { code: 'parent', valueCode: 'top' }] }),
    ]);
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', admin).type(JSON_TYPE).send(cs).expect(201);
  });
});

describe('a code system with a cycle that is served anyway', () => {
  const ring = (): CodeSystem => codeSystem('stored-ring', [
    concept('a', { property: [{ code: 'parent', valueCode: 'c' }] }), concept('b', { property: [{ code: 'parent', valueCode: 'a' }] }),
    concept('c', { property: [{ code: 'parent', valueCode: 'b' }] }), concept('d', { property: [{ code: 'parent', valueCode: 'a' }] }),
  ]);
  const system = ring().url!;

  const subsumes = async (target: App, a: string, b: string, txResource?: CodeSystem): Promise<string | undefined> => {
    const res = await request(target).post('/fhir/CodeSystem/$subsumes').type(JSON_TYPE).send(parametersOf(
      { name: 'system', valueUri: system }, { name: 'codeA', valueCode: a }, { name: 'codeB', valueCode: b },
      ...(txResource ? [{ name: 'tx-resource', resource: txResource }] : []),
    )).expect(200);
    return (res.body as Parameters).parameter?.find((p) => p.name === 'outcome')?.valueCode;
  };

  /** The relations $subsumes answers among the codes, as `narrower<broader`. */
  const bySubsumes = async (target: App, codes: string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const a of codes) for (const b of codes) if (a !== b && await subsumes(target, a, b) === 'subsumes') out.push(`${b}<${a}`);
    return out.sort();
  };

  it('(stored before the rule) $closure lists the relations $subsumes answers, both ways round in the cycle', async () => {
    const stored = await testApp({}, { store: new MemoryStore([ring()]) });
    const codes = ['a', 'b', 'c', 'd'];
    const expected = await bySubsumes(stored, codes);
    expect(expected).toEqual(['a<b', 'a<c', 'b<a', 'b<c', 'c<a', 'c<b', 'd<a', 'd<b', 'd<c']);
    const call = (concepts: string[]) => request(stored).post('/fhir/$closure').type(JSON_TYPE).send(parametersOf(
      { name: 'name', valueString: 'ring' }, ...concepts.map((code) => ({ name: 'concept', valueCoding: { system, code } })),
    )).expect(200);
    await call([]);
    const entries: string[] = [];
    // one at a time and then the rest together: both ways of finding a table's relations
    for (const concepts of [['b'], ['a'], ['c', 'd']]) {
      for (const g of ((await call(concepts)).body as ConceptMap).group ?? []) {
        for (const e of g.element ?? []) for (const t of e.target ?? []) entries.push(`${e.code}<${t.code}`);
      }
    }
    expect(entries.sort()).toEqual(expected);
  });

  it('(as tx-resource) is refused, 400 naming the cycle, as a write and a package are; so is one defining a code twice', async () => {
    const call = (cs: CodeSystem) => inEnglish(app).post('/fhir/CodeSystem/$subsumes').type(JSON_TYPE).send(parametersOf(
      { name: 'system', valueUri: system }, { name: 'codeA', valueCode: 'a' }, { name: 'codeB', valueCode: 'b' }, { name: 'tx-resource', resource: cs },
    ));
    const cyclic = await call(ring()).expect(400);
    expect((cyclic.body as OperationOutcome).issue[0]).toMatchObject({
      code: 'invalid', expression: ['CodeSystem.concept[0]'], details: { text: expect.stringMatching(/its hierarchy is a cycle: 'a' -> 'c' -> 'b' -> 'a'/) },
    });
    const twice = codeSystem('twice', [concept('a'), concept('b'), concept('a')]);
    const res = await call({ ...twice, url: system }).expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toMatch(/the code 'a' is defined twice \(CodeSystem\.concept\[0\] and CodeSystem\.concept\[2\]\)/);
  });
});
