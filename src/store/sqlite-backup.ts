import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { AuditRecord } from './audit-log';
import { holdDataDir, serverUsing } from './data-dir-lock';
import { makeFolder } from './make-folder';
import { MIGRATIONS, readEveryRow, RESTORING_SUFFIX, SQLITE_FILE_NAME, SqliteStore } from './sqlite-store';
import { UnreadableRowError } from './store-support';

/** What a backup file holds, counted in it after it was written (or before it was restored). */
export interface BackupContents {
  /** The schema version the file records (PRAGMA user_version). */
  schemaVersion: number;
  /** Resources written and not deleted (their current versions). */
  resources: number;
  /** Every version written, deleted ones included. */
  versions: number;
  auditEvents: number;
  packages: number;
}

export interface BackupResult extends BackupContents {
  file: string;
  bytes: number;
  /** The older backups of the folder removed to keep `keep` (their paths), oldest first. */
  removed: string[];
}

export interface RestoreResult extends BackupContents {
  /** Where the data file the restore replaced was moved, with its journal files; undefined when there was none. */
  replacedDir?: string;
}

/** What the restore's AuditEvent is made from: the backup restored, and where the data file it replaces goes. */
export interface RestoreAudit {
  backup: string;
  contents: BackupContents;
  replacedDir?: string;
  at: string;
}

/** A backup or restore that cannot be done; nothing was changed. `status` is the tool's exit status. */
export class BackupError extends Error {
  constructor(message: string, readonly status: 1 | 2 = 1, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The name of a backup file made at `at`, as the tool names it in a folder it is given. */
export function backupFileName(at: Date): string {
  return `faelles-tx-${at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '-')}.sqlite`;
}

/** The names backupFileName gives (and no other file's): they sort by time. */
const BACKUP_FILE_NAME = /^faelles-tx-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.sqlite$/;

/**
 * Copies the embedded store of `dataDir` into `out` (a file that must not exist, or a folder to make a dated file in)
 * while a server may be running on it: `VACUUM INTO` reads one consistent snapshot in a read transaction, which WAL
 * lets the server's writes go on beside, and writes a compact copy without the journal. The copy is written under
 * a name of its own beside its final one, checked (`quick_check`, its schema, every row read as the server reads it) and synced, then given
 * its final name only where no file has it, so `out` is never a half-written file nor one that was there.
 */
export function backupSqliteStore(dataDir: string, out: string, options: { now?: Date; keep?: number } = {}): BackupResult {
  const now = options.now ?? new Date();
  const source = path.join(dataDir, SQLITE_FILE_NAME);
  if (!fs.existsSync(source)) throw new BackupError(`There is no embedded store in ${dataDir} (no ${SQLITE_FILE_NAME}): nothing to back up`, 2);
  const intoFolder = isFolder(out);
  if (options.keep !== undefined && !intoFolder) throw new BackupError('Keeping the newest backups needs a folder to write into, not a file', 2);
  const target = intoFolder ? path.join(out, backupFileName(now)) : path.resolve(out);
  if (fs.existsSync(target)) throw new BackupError(`${target} exists already: a backup never overwrites a file`, 2);
  if (!isFolder(path.dirname(target))) throw new BackupError(`The folder ${path.dirname(target)} does not exist`, 2);
  // a name of this backup's own: another backup of the same second (cron and a run by hand) writes its own beside it
  const partial = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    withDatabase(source, { fileMustExist: true }, (db) => {
      db.pragma('busy_timeout = 5000');
      db.prepare('VACUUM INTO ?').run(partial);
    });
    ownerOnly(partial);
    const contents = checkedContents(partial, source);
    syncFile(partial);
    nameWithoutReplacing(partial, target);
    syncFolder(path.dirname(target));
    const removed = options.keep !== undefined ? pruneBackups(path.dirname(target), options.keep) : [];
    return { file: target, bytes: fs.statSync(target).size, ...contents, removed };
  } catch (e) {
    fs.rmSync(partial, { force: true });
    if (e instanceof BackupError) throw e;
    throw new BackupError(`The backup of ${source} failed: ${(e as Error).message}${damageHint(e, source)}`, 1, { cause: e });
  }
}

/**
 * Gives the finished file `from` the name `target`, unless a file has that name by now (another backup of the same
 * second, or anything made there since the tool looked): a hard link is made only where no file is, where a rename
 * would replace it. A file system without hard links (a FAT disk, some network shares) gets the rename after a last look.
 */
function nameWithoutReplacing(from: string, target: string): void {
  try {
    fs.linkSync(from, target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw madeMeanwhile(target);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw e;
    if (fs.existsSync(target)) throw madeMeanwhile(target);
    fs.renameSync(from, target);
    return;
  }
  fs.rmSync(from);
}

function madeMeanwhile(target: string): BackupError {
  return new BackupError(`${target} was made while this backup ran (by another backup at the same time?): a backup never overwrites a file, so this one was not kept`);
}

/**
 * Makes a backup readable by its owner only: the audit log names the people who wrote. Where the file system has no
 * such modes (a network share mounted without them), the share's own permissions apply and the backup is kept.
 */
function ownerOnly(file: string): void {
  try {
    fs.chmodSync(file, 0o600);
  } catch {
    // the share decides
  }
}

/**
 * Removes the backups of `folder` (the files this tool names, no other) but the newest `keep`, after a new one was
 * made there; the paths of those removed, oldest first.
 */
function pruneBackups(folder: string, keep: number): string[] {
  const backups = fs.readdirSync(folder).filter((name) => BACKUP_FILE_NAME.test(name)).sort();
  const older = backups.slice(0, Math.max(0, backups.length - keep)).map((name) => path.join(folder, name));
  // one that cannot be removed (its permissions) stays, and is not reported removed: the new backup is made all the same
  return older.filter((file) => {
    try {
      fs.rmSync(file);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Makes the embedded store of `dataDir` the one in the backup `from`, with no server running on it (the data folder's
 * lock is held meanwhile, so none starts). The backup is copied into the data folder under another name, checked
 * there, opened as a store (which brings an older schema up to this build's) and read as the server reads it at
 * start, and the restore's AuditEvent (`audit`) recorded in it; only then is the current data file moved into a folder
 * of its own beside it (`before-restore-…`, with its journal files, checkpointed first when it can be), and the copy
 * renamed into its place. A backup that fails a check changes nothing (a copy an interrupted restore left waiting stays as it was).
 */
export async function restoreSqliteStore(dataDir: string, from: string, options: { now?: Date; audit?: (restore: RestoreAudit) => AuditRecord } = {}): Promise<RestoreResult> {
  const now = options.now ?? new Date();
  const backup = path.resolve(from);
  if (!fs.existsSync(backup) || isFolder(backup)) throw new BackupError(`${backup} is not a file`, 2);
  const release = holdDataDir(dataDir);
  if (!release) throw new BackupError(serverRunning(dataDir, serverUsing(dataDir)?.pid), 2);
  const live = path.join(dataDir, SQLITE_FILE_NAME);
  const staged = path.join(dataDir, `${SQLITE_FILE_NAME}${RESTORING_SUFFIX}`);
  const replaced = [live, `${live}-wal`, `${live}-shm`].some((f) => fs.existsSync(f));
  const aside = replaced ? unusedName(path.join(dataDir, `before-restore-${backupFileName(now).replace(/^faelles-tx-|\.sqlite$/g, '')}`)) : undefined;
  // The copy is checked under a name of its own, and takes the name `staged` only once it has passed: a copy left
  // there by a restore interrupted after it moved the data file away is the data folder's only store until then.
  const checking = `${staged}.partial`;
  try {
    removeWithJournals(checking);
    let contents: BackupContents;
    try {
      // a copy is read, never the backup itself: SQLite would leave journal files beside it
      fs.copyFileSync(backup, checking);
      contents = checkedContents(checking, backup);
      // opened as the server opens it: WAL, the migrations this build has, its tables checked, a write tried
      const store = new SqliteStore(checking);
      try {
        // and read as the server reads it at start: a backup whose rows it could not read would stop the server
        await store.loadAll();
        await store.loadHistory();
        await store.loadDeletions();
        await store.listPackages();
        // the restore's own event, in the restored file: its audit log says what happened to it and where the rest went
        if (options.audit) await store.recordAudit(options.audit({ backup, contents, replacedDir: aside, at: now.toISOString() }));
      } finally {
        await store.close();
      }
      if (fs.existsSync(`${checking}-wal`)) throw new Error('the restored copy kept a write-ahead log after it was closed');
      takeOwnership(checking, fs.existsSync(live) ? live : dataDir);
      syncFile(checking);
    } catch (e) {
      removeWithJournals(checking);
      if (e instanceof BackupError) throw e;
      throw new BackupError(`${backup} could not be restored: ${(e as Error).message}; the data folder is as it was`, 1, { cause: e });
    }
    fs.renameSync(checking, staged);
    if (aside) moveAside(live, aside);
    fs.renameSync(staged, live);
    syncFolder(dataDir);
    return { ...contents, ...(aside ? { replacedDir: aside } : {}) };
  } finally {
    release();
  }
}

/**
 * Gives the restored file the mode of the file it replaces (or, in an empty data folder, read and write for the
 * folder's owner only) and, when the restore runs as root, that file's (or folder's) owner: a restore run with sudo
 * must not leave a data file the server's user cannot open.
 */
function takeOwnership(file: string, like: string): void {
  const was = fs.statSync(like);
  fs.chmodSync(file, was.isDirectory() ? 0o600 : was.mode & 0o777);
  if (process.getuid?.() === 0) fs.chownSync(file, was.uid, was.gid);
}

/**
 * The schema version and row counts of a data file, after SQLite's quick check of it and a read of every row as the
 * server reads it (a row at a time); refused when it is damaged or no store of this build's. `name`: the file it
 * stands for in messages.
 */
function checkedContents(file: string, name = file): BackupContents {
  try {
    return withDatabase(file, { readonly: true, fileMustExist: true }, (db) => {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`${name} is damaged (SQLite's check: ${String(check).slice(0, 200)})`);
      const schemaVersion = db.pragma('user_version', { simple: true }) as number;
      if (schemaVersion < 1) throw new BackupError(`${name} is not a data file of this server (it records no schema version)`, 2);
      if (schemaVersion > MIGRATIONS.length) {
        throw new BackupError(`${name} has schema version ${schemaVersion}, written by a newer build; this build knows ${MIGRATIONS.length}. Use a newer build.`, 2);
      }
      try {
        readEveryRow(db);
      } catch (e) {
        if (e instanceof UnreadableRowError) throw new BackupError(`${name} is damaged (${e.message}): it holds a row the server could not read`);
        throw e;
      }
      const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
      return {
        schemaVersion,
        resources: count('SELECT count(*) AS n FROM resource WHERE deleted = 0'),
        versions: count('SELECT count(*) AS n FROM resource_history'),
        auditEvents: count('SELECT count(*) AS n FROM audit_event'),
        packages: count('SELECT count(*) AS n FROM package'),
      };
    });
  } catch (e) {
    if (e instanceof BackupError) throw e;
    throw new BackupError(`${name} is not a data file of this server: ${(e as Error).message}`, 2, { cause: e });
  }
}

/**
 * Moves a data file and its journal files into `dir` (made for them), after writing what its log holds into the file
 * when SQLite can (a damaged file is moved as it is, its log beside it). The log goes first: a log left beside the
 * file renamed into the data file's place would be read as that file's.
 */
function moveAside(live: string, dir: string): void {
  if (fs.existsSync(live)) {
    try {
      withDatabase(live, { fileMustExist: true }, (db) => db.pragma('wal_checkpoint(TRUNCATE)'));
    } catch {
      // damaged: moved as it is
    }
  }
  makeFolder(dir);
  for (const file of [`${live}-wal`, `${live}-shm`, live]) {
    if (fs.existsSync(file)) fs.renameSync(file, path.join(dir, path.basename(file)));
  }
  syncFolder(dir);
}

/** `name`, or `name-2`, `name-3` … when it is taken (two restores in one second keep both files they replaced). */
function unusedName(name: string): string {
  let candidate = name;
  for (let n = 2; fs.existsSync(candidate); n++) candidate = `${name}-${n}`;
  return candidate;
}

function removeWithJournals(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
}

function withDatabase<T>(file: string, options: Database.Options, use: (db: Database.Database) => T): T {
  const db = new Database(file, options);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

function serverRunning(dataDir: string, pid: number | undefined): string {
  return `A server${pid !== undefined ? ` (pid ${pid})` : ' or another tool'} uses the data folder ${dataDir}: stop it before restoring`;
}

function damageHint(e: unknown, file: string): string {
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' ? ` (${file} is damaged: restore it from an earlier backup)` : '';
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function syncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename in `dir` durable (where the platform lets a folder be synced). */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
