/**
 * `npm run bench -- --store postgres` (BENCH_STORE=postgres): every server the bench starts uses the PostgreSQL
 * store, each on a fresh schema of BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), dropped
 * at the end. The default, `sqlite`, is the embedded store in the server's temporary DATA_DIR.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { PostgresStore } from '../src/store/postgres-store';
import { SqliteStore } from '../src/store/sqlite-store';
import type { TerminologyStore } from '../src/store/store';

/** A store a dataset is written into (not timed), and what each server started on that dataset is given. */
export interface DatasetStore {
  store: TerminologyStore;
  /** After the store is closed: what each server start gets (a copy of a SQLite data folder, or the schema). */
  finish(): Promise<{ env: Record<string, string>; dataTemplate?: string; bytes: number }>;
}

export interface BenchStore {
  name: 'sqlite' | 'postgres';
  /** Environment for one server start. */
  env(): Record<string, string>;
  /**
   * A store for a dataset's written content, in `dir`: a SQLite data folder that every server start copies; or a
   * PostgreSQL schema that every server started on the dataset uses (what one of them writes, the next one reads).
   */
  datasetStore(dir: string): Promise<DatasetStore>;
  /** Removes what the runs left (PostgreSQL schemas). */
  cleanup(): Promise<void>;
}

/** Runs the statements in order on one connection; the rows of the last. */
async function runStatements(databaseUrl: string, statements: { text: string; values?: unknown[] }[]): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  let rows: Record<string, unknown>[] = [];
  try {
    for (const s of statements) rows = (await client.query(s.text, s.values)).rows;
  } finally {
    await client.end();
  }
  return rows;
}

export function benchStore(name: string, databaseUrl: string): BenchStore {
  if (name === 'sqlite') {
    return {
      name,
      env: () => ({ STORE: 'sqlite', DATABASE_URL: '' }),
      datasetStore: async (dir) => {
        const dataTemplate = path.join(dir, 'data');
        const store = SqliteStore.open(dataTemplate);
        return {
          store,
          // the WAL is folded into the file on close: the template is one file
          finish: async () => ({ env: {}, dataTemplate, bytes: fs.readdirSync(dataTemplate).reduce((n, f) => n + fs.statSync(path.join(dataTemplate, f)).size, 0) }),
        };
      },
      cleanup: async () => undefined,
    };
  }
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
    datasetStore: async () => {
      const schema = `faelles_tx_bench_${stamp}_dataset_${schemas.length}`;
      schemas.push(schema);
      const store = await PostgresStore.open({ connectionString: databaseUrl, schema });
      return {
        store,
        finish: async () => ({
          env: { DATABASE_URL: databaseUrl, DATABASE_SCHEMA: schema },
          bytes: Number((await runStatements(databaseUrl, [{
            text: 'SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = \'r\'',
            values: [schema],
          }]))[0]?.n ?? 0),
        }),
      };
    },
    cleanup: async () => {
      if (schemas.length === 0) return;
      await runStatements(databaseUrl, schemas.map((s) => ({ text: `DROP SCHEMA IF EXISTS "${s}" CASCADE` })));
    },
  };
}
