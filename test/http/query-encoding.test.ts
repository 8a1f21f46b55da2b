import type { Bundle, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { parseQueryString } from '../../src/fhir/query-string';
import { FSIII } from '../support/catalogs';
import { useRunningServer } from '../support/server';

const server = useRunningServer();
const GENOPTRAENING = 'a07ffdd2-3c27-4a42-a860-58f6bb840d77';

describe('percent-encoded bytes in a query that are not UTF-8', () => {
  it('are refused with 400 by the operations, the searches and a batch entry alike (they were read as U+FFFD and looked up)', async () => {
    for (const path of [
      `/fhir/CodeSystem/$lookup?system=${FSIII}&code=%ED%A0%80`, // an encoded surrogate
      '/fhir/ValueSet/$expand?url=%FF',
      '/fhir/CodeSystem?name=%C3', // a sequence cut short
    ]) {
      const res = await fetch(`${server.baseUrl}${path.slice('/fhir'.length)}`);
      expect(res.status).toBe(400);
      const outcome = await res.json() as OperationOutcome;
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
      expect(outcome.issue[0]!.details?.text).toMatch(/not UTF-8/);
    }
    const batch = (await request(server.app).post('/fhir').type('application/fhir+json').send({
      resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `CodeSystem/$lookup?system=${FSIII}&code=%FF` } }],
    }).expect(200)).body as Bundle;
    expect(batch.entry![0]!.response?.status).toMatch(/^400/);
  });

  it('are refused in Danish to a Danish caller', async () => {
    const res = await request(server.app).get('/fhir/CodeSystem').query('name=%FF').set('Accept-Language', 'da').expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details?.text).toMatch(/ikke er UTF-8/);
  });

  it('leave UTF-8 and a lone % as they were', async () => {
    const ok = (await request(server.app).get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${GENOPTRAENING}&displayLanguage=da%2Cen`).expect(200)).body as Parameters;
    expect(ok.parameter?.find((p) => p.name === 'display')?.valueString).toBe('Genoptræning');
    expect(parseQueryString('filter=tr%C3%A6ning&x=100%25&y=%ZZ&z=a+b')).toEqual({ filter: 'træning', x: '100%', y: '%ZZ', z: 'a b' });
    expect(() => parseQueryString('code=%ED%A0%80')).toThrow(/not UTF-8/);
  });
});
