import os from 'node:os';
import type { AuditEvent } from 'fhir/r4';
import { Client, DatabaseError, Pool, type Notification, type PoolClient } from 'pg';
import { FhirError } from '../errors/fhir-error';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { auditFilter, auditOrder, joinKeys, type AuditOfWrite, type AuditPage, type AuditQuery, type AuditRecord } from './audit-log';
import { abandonedWrite, CommitGate, outcomeUnknown } from './commit-gate';
import { headColumn, headFromColumn, type WrittenVersion } from './past-version';
import { connectFailed, failedBeforeWrite, isUnavailable, mapError, neverSent, readable } from './postgres-errors';
import { migrateSchema, SCHEMA_NAME } from './postgres-migrations';
import { PostgresClosureTables } from './closure-postgres';
import { replyWaitMs, START_UP_WAIT_MS, SYNC_READ_LOCK_MS, SYNC_READ_STATEMENT_MS, SYNC_READ_WAIT_MS, waitingUpTo } from './postgres-waits';
import { ReadsPaused, SyncReader } from './postgres-sync-read';
import {
  type HistoryPage, type HistoryQuery,
  StoreConflictError, type ChangeFeed, type ChangeSink, type Deletion, type PackageCommit, type ResourceChange, type StoredVersion, type TerminologyStore, type WriteOperation,
} from './store';
import { packageAlreadyLoaded, packageContent, packageFromRow, packageNotLoaded, type PackageRecord, type PackageRow, type PackageUnload, type StoredPackage } from './packages';
import { BaseStore, FHIR_ID, parseStored, planChange, targetOf, storedVersionOf, toStoredVersion, versionNumber, type HistoryRow, type PlannedChange } from './store-support';

/** The channel every PostgresStore notifies on after a write; the payload is `{schema} {change sequence}`. */
export const CHANGE_CHANNEL = 'faelles_tx_changes';


export interface StoreLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (DATABASE_URL). */
  connectionString: string;
  /** The schema the tables live in (created when missing); default `public`. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** How often a following store asks the database for changes it was not notified of; default 5000 ms. */
  pollIntervalMs?: number;
  /** How long to wait for a connection; default 10000 ms. */
  connectTimeoutMs?: number;
  /** statement_timeout of every session: a statement running longer is cancelled; default 10000 ms. */
  statementTimeoutMs?: number;
  /** lock_timeout of every session: a write waiting longer for another write's lock gives up; default 5000 ms. */
  lockTimeoutMs?: number;
  /** idle_in_transaction_session_timeout: a session idle that long inside a transaction (its process hung) is ended; default 10000 ms. */
  idleInTransactionTimeoutMs?: number;
  logger?: StoreLogger;
}

/**
 * How this process's connections show in pg_stat_activity: the program and the host (a replica's container or
 * machine), so an operator sees which replica holds a lock. `application_name` in DATABASE_URL takes precedence.
 */
export function defaultApplicationName(): string {
  return `faelles-tx ${os.hostname()}`.slice(0, 50);
}

const SILENT: StoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MAX_VERSION_ID = 2_147_483_647;
/** Lone UTF-16 surrogates cannot be stored in a PostgreSQL text column, NUL characters neither. */
const NOT_STORABLE = /[\u0000]|\p{Cs}/u;

interface ResourceRow {
  resource_type: TerminologyType;
  id: string;
  version_id: number;
  content: string | null;
  last_updated: string;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The query parameters of a connection string that are secrets themselves: pg takes every parameter as a setting
 * (`?password=` as the password), libpq's `sslpassword` is the passphrase of the client key. `sslcert`, `sslkey` and
 * `sslrootcert` name files, and stay.
 */
const SECRET_PARAMETERS = new Set(['password', 'sslpassword']);

/** The query (`?a=1&b=2`) with the values of its secret parameters masked, the rest as written. */
function redactedQuery(search: string): string {
  return search.slice(1).split('&').map((pair) => {
    const name = pair.split('=')[0]!;
    return SECRET_PARAMETERS.has(decodeURIComponent(name).toLowerCase()) ? `${name}=***` : pair;
  }).join('&');
}

/** The connection string without its password (in the user part or a query parameter), for messages. */
export function redactConnectionString(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = redactedQuery(u.search);
    return u.toString();
  } catch {
    return '(unparsable connection string)';
  }
}

/** A text column value: absent stays NULL; anything but storable text is bad input (400), never a database error. */
function textColumn(value: unknown, what: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw FhirError.invalid(`${what} must be a string`, { da: `${what} skal være en tekst.` });
  if (NOT_STORABLE.test(value)) {
    throw FhirError.invalid(`${what} contains a character that cannot be stored (NUL or an unpaired surrogate)`, {
      da: `${what} indeholder et tegn, der ikke kan gemmes (NUL eller et uparret surrogat).`,
    });
  }
  return value;
}

const PACKAGE_COLUMNS = 'name, version, fhir_version, dependencies, content, loaded_at, loaded_by';

/** A connection checked out of the pool; broken is set when it must be discarded on release. */
interface Checkout {
  readonly client: PoolClient;
  broken?: Error;
  release(): void;
}

/**
 * The PostgreSQL store: for several server processes (replicas) sharing one database. Same behaviour as the
 * embedded store (test/store/store-contract.ts), plus:
 *  - writes are serialised by the change-sequence row (store_state), and the expected version of a conditional
 *    change is checked on the locked row inside the transaction, so two replicas writing the same resource give
 *    exactly one winner;
 *  - a url|version used by two live resources of one type is refused inside the transaction too (409), as the
 *    writer's own check only sees what its replica has seen;
 *  - after a write, NOTIFY faelles_tx_changes '{schema} {sequence}'; follow() keeps a ChangeSink up to date from
 *    those notifications, and from a poll every pollIntervalMs and after every reconnect of the listener.
 */
export class PostgresStore extends BaseStore implements TerminologyStore, ChangeFeed {
  readonly schema: string;
  private readonly pool: Pool;
  private readonly options: PostgresStoreOptions;
  private readonly logger: StoreLogger;
  /** Reads past versions inside synchronous code (loadHistory's `load`). */
  private readonly pastVersions: SyncReader;
  private closed = false;

  // Following (replicas).
  private sink?: ChangeSink;
  private seenSeq = 0;
  private listener?: Client;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectDelayMs = 250;
  private pollTimer?: NodeJS.Timeout;
  private catchingUp?: Promise<void>;
  private catchUpAgain = false;
  private pollFailing = false;
  /** The highest change sequence number of the packages delivered to the sink. */
  private seenPackageSeq = 0;

  protected readonly closures = new PostgresClosureTables({
    t: (table) => this.t(table), transaction: (fn, gate) => this.transaction(fn, { gate }), query: (text, values) => this.query(text, values),
  });

  /** Connects, creates the schema and runs the pending migrations. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const store = new PostgresStore(options);
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  private constructor(options: PostgresStoreOptions) {
    super();
    this.options = options;
    this.schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(this.schema)) throw new Error(`'${this.schema}' is not a valid schema name (${SCHEMA_NAME.source})`);
    this.logger = options.logger ?? SILENT;
    const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
    const lockTimeoutMs = options.lockTimeoutMs ?? 5_000;
    this.pool = new Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      statement_timeout: statementTimeoutMs,
      lock_timeout: lockTimeoutMs,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 10_000,
      // The client's own limit, for a database that does not answer at all (the server-side timeouts need a live server).
      query_timeout: replyWaitMs(statementTimeoutMs),
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: defaultApplicationName(),
    });
    // the whole process waits for these reads: bounds of their own, far below a request's (postgres-waits.ts)
    const syncStatementMs = Math.min(statementTimeoutMs, SYNC_READ_STATEMENT_MS);
    this.pastVersions = new SyncReader({
      connectionString: options.connectionString,
      statementTimeoutMs: syncStatementMs,
      lockTimeoutMs: Math.min(lockTimeoutMs, SYNC_READ_LOCK_MS),
      replyWaitMs: syncStatementMs + SYNC_READ_WAIT_MS - SYNC_READ_STATEMENT_MS,
      applicationName: defaultApplicationName(),
    });
    // An idle connection that breaks emits here; without a listener that would end the process.
    this.pool.on('error', (e) => this.logger.warn(`PostgreSQL: an idle connection failed: ${e.message}`));
  }

  private t(table: string): string {
    return `${quoteIdent(this.schema)}.${quoteIdent(table)}`;
  }

  /** The highest change sequence number this store has delivered to its sink. */
  get seenSequence(): number {
    return this.seenSeq;
  }

  /** Whether the LISTEN connection is up (following stores). */
  get listening(): boolean {
    return this.listener !== undefined;
  }

  private async migrate(): Promise<void> {
    await this.transaction((client) => migrateSchema(client, this.schema, (m) => this.logger.info(m)));
  }

  /**
   * Runs fn in a read-only transaction that reads the whole store once (start-up, a tool's load): its statements are
   * not held to the statement timeout of a request's, since the whole content can take longer to read than any one
   * request may; each still waits at most START_UP_WAIT_MS for its answer (give its queries waitingUpTo).
   */
  private async wholeRead<T>(fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN READ ONLY'): Promise<T> {
    return this.transaction(async (client) => {
      await client.query('SET LOCAL statement_timeout = 0');
      return fn(client);
    }, { begin });
  }

  /**
   * Runs fn in a transaction on one connection; rolls back when it throws. With a gate, the commit happens only when
   * the gate lets it (else the transaction is rolled back); once COMMIT is sent, a failure without the database's
   * answer (no reply, the connection lost) leaves the outcome unknown, and that is what the error says (504).
   */
  private async transaction<T>(fn: (client: PoolClient) => Promise<T>, options: { begin?: string; gate?: CommitGate } = {}): Promise<T> {
    const writing = options.gate !== undefined;
    const { checkout } = await this.checkout((c) => c.query(options.begin ?? 'BEGIN'), writing);
    const { client } = checkout;
    let commitSent = false;
    try {
      const result = await fn(client);
      if (options.gate && !options.gate.enterCommit()) throw abandonedWrite();
      commitSent = true;
      await client.query('COMMIT');
      return result;
    } catch (e) {
      if (!(e instanceof DatabaseError) && !(e instanceof FhirError)) {
        // No answer, or no connection: a ROLLBACK would wait as long. The connection is closed instead, which ends
        // the transaction in the database unless its COMMIT was already sent.
        checkout.broken = e instanceof Error ? e : new Error(String(e));
        if (commitSent && !neverSent(e)) throw outcomeUnknown(checkout.broken);
      } else {
        try {
          await client.query('ROLLBACK');
        } catch (r) {
          checkout.broken = r instanceof Error ? r : new Error(String(r));
        }
      }
      throw mapError(e, writing);
    } finally {
      checkout.release();
    }
  }

  /**
   * A pooled connection, and what its first statement (BEGIN, or a read) answered. A connection the database ended
   * while it sat idle in the pool (a restart, a failover, an administrator) fails that statement before anything of a
   * transaction ran: it is discarded and the next one tried, so the request gets the database's present state rather
   * than a stale connection's. After a restart every idle connection may be such, hence up to the pool's size of them,
   * and then one fresh connection.
   */
  private async checkout<T>(first: (client: PoolClient) => Promise<T>, writing: boolean, staleLeft = this.pool.options.max): Promise<{ checkout: Checkout; answer: T }> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      // nothing was sent: whatever the reason, the write can be sent again
      throw connectFailed(e, writing);
    }
    // A checked-out connection the database ends (a restart, an administrator, idle_in_transaction_session_timeout)
    // emits 'error', which would end the process without a listener; its queries fail, and that is handled by the caller.
    const checkout: Checkout = {
      client,
      release: () => {
        // A connection that failed (or failed to roll back) is discarded rather than returned to the pool.
        client.removeListener('error', onConnectionError);
        client.release(checkout.broken);
      },
    };
    const onConnectionError = (e: Error) => {
      checkout.broken ??= e;
    };
    client.on('error', onConnectionError);
    try {
      return { checkout, answer: await first(client) };
    } catch (e) {
      checkout.broken = e instanceof Error ? e : new Error(String(e));
      checkout.release();
      if (staleLeft > 0 && isUnavailable(e)) return this.checkout(first, writing, staleLeft - 1);
      throw mapError(e, writing);
    }
  }

  /** A read outside a transaction (waiting `waitMs` for its answer when given); a read is safe to repeat on another connection. */
  private async query<R extends object>(text: string, values: unknown[], waitMs?: number): Promise<R[]> {
    const { checkout, answer } = await this.checkout((client) => client.query<R>(waitingUpTo({ text, values }, waitMs)), false);
    checkout.release();
    return answer.rows;
  }

  /** A stored resource's text (`row` names where it is) read back; a row the server cannot read is 503, not 500. */
  private parse(content: string, row: string): TerminologyResource {
    return readable(() => parseStored<TerminologyResource>(content, row));
  }

  async loadAll(): Promise<TerminologyResource[]> {
    const rows = await this.wholeRead(async (client) => (await client.query<{ resource_type: string; id: string; content: string }>(waitingUpTo({
      text: `SELECT resource_type, id, content FROM ${this.t('resource')} WHERE NOT deleted ORDER BY resource_type COLLATE "C", id COLLATE "C"`,
    }, START_UP_WAIT_MS))).rows);
    return rows.map((r) => this.parse(r.content, `${r.resource_type}/${r.id}`));
  }

  async read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined> {
    if (!FHIR_ID.test(id)) return undefined; // never stored, and not always text PostgreSQL accepts
    const rows = await this.query<{ content: string }>(
      `SELECT content FROM ${this.t('resource')} WHERE resource_type = $1 AND id = $2 AND NOT deleted`, [type, id]);
    return rows[0] ? this.parse(rows[0].content, `${type}/${id}`) : undefined;
  }

  async readVersion(type: TerminologyType, id: string, versionId: string): Promise<StoredVersion | undefined> {
    const number = versionNumber(versionId);
    if (!FHIR_ID.test(id) || number === undefined || number > MAX_VERSION_ID) return undefined;
    const rows = await this.query<HistoryRow>(
      `SELECT resource_type, id, version_id, method, request_method, last_updated, content FROM ${this.t('resource_history')}
       WHERE resource_type = $1 AND id = $2 AND version_id = $3`, [type, id, number]);
    return rows[0] ? readable(() => storedVersionOf(rows[0]!)) : undefined;
  }

  async history(type: TerminologyType, id: string): Promise<StoredVersion[]> {
    if (!FHIR_ID.test(id)) return [];
    const rows = await this.query<HistoryRow>(
      `SELECT resource_type, id, version_id, method, request_method, last_updated, content FROM ${this.t('resource_history')}
       WHERE resource_type = $1 AND id = $2 ORDER BY version_id DESC`, [type, id]);
    return readable(() => rows.map((r) => storedVersionOf(r)));
  }

  async historyPage(query: HistoryQuery): Promise<HistoryPage> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (query.type !== undefined) { args.push(query.type); where.push(`resource_type = $${args.length}`); }
    if (query.since !== undefined) { args.push(query.since); where.push(`last_updated COLLATE "C" >= $${args.length}`); }
    if (query.until !== undefined) { args.push(query.until); where.push(`last_updated COLLATE "C" <= $${args.length}`); }
    const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const [matched] = await this.query<{ total: string; newest: string | null }>(
      `SELECT count(*)::text AS total, max(last_updated COLLATE "C") AS newest FROM ${this.t('resource_history')} ${filter}`, args);
    const rows = await this.query<HistoryRow>(
      `SELECT resource_type, id, version_id, method, request_method, last_updated, content FROM ${this.t('resource_history')} ${filter}
       ORDER BY last_updated COLLATE "C" DESC, resource_type COLLATE "C", id COLLATE "C", version_id DESC
       LIMIT $${args.length + 1} OFFSET $${args.length + 2}`, [...args, query.count, query.offset]);
    const page: HistoryPage = { total: Number(matched!.total), versions: readable(() => rows.map((r) => storedVersionOf(r))) };
    if (matched!.newest !== null) page.newest = matched!.newest;
    return page;
  }

  async apply(changes: WriteOperation[], gate = new CommitGate(), audit?: AuditOfWrite): Promise<(StoredVersion | undefined)[]> {
    // Bad input is refused before the database is asked anything.
    for (const change of changes) {
      targetOf(change);
      if (change.kind !== 'delete') {
        textColumn(change.resource.url, `${change.resource.resourceType}.url`);
        textColumn(change.resource.version, `${change.resource.resourceType}.version`);
      }
    }
    if (changes.length === 0) return [];
    const { results, written, lastUpdated } = await this.transaction(async (client) => {
      // Takes the change-sequence row lock: from here until COMMIT no other write runs, in any process. The
      // timestamp is the database's, so meta.lastUpdated follows the commit order whichever replica writes, and it is
      // later than every version before it, a millisecond after the newest when the clock has not passed it (writeInstant).
      const { rows: [state] } = await client.query<{ seq: string; now: string }>(
        `UPDATE ${this.t('store_state')} SET change_seq = change_seq + 1
         RETURNING change_seq::text AS seq, to_char(greatest(date_trunc('milliseconds', clock_timestamp()),
           (SELECT last_updated::timestamptz + interval '1 millisecond' FROM ${this.t('resource_history')} ORDER BY last_updated COLLATE "C" DESC LIMIT 1))
           AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`);
      if (!state) throw new Error(`${this.t('store_state')} has no row`);
      const seq = state.seq;
      const lastUpdated = state.now;
      const out: (StoredVersion | undefined)[] = [];
      const done: PlannedChange[] = [];
      for (const change of changes) {
        const { resourceType, id } = targetOf(change);
        const { rows: [row] } = await client.query<{ version_id: number; deleted: boolean }>(
          `SELECT version_id, deleted FROM ${this.t('resource')} WHERE resource_type = $1 AND id = $2 FOR UPDATE`, [resourceType, id]);
        const planned = planChange(change, row ? { versionId: row.version_id, deleted: row.deleted } : undefined, lastUpdated);
        if (!planned) {
          out.push(undefined);
          continue;
        }
        if (planned.versionId > MAX_VERSION_ID) throw FhirError.invalid(`${resourceType}/${id} has reached the highest version number`, { da: `${resourceType}/${id} har nået det højeste versionsnummer.` });
        const content = planned.resource ? JSON.stringify(planned.resource) : null;
        const url = textColumn(planned.resource?.url, `${resourceType}.url`);
        const version = textColumn(planned.resource?.version, `${resourceType}.version`);
        const deleted = planned.method === 'delete';
        if (!row) {
          const inserted = await client.query(
            `INSERT INTO ${this.t('resource')} (resource_type, id, version_id, deleted, url, version, last_updated, content, change_seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (resource_type, id) DO NOTHING`,
            [resourceType, id, planned.versionId, deleted, url, version, lastUpdated, content, seq]);
          if (inserted.rowCount !== 1) throw new StoreConflictError({
            en: `${resourceType}/${id} was created at the same time by another writer`,
            da: `${resourceType}/${id} blev oprettet samtidig af en anden.`,
          }, 'already-exists');
        } else {
          // Conditional on the version read above (under FOR UPDATE): the expected-version check holds in the database.
          const updated = await client.query(
            `UPDATE ${this.t('resource')} SET version_id = $3, deleted = $4, url = $5, version = $6, last_updated = $7, content = $8, change_seq = $9
             WHERE resource_type = $1 AND id = $2 AND version_id = $10`,
            [resourceType, id, planned.versionId, deleted, url, version, lastUpdated, content, seq, row.version_id]);
          if (updated.rowCount !== 1) {
            throw new StoreConflictError({
              en: `${resourceType}/${id} was changed at the same time by another writer`,
              da: `${resourceType}/${id} blev ændret samtidig af en anden.`,
            }, 'version-mismatch');
          }
        }
        await client.query(
          `INSERT INTO ${this.t('resource_history')} (resource_type, id, version_id, method, request_method, last_updated, content, change_seq, head)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [resourceType, id, planned.versionId, planned.method, planned.requestMethod, lastUpdated, content, seq, planned.resource ? headColumn(planned.resource) : null]);
        out.push(toStoredVersion(planned, lastUpdated));
        done.push(planned);
      }
      await this.checkCanonicals(client, done);
      if (audit) await this.insertAudit(client, audit(out));
      if (done.length > 0) await client.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, `${this.schema} ${seq}`]);
      return { results: out, written: done, lastUpdated };
    }, { gate });
    // Committed: this process's own layer has the change before the caller continues (read-your-writes).
    this.deliver(written.map((p) => ({ resourceType: p.resourceType, id: p.id, versionId: p.versionId, resource: p.resource, lastUpdated })));
    return results;
  }

  // --- Past versions and the audit log (who changed what) ---

  async loadHistory(): Promise<WrittenVersion[]> {
    // The head as written with the version (migration 7); a version written by a build before it has none, and its
    // head is read from its text. The text itself is read when a request first needs more than the head
    // (src/store/past-version.ts), on the synchronous reader: start-up does not hold every version in memory.
    const rows = await this.wholeRead(async (client) => (await client.query<{ resource_type: TerminologyType; id: string; version_id: number; last_updated: string; head: (string | null)[] }>(waitingUpTo({
      text: `SELECT resource_type, id, version_id, last_updated,
          coalesce(head, (SELECT ARRAY[j->>'url', j->>'version', j->>'status', j->>'date', j->>'content'] FROM (SELECT content::jsonb AS j) AS parsed)) AS head
        FROM ${this.t('resource_history')} WHERE content IS NOT NULL`,
    }, START_UP_WAIT_MS))).rows);
    if (rows.length > 0) this.pastVersions.prepare();
    return rows.map((r) => ({
      head: headFromColumn(r.resource_type, r.id, r.head), lastUpdated: r.last_updated, load: this.versionLoader(r.resource_type, r.id, String(r.version_id)),
    }));
  }

  async loadDeletions(): Promise<Deletion[]> {
    const rows = await this.wholeRead(async (client) => (await client.query<{ resource_type: TerminologyType; id: string; last_updated: string }>(waitingUpTo({
      text: `SELECT resource_type, id, last_updated FROM ${this.t('resource_history')} WHERE content IS NULL`,
    }, START_UP_WAIT_MS))).rows);
    return rows.map((r) => ({ resourceType: r.resource_type, id: r.id, deletedAt: r.last_updated }));
  }

  /** A version of the history, read synchronously on the reader's own connection (src/store/postgres-sync-read.ts). */
  versionLoader(type: TerminologyType, id: string, versionId: string): () => TerminologyResource {
    this.pastVersions.prepare();
    return () => {
      const number = versionNumber(versionId);
      let rows: { content: string | null }[] = [];
      try {
        if (number !== undefined) rows = this.pastVersions.query(`SELECT content FROM ${this.t('resource_history')} WHERE resource_type = $1 AND id = $2 AND version_id = $3`, [type, id, number]);
      } catch (e) {
        throw this.pastVersionUnread(e);
      }
      if (!rows[0]?.content) throw new Error(`${type}/${id}/_history/${versionId} is no longer in ${this.t('resource_history')}`);
      return this.parse(rows[0].content, `${type}/${id}/_history/${versionId}`);
    };
  }

  /**
   * A past version the reader did not read: 503 as any read the database fails; after a timeout, and while the reader
   * fails at once (its cool-down), with Retry-After: when the reads are tried again.
   */
  private pastVersionUnread(e: unknown): unknown {
    const paused = this.pastVersions.pausedFor();
    const seconds = Math.ceil(paused / 1000);
    const mapped = e instanceof ReadsPaused
      ? new FhirError(503, 'timeout', `Past versions are not read from the database for the next ${seconds} s, since a read of one did not finish in time; try again then`, {
        da: `Tidligere versioner læses ikke fra databasen de næste ${seconds} s, da en læsning af en ikke blev færdig i tide; prøv igen derefter.`,
      })
      : mapError(e);
    return paused > 0 && mapped instanceof FhirError ? Object.assign(mapped, { retryAfter: String(seconds) }) : mapped;
  }

  private async insertAudit(client: PoolClient, record: AuditRecord): Promise<void> {
    await client.query(
      `INSERT INTO ${this.t('audit_event')} (id, recorded, owners, agents, entities, content) VALUES ($1, $2, $3, $4, $5, $6)`,
      [record.event.id, record.event.recorded, joinKeys(record.owners), joinKeys(record.agents), joinKeys(record.entities), JSON.stringify(record.event)]);
  }

  async recordAudit(record: AuditRecord): Promise<void> {
    await this.transaction((client) => this.insertAudit(client, record));
  }

  async searchAudit(q: AuditQuery): Promise<AuditPage> {
    const values: unknown[] = [];
    const filter = auditFilter(q, (column, param) => `strpos(${column}, ${param}) > 0`, (value) => {
      values.push(value);
      return `$${values.length}`;
    });
    const [{ total }] = await this.query<{ total: string }>(`SELECT count(*)::text AS total FROM ${this.t('audit_event')} ${filter}`, values);
    const rows = await this.query<{ id: string; content: string }>(
      `SELECT id, content FROM ${this.t('audit_event')} ${filter}
       ${auditOrder(q, 'recorded COLLATE "C"')} LIMIT $${values.length + 1} OFFSET $${values.length + 2}`, [...values, q.count, q.offset]);
    return { total: Number(total), events: readable(() => rows.map((r) => parseStored<AuditEvent>(r.content, `AuditEvent/${r.id}`))) };
  }

  /** A url|version may name one live resource per type; the transaction's view includes every replica's writes. */
  private async checkCanonicals(client: PoolClient, done: PlannedChange[]): Promise<void> {
    const live = done.filter((p) => p.resource?.url !== undefined);
    if (live.length === 0) return;
    const { rows } = await client.query<{ resource_type: string; id: string; url: string; version: string | null }>(
      `SELECT r.resource_type, r.id, r.url, r.version
       FROM ${this.t('resource')} r
       JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(resource_type, id, url, version)
         ON r.resource_type = c.resource_type AND r.url = c.url AND r.version IS NOT DISTINCT FROM c.version AND r.id <> c.id
       WHERE NOT r.deleted
       LIMIT 1`,
      [live.map((p) => p.resourceType), live.map((p) => p.id), live.map((p) => p.resource!.url!), live.map((p) => p.resource!.version ?? null)]);
    const clash = rows[0];
    if (clash) {
      const label = `${clash.url}${clash.version !== null ? `|${clash.version}` : ''}`;
      throw new StoreConflictError({
        en: `${label} is already used by ${clash.resource_type}/${clash.id}; update that resource instead`,
        da: `${label} bruges allerede af ${clash.resource_type}/${clash.id}; opdatér den ressource i stedet.`,
      }, 'already-exists');
    }
  }

  /** Whether the database answers now; a pooled connection it ended meanwhile says nothing of that, and is replaced. */
  async ping(timeoutMs?: number): Promise<void> {
    await this.query('SELECT 1', [], timeoutMs);
  }

  // ---- following the writes of every replica ------------------------------------------------------------------------

  private deliver(changes: ResourceChange[]): void {
    if (!this.sink || changes.length === 0) return;
    try {
      this.sink.apply(changes);
    } catch (e) {
      this.logger.error(`PostgreSQL: applying changes to the written layer failed: ${(e as Error).message}`);
    }
  }

  async follow(sink: ChangeSink): Promise<void> {
    if (this.sink) throw new Error('This store already has a follower');
    this.sink = sink;
    // The current state and the sequence number it is at, from one snapshot.
    const { seq, rows, packages } = await this.wholeRead(async (client) => {
      const s = await client.query<{ seq: string }>(`SELECT change_seq::text AS seq FROM ${this.t('store_state')}`);
      const r = await client.query<ResourceRow>(waitingUpTo({
        text: `SELECT resource_type, id, version_id, content, last_updated FROM ${this.t('resource')} ORDER BY resource_type COLLATE "C", id COLLATE "C"`,
      }, START_UP_WAIT_MS));
      const p = await client.query<PackageRow>(`SELECT ${PACKAGE_COLUMNS} FROM ${this.t('package')} ORDER BY change_seq`);
      return { seq: Number(s.rows[0]?.seq ?? 0), rows: r.rows, packages: p.rows };
    }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    sink.apply(rows.map((r) => this.toChange(r)));
    if (packages.length > 0) sink.applyPackages?.(packages.map(packageFromRow));
    this.seenSeq = seq;
    this.seenPackageSeq = seq;
    // Listen first, then catch up: a change committed in between is found by the catch-up.
    await this.listen();
    await this.catchUp();
    const pollMs = this.options.pollIntervalMs ?? 5000;
    this.pollTimer = setInterval(() => {
      if (!this.listener && !this.reconnectTimer) this.scheduleReconnect();
      this.catchUp().then(() => {
        if (this.pollFailing) this.logger.info('PostgreSQL: polling for changes works again');
        this.pollFailing = false;
      }, (e: unknown) => {
        // Once per outage, not every interval.
        if (!this.pollFailing) this.logger.warn(`PostgreSQL: polling for changes failed, retrying every ${pollMs / 1000} s: ${(e as Error).message}`);
        this.pollFailing = true;
      });
    }, pollMs);
    this.pollTimer.unref();
  }

  private toChange(r: ResourceRow): ResourceChange {
    return { resourceType: r.resource_type, id: r.id, versionId: r.version_id, resource: r.content === null ? undefined : this.parse(r.content, `${r.resource_type}/${r.id}/_history/${r.version_id}`), lastUpdated: r.last_updated };
  }

  catchUp(before?: 'write'): Promise<void> {
    const run = this.caughtUp();
    return before === 'write' ? run.catch((e: unknown) => Promise.reject(failedBeforeWrite(e))) : run;
  }

  /** The one catch-up running (or a new one): a caller arriving while one runs gets it, and it runs once more after. */
  private caughtUp(): Promise<void> {
    if (!this.sink || this.closed) return Promise.resolve();
    if (this.catchingUp) {
      // A query is running that may have started before the change the caller waits for: run once more after it.
      this.catchUpAgain = true;
      return this.catchingUp;
    }
    const run = (async () => {
      try {
        do {
          this.catchUpAgain = false;
          await this.fetchChanges();
        } while (this.catchUpAgain && !this.closed);
      } finally {
        this.catchingUp = undefined;
      }
    })();
    this.catchingUp = run;
    return run;
  }

  private async fetchChanges(): Promise<void> {
    await this.fetchPackages();
    const since = this.seenSeq;
    // One statement, one snapshot: a transaction's rows (which share its sequence number) come all or none. Every
    // version since, not only the newest: a version another replica wrote and replaced between two fetches stays
    // addressable by url|version here too (src/store/past-version.ts); the written layer keeps the newest.
    const rows = await this.query<ResourceRow & { seq: string }>(
      `SELECT resource_type, id, version_id, content, last_updated, change_seq::text AS seq FROM ${this.t('resource_history')}
       WHERE change_seq > $1 ORDER BY change_seq, version_id`, [since]);
    if (rows.length === 0) return;
    this.deliver(rows.map((r) => this.toChange(r)));
    this.seenSeq = rows.reduce((max, r) => Math.max(max, Number(r.seq)), this.seenSeq);
  }

  // ---- FHIR packages loaded at run time (src/store/packages.ts) ----------------------------------------------------

  async savePackage(pkg: PackageRecord, commit: PackageCommit = {}): Promise<StoredPackage> {
    textColumn(pkg.name, 'package name');
    textColumn(pkg.version, 'package version');
    const { fhirVersion, dependencies, content } = packageContent(pkg);
    const row = await this.transaction(async (client) => {
      // The change-sequence row lock serialises this with every write, so package rows become visible in sequence order.
      const { rows: [state] } = await client.query<{ seq: string; now: string }>(
        `UPDATE ${this.t('store_state')} SET change_seq = change_seq + 1
         RETURNING change_seq::text AS seq, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`);
      if (!state) throw new Error(`${this.t('store_state')} has no row`);
      const inserted = await client.query(
        `INSERT INTO ${this.t('package')} (name, version, fhir_version, dependencies, content, loaded_at, loaded_by, change_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name, version) DO NOTHING`,
        [pkg.name, pkg.version, fhirVersion, dependencies, textColumn(content, 'package content'), state.now, pkg.loadedBy ?? null, state.seq]);
      if (inserted.rowCount !== 1) throw packageAlreadyLoaded(pkg.name, pkg.version);
      if (commit.audit) await this.insertAudit(client, commit.audit(state.now));
      await client.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, `${this.schema} ${state.seq}`]);
      return { name: pkg.name, version: pkg.version, fhir_version: fhirVersion, dependencies, content, loaded_at: state.now, loaded_by: pkg.loadedBy ?? null };
    }, { gate: commit.gate ?? new CommitGate() });
    const stored = packageFromRow(row);
    // Committed: this process serves it before the caller continues.
    try {
      this.sink?.applyPackages?.([stored]);
    } catch (e) {
      this.logger.error(`PostgreSQL: applying a loaded package failed: ${(e as Error).message}`);
    }
    return stored;
  }

  async listPackages(): Promise<StoredPackage[]> {
    const rows = await this.query<PackageRow>(`SELECT ${PACKAGE_COLUMNS} FROM ${this.t('package')} ORDER BY change_seq`, []);
    return rows.map(packageFromRow);
  }

  async unloadPackage(name: string, version: string, by?: string, commit: PackageCommit = {}): Promise<PackageUnload> {
    const unload = await this.transaction(async (client) => {
      const { rows: [state] } = await client.query<{ seq: string; now: string }>(
        `UPDATE ${this.t('store_state')} SET change_seq = change_seq + 1
         RETURNING change_seq::text AS seq, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`);
      if (!state) throw new Error(`${this.t('store_state')} has no row`);
      const { rows: [gone] } = await client.query<{ loaded_at: string }>(
        `DELETE FROM ${this.t('package')} WHERE name = $1 AND version = $2 RETURNING loaded_at`, [name, version]);
      if (!gone) throw packageNotLoaded(name, version);
      await client.query(
        `INSERT INTO ${this.t('package_unloaded')} (name, version, loaded_at, unloaded_at, unloaded_by, change_seq) VALUES ($1, $2, $3, $4, $5, $6)`,
        [name, version, gone.loaded_at, state.now, by ?? null, state.seq]);
      if (commit.audit) await this.insertAudit(client, commit.audit(state.now));
      await client.query('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, `${this.schema} ${state.seq}`]);
      const out: PackageUnload = { name, version, loadedAt: gone.loaded_at, unloadedAt: state.now, ...(by ? { unloadedBy: by } : {}) };
      return out;
    }, { gate: commit.gate ?? new CommitGate() });
    try {
      this.sink?.unloadPackages?.([unload]);
    } catch (e) {
      this.logger.error(`PostgreSQL: applying an unloaded package failed: ${(e as Error).message}`);
    }
    return unload;
  }

  /** Loads and unloads since the last fetch, delivered in the order they were committed. */
  private async fetchPackages(): Promise<void> {
    if (!this.sink?.applyPackages) return;
    const since = this.seenPackageSeq;
    const [loads, unloads] = await Promise.all([
      this.query<PackageRow & { seq: string }>(
        `SELECT ${PACKAGE_COLUMNS}, change_seq::text AS seq FROM ${this.t('package')} WHERE change_seq > $1 ORDER BY change_seq`, [since]),
      this.query<{ name: string; version: string; loaded_at: string; unloaded_at: string; unloaded_by: string | null; seq: string }>(
        `SELECT name, version, loaded_at, unloaded_at, unloaded_by, change_seq::text AS seq FROM ${this.t('package_unloaded')}
         WHERE change_seq > $1 ORDER BY change_seq`, [since]),
    ]);
    if (loads.length === 0 && unloads.length === 0) return;
    const events = [
      ...loads.map((r) => ({ seq: Number(r.seq), load: packageFromRow(r) })),
      ...unloads.map((r) => ({
        seq: Number(r.seq),
        unload: { name: r.name, version: r.version, loadedAt: r.loaded_at, unloadedAt: r.unloaded_at, ...(r.unloaded_by ? { unloadedBy: r.unloaded_by } : {}) } as PackageUnload,
      })),
    ].sort((a, b) => a.seq - b.seq);
    try {
      for (const e of events) {
        if ('load' in e) this.sink.applyPackages([e.load]);
        else this.sink.unloadPackages?.([e.unload]);
      }
    } catch (e) {
      this.logger.error(`PostgreSQL: applying loaded or unloaded packages failed: ${(e as Error).message}`);
    }
    this.seenPackageSeq = events.reduce((max, e) => Math.max(max, e.seq), this.seenPackageSeq);
  }

  private onNotification(message: Notification): void {
    if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
    const [schema, seq] = message.payload.split(' ');
    if (schema !== this.schema || !(Number(seq) > Math.min(this.seenSeq, this.seenPackageSeq))) return;
    this.catchUp().catch((e: unknown) => this.logger.warn(`PostgreSQL: fetching notified changes failed: ${(e as Error).message}`));
  }

  /**
   * Connects the listening client and LISTENs. False when its connection was lost before LISTEN was answered (the
   * error read in the same chunk as the reply): it is not kept, and the reconnect onLost scheduled listens again.
   */
  private async listen(): Promise<boolean> {
    const client = new Client({
      connectionString: this.options.connectionString,
      connectionTimeoutMillis: this.options.connectTimeoutMs ?? 10_000,
      keepAlive: true,
      application_name: `faelles-tx listener ${this.schema}`,
      query_timeout: replyWaitMs(this.options.statementTimeoutMs ?? 10_000),
    });
    let lost = false;
    const onLost = (reason: string) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (!this.closed) {
        this.logger.warn(`PostgreSQL: the change listener lost its connection (${reason}); reconnecting, polling meanwhile`);
        this.scheduleReconnect();
      }
    };
    client.on('notification', (m) => this.onNotification(m));
    client.on('error', (e) => onLost(e.message));
    client.on('end', () => onLost('connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(CHANGE_CHANNEL)}`);
    } catch (e) {
      lost = true;
      client.removeAllListeners();
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
      throw mapError(e);
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return false;
    }
    if (lost) return false;
    this.listener = client;
    this.reconnectDelayMs = 250;
    return true;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(this.reconnectDelayMs * 2, 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closed || this.listener) return;
      this.listen()
        .then((listening) => {
          if (this.closed || !listening) return undefined;
          this.logger.info('PostgreSQL: the change listener is connected again');
          // Notifications sent while it was away are lost: ask for the changes.
          return this.catchUp();
        })
        .catch((e: unknown) => {
          this.logger.warn(`PostgreSQL: reconnecting the change listener failed: ${(e as Error).message}`);
          this.scheduleReconnect();
        });
    }, delay);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const listener = this.listener;
    this.listener = undefined;
    // Bounded waits: a connection to a database that vanished must not hold up a shutdown.
    const settle = (p: Promise<unknown> | undefined) => new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      void Promise.resolve(p).catch(() => undefined).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (listener) {
      listener.removeAllListeners('end');
      await settle(listener.end());
    }
    await settle(this.catchingUp);
    await settle(this.pool.end());
    await settle(this.pastVersions.close());
  }
}
