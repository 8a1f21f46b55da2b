import type { ExpansionEntry } from '../compose/evaluator';
import type { IndexedComposeResult } from './cache';
import { selectEntries, type Selection } from './selection';
import { TreeLayout } from './tree-layout';
import type { ExpansionRequest } from './value-set-expansion';

/**
 * A value set nested by `nest` (a municipality's picker, a value set given by its expansion) and a text filter over
 * it: the tree, the hits in it, and the codes a hit brings with it.
 */

/** The codes an expansion shows: a layout, and the nodes of it shown (all when undefined). */
export interface ShownCodes {
  layout: TreeLayout;
  kept?: Int32Array;
}

type Nest = NonNullable<ExpansionRequest['nest']>;

/** The whole tree `nest` makes per evaluated selection of codes (kept as long as the evaluation is). */
const trees = new WeakMap<readonly ExpansionEntry[], TreeLayout>();

/** The request's codes without its text filter, and the whole tree `nest` makes of them. */
function wholeTree(evaluated: IndexedComposeResult, request: ExpansionRequest, nest: Nest): { unfiltered: Selection; whole: TreeLayout } {
  const unfiltered = selectEntries(evaluated, { ...request, textFilter: undefined });
  let whole = trees.get(unfiltered.entries);
  if (!whole) {
    const positions = new Map<ExpansionEntry, number>();
    unfiltered.entries.forEach((e, i) => positions.set(e, unfiltered.positions[i]!));
    whole = TreeLayout.of(nest(unfiltered.entries, !request.excludeNotForUI), (e) => positions.get(e) ?? -1);
    trees.set(unfiltered.entries, whole);
  }
  return { unfiltered, whole };
}

/** Each hit's rank by its position in the evaluated value set (-1: no hit), as the tree's filter methods take them. */
function ranksOf(evaluated: IndexedComposeResult, hits: Selection): Int32Array {
  const rankAt = new Int32Array(evaluated.entries.length).fill(-1);
  hits.positions.forEach((p, rank) => {
    rankAt[p] = rank;
  });
  return rankAt;
}

/** The selections with the codes under their hits, per selection of hits (kept as long as it is). */
const withCodesUnder = new WeakMap<Selection, Selection>();

/**
 * A text filter's hits in a nested value set, and the codes under each hit (a niveau-2 code's local codes), which the
 * nested answer shows with it: members of the answer like the hits, so counted in `total` and listed flat and in
 * pages too, after every hit (they did not match), those of the best hit first, each hit's in the tree's order.
 */
export function hitsWithCodesUnder(evaluated: IndexedComposeResult, request: ExpansionRequest, nest: Nest, hits: Selection): Selection {
  let selection = withCodesUnder.get(hits);
  if (!selection) {
    const { whole } = wholeTree(evaluated, request, nest);
    const under = whole.positionsUnderHits(ranksOf(evaluated, hits));
    selection = under.length === 0 ? hits : {
      entries: [...hits.entries, ...Array.from(under, (p) => evaluated.entries[p]!)],
      positions: Int32Array.from([...hits.positions, ...under]),
    };
    withCodesUnder.set(hits, selection);
  }
  return selection;
}

/** A code shown only as the place of a text filter's hit in the tree, as an abstract group (not counted). */
const groupEntries = new WeakMap<ExpansionEntry, ExpansionEntry>();

function asGroup(entry: ExpansionEntry): ExpansionEntry {
  let group = groupEntries.get(entry);
  // the concept named: an entry of a packed code system locates it in a getter, which a spread leaves out
  if (!group) groupEntries.set(entry, group = { ...entry, concept: entry.concept, abstract: true });
  return group;
}

/**
 * The request's codes nested by `nest`: the whole tree, or for a text filter each hit (with its subtree) under its
 * groups, the groups and hits of each level with the best matches first (as a flat list ranks them). A code kept only
 * to show where a hit is did not match: it is shown as an abstract group, as hierarchical=true shows a filtered
 * catalog's parents, and not counted (left out for excludeNotForUI).
 */
export function nestedSelection(evaluated: IndexedComposeResult, request: ExpansionRequest, nest: Nest, hits: Selection): ShownCodes {
  const { unfiltered, whole } = wholeTree(evaluated, request, nest);
  if (hits === unfiltered) return { layout: whole };
  // a filter's tree is not kept: cutting the layout is one pass, and a tree per filter of a large picker would hold much memory
  // the hits come best first (selection.ts): each one's rank, by position
  const rankAt = ranksOf(evaluated, hits);
  const pruned = whole.prune(rankAt);
  const context = whole.contextOf(pruned, rankAt).filter((node) => !whole.entryAt(node).abstract);
  const kept = whole.ranked(pruned, rankAt);
  if (context.length === 0) return { layout: whole, kept };
  const groups = new Set(context);
  // without what is not for a UI, the hits go under the nearest code kept, as hierarchical=true nests a filtered catalog
  if (request.excludeNotForUI) return { layout: whole, kept: kept.filter((node) => !groups.has(node)) };
  return { layout: TreeLayout.of(whole.nodesOf(kept, (node, entry) => (groups.has(node) ? asGroup(entry) : entry))) };
}
