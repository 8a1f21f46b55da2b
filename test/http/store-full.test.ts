/**
 * The embedded store's disk fills up: writes are answered 507 `no-store` saying nothing was written (never a 500),
 * /ready reports the store full, reads go on, and once space is back /ready and writes recover by themselves.
 * The full disk is SQLite's own page limit on the server's connection (max_page_count), which fails a write
 * exactly as a full disk does (SQLITE_FULL).
 */
import type Database from 'better-sqlite3';
import type { OperationOutcome } from 'fhir/r4';
import { inEnglish } from '../support/english';
import { FSIII } from '../support/app';
import { embeddedStoreApp } from '../support/embedded-store-app';
import { CODES, localCodeSystem } from '../support/local';

const FHIR_JSON = 'application/fhir+json';

describe('the embedded store runs out of disk space', () => {
  const embedded = embeddedStoreApp('faelles-tx-full-');
  const put = (name: string, concepts = 1) => {
    const cs = localCodeSystem('101', name, Array.from({ length: concepts }, (_, i) => ({ code: `101-${name}-${i}`, display: `Indsats ${i} ${'x'.repeat(200)}`, type: 'indsats' as const })));
    return inEnglish(embedded.app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${embedded.token}`).set('Content-Type', FHIR_JSON).send(JSON.stringify(cs));
  };

  /** No page more than the database has now: the next write that needs space fails as on a full disk. */
  const fillDisk = () => {
    const db = (embedded.store as unknown as { db: Database.Database }).db;
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
  };
  const freeSpace = () => (embedded.store as unknown as { db: Database.Database }).db.pragma('max_page_count = 1073741823');

  it('answers 507 no-store, reports it in /ready, goes on reading, and recovers when space is freed', async () => {
    expect((await put('before')).status).toBe(201);
    fillDisk();

    const refused = await put('too-big', 200);
    expect(refused.status).toBe(507);
    const outcome = refused.body as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'no-store' });
    expect(outcome.issue[0]!.details?.text).toMatch(/The store is full.*nothing was written/);

    const ready = await inEnglish(embedded.app).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', store: 'full' });
    expect(ready.body.storeProblem).toMatch(/The store is full/);

    // Reads go on: what was written before, the published catalogs; the refused write is not there.
    expect((await inEnglish(embedded.app).get('/fhir/CodeSystem/kommune-101-before')).status).toBe(200);
    expect((await inEnglish(embedded.app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: '6eddbaf7-2a73-49d4-91e7-6138d419f58c' })).status).toBe(200);
    expect((await inEnglish(embedded.app).get('/fhir/CodeSystem/kommune-101-too-big')).status).toBe(404);
    expect((await inEnglish(embedded.app).get('/ready')).status).toBe(503); // still full: the check found no space

    // The web page's CSV import says the same (507), not that the file was wrong.
    const csv = ['kode;titel;type;maal', `101-BOLD;Boldspil ${'x'.repeat(3000)};indsats;${CODES.fysiskTraening119}`].join('\n');
    const imported = await inEnglish(embedded.app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${embedded.token}`).set('Content-Type', FHIR_JSON)
      .send(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }));
    expect(imported.status).toBe(507);
    expect(imported.body.issue[0]).toMatchObject({ code: 'no-store' });
    // and in Danish to the page, which asks for it
    const danish = await inEnglish(embedded.app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${embedded.token}`).set('Content-Type', FHIR_JSON)
      .set('Accept-Language', 'da').send(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }));
    expect(danish.status).toBe(507);
    expect(danish.body.issue[0].details.text).toMatch(/Lageret er fuldt.*intet blev skrevet/);

    freeSpace();
    expect((await inEnglish(embedded.app).get('/ready')).status).toBe(200);
    expect((await put('too-big', 200)).status).toBe(201);
  });
});
