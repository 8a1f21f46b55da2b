/**
 * `npm run package -- --kommunekode …` (scripts/package.ts, `packageFromStore`): a municipality's package from the
 * server's store holds every version of its catalogs, those later writes replaced too, read whole before the store is
 * closed (README "Pakker / FHIR packages": packages out).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { packageFromStore } from '../../src/packages/package-from-store';
import { readPackageTarball } from '../../src/packages/package-reader';
import { SqliteStore } from '../../src/store/sqlite-store';
import { testApp, testConfig } from '../support/app';
import { localCodeSystem, tokenFor } from '../support/local';

let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-package-from-store-'));
  const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
  const cs = localCodeSystem('101', 'pakket', [{ code: '101-A', display: 'Første titel', type: 'indsats' }]);
  const store = SqliteStore.open(dataDir);
  try {
    const app = await testApp({ dataDir }, { store });
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs).expect(201);
    const next = { ...cs, version: '2.0.0', concept: [{ ...cs.concept![0]!, display: 'Anden titel' }] };
    await request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(next).expect(200);
  } finally {
    await store.close();
  }
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('a municipality package from the store', () => {
  it('holds the version a later write replaced as it was written, read before the store closes', async () => {
    const store = SqliteStore.open(dataDir, { readonly: true });
    let written: Awaited<ReturnType<typeof packageFromStore>>;
    try {
      written = await packageFromStore(testConfig({ dataDir }), store, { kommunekode: '101', version: '1.0.0' });
    } finally {
      await store.close();
    }
    expect(written?.manifest).toEqual(expect.objectContaining({ name: 'faelles-tx.kommune-101', version: '1.0.0' }));
    const raw = await readPackageTarball(written!.tarball, 'test');
    const resources = raw.files.filter((f) => f.name !== 'package.json' && f.name !== '.index.json')
      .map((f) => JSON.parse(f.text) as { url: string; version: string; concept: { display: string }[] });
    expect(resources.map((r) => [r.version, r.concept[0]!.display]).sort()).toEqual([['1.0.0', 'Første titel'], ['2.0.0', 'Anden titel']]);
    expect(written!.resources).toBe(2);
  });

  it('is nothing for a municipality without catalogs (102)', async () => {
    const store = SqliteStore.open(dataDir, { readonly: true });
    try {
      expect(await packageFromStore(testConfig({ dataDir }), store, { kommunekode: '102' })).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
