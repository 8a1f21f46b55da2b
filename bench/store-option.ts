/**
 * `npm run bench -- --store postgres` (BENCH_STORE=postgres): every server the bench starts uses the PostgreSQL
 * store, each on a fresh schema of BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), dropped
 * at the end. The default, `sqlite`, is the embedded store in the server's temporary DATA_DIR.
 */
import { Client } from 'pg';

export interface BenchStore {
  name: 'sqlite' | 'postgres';
  /** Environment for one server start. */
  env(): Record<string, string>;
  /** Removes what the runs left (PostgreSQL schemas). */
  cleanup(): Promise<void>;
}

export function benchStore(name: string, databaseUrl: string): BenchStore {
  if (name === 'sqlite') return { name, env: () => ({ STORE: 'sqlite', DATABASE_URL: '' }), cleanup: async () => undefined };
  if (name !== 'postgres') throw new Error(`--store must be sqlite or postgres, not '${name}'`);
  const schemas: string[] = [];
  const stamp = Date.now().toString(36);
  return {
    name,
    env: () => {
      const schema = `faelles_tx_bench_${stamp}_${schemas.length}`;
      schemas.push(schema);
      return { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema };
    },
    cleanup: async () => {
      if (schemas.length === 0) return;
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
