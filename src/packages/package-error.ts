import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';

/**
 * A package that cannot be loaded (not a package, wrong FHIR version, missing dependency, an invalid resource, a
 * code system or value set used that is not served, a clash with the catalogs served): refused whole, 422 with every
 * reason found (409 when it is already loaded, 404 for a package to unload that is not loaded), in English or, to a caller asking for it, in Danish; at start-up, the
 * server does not start.
 */
export class PackageError extends FhirError {
  /** The reasons, in Danish (the watched folder's log, the start-up error). */
  readonly problems: string[];
  /**
   * Every reason is something the package uses that is not served yet (a dependency, a code system or value set):
   * another package loaded later may cure it (the watched folder tries it again then).
   */
  readonly waitsForPackages: boolean;
  /** 409 for this very package: its name#version is loaded already with the same content (not another package under its name). */
  readonly loadedAlready: boolean;

  constructor(problems: Bilingual | Bilingual[], status = 422, options: { waitsForPackages?: boolean; loadedAlready?: boolean } = {}) {
    const list = Array.isArray(problems) ? problems : [problems];
    const first = list[0] ?? { en: 'The package cannot be loaded', da: 'Pakken kan ikke indlæses' };
    super(status, status === 409 ? 'duplicate' : status === 404 ? 'not-found' : 'invalid', first.en, {
      da: first.da,
      extraIssues: list.slice(1, 50).map((text) => ({ severity: 'error', code: 'invalid', text })),
    });
    this.name = 'PackageError';
    this.problems = list.map((p) => p.da);
    this.waitsForPackages = options.waitsForPackages === true;
    this.loadedAlready = options.loadedAlready === true;
  }
}
