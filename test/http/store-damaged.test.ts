/**
 * The embedded store's file is damaged inside a table the start does not read (the audit log), or in a row's text
 * where SQLite's checks do not look (a past version): the request that reads it is answered 503 `no-store`, and from
 * then on `/ready` answers 503 with `store: damaged`, so that monitoring and the load balancer see what only that
 * request saw; the published catalogs are still answered.
 */
import request from 'supertest';
import type { ValueSet } from 'fhir/r4';
import { SqliteStore } from '../../src/store/sqlite-store';
import { FSIII } from '../support/app';
import { damageTable, damageText } from '../support/damaged-sqlite';
import { embeddedStoreApp } from '../support/embedded-store-app';
import { tokenFor } from '../support/local';

/** What `write` writes into the store of a data folder, which `damage` then damages (the store closed). */
function writtenThenDamaged(write: (store: SqliteStore) => Promise<unknown>, damage: (dir: string) => void): (dir: string) => Promise<void> {
  return async (dir) => {
    const store = SqliteStore.open(dir);
    await write(store);
    await store.close();
    damage(dir);
  };
}

describe('the embedded store finds its file damaged', () => {
  const embedded = embeddedStoreApp('faelles-tx-damaged-', writtenThenDamaged((store) => store.recordAudit({
    event: { resourceType: 'AuditEvent', id: 'e1', recorded: '2026-01-01T00:00:00.000Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } } },
    owners: [], agents: [], entities: [],
  }), (dir) => damageTable(dir, 'audit_event')));

  it('is ready until a request meets the damage, then reports it in /ready; the catalogs are still answered', async () => {
    expect((await request(embedded.app).get('/ready')).status).toBe(200);

    const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    const search = await request(embedded.app).get('/fhir/AuditEvent').set('Authorization', admin);
    expect(search.status).toBe(503);
    expect(search.body.issue[0]).toMatchObject({ code: 'no-store' });

    const ready = await request(embedded.app).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', store: 'damaged' });
    expect(ready.body.storeProblem).toMatch(/^The store's file is damaged \(.+\): it must be restored from a backup$/);

    expect((await request(embedded.app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' })).status).toBe(200);
  });
});

describe("the embedded store finds a past version's text damaged", () => {
  const url = 'http://faelles-tx.dk/fhir/kommune/101/ValueSet/pv';
  const valueSet = (version: string, title: string): ValueSet => ({
    resourceType: 'ValueSet', id: 'kommune-101-pv', url, version, name: 'PV', title, status: 'active',
    identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '101' }],
    compose: { include: [{ system: FSIII, concept: [{ code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' }] }] },
  });

  const embedded = embeddedStoreApp('faelles-tx-damaged-text-', writtenThenDamaged(async (store) => {
    await store.update(valueSet('1', 'Første udgave'));
    await store.update(valueSet('2', 'Anden udgave'));
  }, (dir) => damageText(dir, 'Første udgave"')));

  it('answers each request reading it 503 no-store naming the version (never a 500), then reports it in /ready; the rest is answered', async () => {
    expect((await request(embedded.app).get('/ready')).status).toBe(200);
    for (const target of ['/fhir/ValueSet/kommune-101-pv/_history/1', '/fhir/ValueSet/kommune-101-pv/_history', `/fhir/ValueSet/$expand?url=${url}&valueSetVersion=1`]) {
      const answer = await request(embedded.app).get(target).set('Accept-Language', 'en');
      expect({ target, status: answer.status, issue: answer.body.issue?.[0] }).toMatchObject({
        target, status: 503, issue: { code: 'no-store', details: { text: expect.stringMatching(/^The store's file is damaged \(ValueSet\/kommune-101-pv\/_history\/1 cannot be read/) } },
      });
    }
    const ready = await request(embedded.app).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', store: 'damaged' });
    expect((await request(embedded.app).get('/fhir/ValueSet/kommune-101-pv')).body.title).toBe('Anden udgave');
    expect((await request(embedded.app).get(`/fhir/ValueSet/$expand?url=${url}&valueSetVersion=2`)).status).toBe(200);
  });
});
