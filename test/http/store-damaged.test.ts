/**
 * The embedded store's file is damaged inside a table the start does not read (the audit log): the request that reads
 * it is answered 503 `no-store`, and from then on `/ready` answers 503 with `store: damaged`, so that monitoring and
 * the load balancer see what only that request saw; the published catalogs are still answered.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { type App } from '../../src/app';
import { SqliteStore } from '../../src/store/sqlite-store';
import { FSIII, testApp } from '../support/app';
import { damageTable } from '../support/damaged-sqlite';
import { tokenFor } from '../support/local';

describe('the embedded store finds its file damaged', () => {
  let dir: string;
  let store: SqliteStore;
  let app: App;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-damaged-'));
    const before = SqliteStore.open(dir);
    await before.recordAudit({
      event: { resourceType: 'AuditEvent', id: 'e1', recorded: '2026-01-01T00:00:00.000Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } } },
      owners: [], agents: [], entities: [],
    });
    await before.close();
    damageTable(dir, 'audit_event');
    store = SqliteStore.open(dir);
    app = await testApp({ dataDir: dir }, { store });
  });

  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is ready until a request meets the damage, then reports it in /ready; the catalogs are still answered', async () => {
    expect((await request(app).get('/ready')).status).toBe(200);

    const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    const search = await request(app).get('/fhir/AuditEvent').set('Authorization', admin);
    expect(search.status).toBe(503);
    expect(search.body.issue[0]).toMatchObject({ code: 'no-store' });

    const ready = await request(app).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', store: 'damaged' });
    expect(ready.body.storeProblem).toMatch(/^The store's file is damaged \(.+\): it must be restored from a backup$/);

    expect((await request(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' })).status).toBe(200);
  });
});
