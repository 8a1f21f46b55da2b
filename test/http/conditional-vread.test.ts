import type { Bundle, CodeSystem } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import request from 'supertest';
import { clientBody, failure, useRunningServer } from '../support/server';
import { localCodeSystem, tokenFor } from '../support/local';

/** A vread evaluates If-None-Match and If-Modified-Since as the read does (RFC 9110 §13.1.2, §13.1.3): 304 when they hold. */
const server = useRunningServer();
const ID = 'kommune-101-betinget';
const V1 = `/CodeSystem/${ID}/_history/1`;

beforeAll(async () => {
  const writer = new Client({ baseUrl: server.baseUrl, bearerToken: await tokenFor({ kommunekode: '101' }) });
  const cs = localCodeSystem('101', 'betinget', [{ code: '101-B', display: 'Betinget', type: 'indsats' }]);
  await writer.update({ resourceType: 'CodeSystem', id: ID, body: clientBody(cs) });
  await writer.update({ resourceType: 'CodeSystem', id: ID, body: clientBody({ ...cs, title: 'Version 2' } as CodeSystem) });
});

const vread = (headers: Record<string, string> = {}) => request(server.app).get(`/fhir${V1}`).set(headers);

describe('a vread with conditions', () => {
  it('answers 304, without a body, to its own ETag (If-None-Match), as the read does', async () => {
    const first = await vread().expect(200);
    const etag = first.headers.etag as string;
    expect(etag).toBe('W/"1"');
    // it has a Last-Modified, from which a cache would otherwise take it as fresh for a while: it is to ask again
    expect(first.headers['cache-control']).toBe('no-cache');
    for (const asked of [etag, '"1"', `W/"7", ${etag}`, '*']) {
      const res = await vread({ 'If-None-Match': asked }).expect(304);
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['last-modified']).toBe(first.headers['last-modified']);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.text ?? '').toBe('');
    }
    // the current version's tag is not version 1's
    const changed = await vread({ 'If-None-Match': 'W/"2"' }).expect(200);
    expect((changed.body as CodeSystem).meta?.versionId).toBe('1');
    await request(server.app).get(`/fhir/CodeSystem/${ID}`).set('If-None-Match', 'W/"2"').expect(304);
  });

  it('answers 304 to If-Modified-Since at or after its Last-Modified, 200 before it', async () => {
    const lastModified = (await vread().expect(200)).headers['last-modified'] as string;
    await vread({ 'If-Modified-Since': lastModified }).expect(304);
    await vread({ 'If-Modified-Since': new Date(Date.parse(lastModified) + 3_600_000).toUTCString() }).expect(304);
    await vread({ 'If-Modified-Since': new Date(Date.parse(lastModified) - 3_600_000).toUTCString() }).expect(200);
    // If-None-Match decides when both are given (RFC 9110 §13.1.3)
    await vread({ 'If-None-Match': 'W/"2"', 'If-Modified-Since': lastModified }).expect(200);
  });

  it('is answered 304 to a FHIR client that names the ETag it holds', async () => {
    const held = (await server.client.vread({ resourceType: 'CodeSystem', id: ID, version: '1' })) as unknown as CodeSystem;
    expect(held.meta?.versionId).toBe('1');
    const again = await failure(server.client.vread({ resourceType: 'CodeSystem', id: ID, version: '1', options: { headers: { 'If-None-Match': 'W/"1"' } } }));
    expect(again.status).toBe(304);
  });
});

describe("a batch entry's ifNoneMatch and ifModifiedSince on a vread", () => {
  it('are answered as the vread alone: 304 in the entry\'s response when they hold, the version when they do not', async () => {
    const lastModified = new Date((await vread().expect(200)).headers['last-modified'] as string).toISOString();
    const res = await request(server.app).post('/fhir').type('application/fhir+json').send({
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: V1.slice(1), ifNoneMatch: 'W/"1"' } },
        { request: { method: 'GET', url: V1.slice(1), ifNoneMatch: 'W/"2"' } },
        { request: { method: 'HEAD', url: V1.slice(1), ifNoneMatch: '*' } },
        { request: { method: 'GET', url: V1.slice(1), ifModifiedSince: lastModified } },
        { request: { method: 'GET', url: `CodeSystem/${ID}/_history`, ifNoneMatch: 'W/"1"' } },
      ],
    }).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response?.status)).toEqual(['304 Not Modified', '200 OK', '304 Not Modified', '304 Not Modified', '400 Bad Request']);
    expect(entries[0]!.resource).toBeUndefined();
    expect(entries[0]!.response?.etag).toBe('W/"1"');
    expect((entries[1]!.resource as CodeSystem).meta?.versionId).toBe('1');
  });
});
