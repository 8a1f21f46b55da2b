import { ancestorsOf, type Concept } from '../providers/provider';
import { LocatingEntry, type ExpansionEntry, type HierarchyNode } from '../compose/result';

export type { HierarchyNode } from '../compose/result';

/** The nearest ancestor of a concept (breadth first over its parents) that is itself in the expansion. */
function nearestIncludedAncestor(concept: Concept, included: Map<Concept, HierarchyNode>): HierarchyNode | undefined {
  for (const p of ancestorsOf(concept)) {
    const hit = included.get(p);
    if (hit) return hit;
  }
  return undefined;
}

/**
 * Nests the codes of an expansion following their code system's hierarchy: each code goes under its nearest
 * ancestor that is also in the expansion (so codes left out, e.g. inactive ones, do not break the tree).
 * Codes keep their order. When a code has several parents the expansion stays flat.
 */
export function buildHierarchy(entries: readonly ExpansionEntry[]): HierarchyNode[] {
  const nodes = entries.map((entry) => ({ entry, children: [] as HierarchyNode[] }));
  // a code of a packed (flat) code system has no parent and is no code's parent: its concept is not located for that
  const conceptOf = (e: ExpansionEntry): Concept | undefined => (e instanceof LocatingEntry ? undefined : e.concept);
  // a poly-hierarchy (codes with several parents) cannot be shown as one tree without hiding some of it
  if (entries.some((e) => (conceptOf(e)?.parents.length ?? 0) > 1)) return nodes;
  const byConcept = new Map<Concept, HierarchyNode>();
  for (const n of nodes) {
    const concept = conceptOf(n.entry);
    if (concept && !byConcept.has(concept)) byConcept.set(concept, n);
  }
  const roots: HierarchyNode[] = [];
  for (const n of nodes) {
    const concept = conceptOf(n.entry);
    const parent = concept ? nearestIncludedAncestor(concept, byConcept) : undefined;
    if (parent && parent !== n) parent.children.push(n);
    else roots.push(n);
  }
  // a cycle in a (malformed) code system hierarchy would leave codes unreachable: show those codes flat
  if (countNodes(roots) !== nodes.length) return nodes.map((n) => ({ entry: n.entry, children: [] }));
  return roots;
}

function countNodes(nodes: readonly HierarchyNode[]): number {
  let n = 0;
  const stack = [...nodes];
  while (stack.length > 0) {
    const node = stack.pop()!;
    n++;
    for (const child of node.children) stack.push(child);
  }
  return n;
}

/**
 * Nests entries by a parent relation other than one code system's hierarchy (e.g. local codes under the common code
 * they map to): each entry goes under the entry `parentOf` gives, when that is in the list. Entries keep their order.
 */
export function nestBy(entries: readonly ExpansionEntry[], parentOf: (entry: ExpansionEntry) => ExpansionEntry | undefined): HierarchyNode[] {
  const nodes = new Map<ExpansionEntry, HierarchyNode>();
  for (const entry of entries) if (!nodes.has(entry)) nodes.set(entry, { entry, children: [] });
  const roots: HierarchyNode[] = [];
  for (const node of nodes.values()) {
    const parentEntry = parentOf(node.entry);
    const parent = parentEntry && parentEntry !== node.entry ? nodes.get(parentEntry) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  if (countNodes(roots) !== nodes.size) return [...nodes.values()].map((n) => ({ entry: n.entry, children: [] }));
  return roots;
}

export { countNodes };

/**
 * Groups top-level codes under their parent when the parent is not in the expansion itself (e.g. the 14 §119
 * interventions under their niveau-1 concept): the parent is added as an abstract entry, there to navigate by, not to
 * pick (FHIR `contains.abstract`). Codes without a single parent stay where they are; order is kept.
 */
export function groupUnderParents(nodes: readonly HierarchyNode[]): HierarchyNode[] {
  const groups = new Map<Concept, HierarchyNode>();
  const out: HierarchyNode[] = [];
  for (const node of nodes) {
    const { concept, provider } = node.entry;
    const parent = concept?.parents.length === 1 ? concept.parents[0]! : undefined;
    if (!parent || !provider) {
      out.push(node);
      continue;
    }
    let group = groups.get(parent);
    if (!group) {
      group = {
        entry: {
          system: node.entry.system, version: node.entry.version, code: parent.code, display: parent.display,
          inactive: provider.isInactive(parent), abstract: true, concept: parent, provider,
        },
        children: [],
      };
      groups.set(parent, group);
      out.push(group);
    }
    group.children.push(node);
  }
  return out;
}

/**
 * Nests the codes as a value set's given expansion nests them (`tree`: its codes and the groups without a code): each
 * code in `entries` keeps its place, and the codes under one left out (inactive with activeOnly, an abstract code with
 * excludeNotForUI) take its place. With `withGroups` a group is kept where a code under it is; without, its codes
 * take its place too.
 */
export function nestAsGiven(tree: readonly HierarchyNode[]): (entries: readonly ExpansionEntry[], withGroups: boolean) => HierarchyNode[] {
  return (entries, withGroups) => {
    const shown = new Set(entries);
    const keep = (nodes: readonly HierarchyNode[]): HierarchyNode[] => nodes.flatMap((node) => {
      const children = keep(node.children);
      const kept = shown.has(node.entry) || (withGroups && node.entry.group === true && children.length > 0);
      return kept ? [{ entry: node.entry, children }] : children;
    });
    return keep(tree);
  };
}
