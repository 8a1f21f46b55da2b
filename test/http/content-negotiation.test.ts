import type { Bundle, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';

/** R4 http.html, Content Types and encodings: `_format` overrides Accept (for a client that cannot set it). */
const NIKOTIN = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const enc = encodeURIComponent;
const LOOKUP = `/fhir/CodeSystem/$lookup?system=${enc(FSIII)}&code=${NIKOTIN}`;
const READ = '/fhir/CodeSystem/fsiii-status';

let app: App;
let plain: App;
beforeAll(async () => {
  app = await testApp();
  // operation GETs through Express's route instead of the lean adapter
  plain = await testApp({ fastPath: false });
});

const get = (a: App, path: string, headers: Record<string, string> = {}) => request(a).get(path).set({ Host: 'tx.example', ...headers });

describe('_format overrides Accept', () => {
  it.each([
    [READ, 'application/fhir+xml'],
    [LOOKUP, 'application/xml'],
    [LOOKUP, 'text/turtle'],
    ['/fhir/metadata', 'application/fhir+xml, application/xml;q=0.9'],
    ['/fhir/CodeSystem?_count=1', 'application/fhir+xml'],
  ])('%s with _format=json and Accept: %s is answered in FHIR JSON, not 406', async (path, accept) => {
    for (const format of ['json', 'application/fhir+json', 'application/json']) {
      for (const a of [app, plain]) {
        const res = await get(a, `${path}${path.includes('?') ? '&' : '?'}_format=${enc(format)}`, { Accept: accept }).expect(200);
        expect((res.body as { resourceType: string }).resourceType).toMatch(/^(CodeSystem|Parameters|CapabilityStatement|Bundle)$/);
      }
    }
  });

  it('a _format naming XML, Turtle or an unknown format is still 406, a body of another FHIR version still 415', async () => {
    for (const format of ['xml', 'application/fhir+xml', 'ttl', 'html']) {
      for (const a of [app, plain]) {
        const res = await get(a, `${LOOKUP}&_format=${enc(format)}`, { Accept: 'application/fhir+json' }).expect(406);
        expect((res.body as OperationOutcome).issue[0]!.code).toBe('not-supported');
      }
      await get(app, `${READ}?_format=${enc(format)}`).expect(406);
    }
    await request(app).post('/fhir/CodeSystem/$lookup?_format=json').set('Accept', 'application/fhir+xml')
      .set('Content-Type', 'application/fhir+json; fhirVersion=5.0').send('{"resourceType":"Parameters"}').expect(415);
  });

  it("in a batch entry's url, as the request alone", async () => {
    const res = await request(app).post('/fhir').set('Accept', 'application/fhir+xml').query({ _format: 'json' }).type('application/fhir+json')
      .send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `${READ.slice(6)}?_format=json` } }, { request: { method: 'GET', url: `${READ.slice(6)}?_format=xml` } }] })
      .expect(200);
    expect((res.body as Bundle).entry!.map((e) => e.response?.status)).toEqual(['200 OK', '406 Not Acceptable']);
  });
});
