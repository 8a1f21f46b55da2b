/**
 * The PostgreSQL schema, as numbered migrations. Each runs once, in order, in the transaction that records it in
 * `faelles_tx_migrations` (see PostgresStore.migrate: under an advisory lock, with search_path set to the store's
 * schema, so the SQL names tables without a schema). Never edit a migration that has shipped: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_TABLE = 'faelles_tx_migrations';

/** A schema name the PostgreSQL store accepts (DATABASE_SCHEMA; it goes into SQL as an identifier). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'resources, history and the change sequence',
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
];
