import request from 'supertest';
import { localCodeSystem, tokenFor } from '../support/local';
import { pastVersionWriteTests } from '../support/past-version-writes';
import { describeWithPostgres } from '../support/postgres';
import { replicasOfOneSchema } from '../support/postgres-replicas';

/** The rule of past-versions-not-rewritten.test.ts on PostgreSQL: one app, and two replicas sharing one database. */
describeWithPostgres('a past url|version is not written again by another resource (PostgreSQL store)', () => {
  const { replica: open } = replicasOfOneSchema();

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
