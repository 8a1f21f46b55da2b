import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { claimDataDir, PID_FILE, serverUsing } from '../../src/store/data-dir-lock';
import { storeReadiness } from '../../src/store/readiness';
import { MIGRATIONS, SQLITE_FILE_NAME, SqliteStore } from '../../src/store/sqlite-store';
import { describeStoreContract } from './store-contract';
import { damageTable, damageText, failWrites } from '../support/damaged-sqlite';
import { temporaryFolders } from '../support/temporary-folders';

const freshDir = temporaryFolders('faelles-tx-store-');
const dirOf = new WeakMap<object, string>();

/** A data file in `dir` as a build of schema 6 left it (the resource tables WITHOUT ROWID), filled by `fill`. */
function schema6File(dir: string, fill: (db: Database.Database) => void): void {
  const db = new Database(path.join(dir, SQLITE_FILE_NAME));
  try {
    db.pragma('journal_mode = WAL');
    for (const sql of MIGRATIONS.slice(0, 6)) db.exec(sql);
    db.pragma('user_version = 6');
    fill(db);
  } finally {
    db.close();
  }
}

/** `read` on the data file in `dir`, opened read-only beside the store. */
function fromFile<T>(dir: string, read: (db: Database.Database) => T): T {
  const db = new Database(path.join(dir, SQLITE_FILE_NAME), { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

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
    fromFile(dir, (db) => {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT count(*) AS n FROM resource').get()).toEqual({ n: 1 });
      expect(db.prepare('SELECT count(*) AS n FROM resource_history').get()).toEqual({ n: 1 });
    });
  });

  it("brings a data file of schema 6 (the resource tables WITHOUT ROWID) to this build's, every row and column kept, and goes on from it", async () => {
    const dir = freshDir();
    const big = JSON.stringify({ resourceType: 'CodeSystem', id: 'big', url: 'http://example.org/big', status: 'active', content: 'complete',
      concept: Array.from({ length: 5000 }, (_, i) => ({ code: `c${i}`, display: `Begreb ${i} æøå` })) });
    const small = JSON.stringify({ resourceType: 'ValueSet', id: 'small', url: 'http://example.org/small', version: '2', status: 'active' });
    schema6File(dir, (old) => {
      expect(old.prepare("SELECT sql FROM sqlite_master WHERE name = 'resource'").get()).toEqual({ sql: expect.stringMatching(/WITHOUT ROWID/) });
      const row = old.prepare('INSERT INTO resource VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
      row.run('CodeSystem', 'big', 1, 0, 'http://example.org/big', null, '2026-01-01T00:00:00.000Z', big);
      row.run('ValueSet', 'small', 2, 0, 'http://example.org/small', '2', '2026-01-02T00:00:00.000Z', small);
      row.run('ValueSet', 'gone', 2, 1, null, null, '2026-01-03T00:00:00.000Z', null);
      const version = old.prepare('INSERT INTO resource_history VALUES (?, ?, ?, ?, ?, ?)');
      version.run('CodeSystem', 'big', 1, 'create', '2026-01-01T00:00:00.000Z', big);
      version.run('ValueSet', 'small', 1, 'create', '2026-01-01T12:00:00.000Z', small.replace('"2"', '"1"'));
      version.run('ValueSet', 'small', 2, 'update', '2026-01-02T00:00:00.000Z', small);
      version.run('ValueSet', 'gone', 1, 'create', '2026-01-02T12:00:00.000Z', small.split('small').join('gone'));
      version.run('ValueSet', 'gone', 2, 'delete', '2026-01-03T00:00:00.000Z', null);
    });
    const rowsOf = () => fromFile(dir, (db) => ({
      resource: db.prepare('SELECT * FROM resource ORDER BY resource_type, id').all(),
      history: db.prepare('SELECT resource_type, id, version_id, method, last_updated, content FROM resource_history ORDER BY resource_type, id, version_id').all(),
    }));
    const before = rowsOf();

    const store = SqliteStore.open(dir);
    try {
      expect(rowsOf()).toEqual(before);
      fromFile(dir, (db) => {
        expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE name IN ('resource', 'resource_history') ORDER BY name").all() as { name: string; sql: string }[];
        expect(tables.map((t) => t.name)).toEqual(['resource', 'resource_history']);
        for (const t of tables) expect(t.sql).not.toMatch(/WITHOUT ROWID/);
        const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%' AND tbl_name IN ('resource', 'resource_history') ORDER BY name").all();
        expect(indexes).toEqual([{ name: 'resource_by_url' }, { name: 'resource_history_by_time' }]);
        // each version's head (url, version, status, date, content), as start-up reads it
        expect(db.prepare('SELECT id, version_id, head FROM resource_history ORDER BY resource_type, id, version_id').all()).toEqual([
          { id: 'big', version_id: 1, head: JSON.stringify(['http://example.org/big', null, 'active', null, 'complete']) },
          { id: 'gone', version_id: 1, head: JSON.stringify(['http://example.org/gone', '2', 'active', null, null]) },
          { id: 'gone', version_id: 2, head: null },
          { id: 'small', version_id: 1, head: JSON.stringify(['http://example.org/small', '1', 'active', null, null]) },
          { id: 'small', version_id: 2, head: JSON.stringify(['http://example.org/small', '2', 'active', null, null]) },
        ]);
      });
      expect(await store.read('CodeSystem', 'big')).toEqual(JSON.parse(big));
      expect(await store.read('ValueSet', 'gone')).toBeUndefined();
      expect((await store.history('ValueSet', 'small')).map((v) => v.versionId)).toEqual(['2', '1']);
      expect((await store.update({ ...JSON.parse(small), version: '3' })).versionId).toBe('3');
      expect((await store.history('ValueSet', 'small')).map((v) => [v.versionId, (v.resource as { version?: string } | undefined)?.version])).toEqual([['3', '3'], ['2', '2'], ['1', '1']]);
      // the versions written before the request's method was recorded have none (a history entry reads it from `method`)
      expect((await store.history('ValueSet', 'small')).map((v) => [v.method, v.requestMethod])).toEqual([['update', 'PUT'], ['update', undefined], ['create', undefined]]);
    } finally {
      await store.close();
    }
  });

  it('gives back the pages the rebuild of schema 7 left free', async () => {
    const dir = freshDir();
    const file = path.join(dir, SQLITE_FILE_NAME);
    const catalog = (i: number) => JSON.stringify({ resourceType: 'CodeSystem', id: `cs${i}`, concept: Array.from({ length: 8000 }, (_, c) => ({ code: `c${c}`, display: `Begreb ${c} i ${i}` })) });
    schema6File(dir, (old) => {
      for (let i = 0; i < 16; i++) {
        old.prepare('INSERT INTO resource VALUES (?, ?, 1, 0, NULL, NULL, ?, ?)').run('CodeSystem', `cs${i}`, '2026-01-01T00:00:00.000Z', catalog(i));
        old.prepare("INSERT INTO resource_history VALUES (?, ?, 1, 'create', ?, ?)").run('CodeSystem', `cs${i}`, '2026-01-01T00:00:00.000Z', catalog(i));
      }
    });
    const pagesBefore = fs.statSync(file).size / 4096;
    await SqliteStore.open(dir).close();
    fromFile(dir, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma('freelist_count', { simple: true })).toBeLessThan(16);
      expect(db.prepare('SELECT count(*) AS n FROM resource_history').get()).toEqual({ n: 16 });
    });
    // the data is the same, so the file is about the size it was
    expect(fs.statSync(file).size / 4096).toBeLessThan(pagesBefore * 1.1);
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
  const auditRecord = (id: string) => ({
    event: { resourceType: 'AuditEvent' as const, id, recorded: '2026-01-01T00:00:00.000Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } } },
    owners: [], agents: [], entities: [],
  });
  /** `use` on the store of a new data folder that `write` filled and `damage` then damaged, the store closed meanwhile. */
  async function onDamagedStore(write: (store: SqliteStore) => Promise<unknown>, damage: (dir: string) => void, use: (store: SqliteStore) => Promise<void>): Promise<void> {
    const dir = freshDir();
    const before = SqliteStore.open(dir);
    await write(before);
    await before.close();
    damage(dir);
    const store = SqliteStore.open(dir);
    try {
      await use(store);
    } finally {
      await store.close();
    }
  }
  /** `use` on a store holding CodeSystem `kept` and an audit log whose table is damaged. */
  const onDamagedAuditLog = (use: (store: SqliteStore) => Promise<void>): Promise<void> => onDamagedStore(async (store) => {
    await store.create(cs('kept'));
    await store.recordAudit(auditRecord('e1'));
  }, (dir) => damageTable(dir, 'audit_event'), use);

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
      expect(await storeReadiness(store)).toEqual({ store: 'unwritable', storeProblem: expect.stringMatching(/^The store's file cannot be written \(attempt to write a readonly database\): writes are refused/) });
    } finally {
      await store.close();
    }
  });

  it.each(['SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR'])('a disk that fails a write (%s): 503 no-store saying nothing was written (never a 500), readiness reports it until a write succeeds', async (code) => {
    const store = SqliteStore.open(freshDir(), { writeProbeIntervalMs: 0 });
    try {
      await store.create(cs('before'));
      const working = failWrites(store, code);
      const refused = { status: 503, code: 'no-store', message: expect.stringMatching(/^The store's disk failed \(disk I\/O error\): nothing was written\. The file is not known to be damaged/) };
      await expect(store.create(cs('after'))).rejects.toMatchObject(refused);
      await expect(store.savePackage({ name: 'p', version: '1.0.0', fhirVersion: '4.0.1', dependencies: {}, resources: [] })).rejects.toMatchObject(refused);
      await expect(store.initClosureTable('c', 10)).rejects.toMatchObject(refused);
      await expect(store.recordAudit(auditRecord('e1'))).rejects.toMatchObject(refused);
      expect((await store.read('CodeSystem', 'before'))?.id).toBe('before');
      expect(await storeReadiness(store)).toEqual({ store: 'unwritable', storeProblem: expect.stringMatching(/^The store's disk failed \(disk I\/O error\): writes are refused until one succeeds again/) });
      working();
      await expect(store.create(cs('after'))).resolves.toMatchObject({ versionId: '1' });
      expect(await storeReadiness(store)).toEqual({ store: 'ok' });
      // a disk that works again is found by readiness's own write too, when no write comes
      const workingAgain = failWrites(store, code);
      await expect(store.create(cs('later'))).rejects.toMatchObject(refused);
      workingAgain();
      expect(await storeReadiness(store)).toEqual({ store: 'ok' });
      expect(await store.read('CodeSystem', 'later')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it.each([
    ['deleted with its data folder', (dir: string) => fs.rmSync(dir, { recursive: true })],
    ['replaced by another file', (dir: string) => {
      const file = path.join(dir, SQLITE_FILE_NAME);
      fs.copyFileSync(file, `${file}.copy`);
      fs.renameSync(`${file}.copy`, file);
    }],
  ])('a data file %s while the store runs: writes are 503 no-store, nothing written, readiness reports it; reads go on', async (_what, remove) => {
    const dir = freshDir();
    const store = SqliteStore.open(dir, { writeProbeIntervalMs: 0 });
    try {
      await store.create(cs('before'));
      remove(dir);
      const file = path.join(dir, SQLITE_FILE_NAME);
      const refused = { status: 503, code: 'no-store', message: `The store's file ${file} is no longer in the data folder (deleted, moved or replaced while the server ran): nothing was written, ` +
        'as a write to it would be lost. Reads go on from the file the server still has open; what it holds is lost when the server stops unless it is first copied back ' +
        `with its -wal file (on Linux from /proc/${process.pid}/fd/), or moved back (writes then work again)` };
      await expect(store.create(cs('after'))).rejects.toMatchObject(refused);
      await expect(store.savePackage({ name: 'p', version: '1.0.0', fhirVersion: '4.0.1', dependencies: {}, resources: [] })).rejects.toMatchObject(refused);
      await expect(store.initClosureTable('c', 10)).rejects.toMatchObject(refused);
      await expect(store.recordAudit(auditRecord('e1'))).rejects.toMatchObject(refused);
      expect((await store.read('CodeSystem', 'before'))?.id).toBe('before');
      expect(await store.read('CodeSystem', 'after')).toBeUndefined();
      expect(await storeReadiness(store)).toEqual({ store: 'unwritable', storeProblem: expect.stringMatching(/is no longer in the data folder .*: writes are refused until one succeeds again/) });
    } finally {
      await store.close();
    }
  });

  it('a data file moved away and back while the store runs: writes are refused meanwhile, and work again once it is back', async () => {
    const dir = freshDir();
    const store = SqliteStore.open(dir, { writeProbeIntervalMs: 0 });
    const file = path.join(dir, SQLITE_FILE_NAME);
    try {
      await store.create(cs('before'));
      fs.renameSync(file, `${file}.moved`);
      expect((await storeReadiness(store)).store).toBe('unwritable');
      await expect(store.create(cs('after'))).rejects.toMatchObject({ status: 503, code: 'no-store' });
      fs.renameSync(`${file}.moved`, file);
      expect(await storeReadiness(store)).toEqual({ store: 'ok' });
      await expect(store.create(cs('after'))).resolves.toMatchObject({ versionId: '1' });
    } finally {
      await store.close();
    }
    const reopened = SqliteStore.open(dir);
    try {
      expect((await reopened.loadAll()).map((r) => r.id).sort()).toEqual(['after', 'before']);
    } finally {
      await reopened.close();
    }
  });

  it('a disk that fails a read (an I/O error): 503 no-store, never a 500', async () => {
    const store = SqliteStore.open(freshDir(), { writeProbeIntervalMs: 0 });
    try {
      await store.recordAudit(auditRecord('e1'));
      const db = dbOf(store);
      const prepare = db.prepare;
      db.prepare = ((sql: string) => {
        if (sql.includes('audit_event')) throw new Database.SqliteError('disk I/O error', 'SQLITE_IOERR_READ');
        return prepare.call(db, sql);
      }) as typeof db.prepare;
      await expect(store.searchAudit({ offset: 0, count: 10 })).rejects.toMatchObject({
        status: 503, code: 'no-store', message: expect.stringMatching(/^The store's disk failed \(disk I\/O error\): the request could not be answered\./),
      });
      // readiness writes to find out whether the disk works again: here it does
      expect(await storeReadiness(store)).toEqual({ store: 'ok' });
    } finally {
      await store.close();
    }
  });

  it("after an I/O error, SQLite's \"malformed\" is the disk failing, not damage: no restore from a backup is asked for", async () => {
    await onDamagedAuditLog(async (store) => {
      failWrites(store, 'SQLITE_IOERR_WRITE');
      await expect(store.create(cs('after'))).rejects.toMatchObject({ status: 503 });
      await expect(store.searchAudit({ offset: 0, count: 10 })).rejects.toMatchObject({
        status: 503, code: 'no-store', message: expect.stringMatching(/^The store's disk failed \(database disk image is malformed\): the request could not be answered\./),
      });
      expect((await storeReadiness(store)).store).toBe('unwritable');
    });
  });

  it('a damaged table is not read at start; reading it is 503 no-store naming the damage (never a 500), the rest works', async () => {
    await onDamagedAuditLog(async (damaged) => {
      const answer = { status: 503, code: 'no-store', message: expect.stringMatching(/^The store's file is damaged \(database disk image is malformed\): the request could not be answered\. It must be restored from a backup$/) };
      await expect(damaged.searchAudit({ offset: 0, count: 10 })).rejects.toMatchObject(answer);
      await expect(damaged.create(cs('new'))).resolves.toMatchObject({ versionId: '1' });
      await expect(damaged.recordAudit(auditRecord('e2')))
        .rejects.toMatchObject({ status: 503, code: 'no-store', message: expect.stringContaining('nothing was written') });
      expect((await damaged.read('CodeSystem', 'kept'))?.id).toBe('kept');
      expect(await storeReadiness(damaged)).toEqual({ store: 'damaged', storeProblem: expect.stringMatching(/^The store's file is damaged \(database disk image is malformed\): it must be restored from a backup$/) });
    });
  });

  it("a row's text damaged where SQLite's checks do not look (a past version, an audit event): reading it is 503 no-store naming the row, never a 500", async () => {
    await onDamagedStore(async (before) => {
      await before.create({ ...cs('pv'), title: 'Første udgave' });
      await before.update({ ...cs('pv'), title: 'Anden udgave' });
      await before.recordAudit({ ...auditRecord('e1'), event: { ...auditRecord('e1').event, outcomeDesc: 'Skrevet af Aase' } });
    }, (dir) => {
      damageText(dir, 'Første udgave"');
      damageText(dir, 'Skrevet af Aase"');
    }, async (store) => {
      const damaged = (row: string) => ({
        status: 503, code: 'no-store',
        message: expect.stringMatching(new RegExp(`^The store's file is damaged \\(${row} cannot be read \\(.*JSON.*\\)\\): the request could not be answered\\. It must be restored from a backup$`)),
      });
      await expect(store.readVersion('CodeSystem', 'pv', '1')).rejects.toMatchObject(damaged('CodeSystem/pv/_history/1'));
      await expect(store.history('CodeSystem', 'pv')).rejects.toMatchObject(damaged('CodeSystem/pv/_history/1'));
      await expect(store.historyPage({ offset: 0, count: 10 })).rejects.toMatchObject(damaged('CodeSystem/pv/_history/1'));
      expect(() => store.versionLoader('CodeSystem', 'pv', '1')()).toThrow(expect.objectContaining(damaged('CodeSystem/pv/_history/1')));
      await expect(store.searchAudit({ offset: 0, count: 10 })).rejects.toMatchObject(damaged('AuditEvent/e1'));
      // what does not touch the damage goes on
      expect((await store.read('CodeSystem', 'pv'))?.title).toBe('Anden udgave');
      expect((await store.readVersion('CodeSystem', 'pv', '2'))?.resource?.title).toBe('Anden udgave');
      expect(await storeReadiness(store)).toEqual({ store: 'damaged', storeProblem: expect.stringMatching(/^The store's file is damaged \(CodeSystem\/pv\/_history\/1 cannot be read .*\): it must be restored from a backup$/) });
    });
  });

  it("a current version's text damaged: the store does not open as readable (the server's start stops, exit 4), naming the row", async () => {
    await onDamagedStore((before) => before.create({ ...cs('a'), title: 'Eneste udgave' }), (dir) => damageText(dir, 'Eneste udgave"'), async (store) => {
      await expect(store.loadAll()).rejects.toMatchObject({ status: 503, code: 'no-store', message: expect.stringMatching(/^The store's file is damaged \(CodeSystem\/a cannot be read/) });
    });
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
