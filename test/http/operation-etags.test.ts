/**
 * GET answers of the terminology operations carry a weak ETag of what they say, and If-None-Match with it is answered
 * 304 without a body: an EOJ system that keeps its pick lists and lookups asks again cheaply, and gets the answer
 * anew only when the catalogs changed it. An expansion's identifier and timestamp, new in every answer, are not part
 * of its tag.
 */
import type { CodeSystem, Parameters, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { appWithToken, FSIII, testApp } from '../support/app';
import { localCodeSystem, tokenFor } from '../support/local';
import { Client } from 'fhir-kit-client';
import { useRunningServer } from '../support/server';

const JSON_TYPE = 'application/fhir+json';
const TAG = /^W\/"sha256-[A-Za-z0-9_-]{22}"$/;
const GENDER = '/fhir/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender';

let app: App;
let auth: string;

beforeAll(async () => {
  ({ app, auth } = await appWithToken({ kommunekode: '101' }));
});

const tagOf = async (path: string, headers: Record<string, string> = {}) => {
  const res = await request(app).get(path).set(headers).expect(200);
  return res.headers.etag as string;
};

describe('the ETag of an operation answer', () => {
  it('is the same for the same answer and another for another answer', async () => {
    const lookup = `/fhir/CodeSystem/$lookup?system=${FSIII}&code=`;
    const codes = ((await request(app).get('/fhir/ValueSet/KLInterventionsFSIII/$expand?count=2').expect(200)).body as ValueSet)
      .expansion!.contains!.map((c) => c.code!);
    expect(codes).toHaveLength(2);
    const first = await tagOf(`${lookup}${codes[0]}`);
    expect(first).toMatch(TAG);
    // a cache may keep it, but asks again before using it
    expect((await request(app).get(`${lookup}${codes[0]}`).expect(200)).headers['cache-control']).toBe('no-cache');
    expect(await tagOf(`${lookup}${codes[0]}`)).toBe(first);
    expect(await tagOf(`${lookup}${codes[1]}`)).not.toBe(first);
    const validated = await tagOf(`/fhir/CodeSystem/$validate-code?url=${FSIII}&code=${codes[0]}`);
    expect(validated).toMatch(TAG);
    expect(validated).not.toBe(first);
  });

  it('of an expansion leaves out its identifier and timestamp: the same tag for two answers that differ only in them', async () => {
    const one = await request(app).get(GENDER).expect(200);
    await new Promise((r) => setTimeout(r, 5));
    const two = await request(app).get(GENDER).expect(200);
    expect((one.body as ValueSet).expansion!.identifier).not.toBe((two.body as ValueSet).expansion!.identifier);
    expect(two.headers.etag).toBe(one.headers.etag);
    expect(await tagOf(`${GENDER}&count=1`)).not.toBe(one.headers.etag);
  });

  it('does not depend on the response cache: a server without one gives the same tags', async () => {
    const uncached = await testApp({ responseCacheEntries: 0 });
    for (const path of [GENDER, `/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=male`]) {
      const tags = await Promise.all([request(uncached).get(path).expect(200), request(uncached).get(path).expect(200)]);
      expect(tags[0].headers.etag).toBe(await tagOf(path));
      expect(tags[1].headers.etag).toBe(tags[0].headers.etag);
    }
  });

  it('is not given to a POST or an error', async () => {
    const posted = await request(app).post('/fhir/CodeSystem/$lookup').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'system', valueUri: 'http://hl7.org/fhir/administrative-gender' }, { name: 'code', valueCode: 'male' }] })
      .expect(200);
    expect(posted.headers.etag).toBeUndefined();
    expect(posted.headers['cache-control']).toBeUndefined();
    const unknown = await request(app).get('/fhir/ValueSet/$expand?url=http://example.org/no-such-value-set').expect(404);
    expect(unknown.headers.etag).toBeUndefined();
    const invalid = await request(app).get('/fhir/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender&count=x').expect(400);
    expect(invalid.headers.etag).toBeUndefined();
  });
});

describe('If-None-Match on an operation GET', () => {
  it('is 304 without a body for the tag the answer has (weak or strong form, among others, or *), 200 for another', async () => {
    const path = '/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=female';
    const tag = await tagOf(path);
    for (const asked of [tag, tag.replace(/^W\//, ''), `W/"sha256-other", ${tag}`, '*']) {
      const res = await request(app).get(path).set('If-None-Match', asked).expect(304);
      expect(res.headers.etag).toBe(tag);
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.text ?? '').toBe('');
      expect(res.headers.vary).toMatch(/Accept-Language/);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    const other = await request(app).get(path).set('If-None-Match', 'W/"sha256-AAAAAAAAAAAAAAAAAAAAAA"').expect(200);
    expect(other.headers.etag).toBe(tag);
    expect((other.body as Parameters).resourceType).toBe('Parameters');
  });

  it('is 304 for an expansion whose content is unchanged, computed anew or from the cache', async () => {
    const uncached = await testApp({ responseCacheEntries: 0 });
    const tag = (await request(uncached).get(GENDER).expect(200)).headers.etag as string;
    await request(uncached).get(GENDER).set('If-None-Match', tag).expect(304);
    await request(app).get(GENDER).set('If-None-Match', tag).expect(304);
    await request(app).head(GENDER).set('If-None-Match', tag).expect(304);
  });

  it('is 200 with a new tag once a write changes the answer, and stays 304 after a write that does not', async () => {
    const codeSystem = localCodeSystem('101', 'etag-indsatser', [{ code: '101-ET1', display: 'Gangtræning', type: 'indsats' }]);
    const put = (cs: CodeSystem) => request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type(JSON_TYPE).send(cs);
    await put(codeSystem).expect(201);
    const path = `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(codeSystem.url!)}&code=101-ET1`;
    const tag = await tagOf(path);
    await request(app).get(path).set('If-None-Match', tag).expect(304);

    // another municipality's catalog, and a change of this one that the lookup does not show
    const other = localCodeSystem('147', 'etag-andet', [{ code: '147-X', display: 'X', type: 'indsats' }]);
    await request(app).put(`/fhir/CodeSystem/${other.id}`).set('Authorization', `Bearer ${await tokenFor({ kommunekode: '147' })}`).type(JSON_TYPE).send(other).expect(201);
    await put({ ...codeSystem, publisher: 'Kommune 101, Sundhed' }).expect(200);
    await request(app).get(path).set('If-None-Match', tag).expect(304);

    await put({ ...codeSystem, concept: [{ ...codeSystem.concept![0]!, display: 'Gangtræning med rollator' }] }).expect(200);
    const changed = await request(app).get(path).set('If-None-Match', tag).expect(200);
    expect(changed.headers.etag).toMatch(TAG);
    expect(changed.headers.etag).not.toBe(tag);
    expect((changed.body as Parameters).parameter!.find((p) => p.name === 'display')?.valueString).toBe('Gangtræning med rollator');
  });
});

describe('GET metadata', () => {
  // the statements name the base URL, and supertest listens on a new port for each request
  const metadata = (query: string) => request(app).get(`/fhir/metadata${query}`).set('Host', 'tx.example');

  it('is tagged by its content too, per mode, and If-None-Match with the tag is 304 until the code systems change', async () => {
    const statement = await metadata('').expect(200);
    expect(statement.headers.etag).toMatch(TAG);
    expect(statement.headers['cache-control']).toBe('no-cache');
    expect((statement.body as { resourceType: string }).resourceType).toBe('CapabilityStatement');
    await metadata('').set('If-None-Match', statement.headers.etag as string).expect(304);

    const terminology = await metadata('?mode=terminology').expect(200);
    expect(terminology.headers.etag).not.toBe(statement.headers.etag);
    await metadata('?mode=terminology').set('If-None-Match', terminology.headers.etag as string).expect(304);
    // a new code system is listed: the tag is another
    const written = localCodeSystem('101', 'etag-metadata', [{ code: '101-MD', display: 'Metadata', type: 'indsats' }]);
    await request(app).put(`/fhir/CodeSystem/${written.id}`).set('Authorization', auth).type(JSON_TYPE).send(written).expect(201);
    const after = await metadata('?mode=terminology').set('If-None-Match', terminology.headers.etag as string).expect(200);
    expect(after.headers.etag).not.toBe(terminology.headers.etag);
    const listed = (after.body as { codeSystem: { uri: string }[] }).codeSystem.map((c) => c.uri);
    expect(listed).toContain(written.url);
    await metadata('').set('If-None-Match', statement.headers.etag as string).expect(304);
  });

  it('names the base URL of each Host it is asked through, however many Hosts ask in turn', async () => {
    const urls = [];
    for (let i = 0; i < 20; i++) {
      const host = `tx${i % 12}.example`;
      const res = await request(app).get('/fhir/metadata?mode=terminology').set('Host', host).expect(200);
      urls.push([host, (res.body as { implementation: { url: string } }).implementation.url]);
    }
    for (const [host, url] of urls) expect(url).toBe(`http://${host}/fhir`);
    const other = await request(app).get('/fhir/metadata').set('Host', 'tx3.example').expect(200);
    const first = await metadata('').expect(200);
    expect(other.headers.etag).not.toBe(first.headers.etag);
    expect((first.body as { url: string }).url).toBe('http://tx.example/fhir/metadata');
  });
});

describe('an operation ETag through fhir-kit-client', () => {
  const server = useRunningServer();
  const lookup = (headers: Record<string, string> = {}) => server.client.operation({
    name: 'lookup', resourceType: 'CodeSystem', method: 'GET',
    input: { system: 'http://hl7.org/fhir/administrative-gender', code: 'other' }, options: { headers },
  });

  it('gives the tag with the answer, and a client sending it back gets 304 (which the client reports as not ok)', async () => {
    const body = await lookup();
    expect((body as Parameters).parameter!.find((p) => p.name === 'display')?.valueString).toBe('Other');
    const tag = Client.httpFor(body).response!.headers.get('etag')!;
    expect(tag).toMatch(TAG);
    await expect(lookup({ 'If-None-Match': tag })).rejects.toMatchObject({ response: { status: 304 } });
    const again = await lookup({ 'If-None-Match': 'W/"sha256-AAAAAAAAAAAAAAAAAAAAAA"' });
    expect(Client.httpFor(again).response!.headers.get('etag')).toBe(tag);
  });
});
