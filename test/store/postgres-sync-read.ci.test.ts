/**
 * The synchronous reader of the PostgreSQL store (past versions read inside synchronous code, the whole process
 * waiting): answers, the database's errors with their SQLSTATE, a statement cancelled by its session's lock or
 * statement timeout, and a query that is not answered within the reply wait, after which a new worker serves; after
 * any timeout the queries fail at once for the cool-down, so that a locked or hung database holds the process up once
 * per cool-down rather than at every request.
 */
import { Client } from 'pg';
import { ReadsPaused, SyncReader, type SyncReadOptions } from '../../src/store/postgres-sync-read';
import { startHangingProxy } from '../support/hanging-proxy';
import { describeWithPostgres, TEST_DATABASE_URL, timedSync, withClient } from '../support/postgres';

describeWithPostgres('SyncReader', () => {
  const readers: SyncReader[] = [];
  const reader = (options: Partial<SyncReadOptions> = {}): SyncReader => {
    const r = new SyncReader({
      connectionString: TEST_DATABASE_URL, statementTimeoutMs: 5000, lockTimeoutMs: 5000, replyWaitMs: 10_000, applicationName: 'faelles-tx sync-read test', ...options,
    });
    readers.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of readers) await r.close();
  });
  it('answers a query with its rows, on the calling thread', () => {
    const r = reader();
    expect(r.query<{ n: number; t: string }>('SELECT $1::int AS n, $2::text AS t', [7, 'æøå'])).toEqual([{ n: 7, t: 'æøå' }]);
    expect(r.query<{ n: number }>('SELECT generate_series(1, 3) AS n', []).map((x) => x.n)).toEqual([1, 2, 3]);
  });

  it('throws the database\'s error with its SQLSTATE, and answers the next query', () => {
    const r = reader();
    expect(() => r.query('SELEC 1', [])).toThrow(expect.objectContaining({ code: '42601' }));
    expect(() => r.query('SELECT 1/0', [])).toThrow(expect.objectContaining({ code: '22012' }));
    expect(r.query<{ n: number }>('SELECT 1 AS n', [])).toEqual([{ n: 1 }]);
    expect(r.pausedFor()).toBe(0);
  });

  it('a statement the statement timeout cancels: the queries right after fail at once, for the cool-down', () => {
    const r = reader({ statementTimeoutMs: 200, coolDownMs: 5000 });
    expect(timedSync(() => r.query('SELECT pg_sleep(2)', [])).error).toMatchObject({ code: '57014' });
    const next = timedSync(() => r.query('SELECT 1', []));
    expect(next.error).toBeInstanceOf(ReadsPaused);
    expect(next.ms).toBeLessThan(100);
    expect(r.pausedFor()).toBeGreaterThan(3000);
  });

  it('a statement waiting for a lock another session holds is cancelled after the lock timeout, and the queries right after fail at once', async () => {
    const table = `faelles_tx_sync_read_lock_${process.pid}`;
    await withClient((c) => c.query(`CREATE TABLE IF NOT EXISTS public.${table} (n int)`));
    const locker = new Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
    try {
      const r = reader({ lockTimeoutMs: 200, coolDownMs: 5000 });
      r.query('SELECT 1', []); // the worker is up and connected
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE public.${table} IN ACCESS EXCLUSIVE MODE`);
      const locked = timedSync(() => r.query(`SELECT n FROM public.${table}`, []));
      expect(locked.error).toMatchObject({ code: '55P03' });
      // the statement timeout (5 s) is not what ended it
      expect(locked.ms).toBeLessThan(1500);
      const next = timedSync(() => r.query(`SELECT n FROM public.${table}`, []));
      expect(next.error).toBeInstanceOf(ReadsPaused);
      expect(next.ms).toBeLessThan(100);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await withClient((c) => c.query(`DROP TABLE IF EXISTS public.${table}`));
    }
  });

  it('gives up after the reply wait; the queries right after fail at once, and after the cool-down a new worker answers', async () => {
    // a cool-down of seconds, and "at once" as under the reply wait: CI runs this beside browsers and servers, whose
    // load may hold this thread for a second (with a cool-down of 1 s it was over before the next query once)
    const r = reader({ statementTimeoutMs: 10_000, replyWaitMs: 300, coolDownMs: 3000 });
    r.query('SELECT 1', []); // the worker is up and connected
    const hung = timedSync(() => r.query('SELECT pg_sleep(3)', []));
    expect(hung.error).toEqual(new Error('Query read timeout'));
    expect(hung.ms).toBeLessThan(2000);
    const next = timedSync(() => r.query('SELECT 2', []));
    expect(next.error).toBeInstanceOf(ReadsPaused);
    expect(next.ms).toBeLessThan(250);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    expect(r.query<{ n: number }>('SELECT 2 AS n', [])).toEqual([{ n: 2 }]);
  });

  it('connects when the worker starts: a database that stops answering later makes the first query wait the reply wait, not a new worker\'s start allowance', async () => {
    const proxy = await startHangingProxy(TEST_DATABASE_URL);
    try {
      const applicationName = `faelles-tx sync-read early ${process.pid}`;
      const r = reader({ connectionString: proxy.urlFor(TEST_DATABASE_URL), replyWaitMs: 300, applicationName });
      r.prepare();
      const started = Date.now();
      while ((await withClient((c) => c.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [applicationName]))).rowCount === 0) {
        if (Date.now() - started > 10_000) throw new Error('the worker did not connect');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // connected and idle: let the start allowance of a new worker run out, then hang
      await new Promise((resolve) => setTimeout(resolve, 1100));
      proxy.hangNow();
      const hung = timedSync(() => r.query('SELECT 1', []));
      expect(hung.error).toEqual(new Error('Query read timeout'));
      expect(hung.ms).toBeLessThan(900);
    } finally {
      proxy.resume();
      await proxy.close();
    }
  });
});
