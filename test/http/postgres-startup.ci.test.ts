/**
 * Start-up of a server process on PostgreSQL schemas it cannot use as they are: a damaged schema and one migrated by
 * a newer build. The server either starts (a newer build's migrations that are compatible with it: rollback) or exits
 * with status 4 and one line saying why, never with an unhandled rejection. And the database settings of its
 * environment reach its sessions.
 */
import os from 'node:os';
import { Client } from 'pg';
import { TERMINOLOGY_DIR } from '../support/catalogs';
import { MIGRATIONS } from '../../src/store/postgres-migrations';
import { localCodeSystem, tokenFor } from '../support/local';
import { describeWithPostgres, dropSchemas, TEST_DATABASE_URL, uniqueSchema, withClient } from '../support/postgres';
import { compileServer, serverExit, startServerProcess } from '../support/server-process';

const KNOWN = MIGRATIONS[MIGRATIONS.length - 1]!.version;

describeWithPostgres('server start-up on a PostgreSQL schema it cannot use as it is', () => {
  const schemas: string[] = [];
  let compiled: ReturnType<typeof compileServer> | undefined;

  const env = (schema: string) => ({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, TERMINOLOGY_DIR, LOAD_EXAMPLES: 'false', NODE_ENV: 'test' });

  /** A schema as this build leaves it after its first start. */
  async function migratedSchema(): Promise<string> {
    const schema = uniqueSchema();
    schemas.push(schema);
    const server = await startServerProcess(compiled!.entry, env(schema));
    await server.stop();
    return schema;
  }

  beforeAll(() => {
    compiled = compileServer();
  });

  afterAll(async () => {
    compiled?.remove();
    await dropSchemas(schemas);
  });

  it('exits with status 4 and a message when the migrations table lists migrations whose tables are missing', async () => {
    const schema = await migratedSchema();
    await withClient((c) => c.query(`DROP TABLE "${schema}".resource, "${schema}".resource_history, "${schema}".store_state`));
    const { code, output } = await serverExit(compiled!.entry, env(schema));
    expect(output).toMatch(/the schema is damaged/);
    expect(output).toMatch(/tables store_state, resource, resource_history are missing/);
    expect(output).not.toMatch(/Unhandled|UnhandledPromiseRejection|\n\s+at /);
    expect(code).toBe(4);
  }, 60_000);

  it('starts on a schema a newer build extended compatibly (rollback), names itself in pg_stat_activity, and refuses a contracted schema', async () => {
    const schema = await migratedSchema();
    const record = (version: number, compatibleFrom: number) => withClient((c) => c.query(
      `INSERT INTO "${schema}".faelles_tx_migrations (version, name, compatible_from) VALUES ($1, 'from a newer build', $2)`, [version, compatibleFrom]));
    await record(KNOWN + 1, KNOWN);
    const server = await startServerProcess(compiled!.entry, env(schema));
    try {
      // A history read asks the database, on a pool connection whose last query names the schema.
      expect((await fetch(`${server.baseUrl}/CodeSystem/none/_history`)).status).toBe(404);
      const names = await withClient(async (c) => (await c.query<{ application_name: string }>(
        'SELECT DISTINCT application_name FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND position($1 IN query) > 0', [`"${schema}"`])).rows);
      expect(names.map((r) => r.application_name).sort()).toEqual([`faelles-tx ${os.hostname()}`.slice(0, 50)]);
    } finally {
      await server.stop();
    }
    await record(KNOWN + 2, KNOWN + 1);
    const { code, output } = await serverExit(compiled!.entry, env(schema));
    expect(output).toMatch(new RegExp(`needs a build that knows migration ${KNOWN + 1} or later; this build knows ${KNOWN}`));
    expect(code).toBe(4);
  }, 90_000);
  it('takes DATABASE_LOCK_TIMEOUT_MS from its environment: a write held up by another session\'s lock is 503 lock-error', async () => {
    const schema = await migratedSchema();
    const server = await startServerProcess(compiled!.entry, { ...env(schema), DATABASE_LOCK_TIMEOUT_MS: '300' });
    const locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT * FROM "${schema}".store_state FOR UPDATE`);
      const cs = localCodeSystem('101', 'locked', [{ code: '101-L', display: 'L', type: 'indsats' }]);
      const res = await fetch(`${server.baseUrl}/CodeSystem/${cs.id}`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${await tokenFor({ kommunekode: '101' })}`, 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify(cs),
      });
      expect(res.status).toBe(503);
      expect(((await res.json()) as { issue: { code: string }[] }).issue[0]!.code).toBe('lock-error');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
      await server.stop();
    }
  }, 90_000); // two server starts, like the test above; jest runs a suite per core beside it
});
