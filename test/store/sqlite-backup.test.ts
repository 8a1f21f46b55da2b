import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CodeSystem } from 'fhir/r4';
import { claimDataDir } from '../../src/store/data-dir-lock';
import { BackupError, backupFileName, backupSqliteStore, restoreSqliteStore } from '../../src/store/sqlite-backup';
import { MIGRATIONS, SQLITE_FILE_NAME, SqliteStore } from '../../src/store/sqlite-store';
import { auditOfRestore, OS_USER_SYSTEM, RESTORE_AGENT } from '../../src/write/audit';
import { damageTable, damageText } from '../support/damaged-sqlite';
import { temporaryFolders } from '../support/temporary-folders';

const freshDir = temporaryFolders('faelles-tx-backup-');

const cs = (id: string, title: string): CodeSystem => ({
  resourceType: 'CodeSystem', id, url: `http://example.org/${id}`, title, status: 'active', content: 'complete', concept: [{ code: 'a', display: title }],
});

/**
 * A data folder whose store holds CodeSystem `a` in two versions (the first titled 'Første udgave') and an audit event
 * saying 'Skrevet af Aase': texts a test damages where SQLite's checks do not look (damageText).
 */
async function withPastVersionAndAudit(): Promise<string> {
  const dataDir = freshDir();
  const store = SqliteStore.open(dataDir);
  await store.create(cs('a', 'Første udgave'));
  await store.update(cs('a', 'Anden udgave'));
  await store.recordAudit({
    event: { resourceType: 'AuditEvent', id: 'e1', recorded: '2026-01-01T00:00:00.000Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } }, outcomeDesc: 'Skrevet af Aase' },
    owners: [], agents: [], entities: [],
  });
  await store.close();
  return dataDir;
}

/** What a store in `dir` holds: each resource's current title and how many versions its history has. */
async function contentsOf(dir: string): Promise<Record<string, { title?: string; versions: number }>> {
  const store = SqliteStore.open(dir);
  try {
    const out: Record<string, { title?: string; versions: number }> = {};
    for (const r of await store.loadAll()) out[r.id!] = { title: (r as CodeSystem).title, versions: (await store.history(r.resourceType, r.id!)).length };
    return out;
  } finally {
    await store.close();
  }
}

function refusal(fn: () => unknown): BackupError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BackupError);
    return e as BackupError;
  }
  throw new Error('not refused');
}

async function restoreRefusal(promise: Promise<unknown>): Promise<BackupError> {
  const e = await promise.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(BackupError);
  return e as BackupError;
}

/** The names of the files in `dir`, sorted. */
const filesIn = (dir: string): string[] => fs.readdirSync(dir).sort();

describe('backupSqliteStore', () => {
  it('copies what was written, every version, while the store is open and its folder claimed by a server', async () => {
    const dataDir = freshDir();
    const out = freshDir();
    const release = claimDataDir(dataDir);
    const store = SqliteStore.open(dataDir);
    try {
      await store.create(cs('kept', 'Første'));
      await store.update(cs('kept', 'Anden'));
      await store.create(cs('gone', 'Slettet'));
      await store.delete('CodeSystem', 'gone');
      const at = new Date('2026-12-06T10:11:12.345Z');
      const result = backupSqliteStore(dataDir, out, { now: at });
      expect(result).toMatchObject({ file: path.join(out, 'faelles-tx-2026-12-06T10-11-12Z.sqlite'), resources: 1, versions: 4, schemaVersion: MIGRATIONS.length, removed: [] });
      expect(result.bytes).toBe(fs.statSync(result.file).size);
      expect(filesIn(out)).toEqual([path.basename(result.file)]);
      // the store goes on being written after the backup; the backup keeps the snapshot
      await store.update(cs('kept', 'Tredje'));
      const restored = freshDir();
      await restoreSqliteStore(restored, result.file);
      expect(await contentsOf(restored)).toEqual({ kept: { title: 'Anden', versions: 2 } });
    } finally {
      await store.close();
      release();
    }
  });

  it('writes the file it is given, and never over one that exists', async () => {
    const dataDir = freshDir();
    const store = SqliteStore.open(dataDir);
    await store.create(cs('a', 'A'));
    await store.close();
    const target = path.join(freshDir(), 'nat.sqlite');
    expect(backupSqliteStore(dataDir, target).file).toBe(target);
    const before = fs.readFileSync(target);
    const again = refusal(() => backupSqliteStore(dataDir, target));
    expect(again.status).toBe(2);
    expect(again.message).toBe(`${target} exists already: a backup never overwrites a file`);
    expect(fs.readFileSync(target).equals(before)).toBe(true);
    expect(filesIn(path.dirname(target))).toEqual(['nat.sqlite']);
  });

  describe('with another file made at its name while it runs', () => {
    afterEach(() => jest.restoreAllMocks());

    /** Runs `meanwhile` once, when the backup's copy is made and before it is named (as it is given its mode). */
    function whileBackingUp(meanwhile: () => void): void {
      const chmod = fs.chmodSync;
      let ran = false;
      jest.spyOn(fs, 'chmodSync').mockImplementation((file, mode) => {
        chmod(file, mode);
        if (!ran) {
          ran = true;
          meanwhile();
        }
      });
    }

    it('keeps that file and refuses, leaving nothing of its own', async () => {
      const dataDir = await withPastVersionAndAudit();
      const target = path.join(freshDir(), 'nat.sqlite');
      whileBackingUp(() => fs.writeFileSync(target, 'made by someone else'));
      const e = refusal(() => backupSqliteStore(dataDir, target));
      expect(e).toMatchObject({ status: 1, message: `${target} was made while this backup ran (by another backup at the same time?): a backup never overwrites a file, so this one was not kept` });
      expect(fs.readFileSync(target, 'utf8')).toBe('made by someone else');
      expect(filesIn(path.dirname(target))).toEqual(['nat.sqlite']);
    });

    it('of two backups into one folder in the same second, one is made whole and the other refuses naming it', async () => {
      const dataDir = await withPastVersionAndAudit();
      const out = freshDir();
      const at = new Date('2026-12-06T02:00:00Z');
      let other: ReturnType<typeof backupSqliteStore> | undefined;
      whileBackingUp(() => {
        other = backupSqliteStore(dataDir, out, { now: at });
      });
      const e = refusal(() => backupSqliteStore(dataDir, out, { now: at }));
      expect(other).toMatchObject({ file: path.join(out, backupFileName(at)), resources: 1, versions: 2, auditEvents: 1 });
      expect(e.message).toMatch(new RegExp(`^${other!.file} was made while this backup ran`));
      expect(filesIn(out)).toEqual([backupFileName(at)]);
      jest.restoreAllMocks();
      const restored = freshDir();
      await restoreSqliteStore(restored, other!.file);
      expect(await contentsOf(restored)).toEqual({ a: { title: 'Anden udgave', versions: 2 } });
    });
  });

  it('with keep, removes the older backups of the folder but the newest, and no other file', async () => {
    const dataDir = freshDir();
    const store = SqliteStore.open(dataDir);
    await store.create(cs('a', 'A'));
    await store.close();
    const out = freshDir();
    fs.writeFileSync(path.join(out, 'faelles-tx-notes.sqlite'), 'not a backup of the tool');
    fs.writeFileSync(path.join(out, 'README'), 'the folder is shared');
    const at = (day: number) => new Date(Date.UTC(2026, 11, day, 2));
    for (const day of [1, 2, 3]) expect(backupSqliteStore(dataDir, out, { now: at(day) }).removed).toEqual([]);
    const fourth = backupSqliteStore(dataDir, out, { now: at(4), keep: 2 });
    expect(fourth.removed).toEqual([backupFileName(at(1)), backupFileName(at(2))].map((name) => path.join(out, name)));
    expect(filesIn(out)).toEqual(['README', backupFileName(at(3)), backupFileName(at(4)), 'faelles-tx-notes.sqlite'].sort());
    // one that cannot be removed (here a folder of that name) stays and is not reported; the new backup stands
    fs.mkdirSync(path.join(out, backupFileName(at(0))));
    const fifth = backupSqliteStore(dataDir, out, { now: at(5), keep: 1 });
    expect(fifth.removed).toEqual([backupFileName(at(3)), backupFileName(at(4))].map((name) => path.join(out, name)));
    expect(filesIn(out)).toEqual(['README', backupFileName(at(0)), backupFileName(at(5)), 'faelles-tx-notes.sqlite'].sort());
    // keep names a folder's backups: with a file to write, it is refused before anything is written
    const file = path.join(freshDir(), 'one.sqlite');
    expect(refusal(() => backupSqliteStore(dataDir, file, { keep: 2 }))).toMatchObject({ status: 2 });
    expect(fs.existsSync(file)).toBe(false);
  });

  it('refuses a data folder without a store, and a folder to write into that does not exist', () => {
    const empty = freshDir();
    expect(refusal(() => backupSqliteStore(empty, freshDir()))).toMatchObject({ status: 2, message: expect.stringContaining(`There is no embedded store in ${empty}`) });
    const dataDir = freshDir();
    fs.writeFileSync(path.join(dataDir, SQLITE_FILE_NAME), '');
    const missing = path.join(freshDir(), 'no', 'such', 'b.sqlite');
    expect(refusal(() => backupSqliteStore(dataDir, missing))).toMatchObject({ status: 2, message: `The folder ${path.dirname(missing)} does not exist` });
  });

  it.each([
    ['a past version', 'Første udgave"', 'CodeSystem/a/_history/1'],
    ['an audit event', 'Skrevet af Aase"', 'AuditEvent/e1'],
  ])("fails on a store holding a row the server could not read (%s's text damaged where SQLite's checks do not look), naming it, and leaves no file behind", async (_what, marker, row) => {
    const dataDir = await withPastVersionAndAudit();
    damageText(dataDir, marker);
    const out = freshDir();
    const e = refusal(() => backupSqliteStore(dataDir, out));
    expect(e.status).toBe(1);
    expect(e.message).toMatch(new RegExp(`^${path.join(dataDir, SQLITE_FILE_NAME)} is damaged \\(${row} cannot be read \\(.*JSON.*\\)\\): it holds a row the server could not read$`));
    expect(filesIn(out)).toEqual([]);
  });

  it('fails on a damaged store, naming the damage, and leaves no file behind', async () => {
    const dataDir = freshDir();
    const store = SqliteStore.open(dataDir);
    await store.create(cs('a', 'A'));
    await store.close();
    damageTable(dataDir, 'resource');
    const out = freshDir();
    const e = refusal(() => backupSqliteStore(dataDir, out));
    expect(e.status).toBe(1);
    expect(e.message).toMatch(/damaged/);
    expect(filesIn(out)).toEqual([]);
  });
});

describe('restoreSqliteStore', () => {
  async function backedUp(): Promise<{ dataDir: string; backup: string }> {
    const dataDir = freshDir();
    const store = SqliteStore.open(dataDir);
    await store.create(cs('a', 'Fra backuppen'));
    await store.close();
    return { dataDir, backup: backupSqliteStore(dataDir, freshDir()).file };
  }

  it('puts the backup in place of what was written since, and keeps the replaced file in a folder beside it', async () => {
    const { dataDir, backup } = await backedUp();
    const store = SqliteStore.open(dataDir);
    await store.update(cs('a', 'Efter backuppen'));
    await store.create(cs('b', 'Ny'));
    await store.close();
    const at = new Date('2026-12-06T10:11:12Z');
    const result = await restoreSqliteStore(dataDir, backup, { now: at });
    expect(result).toMatchObject({ resources: 1, versions: 1, replacedDir: path.join(dataDir, 'before-restore-2026-12-06T10-11-12Z') });
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
    // nothing of the replaced store is lost: it opens as a store of its own
    const replaced = freshDir();
    fs.cpSync(result.replacedDir!, replaced, { recursive: true });
    expect(await contentsOf(replaced)).toEqual({ a: { title: 'Efter backuppen', versions: 2 }, b: { title: 'Ny', versions: 1 } });
    expect(filesIn(dataDir).filter((f) => f.startsWith(SQLITE_FILE_NAME))).toEqual([SQLITE_FILE_NAME]);
    // a second restore in the same second keeps both replaced files
    const second = await restoreSqliteStore(dataDir, backup, { now: at });
    expect(second.replacedDir).toBe(`${result.replacedDir}-2`);
    expect(fs.existsSync(path.join(result.replacedDir!, SQLITE_FILE_NAME))).toBe(true);
  });

  it('records the restore in the restored audit log: who, from which backup, and where the replaced file went', async () => {
    const { dataDir, backup } = await backedUp();
    const at = new Date('2026-12-06T10:11:12Z');
    const result = await restoreSqliteStore(dataDir, backup, { now: at, audit: (restore) => auditOfRestore('driftsvagt', restore) });
    const store = SqliteStore.open(dataDir);
    try {
      const page = await store.searchAudit({ agent: [RESTORE_AGENT], offset: 0, count: 10 });
      expect(page.total).toBe(1);
      expect(page.events[0]).toMatchObject({
        type: { code: '110107', display: 'Import' }, action: 'E', outcome: '0', recorded: '2026-12-06T10:11:12.000Z',
        agent: [{ who: { identifier: { system: OS_USER_SYSTEM, value: 'driftsvagt' } }, requestor: true }],
        entity: [{ name: path.basename(backup), detail: [{ type: 'backup', valueString: backup }] }],
      });
      expect(page.events[0]!.outcomeDesc).toBe(`Restored from the backup ${backup} (1 resource, 1 version, 0 audit events, schema version ${MIGRATIONS.length}); ` +
        `the data file it replaced, with the events recorded after the backup, is in ${result.replacedDir}`);
      // found by the OS account too, and by the backup's name; not by a municipality (owners: none, an admin's search)
      expect((await store.searchAudit({ agent: ['driftsvagt'], offset: 0, count: 10 })).total).toBe(1);
      expect((await store.searchAudit({ entity: [path.basename(backup)], offset: 0, count: 10 })).total).toBe(1);
      expect((await store.searchAudit({ owner: '101', offset: 0, count: 10 })).total).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('refuses while a server uses the data folder, changing nothing', async () => {
    const { dataDir, backup } = await backedUp();
    const store = SqliteStore.open(dataDir);
    await store.update(cs('a', 'Serverens'));
    await store.close();
    const release = claimDataDir(dataDir);
    try {
      const e = await restoreRefusal(restoreSqliteStore(dataDir, backup));
      expect(e).toMatchObject({ status: 2, message: `A server (pid ${process.pid}) uses the data folder ${dataDir}: stop it before restoring` });
    } finally {
      release();
    }
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Serverens', versions: 2 } });
  });

  it.each([
    ['a file that is no SQLite database', (file: string) => fs.writeFileSync(file, 'CodeSystem,a\n'), /is not a data file of this server: file is not a database/],
    ['an SQLite database of something else', (file: string) => new Database(file).exec('CREATE TABLE t (x)').close(), /is not a data file of this server \(it records no schema version\)/],
    ['a data file of a newer build', (file: string) => {
      const db = new Database(file);
      db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      db.close();
    }, /written by a newer build/],
  ])('refuses %s, changing nothing and writing nothing beside it', async (_what, make, message) => {
    const { dataDir } = await backedUp();
    const bad = path.join(freshDir(), 'bad.sqlite');
    make(bad);
    const e = await restoreRefusal(restoreSqliteStore(dataDir, bad));
    expect(e.status).toBe(2);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(bad)).toBe(true);
    expect(filesIn(path.dirname(bad))).toEqual(['bad.sqlite']);
    expect(filesIn(dataDir).filter((f) => f !== 'server.lock' && f !== 'server.lock-journal')).toEqual([SQLITE_FILE_NAME]);
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
  });

  it('after a crash, keeps the writes still in the replaced file\'s log with it, and none reaches the restored file', async () => {
    const { backup } = await backedUp();
    const running = freshDir();
    const store = SqliteStore.open(running);
    const crashed = freshDir();
    try {
      await store.create(cs('a', 'Kun i loggen'));
      await store.create(cs('b', 'Også i loggen'));
      // the files as a process killed now leaves them: the writes in the write-ahead log, not yet in the file
      expect(fs.statSync(path.join(running, `${SQLITE_FILE_NAME}-wal`)).size).toBeGreaterThan(0);
      for (const f of [SQLITE_FILE_NAME, `${SQLITE_FILE_NAME}-wal`]) fs.copyFileSync(path.join(running, f), path.join(crashed, f));
    } finally {
      await store.close();
    }
    const result = await restoreSqliteStore(crashed, backup);
    expect(await contentsOf(crashed)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
    const replaced = freshDir();
    fs.cpSync(result.replacedDir!, replaced, { recursive: true });
    expect(await contentsOf(replaced)).toEqual({ a: { title: 'Kun i loggen', versions: 1 }, b: { title: 'Også i loggen', versions: 1 } });
  });

  it("gives the restored file the replaced file's mode and, run as root, its owner, and the lock file the folder's", async () => {
    const { dataDir, backup } = await backedUp();
    expect(fs.statSync(backup).mode & 0o777).toBe(0o600);
    const live = path.join(dataDir, SQLITE_FILE_NAME);
    fs.chmodSync(live, 0o640);
    const asRoot = process.getuid?.() === 0;
    // the server's user, as a service account would be: another than the one restoring (root, with sudo)
    if (asRoot) {
      for (const f of [dataDir, live]) fs.chownSync(f, 4321, 4321);
      fs.rmSync(path.join(dataDir, 'server.lock'), { force: true });
    }
    await restoreSqliteStore(dataDir, backup);
    const restored = fs.statSync(live);
    expect(restored.mode & 0o777).toBe(0o640);
    if (asRoot) {
      expect([restored.uid, restored.gid]).toEqual([4321, 4321]);
      const lock = fs.statSync(path.join(dataDir, 'server.lock'));
      expect([lock.uid, lock.gid]).toEqual([4321, 4321]);
    }
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
  });

  it('refuses a backup whose rows the server could not read at start (a resource that is not JSON), changing nothing', async () => {
    const { dataDir, backup } = await backedUp();
    const bad = path.join(freshDir(), 'tampered.sqlite');
    fs.copyFileSync(backup, bad);
    const db = new Database(bad);
    db.prepare("UPDATE resource SET content = '{not json' WHERE id = 'a'").run();
    db.close();
    const e = await restoreRefusal(restoreSqliteStore(dataDir, bad));
    expect(e.status).toBe(1);
    expect(e.message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(CodeSystem/a cannot be read \\(.*\\)\\): it holds a row the server could not read$`));
    expect(filesIn(dataDir).filter((f) => f.startsWith(SQLITE_FILE_NAME))).toEqual([SQLITE_FILE_NAME]);
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
  });

  it.each([
    ['a past version', 'Første udgave"', 'CodeSystem/a/_history/1'],
    ['an audit event', 'Skrevet af Aase"', 'AuditEvent/e1'],
  ])("refuses a backup holding a row the server could not read (%s's text damaged), changing nothing", async (_what, marker, row) => {
    const { dataDir } = await backedUp();
    const bad = path.join(freshDir(), 'damaged.sqlite');
    fs.copyFileSync(path.join(await withPastVersionAndAudit(), SQLITE_FILE_NAME), bad);
    damageText(bad, marker);
    const e = await restoreRefusal(restoreSqliteStore(dataDir, bad));
    expect(e).toMatchObject({ status: 1, message: expect.stringContaining(`${bad} is damaged (${row} cannot be read (`) });
    expect(filesIn(dataDir).filter((f) => f.startsWith(SQLITE_FILE_NAME))).toEqual([SQLITE_FILE_NAME]);
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
  });

  it('interrupted between moving the data file away and putting the backup in place: no store opens empty, and the restore run again ends it', async () => {
    const { dataDir, backup } = await backedUp();
    // the data folder as a restore killed at that moment leaves it: the checked copy, the replaced file moved aside
    fs.copyFileSync(backup, path.join(dataDir, `${SQLITE_FILE_NAME}.restoring`));
    fs.mkdirSync(path.join(dataDir, 'before-restore-x'));
    fs.renameSync(path.join(dataDir, SQLITE_FILE_NAME), path.join(dataDir, 'before-restore-x', SQLITE_FILE_NAME));
    expect(() => SqliteStore.open(dataDir)).toThrow(`${dataDir} holds no ${SQLITE_FILE_NAME} but a ${SQLITE_FILE_NAME}.restoring: a restore was interrupted`);
    expect(fs.existsSync(path.join(dataDir, SQLITE_FILE_NAME))).toBe(false);
    const again = await restoreSqliteStore(dataDir, backup);
    expect(again.replacedDir).toBeUndefined();
    expect(filesIn(dataDir).filter((f) => f.startsWith(SQLITE_FILE_NAME))).toEqual([SQLITE_FILE_NAME]);
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
  });

  it.each([
    ['a backup whose rows the server could not read', 1, (file: string, backup: string) => {
      fs.copyFileSync(backup, file);
      const db = new Database(file);
      db.prepare("UPDATE resource SET content = '{not json' WHERE id = 'a'").run();
      db.close();
    }],
    ['a file that is no SQLite database', 2, (file: string) => fs.writeFileSync(file, 'CodeSystem,a\n')],
  ])('after an interrupted restore, a restore that refuses %s keeps the copy left waiting: no store opens empty', async (_what, status, make) => {
    const { dataDir, backup } = await backedUp();
    const waiting = path.join(dataDir, `${SQLITE_FILE_NAME}.restoring`);
    fs.copyFileSync(backup, waiting);
    fs.mkdirSync(path.join(dataDir, 'before-restore-x'));
    fs.renameSync(path.join(dataDir, SQLITE_FILE_NAME), path.join(dataDir, 'before-restore-x', SQLITE_FILE_NAME));
    const bad = path.join(freshDir(), 'bad.sqlite');
    make(bad, backup);
    const e = await restoreRefusal(restoreSqliteStore(dataDir, bad));
    expect(e.status).toBe(status);
    expect(fs.readFileSync(waiting)).toEqual(fs.readFileSync(backup));
    expect(filesIn(dataDir).filter((f) => f.startsWith(SQLITE_FILE_NAME))).toEqual([`${SQLITE_FILE_NAME}.restoring`]);
    expect(() => SqliteStore.open(dataDir)).toThrow(`${dataDir} holds no ${SQLITE_FILE_NAME} but a ${SQLITE_FILE_NAME}.restoring: a restore was interrupted`);
    await restoreSqliteStore(dataDir, backup);
    expect(filesIn(dataDir).filter((f) => f.startsWith(SQLITE_FILE_NAME))).toEqual([SQLITE_FILE_NAME]);
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
  });

  it('replaces a damaged data file', async () => {
    const { dataDir, backup } = await backedUp();
    damageTable(dataDir, 'resource');
    const result = await restoreSqliteStore(dataDir, backup);
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Fra backuppen', versions: 1 } });
    expect(fs.existsSync(path.join(result.replacedDir!, SQLITE_FILE_NAME))).toBe(true);
  });

  it('restores into an empty data folder, and brings a backup of an older schema up to this build', async () => {
    const backup = path.join(freshDir(), 'old.sqlite');
    const old = new Database(backup);
    for (const sql of MIGRATIONS.slice(0, 6)) old.exec(sql);
    old.pragma('user_version = 6');
    old.prepare('INSERT INTO resource VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('CodeSystem', 'a', 1, 0, 'http://example.org/a', null, '2026-01-01T00:00:00Z', JSON.stringify(cs('a', 'Gammel')));
    old.prepare('INSERT INTO resource_history (resource_type, id, version_id, method, last_updated, content) VALUES (?, ?, ?, ?, ?, ?)')
      .run('CodeSystem', 'a', 1, 'create', '2026-01-01T00:00:00Z', JSON.stringify(cs('a', 'Gammel')));
    old.close();
    const dataDir = path.join(freshDir(), 'data');
    const result = await restoreSqliteStore(dataDir, backup);
    expect(result).toMatchObject({ schemaVersion: 6, resources: 1, versions: 1 });
    expect(result.replacedDir).toBeUndefined();
    expect(await contentsOf(dataDir)).toEqual({ a: { title: 'Gammel', versions: 1 } });
    const db = new Database(path.join(dataDir, SQLITE_FILE_NAME), { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });
});

test('backupFileName sorts by time and holds no character a file system refuses', () => {
  const names = ['2026-01-02T03:04:05.678Z', '2026-12-06T23:59:59.999Z'].map((t) => backupFileName(new Date(t)));
  expect(names).toEqual(['faelles-tx-2026-01-02T03-04-05Z.sqlite', 'faelles-tx-2026-12-06T23-59-59Z.sqlite']);
  expect(names.join('')).not.toMatch(/[:\\/*?"<>|]/);
});
