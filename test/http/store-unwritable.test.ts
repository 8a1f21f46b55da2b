/**
 * The embedded store's file stops being writable while the server runs: its disk gives I/O errors (a file system that
 * then turns itself read-only), or the data folder is deleted (what is written to the file the server holds open would
 * be lost at its next start). Writes are answered 503 `no-store` saying nothing was written (never a 500; in Danish
 * to municipal staff), reads go on, `/ready` answers 503 with `store: unwritable`, and once writes work again `/ready`
 * is 200 again by itself.
 */
import fs from 'node:fs';
import request from 'supertest';
import { failWrites } from '../support/damaged-sqlite';
import { embeddedStoreApp } from '../support/embedded-store-app';
import { localCodeSystem } from '../support/local';

const FHIR_JSON = 'application/fhir+json';

describe('the embedded store cannot write its file', () => {
  const embedded = embeddedStoreApp('faelles-tx-unwritable-');
  const deleted = embeddedStoreApp('faelles-tx-deleted-');

  const put = (name: string, language: string, on = embedded) => {
    const cs = localCodeSystem('101', name, [{ code: `101-${name}`, display: 'Indsats', type: 'indsats' }]);
    return request(on.app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${on.token}`).set('Content-Type', FHIR_JSON)
      .set('Accept-Language', language).send(JSON.stringify(cs));
  };

  it('a disk giving I/O errors: writes 503 no-store, /ready 503 unwritable, reads go on; ready again once the disk works', async () => {
    expect((await put('before', 'da')).status).toBe(201);
    const working = failWrites(embedded.store, 'SQLITE_IOERR_WRITE');

    const refused = await put('after', 'da');
    expect(refused.status).toBe(503);
    expect(refused.body.issue[0]).toMatchObject({ severity: 'error', code: 'no-store' });
    expect(refused.body.issue[0].details.text).toMatch(/^Lagerets disk svigtede \(disk I\/O error\): intet blev skrevet\. Filen vides ikke at være beskadiget/);
    expect((await put('after', 'en')).body.issue[0].details.text).toMatch(/^The store's disk failed \(disk I\/O error\): nothing was written\./);

    const ready = await request(embedded.app).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', store: 'unwritable' });
    expect(ready.body.storeProblem).toMatch(/^The store's disk failed \(disk I\/O error\): writes are refused until one succeeds again/);
    expect((await request(embedded.app).get('/fhir/CodeSystem/kommune-101-before')).status).toBe(200);
    expect((await request(embedded.app).get('/fhir/CodeSystem/kommune-101-after')).status).toBe(404);

    working();
    expect((await request(embedded.app).get('/ready')).status).toBe(200);
    expect((await put('after', 'da')).status).toBe(201);
  });

  it('the data folder deleted: writes 503 no-store (they would be lost at the next start), /ready 503 unwritable, reads go on', async () => {
    expect((await put('g1', 'da', deleted)).status).toBe(201);
    fs.rmSync(deleted.dir, { recursive: true });

    const refused = await put('g2', 'da', deleted);
    expect(refused.status).toBe(503);
    expect(refused.body.issue[0]).toMatchObject({ severity: 'error', code: 'no-store' });
    expect(refused.body.issue[0].details.text).toMatch(/^Lagerets fil .* er ikke længere i datamappen \(slettet, flyttet eller erstattet, mens serveren kørte\): intet blev skrevet/);
    const ready = await request(deleted.app).get('/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not ready', store: 'unwritable' });
    expect((await request(deleted.app).get('/fhir/CodeSystem/kommune-101-g1')).status).toBe(200);
    expect((await request(deleted.app).get('/fhir/CodeSystem/kommune-101-g2')).status).toBe(404);
  });
});
