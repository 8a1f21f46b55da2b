import { ConfigError, loadConfig } from '../../src/config';
import { redactConnectionString } from '../../src/store/postgres-store';

describe('store configuration', () => {
  it('uses the embedded SQLite store by default', () => {
    const c = loadConfig({});
    expect(c.store).toBe('sqlite');
    expect(c.database).toBeUndefined();
  });

  it('selects PostgreSQL with DATABASE_URL, with its defaults', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://tx:secret@db.example.dk:5432/faelles_tx' });
    expect(c.store).toBe('postgres');
    expect(c.database).toEqual({
      url: 'postgres://tx:secret@db.example.dk:5432/faelles_tx', schema: 'public', poolSize: 10, pollIntervalMs: 5000,
      statementTimeoutMs: 10_000, lockTimeoutMs: 5000, idleInTransactionTimeoutMs: 10_000,
    });
  });

  it('reads the database timeouts, and keeps the wait for the database below the request timeout', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://db/x', DATABASE_STATEMENT_TIMEOUT_MS: '4000', DATABASE_LOCK_TIMEOUT_MS: '1500', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '20000',
    });
    expect(c.database).toMatchObject({ statementTimeoutMs: 4000, lockTimeoutMs: 1500, idleInTransactionTimeoutMs: 20_000 });
    // A shorter request timeout brings the default statement timeout (and the lock timeout) down with it.
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', REQUEST_TIMEOUT_MS: '6000' }).database).toMatchObject({ statementTimeoutMs: 2000, lockTimeoutMs: 2000 });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x', REQUEST_TIMEOUT_MS: '10000', DATABASE_STATEMENT_TIMEOUT_MS: '9000' }))
      .toThrow(/DATABASE_STATEMENT_TIMEOUT_MS \(9000\) and the 2000 ms the server waits beyond it for an answer must stay below REQUEST_TIMEOUT_MS \(10000\)/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x', DATABASE_STATEMENT_TIMEOUT_MS: '1000', DATABASE_LOCK_TIMEOUT_MS: '2000' }))
      .toThrow(/DATABASE_LOCK_TIMEOUT_MS \(2000\) must not be above DATABASE_STATEMENT_TIMEOUT_MS \(1000\)/);
  });

  it('reads DATABASE_SCHEMA, DATABASE_POOL_SIZE and SYNC_POLL_SECONDS', () => {
    const c = loadConfig({
      STORE: 'postgres', DATABASE_URL: 'postgresql:///faelles_tx?host=/var/run/postgresql', DATABASE_SCHEMA: 'tx_prod', DATABASE_POOL_SIZE: '4', SYNC_POLL_SECONDS: '2',
    });
    expect(c.database).toMatchObject({ schema: 'tx_prod', poolSize: 4, pollIntervalMs: 2000 });
  });

  it.each([
    [{ STORE: 'postgres' }, /STORE=postgres needs DATABASE_URL/],
    [{ STORE: 'sqlite', DATABASE_URL: 'postgres://db/x' }, /DATABASE_URL is set, but STORE=sqlite/],
    [{ STORE: 'mysql' }, /STORE must be sqlite, memory or postgres/],
    [{ DATABASE_URL: 'not a url' }, /DATABASE_URL must be a URL/],
    [{ DATABASE_URL: 'mysql://db/x' }, /must start with postgres:\/\//],
    [{ DATABASE_URL: 'postgres://db/x', DATABASE_SCHEMA: 'Robert"; DROP' }, /DATABASE_SCHEMA/],
    [{ DATABASE_URL: 'postgres://db/x', DATABASE_POOL_SIZE: '0' }, /DATABASE_POOL_SIZE/],
    [{ DATABASE_URL: 'postgres://db/x', SYNC_POLL_SECONDS: 'soon' }, /SYNC_POLL_SECONDS/],
    [{ DATABASE_URL: 'postgres://db/x', DATABASE_STATEMENT_TIMEOUT_MS: '0' }, /DATABASE_STATEMENT_TIMEOUT_MS must be between/],
    [{ DATABASE_URL: 'postgres://db/x', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: 'never' }, /DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS/],
  ])('refuses %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it.each([
    [{ DATABASE_POOL_SIZE: 'abc' }, /^DATABASE_POOL_SIZE is set, but the store is sqlite \(STORE\): it is for the PostgreSQL store, DATABASE_URL$/],
    [{ STORE: 'memory', DATABASE_SCHEMA: 'tx', SYNC_POLL_SECONDS: '2' }, /^DATABASE_SCHEMA, SYNC_POLL_SECONDS are set, but the store is memory \(STORE\): they are/],
  ])('refuses the PostgreSQL settings without PostgreSQL, as they would do nothing: %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('takes an empty PostgreSQL setting as not set, as every other variable (a compose file passes ${VAR:-})', () => {
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '', DATABASE_POOL_SIZE: '', SYNC_POLL_SECONDS: '', PACKAGES_WATCH_INTERVAL_MS: '' }).store).toBe('sqlite');
  });

  it('never repeats the password in a message', () => {
    try {
      loadConfig({ DATABASE_URL: 'mysql://tx:hunter2@db/x' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
      return;
    }
    throw new Error('expected a ConfigError');
  });

  it('shows the connection string in the start-up log without its secrets: the password, in the user part or a query parameter, and the key\'s passphrase', () => {
    expect(redactConnectionString('postgres://tx:hunter2@db:5432/x')).toBe('postgres://tx:***@db:5432/x');
    const shown = redactConnectionString('postgres://127.0.0.1:5432/db?user=postgres&password=HUNTER2&sslkey=/run/tx.key&sslpassword=KEYPASS&PASSWORD=UPPER');
    expect(shown).not.toMatch(/HUNTER2|KEYPASS|UPPER/);
    // what says where it connects stays
    expect(shown).toBe('postgres://127.0.0.1:5432/db?user=postgres&password=***&sslkey=/run/tx.key&sslpassword=***&PASSWORD=***');
  });
});
