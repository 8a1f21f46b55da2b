/**
 * A map's `group.unmapped` other-map link that cannot be followed — it comes round in a circle, or names a map the
 * server does not know — is one map's fault: it never fails a $translate (4xx), whoever asks. A circle is cut where a
 * map comes round again; an unknown map is not followed, and the answer's `message` names the link. Written maps
 * (an admin's writes) are what every other caller translates with, so one such write must not break them all.
 */
import type { ConceptMap, ConceptMapGroup, Parameters } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';
import { param, params, parametersOf, part } from '../support/parameters';

const FHIR_JSON = 'application/fhir+json';
const U = 'http://example.org/fhir/CodeSystem/links-u';
const T = 'http://example.org/fhir/CodeSystem/links-t';
const BASE = 'http://example.org/fhir/ConceptMap';
const NOWHERE = `${BASE}/links-nowhere`;

function map(id: string, group: Omit<ConceptMapGroup, 'source' | 'target'>): ConceptMap {
  return { resourceType: 'ConceptMap', id, url: `${BASE}/${id}`, version: '1', status: 'active', group: [{ source: U, target: T, ...group }] };
}

const loopA = map('links-loop-a', { element: [{ code: 'X', target: [{ code: 'x1', equivalence: 'equivalent' }] }], unmapped: { mode: 'other-map', url: `${BASE}/links-loop-b` } });
const loopB = map('links-loop-b', { element: [{ code: 'Z', target: [{ code: 'z1', equivalence: 'equivalent' }] }], unmapped: { mode: 'other-map', url: `${BASE}/links-loop-a` } });
/** A map stating that C has no match (a target without a code): it adds no match of its own. */
const disjoint = map('links-cm1', { element: [{ code: 'C', target: [{ equivalence: 'disjoint' }] }] });
const provided = map('links-cm-prov', { element: [{ code: 'P', target: [{ code: 'p1', equivalence: 'equivalent' }] }], unmapped: { mode: 'provided' } });
const dangling = map('links-dangling', { element: [{ code: 'D', target: [{ code: 'd1', equivalence: 'equivalent' }] }], unmapped: { mode: 'other-map', url: NOWHERE } });

let app: App;
let admin: string;

async function write(cm: ConceptMap): Promise<void> {
  await request(app).put(`/fhir/ConceptMap/${cm.id}`).set('Authorization', admin).type(FHIR_JSON).send(cm).expect((res) => {
    if (res.status !== 200 && res.status !== 201) throw new Error(`write of ${cm.id}: ${res.status} ${JSON.stringify(res.body)}`);
  });
}

beforeAll(async () => {
  app = await testApp();
  admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
  for (const cm of [loopA, loopB, disjoint, provided]) await write(cm);
});

async function translateGet(query: Record<string, string>): Promise<Parameters> {
  const res = await request(app).get('/fhir/ConceptMap/$translate').query(query);
  expect([res.status, res.body.resourceType]).toEqual([200, 'Parameters']);
  return res.body as Parameters;
}

/** Each match as equivalence, concept code and originMap. */
const matches = (p: Parameters): string[] => params(p, 'match')
  .map((m) => `${part(m, 'equivalence')?.valueCode} ${part(m, 'concept')?.valueCoding?.code} ${part(m, 'originMap')?.valueCanonical}`);
const result = (p: Parameters) => param(p, 'result')?.valueBoolean;
const message = (p: Parameters) => param(p, 'message')?.valueString;

describe('two maps naming each other for what they do not map (a circle)', () => {
  it('do not fail a $translate over all maps of the system: the circle is cut and the other maps answer', async () => {
    const answer = await translateGet({ system: U, code: 'C' });
    expect(result(answer)).toBe(true);
    expect(matches(answer)).toEqual([`undefined C ${BASE}/links-cm-prov|1`]);
    expect(message(answer)).toBeUndefined();
  });

  it("still answer what a map of the circle maps, itself or through the other, credited to the map that states it", async () => {
    expect(matches(await translateGet({ system: U, code: 'Z', url: loopA.url! }))).toEqual([`equivalent z1 ${BASE}/links-loop-b|1`]);
    expect(matches(await translateGet({ system: U, code: 'X', url: loopB.url! }))).toEqual([`equivalent x1 ${BASE}/links-loop-a|1`]);
  });

  it('named by the request, answer result=false "no mapping" for a code neither maps (not a 422)', async () => {
    const answer = await translateGet({ system: U, code: 'C', url: loopA.url! });
    expect([result(answer), matches(answer)]).toEqual([false, []]);
    expect(message(answer)).toBe(`No translation for ${U}#C: no mapping in ${BASE}/links-loop-a|1`);
  });

  it('a map naming itself is cut the same way (inline conceptMap)', async () => {
    const self = { ...loopA, id: undefined, url: `${BASE}/links-self`, group: [{ ...loopA.group![0]!, unmapped: { mode: 'other-map' as const, url: `${BASE}/links-self|1` } }] };
    const res = await request(app).post('/fhir/ConceptMap/$translate').type(FHIR_JSON)
      .send(parametersOf({ name: 'conceptMap', resource: self }, { name: 'system', valueUri: U }, { name: 'code', valueCode: 'C' })).expect(200);
    expect([result(res.body as Parameters), matches(res.body as Parameters)]).toEqual([false, []]);
  });
});

describe('a map naming an unknown map for what it does not map', () => {
  const brokenLink = `ConceptMap ${BASE}/links-dangling|1 names ${NOWHERE} for what it does not map (group.unmapped.url), which is not known: it was not followed`;

  beforeAll(async () => {
    await write(dangling);
  });

  it('is left out of a $translate over all maps of the system; the others answer, and the message names the link', async () => {
    const answer = await translateGet({ system: U, code: 'C' });
    expect(result(answer)).toBe(true);
    expect(matches(answer)).toEqual([`undefined C ${BASE}/links-cm-prov|1`]);
    expect(message(answer)).toBe(brokenLink);
  });

  it('answers what it maps itself, with no message (the link is not needed)', async () => {
    const answer = await translateGet({ system: U, code: 'D', url: dangling.url! });
    expect(matches(answer)).toEqual([`equivalent d1 ${BASE}/links-dangling|1`]);
    expect(message(answer)).toBeUndefined();
  });

  it('named by the request (url, instance), answers result=false with the link in the message, in Danish to a caller who asks', async () => {
    for (const answer of [
      await translateGet({ system: U, code: 'C', url: dangling.url! }),
      (await request(app).get(`/fhir/ConceptMap/${dangling.id}/$translate`).query({ system: U, code: 'C' }).expect(200)).body as Parameters,
    ]) {
      expect([result(answer), matches(answer)]).toEqual([false, []]);
      expect(message(answer)).toBe(`No translation for ${U}#C: no mapping in ${BASE}/links-dangling|1; ${brokenLink}`);
    }
    const da = await request(app).get('/fhir/ConceptMap/$translate').set('Accept-Language', 'da').query({ system: U, code: 'C', url: dangling.url! }).expect(200);
    expect(message(da.body as Parameters)).toBe(`Ingen oversættelse af ${U}#C: ingen mapning i ${BASE}/links-dangling|1; ` +
      `ConceptMap ${BASE}/links-dangling|1 henviser med group.unmapped.url til ${NOWHERE} for det, den ikke mapper, men den kendes ikke: den blev ikke fulgt`);
  });

  it('named by the request, answers what its other groups map (result=true), the link in the message as a warning (inline conceptMap)', async () => {
    const twoGroups: ConceptMap = { ...dangling, id: undefined, url: `${BASE}/links-two-groups`,
      group: [dangling.group![0]!, { source: U, target: 'http://example.org/fhir/CodeSystem/links-t2', element: [{ code: 'C', target: [{ code: 'c2', equivalence: 'equivalent' }] }] }] };
    const res = await request(app).post('/fhir/ConceptMap/$translate').type(FHIR_JSON)
      .send(parametersOf({ name: 'conceptMap', resource: twoGroups }, { name: 'system', valueUri: U }, { name: 'code', valueCode: 'C' })).expect(200);
    const answer = res.body as Parameters;
    expect([result(answer), matches(answer)]).toEqual([true, [`equivalent c2 ${BASE}/links-two-groups|1`]]);
    expect(message(answer)).toBe(brokenLink.replace('links-dangling', 'links-two-groups'));
  });

  it('follows the link once the map it names is written (the kept answer does not outlive the write)', async () => {
    await translateGet({ system: U, code: 'C', url: dangling.url! });
    const nowhere = map('links-nowhere', { element: [{ code: 'C', target: [{ code: 'c1', equivalence: 'wider' }] }] });
    await write(nowhere);
    const answer = await translateGet({ system: U, code: 'C', url: dangling.url! });
    expect([result(answer), matches(answer), message(answer)]).toEqual([true, [`wider c1 ${NOWHERE}|1`], undefined]);
    await request(app).delete(`/fhir/ConceptMap/${nowhere.id}`).set('Authorization', admin).expect((res) => expect(res.status).toBeLessThan(300));
  });
});
