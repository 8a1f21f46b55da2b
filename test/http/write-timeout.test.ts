/**
 * The request timeout and a write race: whichever wins, the answer matches the outcome. A write answered 503
 * (timed out) is never in the store afterwards, and a write in the store was answered 201. Writes are sent many at
 * once with request timeouts of a few milliseconds, so the timeout falls at every point of a write: while its body
 * is read, while it waits for the writes before it, while it is checked, and after it was stored.
 */
import request from 'supertest';
import { writePackageTarball } from '../../src/packages/package-writer';
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
    // Writes abandoned by the timeout may still be queued: let the writer finish before looking at the store.
    await new Promise((r) => setTimeout(r, 500));
    for (const [i, name] of names.entries()) {
      const stored = (await store.history('CodeSystem', `kommune-101-${name}`)).length;
      const status = answers[i]!.status;
      expect([201, 503]).toContain(status);
      expect({ name, status, stored }).toEqual({ name, status, stored: status === 201 ? 1 : 0 });
      if (status === 503) expect(answers[i]!.body.issue[0].code).toBe('timeout');
    }
  });
});

describe('a package load or unload and the request timeout', () => {
  const archive = (name: string) => writePackageTarball({ name, version: '1.0.0' }, [{
    resourceType: 'CodeSystem', id: name, url: `http://example.org/CodeSystem/${name}`, version: '1.0.0', status: 'active', content: 'complete',
    concept: Array.from({ length: 2000 }, (_, k) => ({ code: `c${k}`, display: `Concept ${k}` })),
  }]);
  const names = Array.from({ length: 8 }, (_, i) => `timed.${i}`);
  let admin: string;
  let archives: Buffer[];
  beforeAll(async () => {
    admin = await tokenFor({ scope: 'openid admin', sub: 'kl-terminologi' });
    archives = await Promise.all(names.map(archive));
  });
  const loaded = async (store: MemoryStore) => new Set((await store.listPackages()).map((p) => p.name));
  const events = async (store: MemoryStore, name: string, op: string) =>
    (await store.searchAudit({ entity: [`${name}#1.0.0`], offset: 0, count: 10 })).events.filter((e) => e.subtype?.[0]?.display === op && e.outcome === '0').length;

  it.each([100, 250])('with a request timeout of %i ms a load answered 503 is not loaded, one answered 200 is, with its event', async (requestTimeoutMs) => {
    const store = new MemoryStore();
    const app = await testApp({ requestTimeoutMs }, { store });
    const answers = await Promise.all(archives.map((a) => request(app).post('/fhir/$load-package').set('Authorization', `Bearer ${admin}`).type('application/gzip').send(a)));
    // loads abandoned by the timeout may still be queued: let them finish before looking at the store
    await new Promise((r) => setTimeout(r, 1000));
    const stored = await loaded(store);
    for (const [i, name] of names.entries()) {
      const status = answers[i]!.status;
      expect([200, 503]).toContain(status);
      expect({ name, status, stored: stored.has(name), events: await events(store, name, '$load-package') })
        .toEqual({ name, status, stored: status === 200, events: status === 200 ? 1 : 0 });
    }
  });

  it.each([5, 30])('with a request timeout of %i ms an unload answered 503 is still loaded, one answered 200 is not, with its event', async (requestTimeoutMs) => {
    const store = new MemoryStore();
    await testApp({}, { store }).then((app) => Promise.all(archives.map((a) => request(app).post('/fhir/$load-package').set('Authorization', `Bearer ${admin}`).type('application/gzip').send(a).expect(200))));
    const app = await testApp({ requestTimeoutMs }, { store });
    const answers = await Promise.all(names.map((name) => request(app).post('/fhir/$unload-package').set('Authorization', `Bearer ${admin}`).type('application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: name }, { name: 'version', valueString: '1.0.0' }] })));
    await new Promise((r) => setTimeout(r, 1000));
    const stored = await loaded(store);
    for (const [i, name] of names.entries()) {
      const status = answers[i]!.status;
      expect([200, 503]).toContain(status);
      expect({ name, status, stored: stored.has(name), events: await events(store, name, '$unload-package') })
        .toEqual({ name, status, stored: status !== 200, events: status === 200 ? 1 : 0 });
    }
  });
});
