import type { Bundle, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { FSIII } from '../support/catalogs';
import { failure, useRunningServer } from '../support/server';

const FORM = 'application/x-www-form-urlencoded';
const server = useRunningServer();

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);
}

describe('search by POST of a form to [type]/_search', () => {
  it('answers as the GET search with the same parameters, the URL\'s and the form\'s together', async () => {
    const get = (await request(server.app).get('/fhir/ValueSet').query({ status: 'active', _count: '5' }).expect(200)).body as Bundle;
    const post = (await request(server.app).post('/fhir/ValueSet/_search?status=active').type(FORM).send('_count=5').expect(200)
      .expect('Content-Type', /application\/fhir\+json/)).body as Bundle;
    expect(get.total).toBeGreaterThan(5);
    expect(post.total).toBe(get.total);
    expect(ids(post)).toEqual(ids(get));
    // the self link is the search as a GET
    expect(post.link?.[0]).toMatchObject({ relation: 'self' });
    expect(post.link![0]!.url).toMatch(/\/fhir\/ValueSet\?status=active&_count=5$/);
  });

  it('is what fhir-kit-client sends with postSearch, for the terminology types and StructureDefinition', async () => {
    const byPost = await server.client.search({ resourceType: 'CodeSystem', searchParams: { url: FSIII }, options: { postSearch: true } }) as unknown as Bundle;
    expect(byPost.total).toBe(1);
    expect(byPost.entry?.[0]?.resource).toMatchObject({ resourceType: 'CodeSystem', url: FSIII });
    const profiles = await server.client.search({ resourceType: 'StructureDefinition', searchParams: { _summary: 'count' }, options: { postSearch: true } }) as unknown as Bundle;
    const profilesByGet = await server.client.search({ resourceType: 'StructureDefinition', searchParams: { _summary: 'count' } }) as unknown as Bundle;
    expect(profiles.total).toBeGreaterThan(0);
    expect(profiles.total).toBe(profilesByGet.total);
  });

  it.each(['CodeSystem', 'ValueSet', 'ConceptMap', 'StructureDefinition'])('refuses a JSON body of a search of %s (415) rather than answer the search without its parameters', async (type) => {
    const body = { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: 'http://example.org/nothing' }] };
    for (const contentType of ['application/fhir+json', 'application/json']) {
      const res = await request(server.app).post(`/fhir/${type}/_search`).set('Content-Type', contentType).set('Accept-Language', 'da')
        .send(JSON.stringify(body)).expect(415);
      const outcome = res.body as OperationOutcome;
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
      expect(outcome.issue[0]!.details?.text).toContain('application/x-www-form-urlencoded');
    }
    // as a form, the same parameter finds nothing
    const form = (await request(server.app).post(`/fhir/${type}/_search`).type(FORM).send('url=http%3A%2F%2Fexample.org%2Fnothing').expect(200)).body as Bundle;
    expect(form.total).toBe(0);
  });

  it('answers GET of _search as the search (not as a read of the id "_search")', async () => {
    const bundle = (await request(server.app).get('/fhir/CodeSystem/_search').query({ url: FSIII }).expect(200)).body as Bundle;
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
  });

  it('refuses what it refuses by GET, and a form that is not UTF-8, with 400', async () => {
    const unknown = (await request(server.app).post('/fhir/CodeSystem/_search').type(FORM).send('no-such-parameter=1').expect(400)).body as OperationOutcome;
    expect(unknown.issue[0]).toMatchObject({ code: 'invalid', expression: ['no-such-parameter'] });
    const bytes = Buffer.from([0x75, 0x72, 0x6c, 0x3d, 0xff]); // url=\xff
    const res = await fetch(`${server.baseUrl}/CodeSystem/_search`, { method: 'POST', headers: { 'Content-Type': FORM }, body: bytes });
    expect(res.status).toBe(400);
    expect(((await res.json()) as OperationOutcome).issue[0]!.details?.text).toMatch(/UTF-8/);
    expect((await failure(server.client.search({ resourceType: 'ValueSet', searchParams: { _count: 'many' }, options: { postSearch: true } }))).status).toBe(400);
  });
});

describe('an operation POSTed as a form', () => {
  it('reads the form\'s parameters as the GET reads the query\'s (they were ignored)', async () => {
    const query = { system: FSIII, code: 'a07ffdd2-3c27-4a42-a860-58f6bb840d77' };
    const get = (await request(server.app).get('/fhir/CodeSystem/$lookup').query(query).expect(200)).body as Parameters;
    const post = (await request(server.app).post(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}`).type(FORM)
      .send(`code=${query.code}`).expect(200)).body as Parameters;
    expect(post).toEqual(get);
    const missing = (await request(server.app).post('/fhir/CodeSystem/$lookup').type(FORM).send(`system=${encodeURIComponent(FSIII)}`).expect(400)).body as OperationOutcome;
    expect(missing.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
  });

  it('is not a resource to write: a write with a form body is 400, not stored', async () => {
    const res = await request(server.app).put('/fhir/CodeSystem/form-body').set('Authorization', 'Bearer x').type(FORM).send('resourceType=CodeSystem');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await request(server.app).get('/fhir/CodeSystem/form-body').expect(404);
  });
});

describe("a form's _format and _pretty", () => {
  const lookup = `system=${encodeURIComponent(FSIII)}&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c`;

  it('are checked as the GET query\'s are: a format the server does not write 406, a _pretty not true or false 400, either given twice 400', async () => {
    await request(server.app).get(`/fhir/CodeSystem/$lookup?_format=xml&${lookup}`).expect(406);
    await request(server.app).post('/fhir/CodeSystem/$lookup').type(FORM).send(`_format=xml&${lookup}`).expect(406);
    const maybe = (await request(server.app).post('/fhir/CodeSystem/_search').type(FORM).send('_pretty=maybe&_count=1').expect(400)).body as OperationOutcome;
    expect(maybe.issue[0]).toMatchObject({ code: 'invalid', expression: ['_pretty'] });
    for (const [url, form, name] of [['_pretty=true', '_pretty=true', '_pretty'], ['_format=json', '_format=json', '_format']]) {
      const twice = (await request(server.app).post(`/fhir/CodeSystem/_search?${url}`).type(FORM).send(`${form}&_count=1`).expect(400)).body as OperationOutcome;
      expect(twice.issue[0]!.details?.text).toBe(`'${name}' may be given once`);
    }
    // a table's format where the answer is no table
    await request(server.app).post('/fhir/CodeSystem/_search').type(FORM).send('_format=csv').expect(406);
  });

  it('ask for what the GET query\'s ask for: an indented answer, a table', async () => {
    const pretty = await request(server.app).post('/fhir/CodeSystem/$lookup').type(FORM).send(`_pretty=true&${lookup}`).expect(200);
    expect(pretty.text).toMatch(/^\{\n {2}"resourceType": "Parameters",\n/);
    expect(pretty.text).toBe((await request(server.app).get(`/fhir/CodeSystem/$lookup?_pretty=true&${lookup}`).expect(200)).text);
    const searched = await request(server.app).post('/fhir/CodeSystem/_search').type(FORM).send('_pretty=true&_count=1').expect(200);
    expect(searched.text).toMatch(/^\{\n {2}"resourceType": "Bundle",\n/);
    const table = await request(server.app).post('/fhir/ConceptMap/$export').type(FORM).send('_format=csv').expect(200).expect('Content-Type', /^text\/csv/);
    expect(table.text).toBe((await request(server.app).get('/fhir/ConceptMap/$export?_format=csv').expect(200)).text);
  });
});
