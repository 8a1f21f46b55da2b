import type Database from 'better-sqlite3';
import { storedClosureEntry, type ClosureConcept, type ClosureEntry, type ClosureEntryRow, type ClosureInitResult, type ClosureTableState, type ClosureTableStore, type StoredClosureEntry } from './closure-store';
import { abandonedWrite, type CommitGate } from './commit-gate';

/** The SQLite schema of the closure tables (one migration of SqliteStore). */
export const CLOSURE_SQLITE_MIGRATION = `
  CREATE TABLE closure_table (
    name    TEXT PRIMARY KEY,
    version INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE closure_concept (
    name   TEXT NOT NULL,
    system TEXT NOT NULL,
    code   TEXT NOT NULL,
    PRIMARY KEY (name, system, code)
  ) WITHOUT ROWID;
  CREATE TABLE closure_entry (
    name          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    source_system TEXT NOT NULL,
    source_code   TEXT NOT NULL,
    target_system TEXT NOT NULL,
    target_code   TEXT NOT NULL
  );
  CREATE INDEX closure_entry_by_version ON closure_entry (name, version);`;

/**
 * The order in which the tables were last used (a count: the highest was used last; none: not used since this
 * migration), for the table limit; a count rather than a time, which two uses within a millisecond would share.
 */
export const CLOSURE_SQLITE_USE_ORDER_MIGRATION = 'ALTER TABLE closure_table ADD COLUMN used INTEGER;';

const NEXT_USE = '(SELECT coalesce(max(used), 0) + 1 FROM closure_table)';

export const CLOSURE_SQLITE_TABLES = ['closure_table', 'closure_concept', 'closure_entry'];

/** How SqliteStore runs a read, and a write as one IMMEDIATE transaction, its failures answered as the store's. */
export interface SqliteAccess {
  read<T>(fn: () => T): T;
  write<T>(fn: () => T): T;
}

/** Closure tables in the SQLite file (SqliteStore); each change is one IMMEDIATE transaction. */
export class SqliteClosureTables implements ClosureTableStore {
  constructor(private readonly db: Database.Database, private readonly access: SqliteAccess) {}

  async initClosureTable(name: string, maxTables: number, gate?: CommitGate): Promise<ClosureInitResult> {
    // Synchronous from here to the commit, as a write's: the gate decides now.
    if (gate && !gate.enterCommit()) throw abandonedWrite();
    return this.access.write(() => {
      const existed = this.db.prepare('SELECT 1 FROM closure_table WHERE name = ?').get(name) !== undefined;
      let replaced = false;
      if (!existed) {
        const { n } = this.db.prepare('SELECT count(*) AS n FROM closure_table').get() as { n: number };
        const over = n - maxTables + 1;
        if (over > 0) {
          // the least recently used (never used since the column came: first), in place of the new one
          const old = this.db.prepare('SELECT name FROM closure_table ORDER BY used IS NOT NULL, used, name LIMIT ?').pluck().all(over) as string[];
          for (const gone of old) this.drop(gone);
          replaced = true;
        }
      }
      this.empty(name);
      this.db.prepare(`INSERT INTO closure_table (name, version, used) VALUES (?, 0, ${NEXT_USE}) ON CONFLICT (name) DO UPDATE SET version = 0, used = excluded.used`)
        .run(name);
      return existed ? 'reset' : replaced ? 'replaced' : 'created';
    });
  }

  /** A table's concepts and entries gone, the table kept. */
  private empty(name: string): void {
    this.db.prepare('DELETE FROM closure_concept WHERE name = ?').run(name);
    this.db.prepare('DELETE FROM closure_entry WHERE name = ?').run(name);
  }

  private drop(name: string): void {
    this.empty(name);
    this.db.prepare('DELETE FROM closure_table WHERE name = ?').run(name);
  }

  async readClosureTable(name: string): Promise<ClosureTableState | undefined> {
    // a write: the read is a use of the table
    return this.access.write(() => {
      const table = this.db.prepare('SELECT version FROM closure_table WHERE name = ?').get(name) as { version: number } | undefined;
      if (!table) return undefined;
      this.db.prepare(`UPDATE closure_table SET used = ${NEXT_USE} WHERE name = ?`).run(name);
      const concepts = this.db.prepare('SELECT system, code FROM closure_concept WHERE name = ?').all(name) as ClosureConcept[];
      const { entries } = this.db.prepare('SELECT count(*) AS entries FROM closure_entry WHERE name = ?').get(name) as { entries: number };
      return { name, version: table.version, concepts, entries };
    });
  }

  async appendClosureTable(name: string, expectedVersion: number, concepts: ClosureConcept[], entries: ClosureEntry[], gate?: CommitGate): Promise<number | undefined> {
    if (gate && !gate.enterCommit()) throw abandonedWrite();
    return this.access.write(() => {
      const version = expectedVersion + 1;
      const moved = this.db.prepare(`UPDATE closure_table SET version = ?, used = ${NEXT_USE} WHERE name = ? AND version = ?`).run(version, name, expectedVersion);
      if (moved.changes !== 1) return undefined;
      const addConcept = this.db.prepare('INSERT INTO closure_concept (name, system, code) VALUES (?, ?, ?)');
      for (const c of concepts) addConcept.run(name, c.system, c.code);
      const addEntry = this.db.prepare(`INSERT INTO closure_entry (name, version, source_system, source_code, target_system, target_code)
        VALUES (?, ?, ?, ?, ?, ?)`);
      for (const e of entries) addEntry.run(name, version, e.source.system, e.source.code, e.target.system, e.target.code);
      return version;
    });
  }

  async closureEntriesSince(name: string, version: number): Promise<StoredClosureEntry[]> {
    const rows = this.access.read(() => this.db.prepare(`SELECT version, source_system, source_code, target_system, target_code FROM closure_entry
      WHERE name = ? AND version > ? ORDER BY version, rowid`).all(name, version) as ClosureEntryRow[]);
    return rows.map(storedClosureEntry);
  }
}
