import { FhirError } from '../errors/fhir-error';

/**
 * A package that cannot be loaded (not a package, wrong FHIR version, missing dependency, an invalid resource, a
 * clash with the catalogs served): refused whole, 422 with every reason found (409 when it is already loaded); at
 * start-up, the server does not start.
 */
export class PackageError extends FhirError {
  readonly problems: string[];

  constructor(problems: string | string[], status = 422) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(status, status === 409 ? 'duplicate' : 'invalid', list[0] ?? 'Pakken kan ikke indlæses', {
      extraIssues: list.slice(1, 50).map((text) => ({ severity: 'error', code: 'invalid', text })),
    });
    this.name = 'PackageError';
    this.problems = list;
  }
}
