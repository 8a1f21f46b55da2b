import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { abandonedWrite, type CommitGate } from './commit-gate';
import type { StoredVersion, TerminologyStore, WriteOperation } from './store';
import { BaseStore, nowInstant, pickVersion, planChange, targetOf, toStoredVersion, type PlannedChange } from './store-support';

export const SQLITE_FILE_NAME = 'faelles-tx.sqlite';

/** Schema migrations, applied in order; PRAGMA user_version records how many have run. */
const MIGRATIONS: string[] = [
  `CREATE TABLE resource (
     resource_type TEXT NOT NULL,
     id            TEXT NOT NULL,
     version_id    INTEGER NOT NULL,
     deleted       INTEGER NOT NULL DEFAULT 0,
     url           TEXT,
     version       TEXT,
     last_updated  TEXT NOT NULL,
     content       TEXT,
     PRIMARY KEY (resource_type, id)
   ) WITHOUT ROWID;
   CREATE INDEX resource_by_url ON resource (resource_type, url) WHERE deleted = 0;
   CREATE TABLE resource_history (
     resource_type TEXT NOT NULL,
     id            TEXT NOT NULL,
     version_id    INTEGER NOT NULL,
     method        TEXT NOT NULL CHECK (method IN ('create', 'update', 'delete')),
     last_updated  TEXT NOT NULL,
     content       TEXT,
     PRIMARY KEY (resource_type, id, version_id)
   ) WITHOUT ROWID;`,
];

interface ResourceRow {
  resource_type: TerminologyType;
  id: string;
  version_id: number;
  deleted: number;
  last_updated: string;
  content: string | null;
}

interface HistoryRow {
  resource_type: TerminologyType;
  id: string;
  version_id: number;
  method: StoredVersion['method'];
  last_updated: string;
  content: string | null;
}

export interface SqliteStoreOptions {
  /** Open read-only (tools that only inspect the data). */
  readonly?: boolean;
}

/**
 * The embedded store: one SQLite file in the data folder, WAL journal, every write one transaction that updates
 * the current row and appends the history row. Safe for one server process per data folder; other processes
 * (the import tool) may write while no server runs.
 */
export class SqliteStore extends BaseStore implements TerminologyStore {
  private readonly db: Database.Database;
  readonly file: string;

  /** Opens (and creates when missing) the store in a data folder. */
  static open(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    if (!options.readonly) fs.mkdirSync(dataDir, { recursive: true });
    return new SqliteStore(path.join(dataDir, SQLITE_FILE_NAME), options);
  }

  constructor(file: string, options: SqliteStoreOptions = {}) {
    super();
    this.file = file;
    this.db = new Database(file, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
    this.db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      // FULL: a write is on disk when the transaction returns, so an acknowledged write survives a power cut too.
      this.db.pragma('synchronous = FULL');
      this.migrate();
    }
  }

  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    if (current > MIGRATIONS.length) {
      throw new Error(`${this.file} has schema version ${current}; this build knows ${MIGRATIONS.length}. Use a newer build.`);
    }
    for (let i = current; i < MIGRATIONS.length; i++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[i]!);
        this.db.pragma(`user_version = ${i + 1}`);
      }).immediate();
    }
  }

  private parse(content: string): TerminologyResource {
    return JSON.parse(content) as TerminologyResource;
  }

  async loadAll(): Promise<TerminologyResource[]> {
    const rows = this.db.prepare('SELECT content FROM resource WHERE deleted = 0 ORDER BY resource_type, id').all() as { content: string }[];
    return rows.map((r) => this.parse(r.content));
  }

  private find<T extends TerminologyResource>(type: TerminologyType, url: string, version?: string): T | undefined {
    const rows = this.db.prepare('SELECT version, content FROM resource WHERE resource_type = ? AND url = ? AND deleted = 0')
      .all(type, url) as { version: string | null; content: string }[];
    const hit = pickVersion(rows, version);
    return hit ? (this.parse(hit.content) as T) : undefined;
  }

  async findCodeSystem(url: string, version?: string): Promise<CodeSystem | undefined> {
    return this.find<CodeSystem>('CodeSystem', url, version);
  }
  async findValueSet(url: string, version?: string): Promise<ValueSet | undefined> {
    return this.find<ValueSet>('ValueSet', url, version);
  }
  async findConceptMap(url: string, version?: string): Promise<ConceptMap | undefined> {
    return this.find<ConceptMap>('ConceptMap', url, version);
  }

  async read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined> {
    const row = this.db.prepare('SELECT content FROM resource WHERE resource_type = ? AND id = ? AND deleted = 0').get(type, id) as
      | { content: string }
      | undefined;
    return row ? this.parse(row.content) : undefined;
  }

  private toVersion(row: HistoryRow): StoredVersion {
    return {
      resourceType: row.resource_type,
      id: row.id,
      versionId: String(row.version_id),
      lastUpdated: row.last_updated,
      method: row.method,
      resource: row.content === null ? undefined : this.parse(row.content),
    };
  }

  async readVersion(type: TerminologyType, id: string, versionId: string): Promise<StoredVersion | undefined> {
    if (!/^\d{1,15}$/.test(versionId)) return undefined;
    const row = this.db.prepare('SELECT * FROM resource_history WHERE resource_type = ? AND id = ? AND version_id = ?')
      .get(type, id, Number(versionId)) as HistoryRow | undefined;
    return row ? this.toVersion(row) : undefined;
  }

  async history(type: TerminologyType, id: string): Promise<StoredVersion[]> {
    const rows = this.db.prepare('SELECT * FROM resource_history WHERE resource_type = ? AND id = ? ORDER BY version_id DESC')
      .all(type, id) as HistoryRow[];
    return rows.map((r) => this.toVersion(r));
  }

  async apply(changes: WriteOperation[], gate?: CommitGate): Promise<(StoredVersion | undefined)[]> {
    const lastUpdated = nowInstant();
    const selectState = this.db.prepare('SELECT version_id, deleted FROM resource WHERE resource_type = ? AND id = ?');
    const upsert = this.db.prepare(`INSERT INTO resource (resource_type, id, version_id, deleted, url, version, last_updated, content)
      VALUES (@resource_type, @id, @version_id, @deleted, @url, @version, @last_updated, @content)
      ON CONFLICT (resource_type, id) DO UPDATE SET version_id = excluded.version_id, deleted = excluded.deleted, url = excluded.url,
        version = excluded.version, last_updated = excluded.last_updated, content = excluded.content`);
    const insertHistory = this.db.prepare(`INSERT INTO resource_history (resource_type, id, version_id, method, last_updated, content)
      VALUES (?, ?, ?, ?, ?, ?)`);
    const run = this.db.transaction((list: WriteOperation[]) => {
      const results: (StoredVersion | undefined)[] = [];
      for (const change of list) {
        const { resourceType, id } = targetOf(change);
        const row = selectState.get(resourceType, id) as Pick<ResourceRow, 'version_id' | 'deleted'> | undefined;
        const planned: PlannedChange | undefined = planChange(change, row ? { versionId: row.version_id, deleted: row.deleted === 1 } : undefined, lastUpdated);
        if (!planned) {
          results.push(undefined);
          continue;
        }
        const content = planned.resource ? JSON.stringify(planned.resource) : null;
        upsert.run({
          resource_type: resourceType,
          id,
          version_id: planned.versionId,
          deleted: planned.method === 'delete' ? 1 : 0,
          url: planned.resource?.url ?? null,
          version: planned.resource?.version ?? null,
          last_updated: lastUpdated,
          content,
        });
        insertHistory.run(resourceType, id, planned.versionId, planned.method, lastUpdated, content);
        results.push(toStoredVersion(planned, lastUpdated));
      }
      return results;
    });
    // Synchronous from here to the commit: the gate decides now.
    if (gate && !gate.enterCommit()) throw abandonedWrite();
    // IMMEDIATE takes the write lock at the start, so two writers never both read the same version and race.
    return run.immediate(changes);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
