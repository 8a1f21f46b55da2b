import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { SqliteStore } from '../../src/store/sqlite-store';
import { testApp } from '../support/app';
import { localCodeSystem, tokenFor } from '../support/local';
import { pastVersionWriteTests } from '../support/past-version-writes';

/**
 * A url|version a later write replaced still answers what was written under it, so no other resource may write it
 * again: README "Every written version stays addressable" and "Local catalogs" (a url|version already used is 422).
 */
describe('a past url|version is not written again by another resource (memory store)', () => {
  pastVersionWriteTests(() => testApp());
});

describe('a past url|version is not written again by another resource (SQLite store)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-past-versions-'));
  const store = SqliteStore.open(dataDir);
  afterAll(async () => {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  pastVersionWriteTests(() => testApp({ dataDir }, { store }));
});

describe('a past url|version found in the store at start', () => {
  it('is refused to another resource after a restart', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-past-versions-'));
    try {
      const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
      const cs = localCodeSystem('101', 'pv-restart', [{ code: '101-A', display: 'A', type: 'indsats' }]);
      const first = SqliteStore.open(dataDir);
      const before = await testApp({ dataDir }, { store: first });
      await request(before).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs).expect(201);
      await request(before).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send({ ...cs, version: '2.0.0' }).expect(200);
      await first.close();

      const second = SqliteStore.open(dataDir);
      const after = await testApp({ dataDir }, { store: second });
      await request(after).put('/fhir/CodeSystem/pv-restart-kopi').set('Authorization', auth).type('application/fhir+json').send({ ...cs, id: 'pv-restart-kopi' }).expect(422);
      await second.close();
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
