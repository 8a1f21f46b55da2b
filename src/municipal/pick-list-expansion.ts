import type { ValueSet } from 'fhir/r4';
import { entryKey, LocatingEntry, type ExpansionEntry } from '../terminology/compose/result';
import { groupUnderParents, nestBy, type HierarchyNode } from '../terminology/expansion/hierarchy';
import type { ContainsProperty, PropertySource } from '../terminology/expansion/properties';
import type { TerminologyRegistry } from '../terminology/registry';
import { localTargets, type LocalTarget } from './local-targets';
import { COMPOSE_PROPERTY_EXT, NIVEAU2_PROPERTY, NIVEAU2_PROPERTY_URI } from './municipal-value-sets';
import { ownerOfSystem } from './municipality';

/** The properties a value set's compose asks an expansion to return when the client names none (R5 compose.property). */
export function composeProperties(vs: ValueSet): string[] {
  return (vs.compose?.extension ?? []).filter((e) => e.url === COMPOSE_PROPERTY_EXT && typeof e.valueString === 'string').map((e) => e.valueString!);
}

type Niveau2Values = (ContainsProperty & { uri: string })[];

/** One source per registry: expansions keep what a source gave per code (expansion-renderer.ts), by the source. */
const sources = new WeakMap<TerminologyRegistry, PropertySource>();

export function localPropertySource(registry: TerminologyRegistry): PropertySource {
  let source = sources.get(registry);
  if (!source) {
    source = propertySourceOf(registry);
    sources.set(registry, source);
  }
  return source;
}

const NO_VALUES: Niveau2Values = [];

/**
 * `niveau2` for a local (niveau 3) code: the common code(s) its municipality's maps link it to, as Codings with
 * display. The values are made once per list of targets, which every local code with the same targets shares
 * (local-targets.ts).
 */
function propertySourceOf(registry: TerminologyRegistry): PropertySource {
  const valuesOf = new WeakMap<readonly LocalTarget[], Niveau2Values>();
  return (entry, name) => {
    if (name !== NIVEAU2_PROPERTY) return undefined;
    const targets = localTargets(registry, entry.system, entry.code);
    if (targets.length === 0) return NO_VALUES;
    let values = valuesOf.get(targets);
    if (!values) {
      values = targets.map((t) => ({
        code: NIVEAU2_PROPERTY, uri: NIVEAU2_PROPERTY_URI,
        value: { valueCoding: { system: t.system, code: t.code, ...(t.display ? { display: t.display } : {}) } },
      }));
      valuesOf.set(targets, values);
    }
    return values;
  };
}

/**
 * Nests a picker's codes: local codes under the first common code they map to that is in the expansion, common codes
 * under their parent when it is there. With `withGroups`, the common codes at the top are grouped under their parent
 * (niveau 2 under niveau 1) as hierarchical=true groups a catalog's codes: abstract, not codes of the picker.
 */
export function nestByMap(registry: TerminologyRegistry): (entries: readonly ExpansionEntry[], withGroups: boolean) => HierarchyNode[] {
  return (entries, withGroups) => {
    const byKey = new Map<string, ExpansionEntry>();
    const byConcept = new Map<unknown, ExpansionEntry>();
    for (const e of entries) {
      byKey.set(entryKey(e.system, e.code), e);
      // a code of a packed (flat) code system is no code's parent: its concept is not located for that
      if (!(e instanceof LocatingEntry) && e.concept) byConcept.set(e.concept, e);
    }
    const tree = nestBy(entries, (e) => {
      if (ownerOfSystem(e.system) !== undefined) {
        for (const t of localTargets(registry, e.system, e.code)) {
          const hit = byKey.get(entryKey(t.system, t.code));
          if (hit) return hit;
        }
        return undefined;
      }
      for (const p of e.concept?.parents ?? []) {
        const hit = byConcept.get(p);
        if (hit) return hit;
      }
      return undefined;
    });
    if (!withGroups) return tree;
    // the local codes not mapped (at the end) are not grouped by their own catalog's hierarchy
    const common = tree.filter((n) => ownerOfSystem(n.entry.system) === undefined);
    return [...groupUnderParents(common), ...tree.filter((n) => ownerOfSystem(n.entry.system) !== undefined)];
  };
}
