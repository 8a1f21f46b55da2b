import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';

/** One reason a package is refused: Danish only, or in both languages (Danish for a caller asking for it). */
export type PackageProblem = string | Bilingual;

function text(p: PackageProblem, lang: 'en' | 'da'): string {
  return typeof p === 'string' ? p : p[lang];
}

/**
 * A package that cannot be loaded (not a package, wrong FHIR version, missing dependency, an invalid resource, a
 * code system or value set used that is not served, a clash with the catalogs served): refused whole, 422 with every
 * reason found (409 when it is already loaded); at start-up, the server does not start.
 */
export class PackageError extends FhirError {
  /** The reasons, in Danish. */
  readonly problems: string[];

  constructor(problems: PackageProblem | PackageProblem[], status = 422) {
    const list = Array.isArray(problems) ? problems : [problems];
    const first = list[0] ?? 'Pakken kan ikke indlæses';
    super(status, status === 409 ? 'duplicate' : 'invalid', text(first, 'en'), {
      ...(typeof first === 'string' ? {} : { da: first.da }),
      extraIssues: list.slice(1, 50).map((p) => ({ severity: 'error', code: 'invalid', text: p })),
    });
    this.name = 'PackageError';
    this.problems = list.map((p) => text(p, 'da'));
  }
}
