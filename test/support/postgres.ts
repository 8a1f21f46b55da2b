/**
 * PostgreSQL for the tests: TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). When it does not
 * answer, the PostgreSQL tests are skipped with a notice, unless CI=true: then they fail.
 * Every test gets schemas of its own (faelles_tx_test_…), dropped afterwards, so parallel jest workers never meet.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { redactConnectionString } from '../../src/store/postgres-store';
import { describeNeeding } from './ci-only';

const ROOT = path.resolve(__dirname, '..', '..');

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA_PREFIX = 'faelles_tx_test_';

const PROBE = `
const { Client } = require('pg');
const c = new Client({ connectionString: process.env.PROBE_URL, connectionTimeoutMillis: 3000 });
c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(
  () => process.exit(0),
  (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });
`;

/** Jest decides between describe and describe.skip while the file loads, so the probe is synchronous (a child node). */
function probe(): string | undefined {
  try {
    execFileSync(process.execPath, ['-e', PROBE], { cwd: ROOT, env: { ...process.env, PROBE_URL: TEST_DATABASE_URL }, timeout: 15_000, stdio: 'pipe' });
    return undefined;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (e as Error).message;
  }
}

let probed: { unavailable?: string } | undefined;

/** Why PostgreSQL cannot be used, or undefined when it answers. */
export function postgresUnavailable(): string | undefined {
  probed ??= { unavailable: probe() };
  return probed.unavailable;
}

/** describe() when PostgreSQL answers; otherwise skipped with a notice, or (CI=true) one failing test saying why. */
export function describeWithPostgres(name: string, fn: () => void): void {
  const reason = postgresUnavailable();
  const missing = reason === undefined ? undefined : `PostgreSQL at ${redactConnectionString(TEST_DATABASE_URL)} is not reachable (${reason}); set TEST_DATABASE_URL`;
  describeNeeding('PostgreSQL', missing, name, fn);
}

let counter = 0;

/** A schema name no other test (worker, run) uses: prefix, time, pid, counter. */
export function uniqueSchema(): string {
  return `${SCHEMA_PREFIX}${Date.now().toString(36)}_${process.pid}_${counter++}`;
}

/** Runs fn with a connection to the test database. */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops the schemas; also those of test runs that ended without cleaning up, more than six hours ago. */
export async function dropSchemas(schemas: Iterable<string>): Promise<void> {
  const names = [...schemas];
  await withClient(async (client) => {
    for (const s of names) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [SCHEMA_PREFIX]);
    const cutoff = Date.now() - 6 * 3600_000;
    for (const { nspname } of rows) {
      const born = parseInt(nspname.slice(SCHEMA_PREFIX.length).split('_')[0] ?? '', 36);
      if (Number.isFinite(born) && born < cutoff) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`).catch(() => undefined);
    }
  });
}

/** How long a synchronous call took (ms: the thread, and with it the process, waited that long), and what it threw. */
export function timedSync(fn: () => unknown): { ms: number; error: unknown } {
  const started = Date.now();
  try {
    fn();
    return { ms: Date.now() - started, error: undefined };
  } catch (e) {
    return { ms: Date.now() - started, error: e };
  }
}
