import request from 'supertest';
import type { App } from '../../src/app';
import { PostgresStore } from '../../src/store/postgres-store';
import { testApp } from '../support/app';
import { localCodeSystem, tokenFor } from '../support/local';
import { pastVersionWriteTests } from '../support/past-version-writes';
import { describeWithPostgres, dropSchemas, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';

/** The rule of past-versions-not-rewritten.test.ts on PostgreSQL: one app, and two replicas sharing one database. */
describeWithPostgres('a past url|version is not written again by another resource (PostgreSQL store)', () => {
  const schema = uniqueSchema();
  const stores: PostgresStore[] = [];
  const open = async (): Promise<App> => {
    const store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2 });
    stores.push(store);
    return testApp({}, { store });
  };
  afterAll(async () => {
    for (const s of stores) await s.close();
    await dropSchemas([schema]);
  });

  pastVersionWriteTests(open);

  it('is refused on a replica other than the one that wrote and replaced it', async () => {
    const [a, b] = [await open(), await open()];
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const cs = localCodeSystem('101', 'pv-replicas', [{ code: '101-A', display: 'A', type: 'indsats' }]);
    await request(a).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send(cs).expect(201);
    await request(a).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).type('application/fhir+json').send({ ...cs, version: '2.0.0' }).expect(200);
    await request(b).put('/fhir/CodeSystem/pv-replicas-kopi').set('Authorization', auth).type('application/fhir+json').send({ ...cs, id: 'pv-replicas-kopi' }).expect(422);
  });
});
