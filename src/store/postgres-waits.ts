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
