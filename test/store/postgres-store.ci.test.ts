import type { CodeSystem } from 'fhir/r4';
import { Client } from 'pg';
import { FhirError } from '../../src/errors/fhir-error';
import { PostgresStore, type PostgresStoreOptions } from '../../src/store/postgres-store';
import { MIGRATIONS, SchemaError } from '../../src/store/postgres-migrations';
import { StoreConflictError, type ChangeSink, type ResourceChange } from '../../src/store/store';
import { WrittenLayer } from '../../src/store/written-layer';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { startHangingProxy } from '../support/hanging-proxy';
import { describeWithPostgres, dropSchemas, TEST_DATABASE_URL, timedSync, uniqueSchema, withClient } from '../support/postgres';
import { describeStoreContract } from './store-contract';

const schemas = new Set<string>();
const schemaOf = new WeakMap<object, string>();
const open: PostgresStore[] = [];

async function openStore(schema: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
  schemas.add(schema);
  const store = await PostgresStore.open({ connectionString: TEST_DATABASE_URL, schema, poolSize: 4, ...options });
  schemaOf.set(store, schema);
  open.push(store);
  return store;
}

/** A new schema as a build that knows the migrations up to `last` leaves it (search_path set to it on `c`). */
async function migrateTo(c: Client, schema: string, last: number): Promise<void> {
  await c.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"`);
  await c.query('CREATE TABLE faelles_tx_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), compatible_from integer)');
  for (const m of MIGRATIONS.filter((x) => x.version <= last)) {
    await c.query(m.sql);
    await c.query('INSERT INTO faelles_tx_migrations (version, name, compatible_from) VALUES ($1, $2, $3)', [m.version, m.name, m.compatibleFrom]);
  }
}

function codeSystem(id: string, overrides: Partial<CodeSystem> = {}): CodeSystem {
  return {
    resourceType: 'CodeSystem', id, url: `http://example.org/CodeSystem/${id}`, version: '1.0.0', status: 'active', content: 'complete',
    concept: [{ code: 'a', display: 'A' }], ...overrides,
  };
}

async function waitFor(what: string, check: () => boolean, ms = 3000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - started;
}

/** Settles both, and returns the fulfilled count and the rejections. */
async function race(a: Promise<unknown>, b: Promise<unknown>): Promise<{ won: number; errors: unknown[] }> {
  const settled = await Promise.allSettled([a, b]);
  return {
    won: settled.filter((s) => s.status === 'fulfilled').length,
    errors: settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : [])),
  };
}

describeWithPostgres('PostgresStore', () => {
  afterAll(async () => {
    for (const s of open) await s.close();
    await dropSchemas(schemas);
  });

  describeStoreContract('PostgresStore', {
    create: async () => openStore(uniqueSchema()),
    reopen: async (previous) => {
      await previous.close();
      return openStore(schemaOf.get(previous)!);
    },
  });

  describe('schema and migrations', () => {
    it('records the migrations it applied, and opening again applies nothing', async () => {
      const schema = uniqueSchema();
      await (await openStore(schema)).close();
      await (await openStore(schema)).close();
      const rows = await withClient(async (c) => (await c.query(`SELECT version FROM "${schema}".faelles_tx_migrations ORDER BY version`)).rows);
      expect(rows.map((r: { version: number }) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    });

    it('migrates once when several replicas start together on an empty schema (advisory lock)', async () => {
      const schema = uniqueSchema();
      const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(schema)));
      await stores[0]!.create(codeSystem('x'));
      expect((await stores[3]!.read('CodeSystem', 'x'))?.id).toBe('x');
      const n = await withClient(async (c) => (await c.query(`SELECT count(*)::int AS n FROM "${schema}".faelles_tx_migrations`)).rows[0].n);
      expect(n).toBe(MIGRATIONS.length);
    });

    it('refuses a schema migrated by a newer build', async () => {
      const schema = uniqueSchema();
      await (await openStore(schema)).close();
      await withClient((c) => c.query(`INSERT INTO "${schema}".faelles_tx_migrations (version, name) VALUES (99, 'from the future')`));
      await expect(openStore(schema)).rejects.toThrow(/migration 99/);
    });

    it('runs on a schema a newer build migrated with expand-only migrations (rollback), and refuses a contracted one', async () => {
      const schema = uniqueSchema();
      const known = MIGRATIONS[MIGRATIONS.length - 1]!.version;
      await (await openStore(schema)).close();
      const record = (version: number, compatibleFrom: number) => withClient((c) => c.query(
        `INSERT INTO "${schema}".faelles_tx_migrations (version, name, compatible_from) VALUES ($1, 'from a newer build', $2)`, [version, compatibleFrom]));
      // The newer build's expand migration: this build still runs, reads and writes.
      await record(known + 1, known);
      const older = await openStore(schema);
      await older.create(codeSystem('after-upgrade'));
      expect((await older.read('CodeSystem', 'after-upgrade'))?.id).toBe('after-upgrade');
      await older.close();
      // Its contract migration needs a build that knows the expand one: this build is refused, saying why.
      await record(known + 2, known + 1);
      await expect(openStore(schema)).rejects.toThrow(new RegExp(`at migration ${known + 2}, which needs a build that knows migration ${known + 1} or later; this build knows ${known}`));
    });

    it('adds compatible_from to a migrations table recorded before it existed', async () => {
      const schema = uniqueSchema();
      schemas.add(schema);
      await withClient(async (c) => {
        await c.query(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}"`);
        await c.query('CREATE TABLE faelles_tx_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
        await c.query(MIGRATIONS[0]!.sql);
        await c.query("INSERT INTO faelles_tx_migrations (version, name) VALUES (1, 'resources, history and the change sequence')");
      });
      const store = await openStore(schema);
      await store.create(codeSystem('old-table'));
      const rows = await withClient(async (c) => (await c.query(`SELECT version, compatible_from FROM "${schema}".faelles_tx_migrations ORDER BY version`)).rows);
      expect(rows[0]).toEqual({ version: 1, compatible_from: null });
    });

    it('keeps the head of every version beside it: migration 7 fills it in for versions written before, start-up reads it from the text where a build of migrations 1–6 wrote none', async () => {
      const schema = uniqueSchema();
      schemas.add(schema);
      const url = 'http://example.org/CodeSystem/heads';
      const version = (v: number) => JSON.stringify(codeSystem('heads', { version: `${v}.0.0`, date: `202${v}-01-01`, meta: { versionId: String(v), lastUpdated: `202${v}-01-01T00:00:00.000Z` } }));
      const history = (v: number) => ['CodeSystem', 'heads', v, v === 1 ? 'create' : 'update', `202${v}-01-01T00:00:00.000Z`, version(v), v];
      const insertHistory = 'INSERT INTO resource_history (resource_type, id, version_id, method, last_updated, content, change_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)';
      await withClient(async (c) => {
        await migrateTo(c, schema, 6);
        for (const v of [1, 2]) await c.query(insertHistory, history(v));
        await c.query(`INSERT INTO resource (resource_type, id, version_id, deleted, url, version, last_updated, content, change_seq)
          VALUES ('CodeSystem', 'heads', 2, false, $1, '2.0.0', '2022-01-01T00:00:00.000Z', $2, 2)`, [url, version(2)]);
        await c.query('UPDATE store_state SET change_seq = 2');
      });
      const store = await openStore(schema);
      const heads = async () => (await withClient((c) => c.query(`SELECT version_id, head FROM "${schema}".resource_history ORDER BY version_id`))).rows;
      expect(await heads()).toEqual([
        { version_id: 1, head: [url, '1.0.0', 'active', '2021-01-01', 'complete'] },
        { version_id: 2, head: [url, '2.0.0', 'active', '2022-01-01', 'complete'] },
      ]);
      // a build that knows migrations 1–6 only, running beside this one on the migrated schema, writes no head
      await withClient(async (c) => {
        await c.query(`SET search_path TO "${schema}"`);
        await c.query(insertHistory, history(3));
        await c.query("UPDATE resource SET version_id = 3, version = '3.0.0', content = $1, change_seq = 3 WHERE id = 'heads'", [version(3)]);
        await c.query('UPDATE store_state SET change_seq = 3');
      });
      await store.update(codeSystem('heads', { version: '4.0.0', status: 'retired' }));
      expect((await heads()).map((r) => r.head)).toEqual([
        [url, '1.0.0', 'active', '2021-01-01', 'complete'], [url, '2.0.0', 'active', '2022-01-01', 'complete'], null, [url, '4.0.0', 'retired', null, 'complete'],
      ]);
      const loaded = (await store.loadHistory()).map((v) => [v.head.version, v.head.status, v.head.date]).sort();
      expect(loaded).toEqual([['1.0.0', 'active', '2021-01-01'], ['2.0.0', 'active', '2022-01-01'], ['3.0.0', 'active', '2023-01-01'], ['4.0.0', 'retired', undefined]]);
    });

    it("records the request's method from migration 8 on; the versions a build of migrations 1–7 wrote, before or beside it, have none", async () => {
      const schema = uniqueSchema();
      schemas.add(schema);
      const content = (v: number) => JSON.stringify(codeSystem('methods', { meta: { versionId: String(v), lastUpdated: `202${v}-01-01T00:00:00.000Z` } }));
      const insertHistory = 'INSERT INTO resource_history (resource_type, id, version_id, method, last_updated, content, change_seq, head) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)';
      const history = (v: number) => ['CodeSystem', 'methods', v, v === 1 ? 'create' : 'update', `202${v}-01-01T00:00:00.000Z`, content(v), v];
      await withClient(async (c) => {
        await migrateTo(c, schema, 7);
        await c.query(insertHistory, history(1));
        await c.query(`INSERT INTO resource (resource_type, id, version_id, deleted, url, version, last_updated, content, change_seq)
          VALUES ('CodeSystem', 'methods', 1, false, 'http://example.org/CodeSystem/methods', '1.0.0', '2021-01-01T00:00:00.000Z', $1, 1)`, [content(1)]);
        await c.query('UPDATE store_state SET change_seq = 1');
      });
      const store = await openStore(schema);
      try {
        await withClient(async (c) => {
          await c.query(`SET search_path TO "${schema}"`);
          await c.query(insertHistory, history(2));
          await c.query("UPDATE resource SET version_id = 2, content = $1, change_seq = 2 WHERE id = 'methods'", [content(2)]);
          await c.query('UPDATE store_state SET change_seq = 2');
        });
        await store.update(codeSystem('methods', { title: 'v3' }));
        expect((await store.history('CodeSystem', 'methods')).map((v) => [v.versionId, v.method, v.requestMethod])).toEqual([
          ['3', 'update', 'PUT'], ['2', 'update', undefined], ['1', 'create', undefined],
        ]);
      } finally {
        await store.close();
      }
    });

    it('reads every version at start without the statement timeout of requests (the whole history can take longer)', async () => {
      const schema = uniqueSchema();
      const writer = await openStore(schema);
      const concept = Array.from({ length: 20_000 }, (_, i) => ({ code: `c${i}`, display: `Begreb nummer ${i} med en længere tekst æøå` }));
      for (let v = 1; v <= 8; v++) await writer.update(codeSystem('big', { version: `${v}.0.0`, concept }));
      // as a build of migrations 1–6 left them: start-up reads each head from the text (~25 MB), past 400 ms
      await withClient((c) => c.query(`UPDATE "${schema}".resource_history SET head = NULL`));
      const reader = await openStore(schema, { statementTimeoutMs: 400 });
      const history = await reader.loadHistory();
      expect(history.map((v) => v.head.version).sort()).toEqual(['1.0.0', '2.0.0', '3.0.0', '4.0.0', '5.0.0', '6.0.0', '7.0.0', '8.0.0']);
      expect(history.every((v) => (v.load() as CodeSystem).concept?.length === 20_000)).toBe(true);
    }, 60_000);

    it('reads the whole current content (a tool\'s load) without the statement timeout of requests', async () => {
      const schema = uniqueSchema();
      const writer = await openStore(schema);
      await writer.create(codeSystem('whole-a'));
      await writer.create(codeSystem('whole-b'));
      const reader = await openStore(schema, { statementTimeoutMs: 200 });
      // another session holds the table for longer than a request's statement may take: the read waits for it
      const holder = new Client({ connectionString: TEST_DATABASE_URL });
      await holder.connect();
      try {
        await holder.query(`BEGIN; LOCK TABLE "${schema}".resource IN ACCESS EXCLUSIVE MODE`);
        const loading = reader.loadAll();
        // a request's read is still held to the timeout
        await expect(reader.read('CodeSystem', 'whole-a')).rejects.toMatchObject({ status: 503 });
        await new Promise((r) => setTimeout(r, 300));
        await holder.query('COMMIT');
        expect((await loading).map((r) => r.id)).toEqual(['whole-a', 'whole-b']);
      } finally {
        await holder.end();
      }
    });

    it('refuses, with a message, a schema whose migrations table lists migrations whose tables are missing', async () => {
      const schema = uniqueSchema();
      await (await openStore(schema)).close();
      await withClient((c) => c.query(`DROP TABLE "${schema}".resource, "${schema}".resource_history, "${schema}".store_state`));
      const e = await openStore(schema).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SchemaError);
      expect((e as Error).message).toMatch(new RegExp(`records migration ${MIGRATIONS[MIGRATIONS.length - 1]!.version} in faelles_tx_migrations, but tables store_state, resource, resource_history are missing: the schema is damaged`));
      await withClient((c) => c.query(`CREATE TABLE "${schema}".store_state (singleton boolean PRIMARY KEY, change_seq bigint NOT NULL);
        CREATE TABLE "${schema}".resource (x int); CREATE TABLE "${schema}".resource_history (x int); CREATE TABLE IF NOT EXISTS "${schema}".audit_event (x int)`));
      await expect(openStore(schema)).rejects.toThrow(/store_state has 0 rows instead of one/);
    });

    it('answers 503 (not 500) when the database cannot be reached', async () => {
      const e = await PostgresStore.open({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 2000 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(FhirError);
      expect(e).toMatchObject({ status: 503, code: 'transient' });
    });
  });

  describe('bad input is refused, never a database error', () => {
    let store: PostgresStore;
    beforeAll(async () => {
      store = await openStore(uniqueSchema());
    });

    it('a url or version PostgreSQL cannot store is a 400', async () => {
      await expect(store.create(codeSystem('nul', { url: 'http://example.org/a\u0000b' }))).rejects.toMatchObject({ status: 400 });
      await expect(store.create(codeSystem('sur', { version: '1.\ud800' }))).rejects.toMatchObject({ status: 400 });
      await expect(store.create(codeSystem('num', { url: 42 as unknown as string }))).rejects.toMatchObject({ status: 400 });
      expect(await store.loadAll()).toEqual([]);
    });

    it('ids and versions that cannot exist are simply not found', async () => {
      expect(await store.read('CodeSystem', 'a\u0000b')).toBeUndefined();
      expect(await store.history('CodeSystem', 'a\u0000b')).toEqual([]);
      expect(await store.readVersion('CodeSystem', 'x', '999999999999999')).toBeUndefined();
    });

    it('keeps text exactly, including characters JSON escapes', async () => {
      const title = 'Tæt på \u0000 nul, 😀 and "quotes"';
      await store.create(codeSystem('text', { title }));
      expect((await store.read('CodeSystem', 'text'))?.title).toBe(title);
    });
  });

  it('a row whose text was damaged in the database is 503 no-store naming the row, never a 500; the other rows are read and written as before', async () => {
    const schema = uniqueSchema();
    const store = await openStore(schema);
    await store.create(codeSystem('pv', { title: 'Første udgave' }));
    await store.update(codeSystem('pv', { title: 'Anden udgave' }));
    await store.create(codeSystem('cur', { title: 'Eneste udgave' }));
    await store.recordAudit({
      event: { resourceType: 'AuditEvent', id: 'e1', recorded: '2026-01-01T00:00:00Z', type: { code: 'rest' }, agent: [{ requestor: true, who: { display: 'Skrevet af Aase' } }], source: { observer: { display: 'x' } } },
      owners: [], agents: [], entities: [],
    });
    await withClient(async (c) => {
      await c.query(`UPDATE "${schema}".resource_history SET content = replace(content, 'Første udgave"', 'Første udgave') WHERE id = 'pv' AND version_id = 1`);
      await c.query(`UPDATE "${schema}".resource SET content = replace(content, 'Eneste udgave"', 'Eneste udgave') WHERE id = 'cur'`);
      await c.query(`UPDATE "${schema}".audit_event SET content = replace(content, 'Skrevet af Aase"', 'Skrevet af Aase') WHERE id = 'e1'`);
    });
    const damaged = (row: string) => ({
      status: 503, code: 'no-store',
      message: expect.stringMatching(new RegExp(`^The database holds a row the server cannot read \\(${row} cannot be read \\(.*JSON.*\\)\\): the request could not be answered\\. Restore the row from a backup$`)),
    });
    await expect(store.readVersion('CodeSystem', 'pv', '1')).rejects.toMatchObject(damaged('CodeSystem/pv/_history/1'));
    await expect(store.history('CodeSystem', 'pv')).rejects.toMatchObject(damaged('CodeSystem/pv/_history/1'));
    await expect(store.historyPage({ offset: 0, count: 10 })).rejects.toMatchObject(damaged('CodeSystem/pv/_history/1'));
    expect(() => store.versionLoader('CodeSystem', 'pv', '1')()).toThrow(expect.objectContaining(damaged('CodeSystem/pv/_history/1')));
    await expect(store.searchAudit({ offset: 0, count: 10 })).rejects.toMatchObject(damaged('AuditEvent/e1'));
    await expect(store.read('CodeSystem', 'cur')).rejects.toMatchObject(damaged('CodeSystem/cur'));
    await expect(store.loadAll()).rejects.toMatchObject(damaged('CodeSystem/cur'));
    // what does not touch the damage goes on
    expect((await store.read('CodeSystem', 'pv'))?.title).toBe('Anden udgave');
    expect((await store.readVersion('CodeSystem', 'pv', '2'))?.resource?.title).toBe('Anden udgave');
    await expect(store.create(codeSystem('later'))).resolves.toMatchObject({ versionId: '1' });
    await expect(store.ping(2000)).resolves.toBeUndefined();
  });

  it('a pooled connection the database ended while it sat idle (a restart, an administrator) is replaced: the next write, read and ping are made', async () => {
    const proxy = await startHangingProxy(TEST_DATABASE_URL);
    try {
      const applicationName = `faelles-tx idle-ended ${process.pid}`;
      const url = new URL(proxy.urlFor(TEST_DATABASE_URL));
      url.searchParams.set('application_name', applicationName);
      const store = await openStore(uniqueSchema(), { connectionString: url.toString(), poolSize: 2 });
      const sessions = async () => withClient(async (c) => (await c.query(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName])).rowCount ?? 0);
      /** Ends the store's sessions while the proxy holds their farewell (so the pool counts them idle and usable), then runs `action` on them. */
      const afterIdleEnd = async <T>(firstStatement: string, action: () => Promise<T>): Promise<T> => {
        expect(await sessions()).toBeGreaterThan(0);
        proxy.hangNow();
        await withClient((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]));
        while ((await sessions()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        const sent = proxy.whenHeld(firstStatement);
        const done = action();
        await sent;
        proxy.resume();
        return done;
      };
      await store.create(codeSystem('before'));
      await expect(afterIdleEnd('BEGIN', () => store.create(codeSystem('after')))).resolves.toMatchObject({ versionId: '1' });
      expect(await store.read('CodeSystem', 'after')).toMatchObject({ id: 'after' });
      await expect(afterIdleEnd('SELECT', () => store.read('CodeSystem', 'before'))).resolves.toMatchObject({ id: 'before' });
      await expect(afterIdleEnd('SELECT 1', () => store.ping(2000))).resolves.toBeUndefined();
    } finally {
      await proxy.close();
    }
  });

  describe('past versions, read when a request first needs them', () => {
    it('start-up reads their heads only; a version\'s text is read from the database when it is first needed', async () => {
      const schema = uniqueSchema();
      const store = await openStore(schema);
      await store.create(codeSystem('lazy'));
      await store.update(codeSystem('lazy', { version: '2.0.0' }));
      const history = await store.loadHistory();
      const first = history.find((v) => v.head.version === '1.0.0')!;
      // changed behind the store's back after start-up: what load() gives is what the database has now
      await withClient((c) => c.query(`UPDATE "${schema}".resource_history SET content = replace(content, '"display":"A"', '"display":"read later"') WHERE version_id = 1`));
      expect((first.load() as CodeSystem).concept).toEqual([{ code: 'a', display: 'read later' }]);
      expect(first.load().meta?.versionId).toBe('1');
    });

    it('a database that does not answer then: 503 timeout within a second, not a hang, and the reads after fail at once with Retry-After', async () => {
      const proxy = await startHangingProxy(TEST_DATABASE_URL);
      try {
        const store = await openStore(uniqueSchema(), { connectionString: proxy.urlFor(TEST_DATABASE_URL), poolSize: 2, statementTimeoutMs: 1000 });
        await store.create(codeSystem('hung'));
        await store.update(codeSystem('hung', { version: '2.0.0' }));
        const first = (await store.loadHistory()).find((v) => v.head.version === '1.0.0')!;
        // the reader connects meanwhile (through the proxy, which needs this thread: no synchronous read before the hang)
        await new Promise((resolve) => setTimeout(resolve, 1200));
        proxy.hangNow();
        const hung = timedSync(() => first.load());
        expect(hung.error).toBeInstanceOf(FhirError);
        expect(hung.error).toMatchObject({ status: 503, code: 'timeout', retryAfter: '10' });
        expect(hung.ms).toBeLessThan(1000);
        const next = timedSync(() => first.load());
        expect(next.error).toMatchObject({ status: 503, code: 'timeout', retryAfter: expect.stringMatching(/^([1-9]|10)$/) });
        expect((next.error as FhirError).message).toMatch(/^Past versions are not read from the database for the next \d+ s/);
        expect(next.ms).toBeLessThan(100);
      } finally {
        proxy.resume();
        await proxy.close();
      }
    });

    it('history locked (ACCESS EXCLUSIVE, as a migration, VACUUM FULL or pg_restore holds it): 503 within a second, not the statement timeout, and the reads after fail at once', async () => {
      const schema = uniqueSchema();
      const store = await openStore(schema);
      await store.create(codeSystem('locked'));
      await store.update(codeSystem('locked', { version: '2.0.0' }));
      const first = (await store.loadHistory()).find((v) => v.head.version === '1.0.0')!;
      first.load();
      const locker = new Client({ connectionString: TEST_DATABASE_URL });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE "${schema}".resource_history IN ACCESS EXCLUSIVE MODE`);
        const locked = timedSync(() => first.load());
        expect(locked.error).toMatchObject({ status: 503, code: 'lock-error', retryAfter: '10' });
        expect(locked.ms).toBeLessThan(1000);
        const next = timedSync(() => first.load());
        expect(next.error).toMatchObject({ status: 503, code: 'timeout', retryAfter: expect.any(String) });
        expect((next.error as FhirError).options.da).toMatch(/^Tidligere versioner læses ikke fra databasen de næste \d+ s/);
        expect(next.ms).toBeLessThan(100);
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
      }
    });
  });

  describe('two processes on one database', () => {
    let a: PostgresStore;
    let b: PostgresStore;
    beforeAll(async () => {
      const schema = uniqueSchema();
      a = await openStore(schema);
      b = await openStore(schema);
    });

    it('concurrent conditional updates of one resource: exactly one wins, every round', async () => {
      await a.create(codeSystem('race'));
      for (let round = 1; round <= 10; round++) {
        const current = String(round);
        const { won, errors } = await race(
          a.update(codeSystem('race', { title: `a${round}` }), current),
          b.update(codeSystem('race', { title: `b${round}` }), current),
        );
        expect(won).toBe(1);
        expect(errors[0]).toBeInstanceOf(StoreConflictError);
        expect((errors[0] as StoreConflictError).reason).toBe('version-mismatch');
      }
      expect((await b.history('CodeSystem', 'race')).map((h) => h.versionId)).toEqual(['11', '10', '9', '8', '7', '6', '5', '4', '3', '2', '1']);
    });

    it('concurrent conditional delete and update: exactly one wins', async () => {
      await a.create(codeSystem('del-race'));
      const { won, errors } = await race(a.delete('CodeSystem', 'del-race', '1'), b.update(codeSystem('del-race', { title: 'x' }), '1'));
      expect(won).toBe(1);
      expect(errors[0]).toBeInstanceOf(StoreConflictError);
      expect(await a.history('CodeSystem', 'del-race')).toHaveLength(2);
    });

    it('concurrent creates of one id: exactly one wins', async () => {
      const { won, errors } = await race(a.create(codeSystem('twice')), b.create(codeSystem('twice', { title: 'b' })));
      expect(won).toBe(1);
      expect((errors[0] as StoreConflictError).reason).toBe('already-exists');
    });

    it('a url|version already used by another resource is a conflict, even when the other process wrote it', async () => {
      await a.create(codeSystem('first', { url: 'http://example.org/shared' }));
      const e = await b.create(codeSystem('second', { url: 'http://example.org/shared' })).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StoreConflictError);
      expect((e as StoreConflictError).message).toContain('CodeSystem/first');
      await b.create(codeSystem('second', { url: 'http://example.org/shared', version: '2.0.0' }));
      // Taking over the canonical in one transaction: delete the old one and create the new one.
      await b.apply([
        { kind: 'update', resource: codeSystem('third', { url: 'http://example.org/shared' }) },
        { kind: 'delete', resourceType: 'CodeSystem', id: 'first' },
      ]);
      expect(new ResourceSet(await a.loadAll()).find('CodeSystem', 'http://example.org/shared', '1.0.0')?.id).toBe('third');
    });

    it('stamps lastUpdated from the database clock, increasing in commit order whichever process writes', async () => {
      const v1 = await a.create(codeSystem('clock'));
      const v2 = await b.update(codeSystem('clock'));
      const v3 = await a.update(codeSystem('clock'));
      expect(v1.lastUpdated).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(v1.lastUpdated)).toBeLessThanOrEqual(Date.parse(v2.lastUpdated));
      expect(Date.parse(v2.lastUpdated)).toBeLessThanOrEqual(Date.parse(v3.lastUpdated));
    });
  });

  describe('following the writes of other processes', () => {
    /** A sink recording every delivery. */
    class Recorder implements ChangeSink {
      readonly deliveries: ResourceChange[][] = [];
      apply(changes: ResourceChange[]): void {
        this.deliveries.push(changes);
      }
      has(id: string, versionId: number): boolean {
        return this.deliveries.some((d) => d.some((c) => c.id === id && c.versionId === versionId));
      }
    }

    it('delivers the current state first, then another process\'s write within a second (NOTIFY)', async () => {
      const schema = uniqueSchema();
      const writer = await openStore(schema);
      await writer.create(codeSystem('before'));
      await writer.create(codeSystem('gone'));
      await writer.delete('CodeSystem', 'gone');
      // A long poll interval: only the notification can be this quick.
      const follower = await openStore(schema, { pollIntervalMs: 60_000 });
      const written = new ResourceSet();
      const registry = new TerminologyRegistry([written]);
      const layer = new WrittenLayer(written, registry);
      await follower.follow(layer);
      expect(written.byResourceId('CodeSystem', 'before')?.meta?.versionId).toBe('1');
      expect(written.byResourceId('CodeSystem', 'gone')).toBeUndefined();
      expect(layer.versionOf('CodeSystem', 'gone')).toBe(2);

      const generation = registry.generation;
      await writer.create(codeSystem('after'));
      const ms = await waitFor('the write reaches the follower', () => written.byResourceId('CodeSystem', 'after') !== undefined, 1000);
      expect(ms).toBeLessThan(1000);
      expect(registry.generation).toBeGreaterThan(generation);
      expect(registry.findCodeSystem('http://example.org/CodeSystem/after')?.id).toBe('after');

      await writer.delete('CodeSystem', 'before');
      await waitFor('the delete reaches the follower', () => written.byResourceId('CodeSystem', 'before') === undefined, 1000);
      expect(follower.seenSequence).toBeGreaterThan(0);
    });

    it('delivers a transaction in one piece, and never a change older than one it has', async () => {
      const schema = uniqueSchema();
      const writer = await openStore(schema);
      const follower = await openStore(schema, { pollIntervalMs: 60_000 });
      const recorder = new Recorder();
      await follower.follow(recorder);
      await writer.apply([
        { kind: 'create', resource: codeSystem('t1') },
        { kind: 'create', resource: codeSystem('t2') },
        { kind: 'create', resource: codeSystem('t3') },
      ]);
      await waitFor('the transaction reaches the follower', () => recorder.has('t1', 1), 1000);
      const delivery = recorder.deliveries.find((d) => d.some((c) => c.id === 't1'))!;
      expect(delivery.map((c) => c.id).sort()).toEqual(['t1', 't2', 't3']);

      // The layer keeps the newest version when an older one arrives late.
      const written = new ResourceSet();
      const layer = new WrittenLayer(written, new TerminologyRegistry([written]));
      layer.apply([{ resourceType: 'CodeSystem', id: 'v', versionId: 2, resource: codeSystem('v', { title: 'new' }) }]);
      layer.apply([{ resourceType: 'CodeSystem', id: 'v', versionId: 1, resource: codeSystem('v', { title: 'old' }) }]);
      layer.apply([{ resourceType: 'CodeSystem', id: 'v', versionId: 2 }]);
      expect(written.byResourceId('CodeSystem', 'v')?.title).toBe('new');
      layer.apply([{ resourceType: 'CodeSystem', id: 'v', versionId: 3 }]);
      expect(written.byResourceId('CodeSystem', 'v')).toBeUndefined();
    });

    it('its own writes are in its layer when apply returns', async () => {
      const store = await openStore(uniqueSchema(), { pollIntervalMs: 60_000 });
      const written = new ResourceSet();
      await store.follow(new WrittenLayer(written, new TerminologyRegistry([written])));
      await store.create(codeSystem('mine'));
      expect(written.byResourceId('CodeSystem', 'mine')?.meta?.versionId).toBe('1');
    });

    it('reconnects a dropped listener and catches up with what it missed', async () => {
      const schema = uniqueSchema();
      const writer = await openStore(schema);
      const follower = await openStore(schema, { pollIntervalMs: 1000 });
      const recorder = new Recorder();
      await follower.follow(recorder);
      expect(follower.listening).toBe(true);
      const killed = await withClient(async (c) => (await c.query(
        'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [`faelles-tx listener ${schema}`])).rowCount);
      expect(killed).toBe(1);
      await writer.create(codeSystem('while-away'));
      await waitFor('the missed write arrives', () => recorder.has('while-away', 1), 5000);
      await waitFor('the listener is back', () => follower.listening, 5000);
      await writer.create(codeSystem('after-reconnect'));
      await waitFor('notifications work again', () => recorder.has('after-reconnect', 1), 2000);
    });

    it('listens again when its connection is lost in the moment LISTEN is answered', async () => {
      const schema = uniqueSchema();
      const writer = await openStore(schema);
      const follower = await openStore(schema, { pollIntervalMs: 60_000 });
      const recorder = new Recorder();
      // the connection's error read before the LISTEN's reply is handed on, as when PostgreSQL's FATAL and the reply
      // come in one chunk: the store once kept the dead client and never listened again
      const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
      const query = proto.query;
      let dropped = 0;
      proto.query = function (this: Client, ...args: unknown[]) {
        const result = query.apply(this, args);
        if (dropped > 0 || typeof args[0] !== 'string' || !args[0].startsWith('LISTEN')) return result;
        dropped++;
        return (result as Promise<unknown>).then((reply) => {
          this.emit('error', new Error('terminating connection due to administrator command'));
          return reply;
        });
      };
      try {
        await follower.follow(recorder);
      } finally {
        proto.query = query;
      }
      expect(dropped).toBe(1);
      await waitFor('the listener is back', () => follower.listening, 5000);
      await writer.create(codeSystem('after-lost-listen'));
      await waitFor('notifications work', () => recorder.has('after-lost-listen', 1), 2000);
    });

    it('catchUp() returns once every change committed before it is delivered', async () => {
      const schema = uniqueSchema();
      const writer = await openStore(schema);
      const follower = await openStore(schema, { pollIntervalMs: 60_000 });
      const recorder = new Recorder();
      await follower.follow(recorder);
      for (let i = 0; i < 5; i++) {
        await writer.create(codeSystem(`c${i}`));
        await follower.catchUp();
        expect(recorder.has(`c${i}`, 1)).toBe(true);
      }
    });
  });
});
