import type { TerminologyResource } from '../terminology/resource-set';
import { FhirError } from '../errors/fhir-error';
import { StoreConflictError } from './store';
import { parseStored } from './store-support';

/**
 * A FHIR package loaded at run time (src/packages/): kept in the store so that every replica serves it, and a
 * restart keeps it. A name#version is loaded once; a newer release is a new version.
 */
export interface PackageRecord {
  name: string;
  version: string;
  fhirVersion: string;
  dependencies: Record<string, string>;
  description?: string;
  resources: TerminologyResource[];
  /** The urls of its supplements applied to their code system by default (its package.json says which). */
  defaultSupplements?: string[];
  /** Who loaded it: the token's sub. */
  loadedBy?: string;
}

export interface StoredPackage extends PackageRecord {
  /** When it was loaded, an ISO instant. */
  loadedAt: string;
}

/** A package taken out of service (`$unload-package`): which load of it, when and by whom. */
export interface PackageUnload {
  name: string;
  version: string;
  /** The load it undoes (a name#version loaded again later is another load). */
  loadedAt: string;
  unloadedAt: string;
  unloadedBy?: string;
}

export function packageNotLoaded(name: string, version: string): FhirError {
  return FhirError.notFound(`Package ${name}#${version} is not loaded`, { da: `Pakken ${name}#${version} er ikke indlæst` });
}

export function packageAlreadyLoaded(name: string, version: string): StoreConflictError {
  return new StoreConflictError({
    en: `Package ${name}#${version} is already loaded; a new release needs a new version`,
    da: `Pakken ${name}#${version} er allerede indlæst; en ny udgave skal have et nyt versionsnummer.`,
  }, 'already-exists');
}

/** The columns a stored package is kept in (besides name and version). */
export function packageContent(pkg: PackageRecord): { fhirVersion: string; dependencies: string; content: string } {
  return {
    fhirVersion: pkg.fhirVersion,
    dependencies: JSON.stringify(pkg.dependencies),
    content: JSON.stringify({
      ...(pkg.description !== undefined ? { description: pkg.description } : {}),
      ...(pkg.defaultSupplements?.length ? { defaultSupplements: pkg.defaultSupplements } : {}),
      resources: pkg.resources,
    }),
  };
}

export interface PackageRow {
  name: string;
  version: string;
  fhir_version: string;
  dependencies: string;
  content: string;
  loaded_at: string;
  loaded_by: string | null;
}

export function packageFromRow(row: PackageRow): StoredPackage {
  const where = `package ${row.name}#${row.version}`;
  const content = parseStored<{ description?: string; defaultSupplements?: string[]; resources: TerminologyResource[] }>(row.content, where,
    (v) => Array.isArray((v as { resources?: unknown } | null)?.resources));
  return {
    name: row.name,
    version: row.version,
    fhirVersion: row.fhir_version,
    dependencies: parseStored<Record<string, string>>(row.dependencies, where),
    ...(content.description !== undefined ? { description: content.description } : {}),
    resources: content.resources,
    ...(content.defaultSupplements?.length ? { defaultSupplements: content.defaultSupplements } : {}),
    ...(row.loaded_by ? { loadedBy: row.loaded_by } : {}),
    loadedAt: row.loaded_at,
  };
}
