import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { inEnglish } from '../support/english';
import { tokenFor } from '../support/local';

/**
 * A body nested deeper than 128 levels is refused from its bytes, before it is parsed: a body too deep that is also
 * broken further on (cut short) gets the depth answer, not JSON.parse's "Unexpected end of JSON input", on every path
 * that reads a JSON body.
 */
describe('request bodies nested too deep', () => {
  let app: App;
  let token: string;
  beforeAll(async () => {
    app = await testApp();
    token = await tokenFor({ kommunekode: '101' });
  });

  const MILLIONS = 2_000_000;
  const arrays = (prefix: string) => `${prefix}${'['.repeat(MILLIONS)}`;
  const objects = (prefix: string) => `${prefix}${'{"a":'.repeat(MILLIONS / 5)}`;
  const cases: [string, string, string, string][] = [
    ['a batch at the base', 'post', '/fhir', arrays('{"resourceType":"Bundle","type":"batch","entry":')],
    ['a transaction at the base', 'post', '/fhir', objects('{"resourceType":"Bundle","type":"transaction","entry":[{"resource":')],
    ['an operation\'s Parameters', 'post', '/fhir/ValueSet/$expand', objects('{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"x"},{"name":"valueSet","resource":')],
    ['$validate of a resource', 'post', '/fhir/CodeSystem/$validate', arrays('{"resourceType":"CodeSystem","concept":')],
    ['a write', 'put', '/fhir/CodeSystem/kommune-101-dyb', objects('{"resourceType":"CodeSystem","id":"kommune-101-dyb","concept":[')],
  ];

  it.each(cases)('%s, cut short: 400 nested too deep, not "not valid JSON"', async (_name, method, path, body) => {
    const res = await inEnglish(app)[method as 'post' | 'put'](path).set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/fhir+json').send(body).expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].code).toBe('invalid');
    expect(res.body.issue[0].details.text).toBe('The request body is nested deeper than 128 levels');
  });

  it('a gzip body of 10 KB inflating to millions of brackets, closed: the same 400', async () => {
    const n = 4_000_000;
    const body = gzipSync(Buffer.from(`{"resourceType":"Bundle","type":"batch","entry":${'['.repeat(n)}${']'.repeat(n)}}`), { level: 9 });
    expect(body.length).toBeLessThan(20_000);
    // sent as bytes by fetch (supertest would serialise a Buffer given with a JSON type)
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/fhir`, {
        method: 'POST', headers: { 'Content-Type': 'application/fhir+json', 'Content-Encoding': 'gzip', 'Accept-Language': 'en' }, body,
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { issue: { details: { text: string } }[] }).issue[0]!.details.text).toBe('The request body is nested deeper than 128 levels');
    } finally {
      server.close();
    }
  });

  it('brackets inside strings do not count, escaped quotes and all', async () => {
    const text = `${'['.repeat(300)}\\"${'{'.repeat(300)}\\\\`;
    const res = await inEnglish(app).post('/fhir/CodeSystem/$lookup').set('Content-Type', 'application/fhir+json')
      .send(`{"resourceType":"Parameters","parameter":[{"name":"system","valueUri":"urn:oid:1.2.208.176.2.21"},{"name":"code","valueCode":"${text}"}]}`);
    expect(res.status).toBe(404);
  });
});
