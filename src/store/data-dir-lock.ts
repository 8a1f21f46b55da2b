import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeFolder } from './make-folder';

/**
 * A server keeps the resources it serves in memory, so a second process writing to the same data folder would
 * not be seen until the server restarts. The server holds an exclusive SQLite lock on DATA_DIR/server.lock for as
 * long as it runs (the operating system releases it when the process ends, however it ends, so a crash leaves
 * nothing stale), and records its pid in DATA_DIR/server.pid for the messages; tools that write to the embedded store
 * refuse to while a server holds the lock, and hold it themselves while they write (no server starts meanwhile).
 */
export const LOCK_FILE = 'server.lock';
export const PID_FILE = 'server.pid';

/** The lock of the data folder, or undefined when another process holds it. The file stays: deleting it would let two hold a lock, each on its own file. */
function takeLock(dataDir: string): Database.Database | undefined {
  const file = path.join(dataDir, LOCK_FILE);
  let db: Database.Database;
  try {
    db = new Database(file, { timeout: 0 });
  } catch (e) {
    throw new Error(`Cannot open ${file} (${(e as Error).message}): the server needs to write its data folder`, { cause: e });
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (e) {
    db.close();
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY') return undefined;
    throw e;
  }
}

function recordedPid(dataDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, PID_FILE), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a server uses the data folder, with its pid when it has recorded it (a pid file without the lock held is stale, and ignored). */
export function serverUsing(dataDir: string): { pid?: number } | undefined {
  if (!fs.existsSync(path.join(dataDir, LOCK_FILE))) return undefined;
  const lock = takeLock(dataDir);
  if (lock) {
    lock.close();
    return undefined;
  }
  const pid = recordedPid(dataDir);
  return pid !== undefined ? { pid } : {};
}

/**
 * Holds the data folder's lock for a tool that writes the embedded store; returns the release function, or undefined
 * when another process holds it. Run as root (sudo), the tool gives the lock file and `files` it made (the data file
 * of a new store) the folder's owner on release, so that the server's user can still open them.
 */
export function holdDataDir(dataDir: string, files: readonly string[] = []): (() => void) | undefined {
  makeFolder(dataDir);
  const lock = takeLock(dataDir);
  return lock && (() => {
    if (lock.open) lock.close();
    if (process.getuid?.() === 0) giveToFolderOwner(dataDir, [LOCK_FILE, ...files]);
  });
}

/** Gives the files of `dataDir` named that root owns the folder's owner (when that is not root). */
function giveToFolderOwner(dataDir: string, names: readonly string[]): void {
  const folder = fs.statSync(dataDir);
  if (folder.uid === 0) return;
  for (const name of names) {
    const file = path.join(dataDir, name);
    try {
      if (fs.statSync(file).uid === 0) fs.chownSync(file, folder.uid, folder.gid);
    } catch {
      // not there
    }
  }
}

/** Claims the data folder for this server process; returns the release function. */
export function claimDataDir(dataDir: string): () => void {
  makeFolder(dataDir);
  const lock = takeLock(dataDir);
  if (!lock) {
    const pid = recordedPid(dataDir);
    throw new Error(pid !== undefined ? `Another server (pid ${pid}) uses the data folder ${dataDir}`
      : `Another process (a server, or an import into the embedded store) uses the data folder ${dataDir}`);
  }
  const file = path.join(dataDir, PID_FILE);
  fs.writeFileSync(file, `${process.pid}\n`);
  return () => {
    try {
      if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.unlinkSync(file);
    } catch {
      // already gone
    }
    if (lock.open) lock.close();
  };
}
