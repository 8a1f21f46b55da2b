import type { ConceptMap } from 'fhir/r4';
import type { CodeSystemProvider, Concept } from './providers/provider';
import type { TerminologyRegistry } from './registry';

/** Marks a published ConceptMap whose source codes are legacy keys of the target codes. */
export const LEGACY_CODE_MAP_EXTENSION = 'http://faelles-tx.dk/fhir/StructureDefinition/legacy-code-map';

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

/** Per registry generation: code system url → legacy key → replacement. */
const legacyIndexes = new WeakMap<TerminologyRegistry, { generation: number; index: Map<string, Map<string, Replacement>> }>();

function isLegacyMap(cm: ConceptMap): boolean {
  return (cm.extension ?? []).some((e) => e.url === LEGACY_CODE_MAP_EXTENSION && e.valueBoolean === true);
}

/** When the code is a legacy key of its code system, the code to use instead. */
export function findLegacyReplacement(registry: TerminologyRegistry, system: string, code: string): Replacement | undefined {
  let cached = legacyIndexes.get(registry);
  if (!cached || cached.generation !== registry.generation) {
    const index = new Map<string, Map<string, Replacement>>();
    for (const cm of registry.list('ConceptMap').filter(isLegacyMap)) {
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
    cached = { generation: registry.generation, index };
    legacyIndexes.set(registry, cached);
  }
  return cached.index.get(system)?.get(code);
}
