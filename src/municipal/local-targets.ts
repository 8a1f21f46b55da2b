import type { Coding } from 'fhir/r4';
import { entryKey } from '../terminology/compose/result';
import type { Tracked } from '../terminology/read-tracking';
import type { TerminologyRegistry } from '../terminology/registry';
import { isKommunekode, localConceptMaps, ownerOfCanonical } from './municipality';

/** Map equivalences that say the local code has no common counterpart. */
const NO_MAPPING = new Set(['unmatched', 'disjoint']);

/** A local code's common (niveau 2) targets, as its municipality's ConceptMaps state them. */
export interface LocalTarget extends Coding {
  system: string;
  code: string;
  equivalence: string;
}

/** Per registry, per municipality: system|code → targets, with what building it read. */
const indexes = new WeakMap<TerminologyRegistry, Map<string, Tracked<Map<string, LocalTarget[]>>>>();

function buildIndex(registry: TerminologyRegistry, kommunekode: string): Map<string, LocalTarget[]> {
  const out = new Map<string, LocalTarget[]>();
  for (const cm of localConceptMaps(registry, kommunekode)) {
    for (const group of cm.group ?? []) {
      if (!group.source || !group.target) continue;
      const provider = registry.codeSystemProvider(group.target, group.targetVersion) ?? registry.codeSystemProvider(group.target);
      for (const element of group.element ?? []) {
        if (!element.code) continue;
        const key = entryKey(group.source, element.code);
        const list = out.get(key) ?? [];
        for (const t of element.target ?? []) {
          if (!t.code || NO_MAPPING.has(t.equivalence)) continue;
          if (list.some((x) => x.system === group.target && x.code === t.code)) continue;
          // the code system's display is the one to record; the map's copy may be older
          const display = provider?.locate(t.code)?.display ?? t.display;
          list.push({ system: group.target, code: t.code, ...(display ? { display } : {}), equivalence: t.equivalence });
        }
        out.set(key, list);
      }
    }
  }
  return out;
}

/**
 * The common codes a local code maps to (in map order), from the ConceptMaps of the municipality that owns the
 * code system; kept until that municipality's catalogs or the code systems they map to change (registry.tracked),
 * so a written map counts from the next request on.
 */
export function localTargets(registry: TerminologyRegistry, system: string, code: string): LocalTarget[] {
  const kommunekode = ownerOfCanonical(system);
  if (kommunekode === undefined) return [];
  // only real kommunekoder are kept (at most 1,000): any other owner in a URL has no maps to keep
  if (!isKommunekode(kommunekode)) return buildIndex(registry, kommunekode).get(entryKey(system, code)) ?? [];
  let perRegistry = indexes.get(registry);
  if (!perRegistry) indexes.set(registry, perRegistry = new Map());
  const index = registry.kept(perRegistry.get(kommunekode), () => buildIndex(registry, kommunekode));
  perRegistry.set(kommunekode, index);
  return index.value.get(entryKey(system, code)) ?? [];
}
