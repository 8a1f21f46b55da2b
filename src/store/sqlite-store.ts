import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { FhirError } from '../errors/fhir-error';
import type { AuditEvent } from 'fhir/r4';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { auditFilter, auditOrder, joinKeys, type AuditOfWrite, type AuditPage, type AuditQuery, type AuditRecord } from './audit-log';
import { abandonedWrite, type CommitGate } from './commit-gate';
import { headFromColumn, type VersionHead, type WrittenVersion } from './past-version';
import type { Deletion, HistoryPage, HistoryQuery, PackageCommit, StoredVersion, TerminologyStore, WriteOperation } from './store';
import { packageAlreadyLoaded, packageContent, packageFromRow, packageNotLoaded, type PackageRecord, type PackageRow, type PackageUnload, type StoredPackage } from './packages';
import {
  BaseStore, syncVersionLoader, nowInstant, parseStored, planChange, targetOf, storedVersionOf, toStoredVersion, UnreadableRowError, versionNumber, writeInstant,
  type HistoryRow, type PlannedChange,
} from './store-support';
import { CLOSURE_SQLITE_MIGRATION, CLOSURE_SQLITE_TABLES, CLOSURE_SQLITE_USE_ORDER_MIGRATION, SqliteClosureTables } from './closure-sqlite';
import { makeFolder } from './make-folder';
import { StoreProblem } from './readiness';

export const SQLITE_FILE_NAME = 'faelles-tx.sqlite';
/** What a restore names the backup's copy while it checks it, beside the data file (src/store/sqlite-backup.ts). */
export const RESTORING_SUFFIX = '.restoring';

/** The columns of `resource` (the current version of each resource) and `resource_history` (every version). */
const RESOURCE_COLUMNS = `
     resource_type TEXT NOT NULL,
     id            TEXT NOT NULL,
     version_id    INTEGER NOT NULL,
     deleted       INTEGER NOT NULL DEFAULT 0,
     url           TEXT,
     version       TEXT,
     last_updated  TEXT NOT NULL,
     content       TEXT,
     PRIMARY KEY (resource_type, id)
   `;
const HISTORY_COLUMNS = `
     resource_type TEXT NOT NULL,
     id            TEXT NOT NULL,
     version_id    INTEGER NOT NULL,
     method        TEXT NOT NULL CHECK (method IN ('create', 'update', 'delete')),
     last_updated  TEXT NOT NULL,`;
const HISTORY_CONTENT_AND_KEY = 'content TEXT, PRIMARY KEY (resource_type, id, version_id)';
const RESOURCE_BY_URL = 'CREATE INDEX resource_by_url ON resource (resource_type, url) WHERE deleted = 0;';
const HISTORY_BY_TIME = 'CREATE INDEX resource_history_by_time ON resource_history (last_updated DESC, resource_type, id, version_id DESC);';
/**
 * What start-up reads of every version (src/store/past-version.ts), as a JSON array [url, version, status, date,
 * content]: computed by SQLite when the version is written, so that a start does not read every catalog ever written.
 * Before `content` in the row: a column after it is reached through the catalog's overflow pages.
 */
const HISTORY_HEAD = "head TEXT GENERATED ALWAYS AS (json_extract(content, '$.url', '$.version', '$.status', '$.date', '$.content')) STORED,";

/** Schema migrations, applied in order; PRAGMA user_version records how many have run. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE resource (${RESOURCE_COLUMNS}) WITHOUT ROWID;
   ${RESOURCE_BY_URL}
   CREATE TABLE resource_history (${HISTORY_COLUMNS} ${HISTORY_CONTENT_AND_KEY}) WITHOUT ROWID;`,
  CLOSURE_SQLITE_MIGRATION,
  // FHIR packages loaded at run time (src/store/packages.ts); rowid keeps the load order.
  `CREATE TABLE package (
     name          TEXT NOT NULL,
     version       TEXT NOT NULL,
     fhir_version  TEXT NOT NULL,
     dependencies  TEXT NOT NULL,
     content       TEXT NOT NULL,
     loaded_at     TEXT NOT NULL,
     UNIQUE (name, version)
   );`,
  // Who changed what (src/store/audit-log.ts): one row per write request; owners/agents/entities are ' key key ' lists.
  `CREATE TABLE audit_event (
     seq      INTEGER PRIMARY KEY,
     id       TEXT NOT NULL UNIQUE,
     recorded TEXT NOT NULL,
     owners   TEXT NOT NULL,
     agents   TEXT NOT NULL,
     entities TEXT NOT NULL,
     content  TEXT NOT NULL
   );
   CREATE INDEX audit_event_by_time ON audit_event (recorded);`,
  // ---- migration: who loaded a package (src/store/packages.ts) ----
  `ALTER TABLE package ADD COLUMN loaded_by TEXT;`,
  // ---- migration: the history of every resource, newest first (history-type, history-system) ----
  HISTORY_BY_TIME,
  // ---- migration: resource and resource_history as rowid tables, their keys in an index of their own ----
  // A WITHOUT ROWID table keeps each whole row in the B-tree of its key, and SQLite reads the whole of a cell that
  // overflows its page to compare a key with it: every lookup read each catalog it passed on the way (~1 ms per
  // lookup with 98 municipalities' catalogs of 2,000 codes, whatever the row looked for). Each version's head is kept
  // beside it (HISTORY_HEAD).
  `CREATE TABLE resource_rows (${RESOURCE_COLUMNS});
   INSERT INTO resource_rows (resource_type, id, version_id, deleted, url, version, last_updated, content)
     SELECT resource_type, id, version_id, deleted, url, version, last_updated, content FROM resource;
   DROP TABLE resource;
   ALTER TABLE resource_rows RENAME TO resource;
   ${RESOURCE_BY_URL}
   CREATE TABLE resource_history_rows (${HISTORY_COLUMNS} ${HISTORY_HEAD} ${HISTORY_CONTENT_AND_KEY});
   INSERT INTO resource_history_rows (resource_type, id, version_id, method, last_updated, content)
     SELECT resource_type, id, version_id, method, last_updated, content FROM resource_history;
   DROP TABLE resource_history;
   ALTER TABLE resource_history_rows RENAME TO resource_history;
   ${HISTORY_BY_TIME}`,
  // ---- migration: the HTTP method of the write that made a version (null before: read from `method`) ----
  "ALTER TABLE resource_history ADD COLUMN request_method TEXT CHECK (request_method IN ('POST', 'PUT', 'DELETE'));",
  // ---- migration: when each closure table was last used, so that a new one takes the place of the least used ----
  CLOSURE_SQLITE_USE_ORDER_MIGRATION,
  // ---- end of migration ----
];

/** The tables this build uses; start-up checks they are there. */
const TABLES = ['resource', 'resource_history', ...CLOSURE_SQLITE_TABLES, 'package', 'audit_event'];

interface ResourceRow {
  resource_type: TerminologyType;
  id: string;
  version_id: number;
  deleted: number;
  last_updated: string;
  content: string | null;
}

/** The columns of `resource` a read of the current version takes. */
interface CurrentRow {
  resource_type: TerminologyType;
  id: string;
  content: string;
}

/** The columns of `resource_history` start-up reads of every version (HISTORY_HEAD). */
interface HeadRow {
  resource_type: TerminologyType;
  id: string;
  version_id: number;
  last_updated: string;
  head: string;
}

interface AuditRow {
  id: string;
  content: string;
}

const currentOf = (r: CurrentRow): TerminologyResource => parseStored<TerminologyResource>(r.content, `${r.resource_type}/${r.id}`);
const versionHeadOf = (r: HeadRow): VersionHead => headFromColumn(r.resource_type, r.id, parseStored<unknown[]>(r.head, `the head of ${r.resource_type}/${r.id}/_history/${r.version_id}`, Array.isArray));
const auditEventOf = (r: AuditRow): AuditEvent => parseStored<AuditEvent>(r.content, `AuditEvent/${r.id}`);

/**
 * Reads every row of a data file as the server reads it (the current versions, every version in the history and its
 * head, the audit log, the packages), one row at a time, so that a large file is not held in memory: throws
 * UnreadableRowError naming the first row the server could not read (damage SQLite's own checks do not see).
 */
export function readEveryRow(db: Database.Database): void {
  for (const r of db.prepare('SELECT resource_type, id, content FROM resource WHERE deleted = 0').iterate() as IterableIterator<CurrentRow>) currentOf(r);
  for (const r of db.prepare('SELECT * FROM resource_history').iterate() as IterableIterator<HistoryRow & { head?: string | null }>) {
    storedVersionOf(r);
    // a file of schema 6 or older has no head column (its migration computes the heads)
    if (typeof r.head === 'string') versionHeadOf(r as HeadRow);
  }
  for (const r of db.prepare('SELECT id, content FROM audit_event').iterate() as IterableIterator<AuditRow>) auditEventOf(r);
  for (const r of db.prepare('SELECT * FROM package').iterate() as IterableIterator<PackageRow>) packageFromRow(r);
}

export interface SqliteStoreOptions {
  /** Open read-only (tools that only inspect the data). */
  readonly?: boolean;
  /** While writes are refused (the disk full, the file not writable), how often readiness checks whether one would succeed again; default 5000 ms. */
  writeProbeIntervalMs?: number;
}

/** The answer to a write when the disk is full: 507, and readiness reports it (reads go on). */
function storeFull(): StoreProblem {
  return new StoreProblem('full', 'The store is full: the disk of the data folder has no space left, so nothing was written. ' +
    'Reads go on; writes work again once space has been freed.', {
    da: 'Lageret er fuldt: disken med datamappen har ikke mere plads, så intet blev skrevet. Læsning fortsætter; skrivning virker igen, når der er frigjort plads.',
  });
}

/** What became of the request a store's failure answers (a write's, a read's), or, for readiness, of writes from now on. */
type Outcome = 'write' | 'read' | 'ready';
const OUTCOME: Record<Outcome, { en: string; da: string }> = {
  write: { en: 'nothing was written', da: 'intet blev skrevet' },
  read: { en: 'the request could not be answered', da: 'forespørgslen kunne ikke besvares' },
  ready: { en: 'writes are refused until one succeeds again', da: 'skrivninger afvises, indtil en lykkes igen' },
};

/** The store's file cannot be written (its permissions, a read-only mount): 503, reads go on. */
function readOnly(cause: string, outcome: Outcome): StoreProblem {
  return new StoreProblem('unwritable', `The store's file cannot be written (${cause}): ${OUTCOME[outcome].en}. Reads go on; writes work again ` +
    'once the file and its folder are writable for the server', {
    da: `Lagerets fil kan ikke skrives (${cause}): ${OUTCOME[outcome].da}. Læsning fortsætter; skrivning virker igen, når filen og dens mappe kan skrives af serveren.`,
  });
}

/**
 * The disk of the store's file failed a read or a write (an I/O error, a file system that turned itself read-only):
 * 503. The file is not known to be damaged, so it is not to be replaced by a backup before the disk has been checked.
 */
function diskFailed(cause: string, outcome: Outcome): StoreProblem {
  return new StoreProblem('unwritable', `The store's disk failed (${cause}): ${OUTCOME[outcome].en}. The file is not known to be damaged: ` +
    'have the disk and its file system checked (the system log says more) before the server is restarted or anything is restored', {
    da: `Lagerets disk svigtede (${cause}): ${OUTCOME[outcome].da}. Filen vides ikke at være beskadiget: få disken og dens filsystem ` +
      'undersøgt (systemloggen siger mere), før serveren genstartes eller noget genskabes.',
  });
}

/**
 * The store's file is no longer the one its path names (deleted with its folder, moved, or another file put in its
 * place): what is written to the file the server has open is lost when it stops, so writes are refused (503).
 */
function fileMoved(file: string, outcome: Outcome): StoreProblem {
  const from = `/proc/${process.pid}/fd/`;
  return new StoreProblem('unwritable', `The store's file ${file} is no longer in the data folder (deleted, moved or replaced while the server ran): ` +
    `${OUTCOME[outcome].en}, as a write to it would be lost. Reads go on from the file the server still has open; what it holds is lost when ` +
    `the server stops unless it is first copied back with its -wal file (on Linux from ${from}), or moved back (writes then work again)`, {
    da: `Lagerets fil ${file} er ikke længere i datamappen (slettet, flyttet eller erstattet, mens serveren kørte): ${OUTCOME[outcome].da}, ` +
      'da en skrivning i den ville gå tabt. Læsning fortsætter fra filen, som serveren stadig har åben; det, den indeholder, går tabt, når ' +
      `serveren stopper, medmindre den først kopieres tilbage med sin -wal-fil (på Linux fra ${from}) eller flyttes tilbage (så virker skrivning igen).`,
  });
}

/** The device and inode of the file a path names now; undefined when it names none. */
function fileIdentity(file: string): { dev: number; ino: number } | undefined {
  try {
    const { dev, ino } = fs.statSync(file);
    return { dev, ino };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** A better-sqlite3 error's code (SQLITE_FULL, SQLITE_BUSY …). */
function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The embedded store: one SQLite file in the data folder, WAL journal, every write one transaction that updates
 * the current row and appends the history row. Safe for one server process per data folder; other processes
 * (the import tool) may write while no server runs.
 */
export class SqliteStore extends BaseStore implements TerminologyStore {
  private readonly db: Database.Database;
  readonly file: string;
  /** The data file the store opened (fileIdentity): a write checks that its path still names it. */
  private readonly identity: { dev: number; ino: number } | undefined;
  private readonly writeProbeIntervalMs: number;
  /**
   * Why writes are refused for now (the disk full, the file not writable), as readiness reports it: set by a write
   * that failed so, cleared by a write (or readiness's probe write) that succeeds.
   */
  private refusal?: { error: StoreProblem; probedAt: number };
  /**
   * Set by an I/O error, cleared by a write that succeeds: until then SQLite's "malformed" (and "readonly", from a file
   * system that turned itself read-only) means the disk failed, not that the file is damaged.
   */
  private diskFailing = false;
  /** The damage a read or write ran into: readiness reports it until the file is restored (a restart on it). */
  private damaged?: StoreProblem;
  protected readonly closures: SqliteClosureTables;
  /** Statements prepared once per SQL text (preparing costs more than running the small ones). */
  private readonly statements = new Map<string, Database.Statement>();

  /**
   * Opens (and creates when missing) the store in a data folder; not when a restore was interrupted after it moved
   * the data file away and before it put the backup in its place: an empty store would then stand in for both.
   */
  static open(dataDir: string, options: SqliteStoreOptions = {}): SqliteStore {
    if (!options.readonly) makeFolder(dataDir);
    const file = path.join(dataDir, SQLITE_FILE_NAME);
    if (!fs.existsSync(file) && fs.existsSync(`${file}${RESTORING_SUFFIX}`)) {
      throw new Error(`${dataDir} holds no ${SQLITE_FILE_NAME} but a ${SQLITE_FILE_NAME}${RESTORING_SUFFIX}: a restore was interrupted before it put ` +
        "the backup in place (the data file it replaced is in a before-restore-… folder beside it). Run the restore again, or move the file to serve " +
        `to ${file}`);
    }
    return new SqliteStore(file, options);
  }

  constructor(file: string, options: SqliteStoreOptions = {}) {
    super();
    this.file = file;
    this.writeProbeIntervalMs = options.writeProbeIntervalMs ?? 5000;
    this.db = new Database(file, { readonly: options.readonly === true, fileMustExist: options.readonly === true });
    this.identity = fileIdentity(file);
    this.db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      try {
        this.db.pragma('journal_mode = WAL');
        // FULL: a write is on disk when the transaction returns, so an acknowledged write survives a power cut too.
        this.db.pragma('synchronous = FULL');
        this.migrate();
        // SQLite opens a file it may not write read-only without saying so: a write that changes nothing finds out
        this.db.transaction(() => this.db.prepare("DELETE FROM resource WHERE resource_type = '~write-probe'").run()).immediate();
      } catch (e) {
        this.db.close();
        if (!sqliteCode(e)?.startsWith('SQLITE_READONLY')) throw e;
        throw new Error(`${file} cannot be written (${(e as Error).message}): the server keeps what users write there; ` +
          'make the file and its folder writable for the server\'s user', { cause: e });
      }
    }
    this.closures = new SqliteClosureTables(this.db, { read: (fn) => this.reading(fn), write: (fn) => this.writing(fn) });
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
    if (current < MIGRATIONS.length) this.compactAfterRebuild();
    const missing = TABLES.filter((t) => !this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t));
    if (missing.length > 0) {
      throw new Error(`${this.file} records schema version ${Math.max(current, MIGRATIONS.length)}, but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: ` +
        'the data file is damaged. Restore it from a backup, or move it away to start with an empty store.');
    }
  }

  /**
   * A migration that rebuilt a table left the old one's pages free (the file twice the size of its data): give them
   * back once. VACUUM writes a copy (in the temporary folder, then over the file) and changes nothing when it fails:
   * without the space or a writable temporary folder the file stays as it is, and later writes reuse those pages.
   */
  private compactAfterRebuild(): void {
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    if (free < 1024 || free < pages / 4) return;
    try {
      this.db.exec('VACUUM');
    } catch {
      // left as it was; a damaged file is found by the checks that follow, as without the compaction
    }
  }

  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) this.statements.set(sql, prepared = this.db.prepare(sql));
    return prepared;
  }

  async loadAll(): Promise<TerminologyResource[]> {
    return this.reading(() => (this.db.prepare('SELECT resource_type, id, content FROM resource WHERE deleted = 0 ORDER BY resource_type, id').all() as CurrentRow[])
      .map(currentOf));
  }

  async read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined> {
    return this.reading(() => {
      const row = this.statement('SELECT resource_type, id, content FROM resource WHERE resource_type = ? AND id = ? AND deleted = 0').get(type, id) as CurrentRow | undefined;
      return row ? currentOf(row) : undefined;
    });
  }

  async readVersion(type: TerminologyType, id: string, versionId: string): Promise<StoredVersion | undefined> {
    return this.storedVersion(type, id, versionId);
  }

  /** One version, read synchronously: for readVersion, and for versionLoader inside a request's synchronous code. */
  private storedVersion(type: TerminologyType, id: string, versionId: string): StoredVersion | undefined {
    const number = versionNumber(versionId);
    if (number === undefined) return undefined;
    return this.reading(() => {
      const row = this.statement('SELECT * FROM resource_history WHERE resource_type = ? AND id = ? AND version_id = ?').get(type, id, number) as HistoryRow | undefined;
      return row ? storedVersionOf(row) : undefined;
    });
  }

  async history(type: TerminologyType, id: string): Promise<StoredVersion[]> {
    return this.reading(() => (this.statement('SELECT * FROM resource_history WHERE resource_type = ? AND id = ? ORDER BY version_id DESC')
      .all(type, id) as HistoryRow[]).map((r) => storedVersionOf(r)));
  }

  async historyPage(query: HistoryQuery): Promise<HistoryPage> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.type !== undefined) { where.push('resource_type = ?'); args.push(query.type); }
    if (query.since !== undefined) { where.push('last_updated >= ?'); args.push(query.since); }
    if (query.until !== undefined) { where.push('last_updated <= ?'); args.push(query.until); }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const { matched, versions } = this.reading(() => ({
      matched: this.statement(`SELECT count(*) AS total, max(last_updated) AS newest FROM resource_history ${filter}`).get(...args) as { total: number; newest: string | null },
      versions: (this.statement(`SELECT * FROM resource_history ${filter}
        ORDER BY last_updated DESC, resource_type, id, version_id DESC LIMIT ? OFFSET ?`).all(...args, query.count, query.offset) as HistoryRow[]).map((r) => storedVersionOf(r)),
    }));
    const page: HistoryPage = { total: matched.total, versions };
    if (matched.newest !== null) page.newest = matched.newest;
    return page;
  }

  async apply(changes: WriteOperation[], gate?: CommitGate, audit?: AuditOfWrite): Promise<(StoredVersion | undefined)[]> {
    // one process writes the file at a time (the data folder's lock), so the newest version read here stays the newest
    const newest = this.reading(() => this.statement('SELECT last_updated FROM resource_history ORDER BY last_updated DESC LIMIT 1').get() as { last_updated: string } | undefined);
    const lastUpdated = writeInstant(newest?.last_updated);
    const selectState = this.statement('SELECT version_id, deleted FROM resource WHERE resource_type = ? AND id = ?');
    const upsert = this.statement(`INSERT INTO resource (resource_type, id, version_id, deleted, url, version, last_updated, content)
      VALUES (@resource_type, @id, @version_id, @deleted, @url, @version, @last_updated, @content)
      ON CONFLICT (resource_type, id) DO UPDATE SET version_id = excluded.version_id, deleted = excluded.deleted, url = excluded.url,
        version = excluded.version, last_updated = excluded.last_updated, content = excluded.content`);
    const insertHistory = this.statement(`INSERT INTO resource_history (resource_type, id, version_id, method, request_method, last_updated, content)
      VALUES (?, ?, ?, ?, ?, ?, ?)`);
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
        insertHistory.run(resourceType, id, planned.versionId, planned.method, planned.requestMethod, lastUpdated, content);
        results.push(toStoredVersion(planned, lastUpdated));
      }
      if (audit) this.insertAudit(audit(results));
      return results;
    });
    // Synchronous from here to the commit: the gate decides now.
    if (gate && !gate.enterCommit()) throw abandonedWrite();
    // IMMEDIATE takes the write lock at the start, so two writers never both read the same version and race.
    return this.committed(() => run.immediate(changes));
  }


  // --- Past versions and the audit log (who changed what) ---

  async loadHistory(): Promise<WrittenVersion[]> {
    // the head as SQLite computed it when the version was written (HISTORY_HEAD); the resource is parsed only when a
    // request needs it (src/store/past-version.ts)
    return this.reading(() => (this.db.prepare(`SELECT resource_type, id, version_id, last_updated, head
      FROM resource_history WHERE content IS NOT NULL`).all() as HeadRow[]).map((r) => ({
      head: versionHeadOf(r),
      lastUpdated: r.last_updated,
      load: this.versionLoader(r.resource_type, r.id, String(r.version_id)),
    })));
  }

  async loadDeletions(): Promise<Deletion[]> {
    const rows = this.reading(() => this.db.prepare(`SELECT resource_type, id, last_updated FROM resource_history WHERE content IS NULL`)
      .all() as { resource_type: TerminologyType; id: string; last_updated: string }[]);
    return rows.map((r) => ({ resourceType: r.resource_type, id: r.id, deletedAt: r.last_updated }));
  }

  versionLoader(type: TerminologyType, id: string, versionId: string): () => TerminologyResource {
    return syncVersionLoader(() => this.storedVersion(type, id, versionId), type, id, versionId);
  }

  private insertAudit(record: AuditRecord): void {
    this.statement('INSERT INTO audit_event (id, recorded, owners, agents, entities, content) VALUES (?, ?, ?, ?, ?, ?)')
      .run(record.event.id, record.event.recorded, joinKeys(record.owners), joinKeys(record.agents), joinKeys(record.entities), JSON.stringify(record.event));
  }

  async recordAudit(record: AuditRecord): Promise<void> {
    this.writing(() => this.insertAudit(record));
  }

  async searchAudit(q: AuditQuery): Promise<AuditPage> {
    const values: unknown[] = [];
    const filter = auditFilter(q, (column, param) => `instr(${column}, ${param}) > 0`, (value) => {
      values.push(value);
      return '?';
    });
    return this.reading(() => ({
      total: (this.db.prepare(`SELECT count(*) AS total FROM audit_event ${filter}`).get(...values) as { total: number }).total,
      events: (this.db.prepare(`SELECT id, content FROM audit_event ${filter} ${auditOrder(q)} LIMIT ? OFFSET ?`)
        .all(...values, q.count, q.offset) as AuditRow[]).map(auditEventOf),
    }));
  }

  /**
   * The store's own failures as answers, never a 500: a full disk (507), another process's lock (503), a file that
   * cannot be written, a disk that fails or a damaged file (503 `no-store`, for the operators to fix); anything else as
   * it is. What keeps writes from succeeding is kept for readiness.
   */
  private failure(e: unknown, writing: boolean): unknown {
    const code = sqliteCode(e) ?? '';
    // the driver's own text: its error need not be an instance of this module's Error (a test worker keeps the driver loaded across test files)
    const message = (e as { message?: unknown } | null)?.message;
    const cause = typeof message === 'string' ? message : String(e);
    const outcome = writing ? 'write' : 'read';
    if (e instanceof UnreadableRowError) return this.foundDamage(cause, outcome);
    if (code === 'SQLITE_FULL') return this.refuseWrites(storeFull(), storeFull());
    if (code === 'SQLITE_BUSY') {
      return new FhirError(503, 'lock-error', 'Another process held the store\'s write lock too long; nothing was written, try again', {
        da: 'En anden proces holdt lagerets skrivelås for længe; intet blev skrevet, prøv igen.',
      });
    }
    if (code.startsWith('SQLITE_IOERR')) this.diskFailing = true;
    const readonly = code.startsWith('SQLITE_READONLY');
    const damage = code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB';
    if (this.diskFailing && (code.startsWith('SQLITE_IOERR') || readonly || damage)) return this.refuseWrites(diskFailed(cause, outcome), diskFailed(cause, 'ready'));
    if (readonly) return this.refuseWrites(readOnly(cause, outcome), readOnly(cause, 'ready'));
    if (damage) return this.foundDamage(cause, outcome);
    return e;
  }

  /** The answer to a request that met damage in the file (`cause`), which readiness reports from then on. */
  private foundDamage(cause: string, outcome: Outcome): StoreProblem {
    this.damaged ??= new StoreProblem('damaged', `The store's file is damaged (${cause}): it must be restored from a backup`, {
      da: `Lagerets fil er beskadiget (${cause}): den skal genskabes fra en sikkerhedskopi.`,
    });
    return new StoreProblem('damaged', `The store's file is damaged (${cause}): ${OUTCOME[outcome].en}. It must be restored from a backup`, {
      da: `Lagerets fil er beskadiget (${cause}): ${OUTCOME[outcome].da}. Den skal genskabes fra en sikkerhedskopi.`,
    });
  }

  /** Answers a failed write with `answer`, and refuses writes (readiness says so with `ready`) until one succeeds. */
  private refuseWrites(answer: StoreProblem, ready: StoreProblem): StoreProblem {
    this.refusal = { error: ready, probedAt: Date.now() };
    return answer;
  }

  /** Commits a write transaction (`commit`: the transaction run), its failures answered as the store's. */
  private committed<T>(commit: () => T): T {
    const moved = this.movedAway();
    if (moved) throw moved;
    let result: T;
    try {
      result = commit();
    } catch (e) {
      throw this.failure(e, true);
    }
    this.refusal = undefined;
    this.diskFailing = false;
    return result;
  }

  /**
   * The answer to a write when the data file is no longer the one the store opened (deleted, moved or replaced), and
   * from then writes are refused; undefined while it is in its place. A stat of the path: per write and readiness check,
   * not per read.
   */
  private movedAway(): StoreProblem | undefined {
    let now: { dev: number; ino: number } | undefined;
    try {
      now = fileIdentity(this.file);
    } catch (e) {
      const cause = (e as Error).message;
      return this.refuseWrites(readOnly(cause, 'write'), readOnly(cause, 'ready'));
    }
    if (now && this.identity && now.dev === this.identity.dev && now.ino === this.identity.ino) return undefined;
    return this.refuseWrites(fileMoved(this.file, 'write'), fileMoved(this.file, 'ready'));
  }

  /** A write as one IMMEDIATE transaction, its failures answered as the store's. */
  private writing<T>(write: () => T): T {
    return this.committed(() => this.db.transaction(write).immediate());
  }

  /** A read, its failures answered as the store's (a damaged file: 503, not 500). */
  private reading<T>(read: () => T): T {
    try {
      return read();
    } catch (e) {
      throw this.failure(e, false);
    }
  }

  /**
   * Whether a write would succeed again (find space, reach the disk), without changing anything a reader sees: a row
   * of 64 KB is written and deleted in one transaction (its pages allocated and the commit written to disk). Its
   * failure is kept as a write's is.
   */
  private probeWrite(): void {
    this.refusal!.probedAt = Date.now();
    try {
      this.writing(() => {
        this.db.prepare(`INSERT INTO resource (resource_type, id, version_id, deleted, last_updated, content) VALUES ('~write-probe', 'probe', 1, 1, '', ?)`)
          .run('x'.repeat(64 * 1024));
        this.db.prepare("DELETE FROM resource WHERE resource_type = '~write-probe'").run();
      });
    } catch (e) {
      if (!(e instanceof FhirError)) throw e;
    }
  }

  async ping(): Promise<void> {
    if (this.damaged) throw this.damaged;
    this.db.prepare('SELECT 1').get();
    if (!this.refusal) this.movedAway();
    else if (Date.now() - this.refusal.probedAt >= this.writeProbeIntervalMs) this.probeWrite();
    if (this.damaged) throw this.damaged;
    if (this.refusal) throw this.refusal.error;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ---- FHIR packages loaded at run time ----
  async savePackage(pkg: PackageRecord, commit: PackageCommit = {}): Promise<StoredPackage> {
    const loadedAt = nowInstant();
    const { fhirVersion, dependencies, content } = packageContent(pkg);
    const save = this.db.transaction(() => {
      const inserted = this.db.prepare(`INSERT INTO package (name, version, fhir_version, dependencies, content, loaded_at, loaded_by)
        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, version) DO NOTHING`).run(pkg.name, pkg.version, fhirVersion, dependencies, content, loadedAt, pkg.loadedBy ?? null);
      if (inserted.changes !== 1) throw packageAlreadyLoaded(pkg.name, pkg.version);
      if (commit.audit) this.insertAudit(commit.audit(loadedAt));
    });
    // Synchronous from here to the commit, as apply's: the gate decides now.
    if (commit.gate && !commit.gate.enterCommit()) throw abandonedWrite();
    this.committed(() => save.immediate());
    return packageFromRow({ name: pkg.name, version: pkg.version, fhir_version: fhirVersion, dependencies, content, loaded_at: loadedAt, loaded_by: pkg.loadedBy ?? null });
  }

  async listPackages(): Promise<StoredPackage[]> {
    return this.reading(() => (this.db.prepare('SELECT name, version, fhir_version, dependencies, content, loaded_at, loaded_by FROM package ORDER BY rowid')
      .all() as PackageRow[]).map(packageFromRow));
  }

  async unloadPackage(name: string, version: string, by?: string, commit: PackageCommit = {}): Promise<PackageUnload> {
    const unloadedAt = nowInstant();
    const unload = this.db.transaction((): string => {
      const loaded = this.db.prepare('SELECT loaded_at FROM package WHERE name = ? AND version = ?').get(name, version) as { loaded_at: string } | undefined;
      if (loaded === undefined) throw packageNotLoaded(name, version);
      this.db.prepare('DELETE FROM package WHERE name = ? AND version = ?').run(name, version);
      if (commit.audit) this.insertAudit(commit.audit(unloadedAt));
      return loaded.loaded_at;
    });
    if (commit.gate && !commit.gate.enterCommit()) throw abandonedWrite();
    const loadedAt = this.committed(() => unload.immediate());
    return { name, version, loadedAt, unloadedAt, ...(by ? { unloadedBy: by } : {}) };
  }
}
