/**
 * The request timeout and a write race: whichever wins, the answer matches the outcome. A write answered 503
 * (timed out) is never in the store afterwards, and a write in the store was answered 201. Writes are sent many at
 * once with request timeouts of a few milliseconds, so the timeout falls at every point of a write: while its body
 * is read, while it waits for the writes before it, while it is checked, and after it was stored.
 */
import request from 'supertest';
import { MemoryStore } from '../../src/store/memory-store';
import { localCodeSystem, tokenFor } from '../support/local';
import { testApp } from '../support/app';

const FHIR_JSON = 'application/fhir+json';

describe('a write and the request timeout', () => {
  it.each([1, 3, 10, 30])('with a request timeout of %i ms every answer matches what was stored', async (requestTimeoutMs) => {
    const store = new MemoryStore();
    const app = await testApp({ requestTimeoutMs }, { store });
    const token = await tokenFor({ kommunekode: '101' });
    const names = Array.from({ length: 20 }, (_, i) => `race-${i}`);
    const answers = await Promise.all(names.map((name) => {
      const cs = localCodeSystem('101', name, [{ code: `101-${name}`, display: name, type: 'indsats' }]);
      return request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(cs));
    }));
    // Writes abandoned by the timeout may still be queued: let them run their course before looking at the store.
    await app.settled();
    for (const [i, name] of names.entries()) {
      const stored = (await store.history('CodeSystem', `kommune-101-${name}`)).length;
      const status = answers[i]!.status;
      expect([201, 503]).toContain(status);
      expect({ name, status, stored }).toEqual({ name, status, stored: status === 201 ? 1 : 0 });
      if (status === 503) expect(answers[i]!.body.issue[0].code).toBe('timeout');
    }
  });
});
