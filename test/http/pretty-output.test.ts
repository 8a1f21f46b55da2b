/**
 * FHIR's `_pretty=true`: every JSON answer indented (operations by GET and POST, through the lean dispatcher and
 * Express, searches, reads and errors), the same resource as without it; without it, or with `_pretty=false`, compact.
 * Any other value, or `_pretty` given twice, is refused (400) as `_format` is.
 */
import type { OperationOutcome } from 'fhir/r4';
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

  it('refuses a value other than true or false, and _pretty given twice, naming it, in Danish on request', async () => {
    for (const path of [`/CodeSystem/$lookup?system=${FSIII}&code=${CODE}`, '/ValueSet/indsatskatalog-119', '/ValueSet?_count=1', '/metadata']) {
      for (const [query, english, danish] of [
        ['_pretty=yes', "_pretty must be true or false, not 'yes'", "_pretty skal være true eller false, ikke 'yes'"],
        ['_pretty=TRUE', "_pretty must be true or false, not 'TRUE'", "_pretty skal være true eller false, ikke 'TRUE'"],
        ['_pretty=', "_pretty must be true or false, not ''", "_pretty skal være true eller false, ikke ''"],
        ['_pretty=true&_pretty=false', "'_pretty' may be given once", "'_pretty' må kun angives én gang"],
        ['_pretty=true&_pretty=true', "'_pretty' may be given once", "'_pretty' må kun angives én gang"],
      ] as const) {
        const url = `${path}${path.includes('?') ? '&' : '?'}${query}`;
        const en = await fetchText(url, { headers: { 'Accept-Language': 'en' } });
        expect([url, en.status]).toEqual([url, 400]);
        const outcome = JSON.parse(en.text) as OperationOutcome;
        expect(outcome.issue).toEqual([expect.objectContaining({ severity: 'error', code: 'invalid', expression: ['_pretty'] })]);
        expect(outcome.issue[0]!.details?.text).toBe(english);
        const da = JSON.parse((await fetchText(url, { headers: { 'Accept-Language': 'da' } })).text) as OperationOutcome;
        expect(da.issue[0]!.details?.text).toBe(danish);
      }
    }
  });
});
