import type { CodeSystemProvider, Concept } from './providers/provider';
import type { Tracked } from './read-tracking';
import type { TerminologyRegistry } from './registry';
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

/** When the code is a legacy key of its code system, the code to use instead. */
export function findLegacyReplacement(registry: TerminologyRegistry, system: string, code: string): Replacement | undefined {
  const kept = registry.kept(legacyIndexes.get(registry), () => legacyIndex(registry));
  legacyIndexes.set(registry, kept);
  return kept.value.get(system)?.get(code);
}
