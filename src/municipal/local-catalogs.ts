import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { compareVersions } from '../terminology/canonical';
import type { TerminologyRegistry } from '../terminology/registry';
import type { ByType, TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { belongsTo, ownerOf } from './municipality';

/*
 * The municipalities' catalogs and maps as the registry holds them. Apart from municipality.ts, which the web page
 * shares and which therefore knows nothing of the registry.
 */

/**
 * The local code systems of a municipality (or of every municipality), each url in the version in use: the one an
 * unversioned reference to it means (`registry.find`), so that a draft next version written over it does not count
 * until it is active, as $translate does not use it.
 */
export function localCodeSystems(registry: TerminologyRegistry, kommunekode?: string): CodeSystem[] {
  return inUsePerUrl(registry, 'CodeSystem', listOf(registry, 'CodeSystem', kommunekode).filter((cs) => cs.content !== 'supplement' && isMunicipal(cs, kommunekode)));
}

/** The local maps of a municipality (or of every municipality), each url in the version in use (as localCodeSystems). */
export function localConceptMaps(registry: TerminologyRegistry, kommunekode?: string): ConceptMap[] {
  return inUsePerUrl(registry, 'ConceptMap', listOf(registry, 'ConceptMap', kommunekode).filter((cm) => isMunicipal(cm, kommunekode)));
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

/** Of each url listed, the version an unversioned reference means (a resource without a url as it is). */
function inUsePerUrl<T extends 'CodeSystem' | 'ConceptMap'>(registry: TerminologyRegistry, type: T, list: ByType[T][]): ByType[T][] {
  return latestPerUrl(list).map((r) => (r.url ? (registry.find(type, r.url) as ByType[T] | undefined) ?? r : r));
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
