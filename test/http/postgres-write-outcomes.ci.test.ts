/**
 * What a client is told about a write matches what happened to it, when PostgreSQL is locked or hangs:
 *  - a write that waits longer than the lock timeout for another session's lock is 503 and never committed;
 *  - a write the request timeout answers before its commit is 503 and never committed (it is rolled back), a $closure
 *    call too (alone or a batch's entry), which the same call sent again then answers with its entries;
 *  - a database that stops answering before the commit: 503, not committed, also once the database resumes;
 *  - a database that stops answering the COMMIT: 504, saying the outcome is unknown (here it did commit);
 *  - /ready answers within its bound while the database hangs;
 *  - a database that refuses connections (not accepting them, gone, refusing the login): 503 transient, not 500.
 * The hang is a TCP proxy holding every byte, as a stopped (SIGSTOP) server does.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationOutcome } from 'fhir/r4';
import { Client } from 'pg';
import { type App } from '../../src/app';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres-store';
import { startHangingProxy, type HangingProxy } from '../support/hanging-proxy';
import { localCodeSystem, tokenFor } from '../support/local';
import { describeWithPostgres, dropSchemas, TEST_DATABASE_URL, uniqueSchema, withClient } from '../support/postgres';
import { testApp } from '../support/app';

const FHIR_JSON = 'application/fhir+json';

interface Running {
  app: App;
  store: PostgresStore;
  server: Server;
  baseUrl: string;
}

describeWithPostgres('write outcomes when PostgreSQL is locked or hangs', () => {
  const schema = uniqueSchema();
  const running: Running[] = [];
  const otherStores: PostgresStore[] = [];
  let proxy: HangingProxy;
  let token: string;

  async function start(storeOptions: Partial<PostgresStoreOptions>, requestTimeoutMs: number): Promise<Running> {
    const store = await PostgresStore.open({ connectionString: proxy.urlFor(TEST_DATABASE_URL), schema, poolSize: 4, ...storeOptions });
    const app = await testApp({ requestTimeoutMs }, { store });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const r = { app, store, server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    running.push(r);
    return r;
  }

  /** A PUT asking for English: the texts checked here are the English ones (a write answers in Danish otherwise). */
  async function put(r: Running, name: string): Promise<{ status: number; body: OperationOutcome }> {
    const cs = localCodeSystem('101', name, [{ code: `101-${name}`, display: name, type: 'indsats' }]);
    const res = await fetch(`${r.baseUrl}/fhir/CodeSystem/${cs.id}`, {
      method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, 'Accept-Language': 'en' }, body: JSON.stringify(cs),
    });
    return { status: res.status, body: (await res.json()) as OperationOutcome };
  }

  /** The versions in the database, asked directly (not through the proxy or the server). */
  async function versionsInDatabase(name: string): Promise<number> {
    return withClient(async (c) => (await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${schema}".resource_history WHERE resource_type = 'CodeSystem' AND id = $1`, [`kommune-101-${name}`])).rows[0]!.n);
  }

  /**
   * Runs `fn` while another session holds the change-sequence row lock (as a hung write of another replica would),
   * and releases the lock when fn has settled.
   */
  async function whileWriteLockHeld<T>(fn: () => Promise<T>): Promise<T> {
    const locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT * FROM "${schema}".store_state FOR UPDATE`);
      return await fn();
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  }

  const text = (body: OperationOutcome) => body.issue?.[0]?.details?.text ?? '';

  beforeAll(async () => {
    proxy = await startHangingProxy(TEST_DATABASE_URL);
    token = await tokenFor({ kommunekode: '101' });
  });

  afterEach(() => proxy.resume());

  afterAll(async () => {
    for (const r of running) {
      r.server.closeAllConnections();
      await new Promise((resolve) => r.server.close(resolve));
      await r.store.close();
    }
    for (const s of otherStores) await s.close();
    await proxy.close();
    await dropSchemas([schema]);
  });

  it('a database that refuses connections (not accepting them, as during maintenance): writes and history reads are 503 transient, then work again', async () => {
    const database = `faelles_tx_refusing_${process.pid}_${Date.now().toString(36)}`;
    await withClient((c) => c.query(`CREATE DATABASE "${database}"`));
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${database}`;
    const store = await PostgresStore.open({ connectionString: url.toString(), schema, poolSize: 2 });
    const app = await testApp({}, { store });
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const r = { app, store, server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
    running.push(r);
    try {
      expect((await put(r, 'before-refusal')).status).toBe(201);
      await withClient(async (c) => {
        await c.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
        // The sessions end after the call returns; the write is to come after they did.
        while ((await c.query('SELECT pid FROM pg_stat_activity WHERE datname = $1', [database])).rowCount) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      });
      const refused = await put(r, 'during-refusal');
      expect(refused.status).toBe(503);
      expect(refused.body.issue[0]).toMatchObject({ code: 'transient' });
      // met by the catch-up before the write is checked, a read: the answer is the write's, which wrote nothing
      expect(text(refused.body)).toMatch(/^The database is not available \(database .* is not currently accepting connections\); nothing was written; it is safe to send the write again$/);
      const cs = localCodeSystem('101', 'during-refusal', [{ code: '101-X', display: 'X', type: 'indsats' }]);
      const danish = await fetch(`${r.baseUrl}/fhir/CodeSystem/${cs.id}`, {
        method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, 'Accept-Language': 'da' }, body: JSON.stringify(cs),
      });
      expect(danish.status).toBe(503);
      expect(text((await danish.json()) as OperationOutcome)).toMatch(/^Databasen er ikke tilgængelig \(.*\); intet blev skrevet; skrivningen kan trygt sendes igen\.$/);
      const history = await fetch(`${r.baseUrl}/fhir/CodeSystem/kommune-101-before-refusal/_history`);
      expect(history.status).toBe(503);
      await withClient((c) => c.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`));
      expect((await put(r, 'after-refusal')).status).toBe(201);
    } finally {
      await withClient((c) => c.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`));
      running.splice(running.indexOf(r), 1);
      r.server.closeAllConnections();
      await new Promise((resolve) => r.server.close(resolve));
      await store.close();
      await withClient((c) => c.query(`DROP DATABASE "${database}" WITH (FORCE)`));
    }
  });

  it('a write waiting for another session\'s lock gives up after the lock timeout: 503 lock-error, never committed', async () => {
    const r = await start({ statementTimeoutMs: 2000, lockTimeoutMs: 300 }, 10_000);
    const answer = await whileWriteLockHeld(() => put(r, 'locked'));
    expect(answer.status).toBe(503);
    expect(answer.body.issue[0]).toMatchObject({ severity: 'error', code: 'lock-error' });
    expect(text(answer.body)).toMatch(/lock timeout; nothing was written; it is safe to send the write again/);
    // The next write goes through (the writer queue is in order: the first one is over), and the first is not there.
    expect((await put(r, 'after-lock')).status).toBe(201);
    expect(await versionsInDatabase('locked')).toBe(0);
  });

  it('a write the request timeout answers before its commit is rolled back, never committed later', async () => {
    // The request timeout (1.5 s) comes first, while the write waits for the lock (up to 5 s); long enough for the
    // write after it on a CI machine busy with the browser suites (at 400 ms that write was once answered 503 itself).
    const r = await start({ statementTimeoutMs: 10_000, lockTimeoutMs: 5000 }, 1500);
    // Released once answered: the write gets the lock then, and would commit but for the gate.
    const answer = await whileWriteLockHeld(() => put(r, 'timed-out'));
    expect(answer.status).toBe(503);
    expect(answer.body.issue[0]).toMatchObject({ code: 'timeout' });
    expect(text(answer.body)).toMatch(/the write was cancelled and nothing was written/);
    expect((await put(r, 'after-timeout')).status).toBe(201); // queued behind the cancelled write: it is over
    expect(await versionsInDatabase('timed-out')).toBe(0);
  });

  describe('$closure, a write too', () => {
    const FSIII = 'urn:oid:1.2.208.176.2.21';
    const EMOTIONEL = '525b5dd8-d62b-4efa-bf66-262ac47eca5b';
    const MENTAL = '3547a306-8623-4713-a8ce-db1e82839c50';
    const call = (name: string, codes: string[] = []) => ({
      resourceType: 'Parameters',
      parameter: [{ name: 'name', valueString: name }, ...codes.map((code) => ({ name: 'concept', valueCoding: { system: FSIII, code } }))],
    });
    const post = async (r: Running, body: object, path = '$closure'): Promise<{ status: number; body: { resourceType: string; version?: string; group?: unknown[]; entry?: { response: { status: string; outcome?: OperationOutcome } }[] } & OperationOutcome }> => {
      const res = await fetch(`${r.baseUrl}/fhir/${path}`, { method: 'POST', headers: { 'Content-Type': FHIR_JSON, Accept: FHIR_JSON, 'Accept-Language': 'en' }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() as never };
    };
    const table = async (name: string) => withClient(async (c) => (await c.query<{ version: number; entries: number }>(
      `SELECT version, (SELECT count(*)::int FROM "${schema}".closure_entry e WHERE e.name = t.name) AS entries FROM "${schema}".closure_table t WHERE name = $1`, [name])).rows[0]);
    /** Runs `fn` while another session holds `LOCK TABLE …closure_entry IN EXCLUSIVE MODE` (a call's inserts wait), released when fn has settled. */
    async function whileEntriesLocked<T>(fn: () => Promise<T>): Promise<T> {
      const locker = new Client({ connectionString: TEST_DATABASE_URL });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE "${schema}".closure_entry IN EXCLUSIVE MODE`);
        return await fn();
      } finally {
        await locker.query('ROLLBACK');
        await locker.end();
      }
    }

    it('a call the request timeout answers before its commit adds nothing, so the same call sent again gets its entries', async () => {
      const r = await start({ statementTimeoutMs: 10_000, lockTimeoutMs: 5000 }, 1500);
      expect((await post(r, call('timed-out-closure'))).status).toBe(200);
      // released once answered: the call gets the lock then, and would commit but for the gate
      const answer = await whileEntriesLocked(() => post(r, call('timed-out-closure', [EMOTIONEL, MENTAL])));
      expect(answer.status).toBe(503);
      expect(text(answer.body)).toMatch(/the write was cancelled and nothing was written/);
      // waits for the first call's transaction (the table's row), which is rolled back
      const again = await post(r, call('timed-out-closure', [EMOTIONEL, MENTAL]));
      expect(again.body).toMatchObject({ version: '1', group: [{ element: [{ code: EMOTIONEL, target: [{ code: MENTAL, equivalence: 'subsumes' }] }] }] });
      expect(await table('timed-out-closure')).toEqual({ version: 1, entries: 1 });
    });

    it('an initialising call the request timeout answers before its commit leaves the table as it was', async () => {
      const r = await start({ statementTimeoutMs: 10_000, lockTimeoutMs: 5000 }, 1500);
      await post(r, call('timed-out-reset'));
      expect((await post(r, call('timed-out-reset', [EMOTIONEL, MENTAL]))).body).toMatchObject({ version: '1' });
      const answer = await whileEntriesLocked(() => post(r, call('timed-out-reset')));
      expect(answer.status).toBe(503);
      expect(text(answer.body)).toMatch(/the write was cancelled and nothing was written/);
      // the resynchronisation waits for the first call's transaction, and finds the table as it was
      expect((await post(r, { ...call('timed-out-reset'), parameter: [...call('timed-out-reset').parameter, { name: 'version', valueString: '0' }] })).body)
        .toMatchObject({ version: '1', group: [{ element: [{ code: EMOTIONEL }] }] });
      expect(await table('timed-out-reset')).toEqual({ version: 1, entries: 1 });
    });

    it('a batch entry the request timeout answers before its commit adds nothing, and the batch says so', async () => {
      const r = await start({ statementTimeoutMs: 10_000, lockTimeoutMs: 5000 }, 1500);
      await post(r, call('timed-out-batch'));
      const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: '$closure' }, resource: call('timed-out-batch', [EMOTIONEL, MENTAL]) }] };
      const answer = await whileEntriesLocked(() => post(r, batch, ''));
      expect(answer.status).toBe(503);
      expect(text(answer.body)).toMatch(/its entries not yet written were not written/);
      const again = await post(r, call('timed-out-batch', [EMOTIONEL, MENTAL]));
      expect(again.body).toMatchObject({ version: '1', group: [{ element: [{ code: EMOTIONEL }] }] });
      expect(await table('timed-out-batch')).toEqual({ version: 1, entries: 1 });
    });
  });

  it('a write whose session the database ends (an administrator, a restart) is answered 503, not written, and the server goes on', async () => {
    const r = await start({ statementTimeoutMs: 10_000, lockTimeoutMs: 8000 }, 20_000);
    const answer = await whileWriteLockHeld(async () => {
      const write = put(r, 'terminated');
      // The write waits for the lock; its session is ended then.
      const ended = async () => withClient(async (c) => (await c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 IN query) > 0`,
        [`"${schema}"."store_state"`])).rowCount);
      while ((await ended()) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      return write;
    });
    expect(answer.status).toBe(503);
    expect(text(answer.body)).toMatch(/nothing was written/);
    expect(await versionsInDatabase('terminated')).toBe(0);
    expect((await put(r, 'after-terminate')).status).toBe(201);
  });

  it('a database that stops answering before the commit: 503, not committed, also after it resumes; /ready answers meanwhile', async () => {
    const r = await start({ statementTimeoutMs: 1000, lockTimeoutMs: 500 }, 10_000);
    const hung = proxy.hangWhen(`UPDATE "${schema}"."store_state"`, { forward: false });
    const write = put(r, 'hung-before-commit');
    await hung;
    const ready = await fetch(`${r.baseUrl}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', store: 'unreachable' });
    const answer = await write;
    expect(answer.status).toBe(503);
    expect(text(answer.body)).toMatch(/did not answer in time; nothing was written/);
    proxy.resume(); // the held statement reaches the database now, and then the connection's end: rolled back
    expect((await put(r, 'after-resume')).status).toBe(201);
    expect(await versionsInDatabase('hung-before-commit')).toBe(0);
    expect((await fetch(`${r.baseUrl}/ready`)).status).toBe(200);
  });

  it('a replica that hangs in the middle of a write holds the other replicas\' writes up only for the idle-in-transaction timeout', async () => {
    // Replica A reaches the database through the proxy; it hangs right after taking the write lock (its statement
    // reached the database, nothing more comes from it), as a stopped process would. Replica B is connected directly.
    const a = await start({ statementTimeoutMs: 3000, lockTimeoutMs: 500, idleInTransactionTimeoutMs: 500 }, 10_000);
    const b = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 2, statementTimeoutMs: 10_000, lockTimeoutMs: 8000 });
    otherStores.push(b);
    const hung = proxy.hangWhen(`UPDATE "${schema}"."store_state"`, { forward: true });
    const writeOnA = put(a, 'hung-replica');
    await hung;
    await b.create({ ...localCodeSystem('101', 'while-a-hangs', [{ code: '101-W', display: 'W', type: 'indsats' }]), id: 'while-a-hangs' });
    const answer = await writeOnA;
    expect(answer.status).toBe(503); // A's transaction was ended by the database: not written
    expect(await versionsInDatabase('hung-replica')).toBe(0);
  });

  // With a request timeout of 1200 ms, the timeout comes while the COMMIT waits (3 s) for its answer: it must not answer then.
  it.each([[10_000, 'after'], [1200, 'before']])('a database that does not answer the COMMIT (request timeout %i ms, %s the wait for it ends): 504, the outcome unknown (here it did commit), never a failure', async (requestTimeoutMs) => {
    const r = await start({ statementTimeoutMs: 2000, lockTimeoutMs: 500 }, requestTimeoutMs);
    const name = `hung-at-commit-${requestTimeoutMs}`;
    const hung = proxy.hangWhen('COMMIT', { forward: true });
    const write = put(r, name);
    await hung;
    const answer = await write;
    expect(answer.status).toBe(504);
    expect(answer.body.issue[0]).toMatchObject({ severity: 'error', code: 'timeout' });
    expect(text(answer.body)).toMatch(/may or may not have been saved/);
    proxy.resume();
    expect(await versionsInDatabase(name)).toBe(1);
    // The replica learns of it from the database, as of any other replica's write.
    await r.store.catchUp();
    expect((await fetch(`${r.baseUrl}/fhir/CodeSystem/kommune-101-${name}`)).status).toBe(200);
  });

  it("a transaction whose writes committed is answered 200 with its reads when the other replicas' writes cannot be fetched after them", async () => {
    const r = await start({}, 10_000);
    const name = 'committed-then-catch-up-fails';
    const cs = localCodeSystem('101', name, [{ code: `101-${name}`, display: name, type: 'indsats' }]);
    const catchUp = r.store.catchUp.bind(r.store);
    // the catch-up before the writes works; the one after them (for the reads) fails, as when the database goes away just then
    const spy = jest.spyOn(r.store, 'catchUp').mockImplementation((before) => (before === 'write' ? catchUp(before) : Promise.reject(new Error('connection lost'))));
    try {
      const res = await fetch(`${r.baseUrl}/fhir`, {
        method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': FHIR_JSON, Accept: FHIR_JSON },
        body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: [
          { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } },
          { request: { method: 'GET', url: `CodeSystem/${cs.id}` } },
        ] }),
      });
      expect(res.status).toBe(200);
      const bundle = (await res.json()) as { entry: { response: { status: string }; resource?: { id?: string } }[] };
      expect(bundle.entry.map((e) => e.response.status)).toEqual(['201 Created', '200 OK']);
      expect(bundle.entry[1]!.resource?.id).toBe(cs.id);
    } finally {
      spy.mockRestore();
    }
    expect(await versionsInDatabase(name)).toBe(1);
  });
});
