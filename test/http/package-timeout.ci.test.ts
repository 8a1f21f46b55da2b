/**
 * The request timeout and a package load or unload, as for a write (write-timeout.test.ts): a load or unload answered
 * 503 (timed out) did not happen, one answered 200 did, with its AuditEvent. Loads and unloads are sent many at once
 * with request timeouts of a few milliseconds; abandoned ones may still be queued when the answers come, so each test
 * waits a second before it looks at the store (a CI suite: it takes several seconds).
 */
import request from 'supertest';
import { writePackageTarball } from '../../src/packages/package-writer';
import { MemoryStore } from '../../src/store/memory-store';
import { tokenFor } from '../support/local';
import { testApp } from '../support/app';

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
