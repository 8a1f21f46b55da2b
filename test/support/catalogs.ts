import path from 'node:path';
import { loadTerminology, type LoadedTerminology } from '../../src/terminology/loader';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';

/**
 * Where the project and its published catalogs are, the systems of the two common catalogs, and the catalogs loaded:
 * for the tests that need no app (importing them from app.ts loads the whole server).
 */
export const ROOT = path.resolve(__dirname, '..', '..');
export const TERMINOLOGY_DIR = path.join(ROOT, 'terminology');

export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FFB = 'urn:oid:1.2.208.176.2.22';

let published: LoadedTerminology | undefined;

/** The published catalogs, loaded once per test file. */
export function publishedCatalogs(): LoadedTerminology {
  published ??= loadTerminology(TERMINOLOGY_DIR, { includeExamples: true });
  return published;
}

/** A registry of the published catalogs alone (no written layer, no FHIR core), new for each call: for unit tests. */
export function publishedRegistry(): TerminologyRegistry {
  const catalogs = publishedCatalogs();
  return new TerminologyRegistry([new ResourceSet(catalogs.resources)], catalogs.defaultSupplements);
}
