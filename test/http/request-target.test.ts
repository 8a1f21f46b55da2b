/**
 * The request target and Host as RFC 9112 §3.2 reads them, since the server builds its links (`fullUrl`, paging,
 * `Location`) from them when PUBLIC_BASE_URL is not set: a request in absolute form is addressed by its target's
 * authority; a Host that is not a host, a missing one (HTTP/1.1) and two of them are 400. And what Node would answer
 * with an empty body or not at all (an Expect other than 100-continue, CONNECT) gets an OperationOutcome.
 */
import type { Bundle, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { serveOverHttp } from '../support/server';
import { rawExchange } from '../support/socket';

let app: App;
let served: Awaited<ReturnType<typeof serveOverHttp>>;
let port: number;

beforeAll(async () => {
  app = await testApp();
  served = await serveOverHttp(app);
  port = served.port;
});

afterAll(() => served.close());

/** Status and parsed JSON body of a raw exchange. */
async function exchange(head: string): Promise<{ status: number; contentType?: string; allow?: string; body?: unknown }> {
  const text = await rawExchange(port, head, '');
  const [headPart = '', ...rest] = text.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headPart)?.[1]);
  const contentType = /\r\ncontent-type: ([^\r]*)/i.exec(headPart)?.[1];
  const allow = /\r\nallow: ?([^\r]*)/i.exec(headPart)?.[1];
  const bodyText = rest.join('\r\n\r\n');
  const chunked = /\r\ntransfer-encoding: chunked/i.test(headPart);
  const json = chunked ? bodyText.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '') : bodyText;
  return { status, contentType, allow, body: json ? JSON.parse(Buffer.from(json, 'latin1').toString('utf8')) : undefined };
}

describe('the request target', () => {
  it('names an operation with its $ percent-encoded (%24expand) as with the $, at type and instance level; a query\'s %24 stays as it is', async () => {
    const base = `http://127.0.0.1:${port}/fhir`;
    const plain = await (await fetch(`${base}/CodeSystem/$lookup?system=urn:oid:1.2.208.176.2.21&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c`)).json();
    const encoded = await fetch(`${base}/CodeSystem/%24lookup?system=urn:oid:1.2.208.176.2.21&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c`);
    expect(encoded.status).toBe(200);
    expect(await encoded.json()).toEqual(plain);
    const expanded = await fetch(`${base}/ValueSet/indsatskatalog-119/%24expand?count=1`);
    expect(expanded.status).toBe(200);
    expect(((await expanded.json()) as { resourceType: string }).resourceType).toBe('ValueSet');
    // a %24 in the query is a value's, not an operation's
    const search = await fetch(`${base}/CodeSystem?name=%24lookup`);
    expect(((await search.json()) as Bundle).total).toBe(0);
  });

  it('in absolute form is addressed by its authority: the links are built from it and the path is routed', async () => {
    const res = await exchange('GET http://tx.example.dk/fhir/CodeSystem?_count=1 HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
    const bundle = res.body as Bundle;
    const self = bundle.link?.find((l) => l.relation === 'self')?.url;
    expect(self).toBe('http://tx.example.dk/fhir/CodeSystem?_count=1');
    expect(bundle.entry?.[0]?.fullUrl).toMatch(/^http:\/\/tx\.example\.dk\/fhir\/CodeSystem\/[^/]+$/);
  });

  it.each([
    ['a Host with a path and query', 'Host: evil.example/x?y#'],
    ['a Host with a space', 'Host: a b'],
    ['a Host with quotes and angle brackets', 'Host: ev"il<script>'],
    ['a Host with user information', 'Host: user@evil.example'],
    ['an empty Host', 'Host: '],
    ['a Host with a port above 65535', 'Host: evil.example:99999'],
    ['an IP literal with a port above 65535', 'Host: [::1]:65536'],
    ['two Host fields', 'Host: a.example\r\nHost: b.example'],
    ['no Host at all (HTTP/1.1)', ''],
  ])('with %s is 400 invalid, an OperationOutcome', async (_what, hostLines) => {
    const res = await exchange(`GET /fhir/CodeSystem?_count=1 HTTP/1.1\r\n${hostLines ? `${hostLines}\r\n` : ''}Connection: close\r\n\r\n`);
    expect(res.status).toBe(400);
    expect((res.body as OperationOutcome).issue[0]?.code).toBe('invalid');
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toMatch(/^The request's Host header/);
  });

  it.each(['localhost', '127.0.0.1:8080', '[::1]:8080', '[::1]', 'tx.example.dk', 'faelles_tx:8080', 'tx.example.dk:65535'])('takes the Host %s and builds its links from it', async (host) => {
    const res = await request(app).get('/fhir/CodeSystem?_count=1').set('Host', host).expect(200);
    expect((res.body as Bundle).entry?.[0]?.fullUrl?.startsWith(`http://${host}/fhir/CodeSystem/`)).toBe(true);
  });

  it('of an HTTP/1.0 request without Host is answered, with the local links', async () => {
    const res = await exchange('GET /fhir/CodeSystem?_count=1 HTTP/1.0\r\n\r\n');
    expect(res.status).toBe(200);
  });

  it('in Danish for a Danish caller', async () => {
    const res = await exchange('GET /fhir/metadata HTTP/1.1\r\nHost: a b\r\nAccept-Language: da\r\nConnection: close\r\n\r\n');
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe("Forespørgslens Host-header 'a b' er ikke et værtsnavn og en port");
  });
});

describe('what Node answers itself', () => {
  it('an Expect other than 100-continue is 417 with an OperationOutcome', async () => {
    const res = await exchange('GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n');
    expect([res.status, res.contentType]).toEqual([417, 'application/fhir+json; charset=utf-8']);
    expect((res.body as OperationOutcome).issue[0]?.code).toBe('not-supported');
  });

  it('CONNECT is 405 with an OperationOutcome, and an Allow that names nothing (RFC 9110 §15.5.6)', async () => {
    const res = await exchange('CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n');
    expect([res.status, res.contentType, res.allow]).toEqual([405, 'application/fhir+json; charset=utf-8', '']);
    expect((res.body as OperationOutcome).issue[0]?.code).toBe('not-supported');
  });
});
