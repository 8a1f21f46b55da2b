import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { claimDataDir, PID_FILE, serverUsing } from '../../src/store/data-dir-lock';
import { SQLITE_FILE_NAME, SqliteStore } from '../../src/store/sqlite-store';
import { describeStoreContract } from './store-contract';
import { damageTable } from '../support/damaged-sqlite';

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

describe('SqliteStore: a file it cannot write, a damaged file', () => {
  const dbOf = (store: SqliteStore) => (store as unknown as { db: Database.Database }).db;
  const cs = (id: string) => ({ resourceType: 'CodeSystem' as const, id, url: `http://example.org/${id}`, status: 'active' as const, content: 'complete' as const });

  it('a file that became read-only: writes are 503 no-store saying nothing was written (never a 500), reads go on', async () => {
    const store = SqliteStore.open(freshDir());
    try {
      await store.create(cs('before'));
      // what SQLite does with a file it may not write (its permissions, a read-only mount): the same error
      dbOf(store).pragma('query_only = ON');
      const refused = { status: 503, code: 'no-store', message: expect.stringMatching(/^The store's file cannot be written \(attempt to write a readonly database\): nothing was written/) };
      await expect(store.create(cs('after'))).rejects.toMatchObject(refused);
      await expect(store.savePackage({ name: 'p', version: '1.0.0', fhirVersion: '4.0.1', dependencies: {}, resources: [] })).rejects.toMatchObject(refused);
      await expect(store.initClosureTable('c', 10)).rejects.toMatchObject(refused);
      expect((await store.read('CodeSystem', 'before'))?.id).toBe('before');
    } finally {
      await store.close();
    }
  });

  it('a damaged table is not read at start; reading it is 503 no-store naming the damage (never a 500), the rest works', async () => {
    const dir = freshDir();
    const store = SqliteStore.open(dir);
    await store.create(cs('kept'));
    await store.recordAudit({ event: { resourceType: 'AuditEvent', id: 'e1', recorded: '2026-01-01T00:00:00.000Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } } }, owners: [], agents: [], entities: [] });
    await store.close();
    damageTable(dir, 'audit_event');

    const damaged = SqliteStore.open(dir);
    try {
      const answer = { status: 503, code: 'no-store', message: expect.stringMatching(/^The store's file is damaged \(database disk image is malformed\): the request could not be answered\. It must be restored from a backup$/) };
      await expect(damaged.searchAudit({ offset: 0, count: 10 })).rejects.toMatchObject(answer);
      await expect(damaged.create(cs('new'))).resolves.toMatchObject({ versionId: '1' });
      await expect(damaged.recordAudit({ event: { resourceType: 'AuditEvent', id: 'e2', recorded: '2026-01-02T00:00:00.000Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } } }, owners: [], agents: [], entities: [] }))
        .rejects.toMatchObject({ status: 503, code: 'no-store', message: expect.stringContaining('nothing was written') });
      expect((await damaged.read('CodeSystem', 'kept'))?.id).toBe('kept');
    } finally {
      await damaged.close();
    }
  });
});

describe('the data folder: one server at a time', () => {
  it('is held by a lock while the server runs, not by its pid file: a stale pid file naming a live process does not hold it', () => {
    const dir = freshDir();
    // the pid of a server killed with SIGKILL, since given to another process
    fs.writeFileSync(path.join(dir, PID_FILE), `${process.ppid}\n`);
    expect(serverUsing(dir)).toBeUndefined();
    const release = claimDataDir(dir);
    try {
      expect(serverUsing(dir)).toEqual({ pid: process.pid });
      expect(() => claimDataDir(dir)).toThrow(`Another server (pid ${process.pid}) uses the data folder ${dir}`);
    } finally {
      release();
    }
    expect(fs.existsSync(path.join(dir, PID_FILE))).toBe(false);
    expect(serverUsing(dir)).toBeUndefined();
    claimDataDir(dir)();
  });
});
