import { FhirError } from '../errors/fhir-error';
import { StoreProblem } from './readiness';
import { UnreadableRowError } from './store-support';

/** What PostgreSQL's and the network's errors mean to a request: a 503 to retry, with what became of a write. */

/**
 * Errors meaning the database could not be reached, went away or refused the connection (a database not accepting
 * connections, gone, or refusing the login): 503, so clients and load balancers retry.
 */
export function isUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : '';
  if (typeof code === 'string') {
    if (/^(08|57P|53|28|3D000)/.test(code)) return true;
    if (code === '55000' && /not currently accepting connections/i.test(message)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH'].includes(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|Client was closed/i.test(message);
}

/** The database did not answer a query within replyWaitMs of the statement timeout (hung, or the network gone). */
const NO_REPLY = /^Query read timeout$/;
/** SQLSTATEs of a statement the database cancelled or refused for now; its transaction is rolled back. */
const RETRYABLE: Record<string, { code: 'timeout' | 'lock-error' | 'transient'; what: string; da: string }> = {
  '57014': { code: 'timeout', what: 'a statement took longer than the statement timeout', da: 'en forespørgsel tog længere end dens tidsgrænse' },
  '55P03': { code: 'lock-error', what: 'another session held a lock longer than the lock timeout', da: 'en anden session holdt en lås længere end tidsgrænsen' },
  '25P03': { code: 'transient', what: 'the transaction was idle longer than the idle-in-transaction timeout', da: 'transaktionen var inaktiv længere end tidsgrænsen' },
  '40001': { code: 'transient', what: 'a serialization failure', da: 'en serialiseringsfejl' },
  '40P01': { code: 'transient', what: 'a deadlock', da: 'en baglås (deadlock)' },
};

/** What the database or the network said, kept with the answer made from it (failedBeforeWrite answers it again). */
const CAUSE = Symbol('what the database or the network said');

function madeFrom(answer: FhirError, cause: unknown): FhirError {
  return Object.assign(answer, { [CAUSE]: cause });
}

export function mapError(e: unknown, writing = false): unknown {
  if (e instanceof FhirError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const outcome = writing ? 'nothing was written; it is safe to send the write again' : 'try again';
  const udfald = writing ? 'intet blev skrevet; skrivningen kan trygt sendes igen' : 'prøv igen';
  const code = (e as { code?: unknown } | null)?.code;
  const retryable = typeof code === 'string' ? RETRYABLE[code] : undefined;
  if (retryable) {
    return madeFrom(new FhirError(503, retryable.code, `The database cancelled the ${writing ? 'write' : 'request'}: ${retryable.what}; ${outcome}`, {
      da: `Databasen afbrød ${writing ? 'skrivningen' : 'forespørgslen'}: ${retryable.da}; ${udfald}.`,
    }), e);
  }
  if (NO_REPLY.test(message)) return madeFrom(new FhirError(503, 'timeout', `The database did not answer in time; ${outcome}`, { da: `Databasen svarede ikke i tide; ${udfald}.` }), e);
  if (isUnavailable(e)) return unavailable(e, writing);
  return e;
}

function unavailable(e: unknown, writing: boolean): FhirError {
  const message = e instanceof Error ? e.message : String(e);
  const outcome = writing ? 'nothing was written; it is safe to send the write again' : 'try again';
  const udfald = writing ? 'intet blev skrevet; skrivningen kan trygt sendes igen' : 'prøv igen';
  return madeFrom(new FhirError(503, 'transient', `The database is not available (${message}); ${outcome}`, { da: `Databasen er ikke tilgængelig (${message}); ${udfald}.` }), e);
}

/** A connection the pool could not make: 503 whatever PostgreSQL or the network said, as nothing was sent. */
export function connectFailed(e: unknown, writing: boolean): unknown {
  const mapped = mapError(e, writing);
  return mapped instanceof FhirError ? mapped : unavailable(e, writing);
}

/**
 * A read's failure met before a write sent anything (a replica catching up before it checks the write): answered as
 * that write's, saying that nothing was written (the read's answer says only "try again").
 */
export function failedBeforeWrite(e: unknown): unknown {
  const cause = e instanceof FhirError ? (e as { [CAUSE]?: unknown })[CAUSE] : undefined;
  return cause === undefined ? e : connectFailed(cause, true);
}

/** The query was refused by the client before anything was sent (the connection was already gone). */
export function neverSent(e: unknown): boolean {
  return /Client has encountered a connection error and is not queryable|Client was closed and is not queryable/.test(e instanceof Error ? e.message : '');
}

/**
 * `read` with a stored row the server cannot read back (its text changed in the database by hand, say) answered as
 * 503 `no-store` naming the row, for the operators to restore it from a backup: not a 500, and not the database's
 * fault to retry. Readiness is not changed: every other row is read and written as before.
 */
export function readable<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof UnreadableRowError)) throw e;
    throw new StoreProblem('damaged', `The database holds a row the server cannot read (${e.message}): the request could not be answered. ` +
      'Restore the row from a backup', { da: `Databasen har en række, serveren ikke kan læse (${e.message}): forespørgslen kunne ikke besvares. Genskab rækken fra en sikkerhedskopi.` });
  }
}
