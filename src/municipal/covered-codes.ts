import type { ConceptMap } from 'fhir/r4';
import { currentCode } from '../terminology/catalog-levels';
import type { CodeSystemProvider } from '../terminology/providers/provider';
import type { TerminologyRegistry } from '../terminology/registry';
import { findLegacyReplacement } from '../terminology/replacements';
import { localKindOf, localTypePropertyCode, ownerOf } from './municipality';
import { localCodeSystems, localConceptMaps } from './local-catalogs';
import { NO_MAPPING } from '../terminology/equivalence';

/**
 * Which common code a municipality's local code covers: the one rule of `$coverage`, `$coverage-matrix` and of the
 * gateway system `$local-codings` chooses. A map target that is retired or outgoing (with a `replacedBy`), or a legacy
 * key, covers the code in use (currentCode), as `$translate`, `$rollup` and `$export` count it.
 */
export function coveredCode(registry: TerminologyRegistry, system: string, version: string | undefined, code: string): string {
  const provider = registry.codeSystemProvider(system, version) ?? registry.codeSystemProvider(system);
  // a legacy key the code system does not define itself still names its UUID
  const concept = provider?.locate(code) ?? provider?.locate(findLegacyReplacement(registry, system, code)?.code ?? code);
  return provider && concept ? currentCode(registry, provider, concept).concept.code : code;
}

interface Mapping {
  source: string;
  code: string;
  targetSystem: string;
  targetVersion?: string;
  target: string;
}

const mappingCache = new WeakMap<ConceptMap, Mapping[]>();

/** A map's (source, code) → target statements that map (not unmatched or disjoint), read once per map version. */
function mappingsOf(cm: ConceptMap): Mapping[] {
  let list = mappingCache.get(cm);
  if (!list) {
    list = [];
    for (const group of Array.isArray(cm.group) ? cm.group : []) {
      if (!group.source || !group.target) continue;
      for (const el of Array.isArray(group.element) ? group.element : []) {
        if (!el?.code) continue;
        for (const t of Array.isArray(el.target) ? el.target : []) {
          if (!t?.code || (t.equivalence && NO_MAPPING.has(t.equivalence))) continue;
          list.push({ source: group.source, code: el.code, targetSystem: group.target, ...(group.targetVersion ? { targetVersion: group.targetVersion } : {}), target: t.code });
        }
      }
    }
    mappingCache.set(cm, list);
  }
  return list;
}

interface LocalCatalog {
  provider: CodeSystemProvider;
  typeCode?: string;
}

const kindCache = new WeakMap<CodeSystemProvider, Map<string, string>>();

/** A local catalog's codes → their kind ('' when none is stated), read once per catalog version. */
function kindsOf(catalog: LocalCatalog): Map<string, string> {
  let kinds = kindCache.get(catalog.provider);
  if (!kinds) {
    kinds = new Map();
    for (const concept of catalog.provider.all()) kinds.set(concept.code, (catalog.typeCode && localKindOf(concept, catalog.typeCode)) || '');
    kindCache.set(catalog.provider, kinds);
  }
  return kinds;
}

/** One local code covering one common code (a target of the municipality's maps, followed to the code in use). */
export type Covering = (kommunekode: string, localSystem: string, localCode: string, kind: string, targetSystem: string, targetCode: string) => void;

/**
 * Every (local code, common code it covers) of the municipalities (default: all), from each one's newest maps and
 * local catalogs: a map statement counts when its source is one of the municipality's own catalogs and the catalog
 * has the code. The same pair may be given more than once (two maps, or a retired and a current target).
 */
export function forEachCovering(registry: TerminologyRegistry, kommunekoder: readonly string[] | undefined, covering: Covering): void {
  const catalogs = new Map<string, Map<string, LocalCatalog>>();
  const maps: ConceptMap[] = [];
  const owners = kommunekoder && kommunekoder.length > 0 ? [...new Set(kommunekoder)] : [undefined];
  for (const k of owners) {
    for (const cs of localCodeSystems(registry, k)) {
      const owner = ownerOf(cs)!;
      const own = catalogs.get(owner) ?? new Map<string, LocalCatalog>();
      own.set(cs.url!, { provider: registry.provider(cs), typeCode: localTypePropertyCode(cs) });
      catalogs.set(owner, own);
    }
    maps.push(...localConceptMaps(registry, k));
  }
  const current = new Map<string, string>();
  for (const cm of maps) {
    const owner = ownerOf(cm)!;
    const own = catalogs.get(owner);
    if (!own) continue;
    for (const m of mappingsOf(cm)) {
      // the source must be the municipality's own catalog, so the key is unique across municipalities
      const source = own.get(m.source);
      const kind = source ? kindsOf(source).get(m.code) : undefined;
      if (kind === undefined) continue;
      const key = `${m.targetSystem}|${m.targetVersion ?? ''}|${m.target}`;
      let code = current.get(key);
      if (code === undefined) current.set(key, code = coveredCode(registry, m.targetSystem, m.targetVersion, m.target));
      covering(owner, m.source, m.code, kind, m.targetSystem, code);
    }
  }
}
