import type { PoolClient } from 'pg';
import { CLOSURE_POSTGRES_MIGRATION, CLOSURE_POSTGRES_TABLES } from './closure-postgres';
import { START_UP_WAIT_MS, waitingUpTo } from './postgres-waits';

/**
 * The PostgreSQL schema, as numbered migrations. Each runs once, in order, in the transaction that records it in
 * `faelles_tx_migrations` (see PostgresStore.migrate: under an advisory lock, with search_path set to the store's
 * schema, so the SQL names tables without a schema). Never edit a migration that has shipped: add the next one.
 *
 * Migrations are expand/contract, so that a fleet can be upgraded one replica at a time and rolled back: a build
 * runs on a schema migrated further than it knows as long as every migration it does not know is compatible with
 * it (`compatibleFrom`, recorded in the table, so an older build can judge migrations written after it).
 *  - expand (add a table, a nullable column, an index; nothing older builds rely on changes):
 *    `compatibleFrom` is the previous migration's version, so the previous build still runs;
 *  - contract (drop or change what an older build uses): `compatibleFrom` is the version of the migration that
 *    made that older use unnecessary, and it ships only in a release after every replica runs a build knowing it.
 */
export interface Migration {
  version: number;
  name: string;
  /** The lowest migration version a build must know to run on a schema that includes this migration. */
  compatibleFrom: number;
  sql: string;
}

export const MIGRATIONS_TABLE = 'faelles_tx_migrations';

/** A schema name the PostgreSQL store accepts (DATABASE_SCHEMA; it goes into SQL as an identifier). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The tables this build reads and writes; start-up checks they are there (a schema can be damaged by hand). */
export const SCHEMA_TABLES = ['store_state', 'resource', 'resource_history', ...CLOSURE_POSTGRES_TABLES, 'package', 'audit_event', 'package_unloaded'] as const;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'resources, history and the change sequence',
    compatibleFrom: 1,
    sql: `
      -- One row: the change sequence. Every write transaction increments it first, which takes the row lock until the
      -- transaction ends: writes are serialised, so sequence numbers become visible in increasing order without gaps
      -- in what a reader has seen (a reader that has seen N has seen every change numbered N or less).
      CREATE TABLE store_state (
        singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        change_seq bigint NOT NULL
      );
      INSERT INTO store_state (singleton, change_seq) VALUES (true, 0);

      -- The current version of every resource ever written (a delete keeps the row, content NULL). change_seq is the
      -- sequence number of its latest change: replicas follow the writes of others with WHERE change_seq > N.
      CREATE TABLE resource (
        resource_type text    NOT NULL CHECK (resource_type IN ('CodeSystem', 'ValueSet', 'ConceptMap')),
        id            text    NOT NULL,
        version_id    integer NOT NULL CHECK (version_id > 0),
        deleted       boolean NOT NULL,
        url           text,
        version       text,
        last_updated  text    NOT NULL,
        content       text,
        change_seq    bigint  NOT NULL,
        PRIMARY KEY (resource_type, id),
        CHECK (deleted = (content IS NULL))
      );
      CREATE INDEX resource_by_url ON resource (resource_type, url) WHERE NOT deleted;
      CREATE INDEX resource_by_change ON resource (change_seq);

      CREATE TABLE resource_history (
        resource_type text    NOT NULL,
        id            text    NOT NULL,
        version_id    integer NOT NULL,
        method        text    NOT NULL CHECK (method IN ('create', 'update', 'delete')),
        last_updated  text    NOT NULL,
        content       text,
        change_seq    bigint  NOT NULL,
        PRIMARY KEY (resource_type, id, version_id),
        CHECK ((method = 'delete') = (content IS NULL))
      );
    `,
  },
  // expand: older builds do not know the closure tables and do not need them
  { version: 2, name: 'closure tables of $closure', compatibleFrom: 1, sql: CLOSURE_POSTGRES_MIGRATION },
  {
    version: 3,
    name: 'FHIR packages loaded at run time',
    // expand: a new table, which builds that know only migrations 1–2 do not read
    compatibleFrom: 1,
    sql: `
      -- One row per package (src/store/packages.ts). change_seq is taken from store_state as a write takes it, so
      -- replicas follow loaded packages with WHERE change_seq > N, as they follow resources.
      CREATE TABLE package (
        name         text   NOT NULL,
        version      text   NOT NULL,
        fhir_version text   NOT NULL,
        dependencies text   NOT NULL,
        content      text   NOT NULL,
        loaded_at    text   NOT NULL,
        change_seq   bigint NOT NULL,
        PRIMARY KEY (name, version)
      );
      CREATE INDEX package_by_change ON package (change_seq);
    `,
  },
  {
    // expand: a new table and an index, which builds of migrations 1–3 do not touch
    version: 4,
    name: 'audit log (who changed what); history by change sequence',
    compatibleFrom: 1,
    sql: `
      -- One row per write request (src/store/audit-log.ts); owners/agents/entities are ' key key ' lists searched
      -- with strpos. seq orders events recorded in the same millisecond.
      CREATE TABLE audit_event (
        seq      bigserial PRIMARY KEY,
        id       text NOT NULL UNIQUE,
        recorded text NOT NULL,
        owners   text NOT NULL,
        agents   text NOT NULL,
        entities text NOT NULL,
        content  text NOT NULL
      );
      CREATE INDEX audit_event_by_time ON audit_event (recorded);
      -- replicas follow every version written (not only the newest) from the history
      CREATE INDEX resource_history_by_change ON resource_history (change_seq);
    `,
  },
  // ---- migration: who loaded a package; packages unloaded at run time ----
  {
    // expand: a nullable column and a new table, which builds of migrations 1–4 do not read (such a build does not
    // follow an unload until it restarts, as the row is gone from package then)
    version: 5,
    name: 'who loaded a package; packages unloaded at run time',
    compatibleFrom: 1,
    sql: `
      ALTER TABLE package ADD COLUMN loaded_by text;
      -- One row per unload (src/store/packages.ts PackageUnload): the package row is deleted in the same
      -- transaction; replicas follow unloads with WHERE change_seq > N, in order with the loads.
      CREATE TABLE package_unloaded (
        name        text   NOT NULL,
        version     text   NOT NULL,
        loaded_at   text   NOT NULL,
        unloaded_at text   NOT NULL,
        unloaded_by text,
        change_seq  bigint NOT NULL PRIMARY KEY
      );
    `,
  },
  // ---- migration: the history of every resource, newest first ----
  {
    // expand: an index, which builds of migrations 1–5 do not use
    version: 6,
    name: 'the history of every resource, newest first (history-type, history-system)',
    compatibleFrom: 1,
    sql: `
      CREATE INDEX resource_history_by_time ON resource_history
        (last_updated COLLATE "C" DESC, resource_type COLLATE "C", id COLLATE "C", version_id DESC);
    `,
  },
  // ---- migration: what start-up reads of every version, without the version ----
  {
    // expand: a nullable column, which builds of migrations 1–6 neither read nor write; the rows they write have no
    // head, and start-up reads those rows' heads from their text (PostgresStore.loadHistory)
    version: 7,
    name: 'the head of every version (url, version, status, date, content) in a column of its own',
    compatibleFrom: 1,
    sql: `
      -- Start-up reads [url, version, status, date, content] of every version: from the text, PostgreSQL parsed
      -- every catalog ever written on each start (8 s for 588 versions of 460 KB, past the statement timeout).
      ALTER TABLE resource_history ADD COLUMN head text[];
      UPDATE resource_history SET head = (SELECT ARRAY[j->>'url', j->>'version', j->>'status', j->>'date', j->>'content']
        FROM (SELECT content::jsonb AS j) AS parsed)
      WHERE content IS NOT NULL;
    `,
  },
  // ---- migration: the HTTP method of the write that made a version ----
  {
    // expand: a nullable column, which builds of migrations 1–7 neither read nor write; the rows they write have none,
    // and their history entries are read from \`method\` as before (create POST, update PUT, delete DELETE)
    version: 8,
    name: 'the HTTP method of the write that made each version',
    compatibleFrom: 1,
    sql: `
      ALTER TABLE resource_history ADD COLUMN request_method text CHECK (request_method IN ('POST', 'PUT', 'DELETE'));
    `,
  },
  // ---- migration: when each closure table was last used ----
  {
    // expand: a nullable column, which builds of migrations 1–8 neither read nor write; a table they create or use
    // has none, and counts as the least recently used
    version: 9,
    name: 'when each closure table was last used, so that a new one takes the place of the least used',
    compatibleFrom: 1,
    sql: `
      -- the order of use (a sequence, not a time: two uses within a microsecond would share it); none: the least recent
      CREATE SEQUENCE closure_use;
      ALTER TABLE closure_table ADD COLUMN used bigint;
    `,
  },
  // ---- end of migration ----
];

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The schema cannot be used by this build (too new, or damaged): start-up stops with exit status 4. */
export class SchemaError extends Error {}

/**
 * Creates the schema when missing and applies the migrations it lacks, inside the caller's transaction; then checks
 * that the tables this build uses are there. Replicas starting together: the first migrates, the others wait on the
 * advisory lock and then find nothing to do.
 */
export async function migrateSchema(client: PoolClient, schema: string, log: (message: string) => void): Promise<void> {
  // Start-up may wait for another replica's migration and may migrate a large table: no statement or lock limit here.
  await client.query('SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0');
  await client.query(waitingUpTo({ text: 'SELECT pg_advisory_xact_lock(hashtext($1))', values: [`faelles-tx migrate ${schema}`] }, START_UP_WAIT_MS));
  const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
  await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
  await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), compatible_from integer)`);
  // Tables created before compatible_from was recorded: their rows count as compatible with their own version only.
  const column = await client.query(
    "SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = 'compatible_from'", [schema, MIGRATIONS_TABLE]);
  if (column.rowCount === 0) await client.query(`ALTER TABLE ${MIGRATIONS_TABLE} ADD COLUMN compatible_from integer`);
  const { rows: [state] } = await client.query<{ version: number | null; needs: number | null }>(
    `SELECT max(version) AS version, max(coalesce(compatible_from, version)) AS needs FROM ${MIGRATIONS_TABLE}`);
  const current = state?.version ?? 0;
  const known = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
  if (current > known) {
    const needs = state?.needs ?? current;
    if (needs > known) {
      throw new SchemaError(`The database schema '${schema}' is at migration ${current}, which needs a build that knows migration ${needs} or later; ` +
        `this build knows ${known}. Use a newer build.`);
    }
    log(`PostgreSQL: schema ${schema} is at migration ${current}, ahead of this build (${known}) and compatible with it`);
  }
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    await client.query(waitingUpTo({ text: m.sql }, START_UP_WAIT_MS));
    await client.query(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, compatible_from) VALUES ($1, $2, $3)`, [m.version, m.name, m.compatibleFrom]);
    log(`PostgreSQL: applied migration ${m.version} (${m.name}) to schema ${schema}`);
  }
  await checkTables(client, schema, Math.max(current, known));
}

async function checkTables(client: PoolClient, schema: string, recorded: number): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    'SELECT t AS name FROM unnest($1::text[]) AS t WHERE to_regclass(quote_ident($2) || \'.\' || quote_ident(t)) IS NULL', [[...SCHEMA_TABLES], schema]);
  const damaged = (what: string) => new SchemaError(`The database schema '${schema}' records migration ${recorded} in ${MIGRATIONS_TABLE}, but ${what}: ` +
    'the schema is damaged. Restore it from a backup; or, when it holds nothing to keep, drop the schema and start again to create it anew.');
  if (rows.length > 0) throw damaged(`table${rows.length > 1 ? 's' : ''} ${rows.map((r) => r.name).join(', ')} ${rows.length > 1 ? 'are' : 'is'} missing`);
  const { rows: [seq] } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdent(schema)}.store_state`);
  if (seq?.n !== 1) throw damaged(`store_state has ${seq?.n ?? 0} rows instead of one`);
}
