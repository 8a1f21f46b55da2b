import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { compareVersions } from '../terminology/canonical';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { belongsTo, ownerOf } from './municipality';

/*
 * The municipalities' catalogs and maps as the registry holds them. Apart from municipality.ts, which the web page
 * shares and which therefore knows nothing of the registry.
 */

/** The local code systems of a municipality (or of every municipality), newest version of each url. */
export function localCodeSystems(registry: TerminologyRegistry, kommunekode?: string): CodeSystem[] {
  return latestPerUrl(listOf(registry, 'CodeSystem', kommunekode).filter((cs) => cs.content !== 'supplement' && isMunicipal(cs, kommunekode)));
}

export function localConceptMaps(registry: TerminologyRegistry, kommunekode?: string): ConceptMap[] {
  return latestPerUrl(listOf(registry, 'ConceptMap', kommunekode).filter((cm) => isMunicipal(cm, kommunekode)));
}

/**
 * A municipality's local catalogs or maps among `urls` (TerminologyStore deletes, VersionHistory.deletedUrls) that have
 * no current version: the newest version of each, which the registry keeps by url|version, for what was in force
 * before the delete.
 */
export function deletedLocal<T extends 'CodeSystem' | 'ConceptMap'>(registry: TerminologyRegistry, type: T, urls: readonly string[], kommunekode: string) {
  const gone = urls.filter((url) => !registry.find(type, url)).flatMap((url) => registry.versions(type, url, true));
  return latestPerUrl(gone.filter((r) => (r as CodeSystem).content !== 'supplement' && isMunicipal(r, kommunekode)));
}

/**
 * All resources of a type, read as the resources of one municipality when the caller keeps only those that belong to it
 * (they are in its scope, change-scopes.ts): another municipality's write then leaves what was computed from them as
 * it was.
 */
function listOf<T extends TerminologyType>(registry: TerminologyRegistry, type: T, kommunekode: string | undefined) {
  return registry.list(type, kommunekode === undefined ? {} : { within: kommunekode });
}

function isMunicipal(resource: TerminologyResource, kommunekode: string | undefined): boolean {
  const owner = ownerOf(resource);
  return owner !== undefined && (kommunekode === undefined || belongsTo(resource, kommunekode));
}

function latestPerUrl<T extends TerminologyResource>(list: T[]): T[] {
  const byUrl = new Map<string, T>();
  for (const r of list) {
    const key = r.url ?? `#${r.id}`;
    const prev = byUrl.get(key);
    if (!prev || compareVersions(r.version, prev.version) > 0) byUrl.set(key, r);
  }
  return [...byUrl.values()];
}
