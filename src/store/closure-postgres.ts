import type { PoolClient } from 'pg';
import type { CommitGate } from './commit-gate';
import { storedClosureEntry, type ClosureConcept, type ClosureEntry, type ClosureEntryRow, type ClosureInitResult, type ClosureTableState, type ClosureTableStore, type StoredClosureEntry } from './closure-store';

/** The PostgreSQL schema of the closure tables (an expand migration in postgres-migrations.ts). */
export const CLOSURE_POSTGRES_MIGRATION = `
  -- Closure tables of ConceptMap/$closure: a client's named table, its concepts, and the entries each version added.
  CREATE TABLE closure_table (
    name    text    PRIMARY KEY,
    version integer NOT NULL CHECK (version >= 0)
  );
  CREATE TABLE closure_concept (
    name   text NOT NULL REFERENCES closure_table (name) ON DELETE CASCADE,
    system text NOT NULL,
    code   text NOT NULL,
    PRIMARY KEY (name, system, code)
  );
  CREATE TABLE closure_entry (
    seq           bigserial PRIMARY KEY,
    name          text    NOT NULL REFERENCES closure_table (name) ON DELETE CASCADE,
    version       integer NOT NULL,
    source_system text    NOT NULL,
    source_code   text    NOT NULL,
    target_system text    NOT NULL,
    target_code   text    NOT NULL
  );
  CREATE INDEX closure_entry_by_version ON closure_entry (name, version);
`;

export const CLOSURE_POSTGRES_TABLES = ['closure_table', 'closure_concept', 'closure_entry'] as const;

/**
 * What the closure tables need of PostgresStore: a table's qualified name, a transaction (with a gate: a write's, which
 * commits only when the gate lets it) and a single query.
 */
export interface PostgresAccess {
  t(table: string): string;
  transaction<T>(fn: (client: PoolClient) => Promise<T>, gate?: CommitGate): Promise<T>;
  query<R extends object>(text: string, values: unknown[]): Promise<R[]>;
}

/** Closure tables in PostgreSQL, shared by every replica; a change is one transaction with the table row locked. */
export class PostgresClosureTables implements ClosureTableStore {
  constructor(private readonly db: PostgresAccess) {}

  async initClosureTable(name: string, maxTables: number, gate?: CommitGate): Promise<ClosureInitResult> {
    const t = (n: string) => this.db.t(n);
    return this.db.transaction(async (client) => {
      const existing = await client.query(`SELECT 1 FROM ${t('closure_table')} WHERE name = $1 FOR UPDATE`, [name]);
      if (existing.rowCount === 1) {
        await client.query(`DELETE FROM ${t('closure_concept')} WHERE name = $1`, [name]);
        await client.query(`DELETE FROM ${t('closure_entry')} WHERE name = $1`, [name]);
        await client.query(`UPDATE ${t('closure_table')} SET version = 0, used = nextval('${t('closure_use')}') WHERE name = $1`, [name]);
        return 'reset';
      }
      // Serialises table creation across replicas, so the limit holds when two create at once.
      await client.query(`LOCK TABLE ${t('closure_table')} IN SHARE ROW EXCLUSIVE MODE`);
      const { rows: [count] } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t('closure_table')}`);
      const over = (count?.n ?? 0) - maxTables + 1;
      if (over > 0) {
        // the least recently used (never used since the column came: first) go, their concepts and entries with them
        await client.query(`DELETE FROM ${t('closure_table')} WHERE name IN (
          SELECT name FROM ${t('closure_table')} ORDER BY used NULLS FIRST, name LIMIT $1)`, [over]);
      }
      const inserted = await client.query(`INSERT INTO ${t('closure_table')} (name, version, used) VALUES ($1, 0, nextval('${t('closure_use')}')) ON CONFLICT (name) DO NOTHING`, [name]);
      return inserted.rowCount !== 1 ? 'reset' : over > 0 ? 'replaced' : 'created';
    }, gate);
  }

  async readClosureTable(name: string): Promise<ClosureTableState | undefined> {
    const t = (n: string) => this.db.t(n);
    // a read is a use of the table: marked on its own, before the snapshot (a write inside a REPEATABLE READ snapshot
    // would fail whenever another call marked the same table meanwhile: two calls at once)
    await this.db.query(`UPDATE ${t('closure_table')} SET used = nextval('${t('closure_use')}') WHERE name = $1`, [name]);
    // One snapshot: the version and the concepts and entries it has.
    return this.db.transaction(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      const { rows: [table] } = await client.query<{ version: number }>(`SELECT version FROM ${t('closure_table')} WHERE name = $1`, [name]);
      if (!table) return undefined;
      const { rows } = await client.query<ClosureConcept>(`SELECT system, code FROM ${t('closure_concept')} WHERE name = $1`, [name]);
      const { rows: [count] } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t('closure_entry')} WHERE name = $1`, [name]);
      return { name, version: table.version, concepts: rows, entries: count?.n ?? 0 };
    });
  }

  async appendClosureTable(name: string, expectedVersion: number, concepts: ClosureConcept[], entries: ClosureEntry[], gate?: CommitGate): Promise<number | undefined> {
    const t = (n: string) => this.db.t(n);
    return this.db.transaction(async (client) => {
      const version = expectedVersion + 1;
      const moved = await client.query(`UPDATE ${t('closure_table')} SET version = $2, used = nextval('${t('closure_use')}') WHERE name = $1 AND version = $3`, [name, version, expectedVersion]);
      if (moved.rowCount !== 1) return undefined;
      if (concepts.length > 0) {
        await client.query(`INSERT INTO ${t('closure_concept')} (name, system, code) SELECT $1, s, c FROM unnest($2::text[], $3::text[]) AS x(s, c)`,
          [name, concepts.map((c) => c.system), concepts.map((c) => c.code)]);
      }
      if (entries.length > 0) {
        await client.query(
          `INSERT INTO ${t('closure_entry')} (name, version, source_system, source_code, target_system, target_code)
           SELECT $1, $2, ss, sc, ts, tc FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS x(ss, sc, ts, tc, n) ORDER BY n`,
          [name, version, entries.map((e) => e.source.system), entries.map((e) => e.source.code), entries.map((e) => e.target.system),
            entries.map((e) => e.target.code)]);
      }
      return version;
    }, gate);
  }

  async closureEntriesSince(name: string, version: number): Promise<StoredClosureEntry[]> {
    const rows = await this.db.query<ClosureEntryRow>(
      `SELECT version, source_system, source_code, target_system, target_code FROM ${this.db.t('closure_entry')}
       WHERE name = $1 AND version > $2 ORDER BY version, seq`, [name, version]);
    return rows.map(storedClosureEntry);
  }
}
