/**
 * A server process that cannot start says why in one log line and exits with the status README's "Exit status at
 * start" gives: 2 for a configuration it cannot use, also one found only when it listens (a PORT in use, a HOST that
 * is not an address of this machine); 4 for a store it cannot use (a data file it may not write, a data folder it
 * cannot make). Damage start-up
 * does not look for (a table it does not read at start) is answered 503 when a request meets it, never 500.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PID_FILE } from '../../src/store/data-dir-lock';
import { SQLITE_FILE_NAME, SqliteStore } from '../../src/store/sqlite-store';
import { TERMINOLOGY_DIR } from '../support/catalogs';
import { damageTable } from '../support/damaged-sqlite';
import { tokenFor } from '../support/local';
import { compileServer, serverExit, startServerProcess } from '../support/server-process';

let compiled: ReturnType<typeof compileServer> | undefined;
beforeAll(() => {
  compiled = compileServer();
});
const dirs: string[] = [];
afterAll(() => {
  compiled?.remove();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A data folder with a store in it, as a server leaves it; the folder anyone may write (the server's pid file). */
async function dataDir(fill?: (store: SqliteStore) => Promise<void>): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-start-'));
  dirs.push(dir);
  const store = SqliteStore.open(dir);
  await fill?.(store);
  await store.close();
  fs.chmodSync(dir, 0o777);
  return dir;
}

const env = { STORE: 'memory', TERMINOLOGY_DIR, LOAD_EXAMPLES: 'false', NODE_ENV: 'test' };

describe('the port the server listens on', () => {
  it('PORT=0: the system picks a free port, and the log line says which, written at once', async () => {
    const server = await startServerProcess(compiled!.entry, { ...env, PORT: '0' }, 20_000);
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.output()).toContain(`faelles-tx listening on http://127.0.0.1:${server.port}/fhir`);
      expect((await fetch(`${server.baseUrl}/metadata`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('a PORT or HOST the server cannot listen on', () => {
  it('a PORT in use: exit 2 with one line naming PORT, no stack', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const { code, output } = await serverExit(compiled!.entry, { ...env, PORT: String(port) });
      expect({ code, output }).toEqual({ code: 2, output: expect.stringContaining(`Configuration error: PORT ${port} is in use on 127.0.0.1`) });
      expect(output).not.toMatch(/Unhandled|    at /);
    } finally {
      taken.close();
    }
  });

  it('a HOST that is not an address of this machine: exit 2 with one line naming HOST', async () => {
    const { code, output } = await serverExit(compiled!.entry, { ...env, HOST: '192.0.2.1' });
    expect({ code, output }).toEqual({ code: 2, output: expect.stringContaining('Configuration error: HOST 192.0.2.1 is not an address of this machine') });
    expect(output).not.toMatch(/Unhandled|    at /);
  });
});

describe('a setting that names what cannot be read at start', () => {
  it('a JWT_PUBLIC_KEY path of a device (/dev/zero has no end): exit 2 with one line naming it, not a read for ever', async () => {
    const { code, output } = await serverExit(compiled!.entry, { ...env, JWT_PUBLIC_KEY: '/dev/zero' }, 20_000);
    expect({ code, output }).toEqual({ code: 2, output: expect.stringContaining("'/dev/zero' is not a file of at most 64 KB") });
  });

  it('a PROFILES_DIR that is not a folder: exit 2 with one line naming it', async () => {
    const { code, output } = await serverExit(compiled!.entry, { ...env, PROFILES_DIR: '/dev/null' }, 20_000);
    expect({ code, output }).toEqual({ code: 2, output: expect.stringContaining('Configuration error: PROFILES_DIR: /dev/null is not an existing folder') });
  });

  it('a TERMINOLOGY_DIR that is a file: exit 3 with one line naming it', async () => {
    const { code, output } = await serverExit(compiled!.entry, { ...env, TERMINOLOGY_DIR: '/dev/null' }, 20_000);
    expect({ code, output }).toEqual({ code: 3, output: expect.stringContaining('The terminology folder /dev/null is not a folder') });
    expect(output).not.toMatch(/Unhandled|    at /);
  });
});

describe('the embedded store at start', () => {
  it('a data file the server may not write (SQLite would open it read-only): exit 4 with one line naming the file', async () => {
    const dir = await dataDir();
    const file = path.join(dir, SQLITE_FILE_NAME);
    fs.chmodSync(file, 0o444);
    // root may write any file: as root, the server runs as nobody
    const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    const { code, output } = await serverExit(compiled!.entry, { TERMINOLOGY_DIR, LOAD_EXAMPLES: 'false', NODE_ENV: 'test', DATA_DIR: dir }, 60_000, user);
    expect({ code, output }).toEqual({ code: 4, output: expect.stringContaining(`Cannot open the store in ${dir}: ${file} cannot be written (attempt to write a readonly database)`) });
  });

  it('a DATA_DIR that cannot be made (under /proc, where Node\'s recursive mkdir loops for ever): exit 4 with one line naming the folder', async () => {
    const dir = `/proc/faelles-tx-start-${process.pid}/data`;
    const { code, output } = await serverExit(compiled!.entry, { TERMINOLOGY_DIR, LOAD_EXAMPLES: 'false', NODE_ENV: 'test', DATA_DIR: dir }, 20_000);
    expect({ code, output }).toEqual({ code: 4, output: expect.stringContaining(`Cannot open the store in ${dir}: ENOENT`) });
  });

  it('one server per data folder: a second exits 4 naming the first; after the first is killed (SIGKILL), its pid given to another process, a server starts', async () => {
    const dir = await dataDir();
    const env = { TERMINOLOGY_DIR, LOAD_EXAMPLES: 'false', NODE_ENV: 'test', DATA_DIR: dir };
    const first = await startServerProcess(compiled!.entry, env);
    try {
      const { code, output } = await serverExit(compiled!.entry, env);
      expect({ code, output }).toEqual({ code: 4, output: expect.stringContaining(`Another server (pid ${first.child.pid}) uses the data folder ${dir}`) });
    } finally {
      first.child.kill('SIGKILL');
      await new Promise((r) => first.child.once('exit', r));
    }
    // the pid file left behind names a live process that is no server (this one)
    fs.writeFileSync(path.join(dir, PID_FILE), `${process.pid}\n`);
    const next = await startServerProcess(compiled!.entry, env);
    await next.stop();
  });

  it('a damaged audit_event table is not read at start: the server starts, an AuditEvent search is 503 in the caller\'s language and logged', async () => {
    const dir = await dataDir((store) => store.recordAudit({
      event: { resourceType: 'AuditEvent', id: 'e1', recorded: '2026-01-01T00:00:00.000Z', type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } } },
      owners: [], agents: [], entities: [],
    }));
    damageTable(dir, 'audit_event');

    const server = await startServerProcess(compiled!.entry, { TERMINOLOGY_DIR, LOAD_EXAMPLES: 'false', NODE_ENV: 'test', DATA_DIR: dir });
    try {
      const admin = await tokenFor({ scope: 'openid admin', sub: 'drift' });
      const res = await fetch(`${server.baseUrl}/AuditEvent`, { headers: { Authorization: `Bearer ${admin}`, 'Accept-Language': 'da' } });
      expect(res.status).toBe(503);
      const issue = ((await res.json()) as { issue: { code: string; details: { text: string } }[] }).issue[0]!;
      expect(issue.code).toBe('no-store');
      expect(issue.details.text).toMatch(/^Lagerets fil er beskadiget \(database disk image is malformed\): forespørgslen kunne ikke besvares/);
      // the log is written at least once a second
      for (let i = 0; i < 30 && !/"level":50/.test(server.output()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(server.output()).toMatch(/"level":50.*The store's file is damaged/);
    } finally {
      await server.stop();
    }
  });
});
