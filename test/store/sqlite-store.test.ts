import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SQLITE_FILE_NAME, SqliteStore } from '../../src/store/sqlite-store';
import { describeStoreContract } from './store-contract';

const dirs: string[] = [];
const dirOf = new WeakMap<object, string>();

function freshDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-store-'));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describeStoreContract('SqliteStore', {
  create: async () => {
    const dir = freshDir();
    const store = SqliteStore.open(dir);
    dirOf.set(store, dir);
    return store;
  },
  reopen: async (previous) => {
    const dir = dirOf.get(previous)!;
    await previous.close();
    return SqliteStore.open(dir);
  },
});

describe('SqliteStore specifics', () => {
  it('creates the data folder, uses WAL and writes the resource row and the history row together', async () => {
    const dir = path.join(freshDir(), 'nested', 'data');
    const store = SqliteStore.open(dir);
    await store.create({ resourceType: 'CodeSystem', id: 'a', url: 'http://example.org/a', status: 'active', content: 'complete' });
    await store.close();
    const db = new Database(path.join(dir, SQLITE_FILE_NAME), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT count(*) AS n FROM resource').get()).toEqual({ n: 1 });
      expect(db.prepare('SELECT count(*) AS n FROM resource_history').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
  });

  it('refuses a data file written by a newer schema', async () => {
    const dir = freshDir();
    await SqliteStore.open(dir).close();
    const db = new Database(path.join(dir, SQLITE_FILE_NAME));
    db.pragma('user_version = 99');
    db.close();
    expect(() => SqliteStore.open(dir)).toThrow(/schema version 99/);
  });

  it('refuses, with a message, a data file whose schema version is recorded but whose tables are missing', async () => {
    const dir = freshDir();
    await SqliteStore.open(dir).close();
    const db = new Database(path.join(dir, SQLITE_FILE_NAME));
    db.exec('DROP TABLE resource_history');
    db.close();
    expect(() => SqliteStore.open(dir)).toThrow(/records schema version \d+, but resource_history is missing: the data file is damaged/);
  });

  it('a write another process holds the lock for too long is 503 lock-error, nothing written', async () => {
    const dir = freshDir();
    const store = SqliteStore.open(dir);
    // The store's wait for the lock (5 s) shortened for the test.
    (store as unknown as { db: Database.Database }).db.pragma('busy_timeout = 50');
    const other = new Database(path.join(dir, SQLITE_FILE_NAME));
    try {
      other.exec('BEGIN IMMEDIATE');
      await expect(store.create({ resourceType: 'CodeSystem', id: 'busy', status: 'active', content: 'complete' }))
        .rejects.toMatchObject({ status: 503, code: 'lock-error' });
      other.exec('ROLLBACK');
      expect(await store.history('CodeSystem', 'busy')).toEqual([]);
    } finally {
      other.close();
      await store.close();
    }
  });
});
