/**
 * A new KL release in a FHIR package, loaded through one replica, is served by the other without a restart, within
 * the propagation time of a write (test/http/replicas.ci.test.ts); a restarted replica serves it from the store.
 */
import { nextFsiiiPackage, NEXT_FSIII_PACKAGE, NEXT_FSIII_VERSION } from '../../scripts/next-fsiii-release';
import { FSIII, TERMINOLOGY_DIR } from '../support/catalogs';
import { tokenFor } from '../support/local';
import { describeWithPostgres, dropSchemas, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { compileServer, startServerProcess, type ServerProcess } from '../support/server-process';

async function lookupStatus(server: ServerProcess, code: string): Promise<{ status: number; version?: string }> {
  const res = await fetch(`${server.baseUrl}/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${code}`, { headers: { Accept: 'application/fhir+json' } });
  const body = await res.json() as { parameter?: { name: string; valueString?: string }[] };
  return { status: res.status, version: body.parameter?.find((p) => p.name === 'version')?.valueString };
}

/** Polls until `check` holds; returns the milliseconds it took from `since`. */
async function within(ms: number, since: number, what: string, check: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await check()) return Date.now() - since;
    if (Date.now() - since > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describeWithPostgres('a package loaded through one of two replicas on one PostgreSQL database', () => {
  const schema = uniqueSchema();
  const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, TERMINOLOGY_DIR, LOAD_EXAMPLES: 'true', NODE_ENV: 'test' };
  let compiled: ReturnType<typeof compileServer> | undefined;
  let a: ServerProcess;
  let b: ServerProcess;
  let c: ServerProcess | undefined;

  beforeAll(async () => {
    compiled = compileServer();
    [a, b] = await Promise.all([startServerProcess(compiled.entry, env), startServerProcess(compiled.entry, env)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), c?.stop()]);
    compiled?.remove();
    await dropSchemas([schema]);
  }, 30_000);

  it('is served by the other replica within 1 s, and by a replica started later', async () => {
    const { archive, changes } = await nextFsiiiPackage(TERMINOLOGY_DIR);
    expect((await lookupStatus(b, changes.added)).status).toBe(404);
    const token = await tokenFor({ scope: 'openid admin' });
    const loaded = await fetch(`${a.baseUrl}/$load-package`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' }, body: archive as Uint8Array<ArrayBuffer>,
    });
    expect(loaded.status).toBe(200);
    const t0 = Date.now();
    // the replica that took the package serves it at once
    expect(await lookupStatus(a, changes.added)).toEqual({ status: 200, version: NEXT_FSIII_VERSION });
    const ms = await within(1000, t0, 'the package reaches replica B', async () => (await lookupStatus(b, changes.added)).status === 200);
    expect(ms).toBeLessThan(1000);
    expect((await lookupStatus(b, changes.added)).version).toBe(NEXT_FSIII_VERSION);
    // the same package through the other replica is refused: it is loaded already
    const again = await fetch(`${b.baseUrl}/$load-package`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' }, body: archive as Uint8Array<ArrayBuffer>,
    });
    expect(again.status).toBe(409);
    c = await startServerProcess(compiled!.entry, env);
    expect(await lookupStatus(c, changes.added)).toEqual({ status: 200, version: NEXT_FSIII_VERSION });
  }, 60_000);

  it('unloaded through one replica, the others stop serving it within 1 s; loaded again, they serve it again', async () => {
    const { archive, changes } = await nextFsiiiPackage(TERMINOLOGY_DIR);
    const token = await tokenFor({ scope: 'openid admin' });
    const unload = (server: ServerProcess) => fetch(`${server.baseUrl}/$unload-package`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: NEXT_FSIII_PACKAGE.name }, { name: 'version', valueString: NEXT_FSIII_PACKAGE.version }] }),
    });
    expect((await lookupStatus(c!, changes.added)).status).toBe(200);
    const res = await unload(b);
    expect(res.status).toBe(200);
    const t0 = Date.now();
    expect((await lookupStatus(b, changes.added)).status).toBe(404);
    for (const [name, server] of [['A', a], ['C', c!]] as const) {
      expect(await within(1000, t0, `the unload reaches replica ${name}`, async () => (await lookupStatus(server, changes.added)).status === 404)).toBeLessThan(1000);
    }
    expect((await unload(a)).status).toBe(404);
    const loaded = await fetch(`${c!.baseUrl}/$load-package`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' }, body: archive as Uint8Array<ArrayBuffer>,
    });
    expect(loaded.status).toBe(200);
    const t1 = Date.now();
    for (const [name, server] of [['A', a], ['B', b]] as const) {
      expect(await within(1000, t1, `the new load reaches replica ${name}`, async () => (await lookupStatus(server, changes.added)).status === 200)).toBeLessThan(1000);
    }
  }, 60_000);
});
