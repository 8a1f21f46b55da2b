import type { CodeSystemProvider, Concept } from './providers/provider';
import type { Tracked } from './read-tracking';
import type { TerminologyRegistry } from './registry';
import type { ResourceSet } from './resource-set';
import { isLegacyMap, LEGACY_MAPS_KIND } from './resource-kinds';


export interface Replacement {
  code: string;
  display?: string;
}

/** The codes a retired or deprecated concept is replaced by (its `replacedBy` property). */
export function replacementsOf(provider: CodeSystemProvider, concept: Concept): Replacement[] {
  return provider.propertyValues(concept, 'replacedBy').flatMap((p) => {
    const code = p.valueCode ?? p.valueCoding?.code ?? p.valueString;
    if (!code) return [];
    return [{ code, display: provider.locate(code)?.display }];
  });
}

type LegacyIndex = Map<string, Map<string, Replacement>>;

/** Per registry: code system url → legacy key → replacement, kept while no legacy-key map changes. */
const legacyIndexes = new WeakMap<TerminologyRegistry, Tracked<LegacyIndex>>();

function legacyIndex(registry: TerminologyRegistry): LegacyIndex {
  const index: LegacyIndex = new Map();
  for (const cm of registry.list('ConceptMap', { within: LEGACY_MAPS_KIND }).filter(isLegacyMap)) {
    for (const group of cm.group ?? []) {
      for (const el of group.element ?? []) {
        const target = el.target?.[0];
        if (!el.code || !target?.code) continue;
        let bySystem = index.get(group.source ?? '');
        if (!bySystem) index.set(group.source ?? '', bySystem = new Map());
        bySystem.set(el.code, { code: target.code, display: target.display });
      }
    }
  }
  return index;
}

/** Per layer of a request's resources: whether it holds a ConceptMap. */
const bringsMaps = new WeakMap<ResourceSet, boolean>();

/**
 * The registry whose legacy-key index answers for `registry`: the catalogs' own when a request's resources layered over
 * them hold no ConceptMap (only maps change the index), so that a request with `tx-resource`s does not index the
 * catalogs' legacy-key maps again (a fifth of such a request's time).
 */
function indexedRegistry(registry: TerminologyRegistry): TerminologyRegistry {
  const base = registry.overlaid;
  if (!base) return registry;
  const brings = registry.requestLayers().some((layer) => {
    let maps = bringsMaps.get(layer);
    if (maps === undefined) bringsMaps.set(layer, maps = layer.list('ConceptMap').length > 0);
    return maps;
  });
  return brings ? registry : indexedRegistry(base);
}

/** When the code is a legacy key of its code system, the code to use instead. */
export function findLegacyReplacement(within: TerminologyRegistry, system: string, code: string): Replacement | undefined {
  const registry = indexedRegistry(within);
  const kept = registry.kept(legacyIndexes.get(registry), () => legacyIndex(registry));
  legacyIndexes.set(registry, kept);
  return kept.value.get(system)?.get(code);
}
