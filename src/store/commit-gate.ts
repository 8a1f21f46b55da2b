import { FhirError } from '../errors/fhir-error';

/**
 * Decides, once, between a write's commit and its abandonment, so that what a client is told matches what happened.
 * The store calls `enterCommit()` right before it commits (COMMIT sent: from then on the outcome is the database's);
 * the request timeout calls `abandon()` when it wants to answer. Whichever comes first wins: an abandoned write is
 * rolled back and may be reported as not written; a write that entered its commit is answered by the store.
 */
export class CommitGate {
  private state: 'open' | 'committing' | 'abandoned' = 'open';

  /** True when the write may commit (the gate is now closed to `abandon`); false when it was abandoned. */
  enterCommit(): boolean {
    if (this.state === 'abandoned') return false;
    this.state = 'committing';
    return true;
  }

  /** True when the write will not be written (also when it never reaches the store); false once its commit began. */
  abandon(): boolean {
    if (this.state === 'committing') return false;
    this.state = 'abandoned';
    return true;
  }

  get abandoned(): boolean {
    return this.state === 'abandoned';
  }
}

/** The error of a write abandoned before its commit: it was rolled back (or never started). */
export function abandonedWrite(): FhirError {
  return new FhirError(503, 'timeout', 'The write was cancelled before it was committed (the request took too long); nothing was written', {
    da: 'Skrivningen blev afbrudt, før den blev gemt (forespørgslen tog for lang tid); intet blev skrevet.',
  });
}

/**
 * The error of a write whose COMMIT was sent but not answered: it may or may not have been committed. 504 (the
 * database, behind this server, did not answer in time), never a status that says it failed.
 */
export function outcomeUnknown(cause: Error): FhirError {
  return new FhirError(504, 'timeout', `The database did not confirm the commit (${cause.message}): the write may or may not have been saved. ` +
    'Read the resource to see which, or send the write again conditionally (If-Match with the version it was based on) so that it cannot apply twice', {
    da: `Databasen bekræftede ikke, at skrivningen blev gemt (${cause.message}): den kan være gemt eller ej. ` +
      'Læs ressourcen for at se hvilket, eller send skrivningen igen betinget (If-Match med den version, den byggede på), så den ikke kan gemmes to gange.',
  });
}
