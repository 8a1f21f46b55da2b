/**
 * The synchronous reader of the PostgreSQL store (past versions read inside synchronous code): answers, the
 * database's errors with their SQLSTATE, and a query that is not answered within the reply wait, after which a new
 * worker serves the next query.
 */
import { SyncReader } from '../../src/store/postgres-sync-read';
import { describeWithPostgres, TEST_DATABASE_URL } from '../support/postgres';

describeWithPostgres('SyncReader', () => {
  const readers: SyncReader[] = [];
  const reader = (statementTimeoutMs: number, replyWaitMs: number, coolDownMs?: number): SyncReader => {
    const r = new SyncReader({ connectionString: TEST_DATABASE_URL, statementTimeoutMs, replyWaitMs, coolDownMs, applicationName: 'faelles-tx sync-read test' });
    readers.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of readers) await r.close();
  });

  it('answers a query with its rows, on the calling thread', () => {
    const r = reader(5000, 10_000);
    expect(r.query<{ n: number; t: string }>('SELECT $1::int AS n, $2::text AS t', [7, 'æøå'])).toEqual([{ n: 7, t: 'æøå' }]);
    expect(r.query<{ n: number }>('SELECT generate_series(1, 3) AS n', []).map((x) => x.n)).toEqual([1, 2, 3]);
  });

  it('throws the database\'s error with its SQLSTATE, and answers the next query', () => {
    const r = reader(200, 5000);
    expect(() => r.query('SELECT pg_sleep(2)', [])).toThrow(expect.objectContaining({ code: '57014' }));
    expect(() => r.query('SELEC 1', [])).toThrow(expect.objectContaining({ code: '42601' }));
    expect(r.query<{ n: number }>('SELECT 1 AS n', [])).toEqual([{ n: 1 }]);
  });

  it('gives up after the reply wait; the queries right after fail at once, and after the cool-down a new worker answers', async () => {
    // a cool-down of seconds, and "at once" as under the reply wait: CI runs this beside browsers and servers, whose
    // load may hold this thread for a second (with a cool-down of 1 s it was over before the next query once)
    const r = reader(10_000, 300, 3000);
    r.query('SELECT 1', []); // the worker is up and connected
    let started = Date.now();
    expect(() => r.query('SELECT pg_sleep(3)', [])).toThrow('Query read timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    started = Date.now();
    expect(() => r.query('SELECT 2', [])).toThrow('Query read timeout');
    expect(Date.now() - started).toBeLessThan(250);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    expect(r.query<{ n: number }>('SELECT 2 AS n', [])).toEqual([{ n: 2 }]);
  });
});
