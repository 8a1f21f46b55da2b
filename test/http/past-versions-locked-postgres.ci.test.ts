/**
 * A past version read from PostgreSQL while its history is locked (a migration of a rolling upgrade, VACUUM FULL,
 * pg_restore: ACCESS EXCLUSIVE on resource_history): the whole process waits for such a read, so it is answered 503
 * within a short bound, with Retry-After, and the requests right after are answered at once, not each held up again
 * (README "Scale-out", "A locked or hung database").
 */
import type { OperationOutcome } from 'fhir/r4';
import { Client } from 'pg';
import request from 'supertest';
import type { App } from '../../src/app';
import { KOMMUNEKODE_SYSTEM, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { FSIII } from '../support/catalogs';
import { tokenFor } from '../support/local';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/postgres';
import { replicasOfOneSchema } from '../support/postgres-replicas';

describeWithPostgres('a past version whose history is locked in PostgreSQL', () => {
  const { schema, replica } = replicasOfOneSchema();

  const valueSet = (version: string, code: string) => ({
    resourceType: 'ValueSet', id: municipalId('101', 'pv-locked'), url: municipalUrl('101', 'ValueSet', 'pv-locked'), version, name: 'PvLocked', status: 'active',
    identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '101' }], compose: { include: [{ system: FSIII, concept: [{ code }] }] },
  });
  let app: App;
  const expandFirst = () => request(app).get('/fhir/ValueSet/$expand').set('Accept-Language', 'da')
    .query({ url: municipalUrl('101', 'ValueSet', 'pv-locked'), valueSetVersion: '1' });
  const text = (body: unknown) => (body as OperationOutcome).issue[0]?.details?.text ?? '';

  it('is 503 with Retry-After within a second, not after the statement timeout, and the requests after it at once; then it is read again', async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const writer = await replica();
    for (const [version, code, status] of [['1', 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d', 201], ['2', '525b5dd8-d62b-4efa-bf66-262ac47eca5b', 200]] as const) {
      await request(writer).put(`/fhir/ValueSet/${municipalId('101', 'pv-locked')}`).set('Authorization', auth).type('application/fhir+json')
        .send(valueSet(version, code)).expect(status);
    }
    app = await replica();
    const locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema}".resource_history IN ACCESS EXCLUSIVE MODE`);
      let started = Date.now();
      const locked = await expandFirst();
      // the process waited this long, /health and /ready with it
      expect(Date.now() - started).toBeLessThan(1000);
      expect([locked.status, locked.headers['retry-after']]).toEqual([503, '10']);
      expect(text(locked.body)).toBe('Databasen afbrød forespørgslen: en anden session holdt en lås længere end tidsgrænsen; prøv igen.');
      started = Date.now();
      const next = await expandFirst();
      expect(Date.now() - started).toBeLessThan(250);
      expect(next.status).toBe(503);
      expect(Number(next.headers['retry-after'])).toBeGreaterThan(0);
      expect(text(next.body)).toMatch(/^Tidligere versioner læses ikke fra databasen de næste \d+ s, da en læsning af en ikke blev færdig i tide; prøv igen derefter\.$/);
      expect((await request(app).get('/ready')).status).toBe(200);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    const waitMs = Number((await expandFirst()).headers['retry-after']) * 1000 + 100;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    const read = await expandFirst().expect(200);
    expect(read.body.expansion.contains.map((c: { code: string }) => c.code)).toEqual(['ab87c0b5-40be-4e0a-b749-d9f833bfed2d']);
  }, 30_000);
});
