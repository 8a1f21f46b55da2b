import type { Coding } from 'fhir/r4';
import { BoundedMap } from '../terminology/bounded-map';
import type { Tracked } from '../terminology/read-tracking';
import type { TerminologyRegistry } from '../terminology/registry';
import { isKommunekode, ownerOfSystem } from './municipality';
import { localConceptMaps } from './local-catalogs';
import { NO_MAPPING } from '../terminology/equivalence';

/** A local code's common (niveau 2) targets, as its municipality's ConceptMaps state them. */
export interface LocalTarget extends Coding {
  system: string;
  code: string;
  equivalence: string;
}

/** A municipality's targets: per local system, per code. */
type TargetIndex = Map<string, Map<string, LocalTarget[]>>;

/** Per registry, per municipality: its targets, with what building it read. */
const indexes = new WeakMap<TerminologyRegistry, Map<string, Tracked<TargetIndex>>>();

function buildIndex(registry: TerminologyRegistry, kommunekode: string): TargetIndex {
  const out: TargetIndex = new Map();
  for (const cm of localConceptMaps(registry, kommunekode)) {
    for (const group of cm.group ?? []) {
      if (!group.source || !group.target) continue;
      const provider = registry.codeSystemProvider(group.target, group.targetVersion) ?? registry.codeSystemProvider(group.target);
      let bySource = out.get(group.source);
      if (!bySource) out.set(group.source, bySource = new Map());
      for (const element of group.element ?? []) {
        if (!element.code) continue;
        const list = bySource.get(element.code) ?? [];
        for (const t of element.target ?? []) {
          if (!t.code || NO_MAPPING.has(t.equivalence)) continue;
          if (list.some((x) => x.system === group.target && x.code === t.code)) continue;
          // the code system's display is the one to record; the map's copy may be older
          const display = provider?.locate(t.code)?.display ?? t.display;
          list.push({ system: group.target, code: t.code, ...(display ? { display } : {}), equivalence: t.equivalence });
        }
        bySource.set(element.code, list);
      }
    }
  }
  for (const bySource of out.values()) for (const [code, list] of bySource) bySource.set(code, sharedList(list));
  return out;
}

/** At most this many distinct lists of targets are shared (then emptied). */
const MAX_SHARED_LISTS = 20_000;
const sharedLists = new BoundedMap<string, LocalTarget[]>(MAX_SHARED_LISTS);

/**
 * One list per distinct targets, shared by every local code with those targets (the 98 municipalities' 196,000
 * codes map to a few hundred common codes): what is computed per list (pick-list-expansion.ts) is computed once.
 */
function sharedList(list: LocalTarget[]): LocalTarget[] {
  const key = list.map((t) => `${t.system}|${t.code}|${t.display ?? ''}|${t.equivalence}`).join('\n');
  const shared = sharedLists.get(key);
  if (shared) return shared;
  sharedLists.set(key, list);
  return list;
}

const NONE: readonly LocalTarget[] = Object.freeze([]);

/**
 * The targets of a local system's codes, from the ConceptMaps of the municipality that owns the code system; kept
 * until that municipality's catalogs or the code systems they map to change (registry.tracked), so a written map
 * counts from the next request on. Undefined when no map has the system as its source.
 */
export function localTargetsOfSystem(registry: TerminologyRegistry, system: string): ReadonlyMap<string, readonly LocalTarget[]> | undefined {
  const kommunekode = ownerOfSystem(system);
  if (kommunekode === undefined) return undefined;
  // only real kommunekoder are kept (at most 1,000): any other owner in a URL has no maps to keep
  if (!isKommunekode(kommunekode)) return buildIndex(registry, kommunekode).get(system);
  let perRegistry = indexes.get(registry);
  if (!perRegistry) indexes.set(registry, perRegistry = new Map());
  const index = registry.kept(perRegistry.get(kommunekode), () => buildIndex(registry, kommunekode));
  perRegistry.set(kommunekode, index);
  return index.value.get(system);
}

/** The common codes a local code maps to (in map order): localTargetsOfSystem for one code. */
export function localTargets(registry: TerminologyRegistry, system: string, code: string): readonly LocalTarget[] {
  return localTargetsOfSystem(registry, system)?.get(code) ?? NONE;
}
