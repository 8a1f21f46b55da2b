/**
 * FHIR's `_pretty=true`: every JSON answer indented (operations by GET and POST, through the lean dispatcher and
 * Express, searches, reads and errors), the same resource as without it; without it, or with `_pretty=false`, compact.
 */
import request from 'supertest';
import { FSIII } from '../support/catalogs';
import { useRunningServer } from '../support/server';

const server = useRunningServer();
const CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';
const VS = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';

async function fetchText(path: string, init?: RequestInit): Promise<{ status: number; text: string; length: string | null }> {
  const res = await fetch(`${server.baseUrl}${path}`, init);
  return { status: res.status, text: await res.text(), length: res.headers.get('content-length') };
}

describe('_pretty', () => {
  it('indents an operation, a search, a read and an error, which say the same as without it', async () => {
    for (const [path, status] of [
      [`/CodeSystem/$lookup?system=${FSIII}&code=${CODE}`, 200],
      ['/ValueSet?_count=2&_elements=url', 200],
      ['/ValueSet/indsatskatalog-119', 200],
      [`/CodeSystem/$lookup?system=${FSIII}&code=no-such-code`, 404],
    ] as const) {
      const compact = await fetchText(path);
      const pretty = await fetchText(`${path}&_pretty=true`.replace(/^([^?]*)&/, '$1?'));
      expect([compact.status, pretty.status]).toEqual([status, status]);
      expect(compact.text).not.toContain('\n');
      expect(pretty.text).toMatch(/^\{\n {2}"resourceType": "\w+",\n/);
      expect(Number(pretty.length)).toBe(Buffer.byteLength(pretty.text));
      // a search's links keep _pretty for the next pages
      const same = (t: string) => JSON.parse(t.replace(/"(lastUpdated|timestamp)": ?"[^"]*"/g, '"$1":""').replaceAll('&_pretty=true', ''));
      expect(same(pretty.text)).toEqual(same(compact.text));
    }
  });

  it('indents a POSTed operation through Express and a cached answer alike, and not with _pretty=false', async () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODE }] };
    const posted = await request(server.app).post('/fhir/ValueSet/$validate-code?_pretty=true').type('application/fhir+json').send(body).expect(200);
    expect(posted.text).toMatch(/^\{\n {2}"resourceType": "Parameters",\n {2}"parameter": \[\n {4}\{\n/);
    const path = `/ValueSet/$validate-code?url=${encodeURIComponent(VS)}&system=${encodeURIComponent(FSIII)}&code=${CODE}`;
    await fetchText(path); // now in the response cache
    const cached = await fetchText(`${path}&_pretty=true`);
    expect(JSON.parse(cached.text)).toEqual(JSON.parse(posted.text));
    expect(cached.text).toBe(posted.text);
    expect((await fetchText(`${path}&_pretty=false`)).text).not.toContain('\n');
  });
});
