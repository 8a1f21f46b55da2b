import type { Bundle, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import { testApp } from '../support/app';
import { clientBody, failure, useRunningServer } from '../support/server';
import { localCodeSystem, localConceptMap, CODES, tokenFor } from '../support/local';
import { Client } from 'fhir-kit-client';

const JSON_TYPE = 'application/fhir+json';
const server = useRunningServer();
let token101: string;

/** Waits until the clock has passed `after`, so that the next write has a later lastUpdated. */
async function later(after: string): Promise<void> {
  while (new Date().toISOString() <= after) await new Promise((r) => setTimeout(r, 1));
}

function lines(bundle: Bundle): string[] {
  return (bundle.entry ?? []).map((e) => `${e.request?.method} ${e.request?.url} ${e.response?.etag}`);
}

let betweenWrites: string;

beforeAll(async () => {
  token101 = await tokenFor({ kommunekode: '101' });
  const put = (path: string, body: object) => request(server.app).put(`/fhir/${path}`).set('Authorization', `Bearer ${token101}`).type(JSON_TYPE).send(body);
  const cs = localCodeSystem('101', 'historik', [{ code: 'H-1', display: 'Bad', type: 'indsats' }]);
  const first = await put(`CodeSystem/${cs.id}`, cs).expect(201);
  await later(first.body.meta.lastUpdated);
  betweenWrites = new Date().toISOString();
  await later(betweenWrites);
  await put(`CodeSystem/${cs.id}`, { ...cs, title: 'Historik, rettet' }).expect(200);
  const cm = localConceptMap('101', 'historik', [{ code: 'H-1', targets: [CODES.sygdomshaandtering] }], cs.url);
  const map = await put(`ConceptMap/${cm.id}`, cm).expect(201);
  await later(map.body.meta.lastUpdated);
  await request(server.app).delete(`/fhir/ConceptMap/${cm.id}`).set('Authorization', `Bearer ${token101}`).expect(200);
});

describe('the history of a resource type and of the whole server', () => {
  it('lists every written version of the type, newest first, as a history Bundle', async () => {
    const res = await request(server.app).get('/fhir/CodeSystem/_history').expect(200).expect('Content-Type', /application\/fhir\+json/);
    const bundle = res.body as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'history', total: 2 });
    // each written by PUT to its id (the first creating it): entry.request is the request that made the version
    expect(lines(bundle)).toEqual(['PUT CodeSystem/kommune-101-historik W/"2"', 'PUT CodeSystem/kommune-101-historik W/"1"']);
    expect(bundle.entry![0]!.resource).toMatchObject({ resourceType: 'CodeSystem', title: 'Historik, rettet', meta: { versionId: '2' } });
  });

  it('lists every type at the base, a delete without a resource', async () => {
    const bundle = (await request(server.app).get('/fhir/_history').expect(200)).body as Bundle;
    expect(lines(bundle)).toEqual([
      'DELETE ConceptMap/kommune-101-historik W/"2"', 'PUT ConceptMap/kommune-101-historik W/"1"', 'PUT CodeSystem/kommune-101-historik W/"2"',
      'PUT CodeSystem/kommune-101-historik W/"1"',
    ]);
    expect(bundle.entry![0]!.resource).toBeUndefined();
    // the status the DELETE was answered with
    expect(bundle.entry![0]!.response?.status).toBe('200 OK');
  });

  it('takes _since: only versions written at or after it', async () => {
    // a leap day and a date alone are instants it takes
    await request(server.app).get('/fhir/_history').query({ _since: '2024-02-29T23:59:59.5+01:00' }).expect(200);
    await request(server.app).get('/fhir/_history').query({ _since: '2024-02-29' }).expect(200);
    const bundle = (await request(server.app).get('/fhir/_history').query({ _since: betweenWrites }).expect(200)).body as Bundle;
    expect(bundle.total).toBe(3);
    expect(lines(bundle)).not.toContain('PUT CodeSystem/kommune-101-historik W/"1"');
    const future = (await request(server.app).get('/fhir/ConceptMap/_history').query({ _since: '2999-01-01' }).expect(200)).body as Bundle;
    expect(future).toMatchObject({ total: 0 });
    expect(future).not.toHaveProperty('entry'); // FHIR's JSON has no empty array
  });

  it('pages with _count and next/previous links that fhir-kit-client follows', async () => {
    const client = new Client({ baseUrl: server.baseUrl });
    const first = await client.request('_history?_count=3') as unknown as Bundle;
    expect(first.total).toBe(4);
    expect(first.entry).toHaveLength(3);
    expect(first.link?.find((l) => l.relation === 'previous')).toBeUndefined();
    const second = await client.nextPage({ bundle: clientBody(first) as never }) as unknown as Bundle;
    expect(lines(second)).toEqual(['PUT CodeSystem/kommune-101-historik W/"1"']);
    expect(second.link?.find((l) => l.relation === 'next')).toBeUndefined();
    const back = await client.prevPage({ bundle: clientBody(second) as never }) as unknown as Bundle;
    expect(lines(back)).toEqual(lines(first));
  });

  it('is what fhir-kit-client reads as type and system history', async () => {
    const client = new Client({ baseUrl: server.baseUrl });
    expect((await client.typeHistory({ resourceType: 'ConceptMap' }) as unknown as Bundle).total).toBe(2);
    expect((await client.systemHistory() as unknown as Bundle).total).toBe(4);
    expect((await client.typeHistory({ resourceType: 'ValueSet' }) as unknown as Bundle).total).toBe(0);
  });

  it('refuses a _since that is not an instant, a bad _offset and unknown parameters with 400', async () => {
    // days not of the calendar and hour 24 too: read as the days after, they would shift the window silently
    const noDays = ['2026-11-31', '2026-02-30', '2025-02-29T00:00:00Z', '2026-12-07T24:00:00Z'].map((d) => ({ _since: d }));
    for (const query of [{ _since: 'yesterday' }, { _since: '2026-13-01T00:00:00Z' }, { _since: '2026-01-01T10:00:00' }, ...noDays, { _offset: '-1' }, { _count: 'x' }, { code: 'a' }]) {
      const res = await request(server.app).get('/fhir/CodeSystem/_history').query(query).expect(400);
      expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
    }
    const client = new Client({ baseUrl: server.baseUrl });
    expect((await failure(client.request('_history?_since=soon'))).status).toBe(400);
  });

  it('with Prefer: handling=lenient leaves an unknown parameter out, of the self link too, as the searches do', async () => {
    for (const path of ['/fhir/_history', '/fhir/CodeSystem/_history']) {
      const strict = (await request(server.app).get(path).query({ _count: '2' }).expect(200)).body as Bundle;
      const res = await request(server.app).get(path).query({ foo: '1', _count: '2' }).set('Prefer', 'handling=lenient').expect(200);
      const body = res.body as Bundle;
      expect(body.entry?.map((e) => e.response?.etag)).toEqual(strict.entry?.map((e) => e.response?.etag));
      expect(body.total).toBe(strict.total);
      expect(new URL(body.link![0]!.url).search).toBe('?_count=2');
      await request(server.app).get(path).query({ foo: '1' }).set('Prefer', 'handling=strict').expect(400);
    }
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = (await request(server.app).get('/fhir/metadata').expect(200)).body;
    const rest = cs.rest[0];
    expect(rest.interaction.map((i: { code: string }) => i.code)).toContain('history-system');
    for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap']) {
      const entry = rest.resource.find((r: { type: string }) => r.type === type);
      expect(entry.interaction.map((i: { code: string }) => i.code)).toContain('history-type');
    }
  });
});

describe('paging a history while it is written to', () => {
  it('leaves the versions written after the first page out of the next pages, which neither repeat nor skip an entry', async () => {
    const app = await testApp();
    const token = await tokenFor({ kommunekode: '101' });
    const cs = localCodeSystem('101', 'sider', [{ code: 'S-1', display: 'Side', type: 'indsats' }]);
    const put = async (title: string) => {
      const res = await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({ ...cs, title }).expect((r) => {
        if (r.status !== 200 && r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
      });
      await later(res.body.meta.lastUpdated);
    };
    for (const title of ['Sider 1', 'Sider 2', 'Sider 3', 'Sider 4']) await put(title);
    const etags = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.response?.etag);
    const next = (bundle: Bundle) => {
      const url = new URL(bundle.link!.find((l) => l.relation === 'next')!.url);
      return `${url.pathname}${url.search}`;
    };

    for (const path of ['/fhir/_history', '/fhir/CodeSystem/_history', `/fhir/CodeSystem/${cs.id}/_history`]) {
      const first = (await request(app).get(path).query({ _count: '2' }).expect(200)).body as Bundle;
      expect(first.entry).toHaveLength(2);
      expect(next(first)).toMatch(/[?&]_until=[^&]+/);
      await put(`Efter ${path}`);
      const second = (await request(app).get(next(first)).expect(200)).body as Bundle;
      // without the bound the newest version would push the second page back by one, repeating an entry of the first
      expect(second.total).toBe(first.total);
      expect(etags(second).filter((e) => etags(first).includes(e))).toEqual([]);
      const whole = (await request(app).get(path).query({ _count: '100' }).expect(200)).body as Bundle;
      expect(whole.total).toBe(first.total! + 1);
      expect(etags(whole).slice(1, 5)).toEqual([...etags(first), ...etags(second)]);
    }
  });

  it('refuses an _until that is not an instant with 400', async () => {
    const res = await request(server.app).get('/fhir/_history').query({ _until: 'later' }).expect(400);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'invalid', expression: ['_until'] });
  });
});
