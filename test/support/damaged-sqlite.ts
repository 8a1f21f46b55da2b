import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_FILE_NAME } from '../../src/store/sqlite-store';

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
