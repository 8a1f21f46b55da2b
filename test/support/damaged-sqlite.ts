import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_FILE_NAME, type SqliteStore } from '../../src/store/sqlite-store';

/** Damages one table of the embedded store in `dir` (closed): the page type of the table's root page made invalid. */
export function damageTable(dir: string, table: string): void {
  const file = path.join(dir, SQLITE_FILE_NAME);
  const db = new Database(file, { readonly: true });
  const { rootpage } = db.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').get(table) as { rootpage: number };
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.from([0xff]), 0, 1, (rootpage - 1) * pageSize);
  fs.closeSync(fd);
}

/**
 * Damages the text of rows of a data file (closed; a data folder: its store's) where SQLite's checks do not look, as a
 * flipped bit on the disk does: the byte after each `marker` in the file made `#`.
 */
export function damageText(fileOrDir: string, marker: string): void {
  const file = fs.statSync(fileOrDir).isDirectory() ? path.join(fileOrDir, SQLITE_FILE_NAME) : fileOrDir;
  const bytes = fs.readFileSync(file);
  let at = bytes.indexOf(marker);
  if (at < 0) throw new Error(`${file} does not hold ${marker}`);
  for (; at >= 0; at = bytes.indexOf(marker, at + 1)) bytes[at + Buffer.byteLength(marker)] = '#'.charCodeAt(0);
  fs.writeFileSync(file, bytes);
}

/**
 * The store's connection failing its write transactions as SQLite does on a disk that gives I/O errors (the driver's
 * own error, with `code`); the function returned makes them work again.
 */
export function failWrites(store: SqliteStore, code = 'SQLITE_IOERR_WRITE'): () => void {
  const db = (store as unknown as { db: Database.Database }).db;
  const transaction = db.transaction;
  const fail = (): never => {
    throw new Database.SqliteError('disk I/O error', code);
  };
  db.transaction = (() => Object.assign(fail, { immediate: fail, deferred: fail, exclusive: fail, default: fail })) as unknown as typeof db.transaction;
  return () => {
    db.transaction = transaction;
  };
}
