import type { QueryConfig } from 'pg';

/**
 * How long the client waits for any answer of the database: the statement timeout (which the database enforces
 * itself, cancelling the statement) and a grace for the reply to arrive. Past it the database counts as not
 * answering (hung, or the network gone), and the connection is closed.
 */
export function replyWaitMs(statementTimeoutMs: number): number {
  return statementTimeoutMs + Math.min(2000, Math.ceil(statementTimeoutMs / 2));
}

/** How long start-up waits for one query (another replica's migration, loading the whole content): 1 hour. */
export const START_UP_WAIT_MS = 3_600_000;

/** A query that waits `waitMs` for its answer instead of the pool's limit (node-postgres reads query_timeout from the query too). */
export function waitingUpTo<V>(config: QueryConfig<V>, waitMs: number | undefined): QueryConfig<V> {
  return Object.assign(config, { query_timeout: waitMs });
}

/**
 * The bounds of a past version read synchronously (src/store/postgres-sync-read.ts), during which the whole process
 * waits: /health, /ready and every other request with it. Such a read normally takes ~1 ms for a version of 100 KB,
 * ~8 ms for 1 MB and 50–100 ms for 5 MB (measured 2026-12-08, PostgreSQL 15 on the same machine, the worker
 * connected); its session cancels a statement waiting for a lock (a migration, VACUUM FULL, pg_restore) after
 * SYNC_READ_LOCK_MS and any after SYNC_READ_STATEMENT_MS, and the process waits SYNC_READ_WAIT_MS at most for an
 * answer (a database that does not answer), well within the 2 s /ready answers in.
 */
export const SYNC_READ_WAIT_MS = 500;
export const SYNC_READ_STATEMENT_MS = 400;
export const SYNC_READ_LOCK_MS = 200;
