import type { ExpansionEntry } from '../compose/result';
import type { HierarchyNode } from './hierarchy';

/**
 * The codes an expansion shows (nested or flat), laid out in depth-first order: each node's entry, where its subtree
 * ends, and its position in the list a text filter selects from (-1 when it is not in that list). A layout kept with
 * an evaluation (a picker's whole tree) is cut to each filter's hits without being walked node by node, and rendered
 * from its codes' JSON kept in the same order (ContainsRenderer.renderInto).
 */
export class TreeLayout {
  /**
   * `ends` and `positions` are left out for a flat list (each node ends where the next begins, none is a hit): a page
   * of a flat expansion is laid out per request. A tree is laid out to be kept with its selection (`lasting`).
   */
  private constructor(
    private readonly entries: readonly ExpansionEntry[],
    private readonly ends?: Int32Array,
    private readonly positions?: Int32Array,
  ) {}

  /** Laid out once and kept with its selection of codes, not per request. */
  get lasting(): boolean {
    return this.ends !== undefined;
  }

  /** A tree of nodes laid out; `positionOf` gives an entry's position in the list a filter selects from. */
  static of(roots: readonly HierarchyNode[], positionOf: (entry: ExpansionEntry) => number = () => -1): TreeLayout {
    const entries: ExpansionEntry[] = [];
    const ends: number[] = [];
    const visit = (node: HierarchyNode): void => {
      const at = entries.length;
      entries.push(node.entry);
      ends.push(0);
      for (const child of node.children) visit(child);
      ends[at] = entries.length;
    };
    for (const root of roots) visit(root);
    return new TreeLayout(entries, Int32Array.from(ends), Int32Array.from(entries, positionOf));
  }

  /** A list of codes without nesting. */
  static flat(entries: readonly ExpansionEntry[]): TreeLayout {
    return new TreeLayout(entries);
  }

  /** The number of nodes. */
  get size(): number {
    return this.entries.length;
  }

  entryAt(node: number): ExpansionEntry {
    return this.entries[node]!;
  }

  /** The node after the subtree of `node` (`node + 1` for a node without children). */
  endOf(node: number): number {
    return this.ends ? this.ends[node]! : node + 1;
  }

  /** A text filter's rank of the node (`rankAt` by position: lower is better, -1 for no hit), -1 when it is not a hit. */
  private rankOf(node: number, rankAt: Int32Array): number {
    const position = this.positions ? this.positions[node]! : -1;
    return position >= 0 ? rankAt[position]! : -1;
  }

  /**
   * A text filter over the tree, the hits' ranks by position (`rankAt`, -1 for no hit): the nodes kept, in depth-first
   * order. A hit keeps its whole subtree; a node that is not a hit is kept when something below it is (so each hit is
   * shown under its groups).
   */
  prune(rankAt: Int32Array): Int32Array {
    const kept = new Int32Array(this.entries.length);
    return kept.subarray(0, this.keep(0, this.entries.length, rankAt, kept, 0));
  }

  private keep(from: number, to: number, rankAt: Int32Array, kept: Int32Array, n: number): number {
    for (let i = from; i < to;) {
      const end = this.endOf(i);
      if (this.rankOf(i, rankAt) >= 0) {
        for (let j = i; j < end; j++) kept[n++] = j;
      } else if (end > i + 1) {
        const below = this.keep(i + 1, end, rankAt, kept, n + 1);
        if (below > n + 1) {
          kept[n] = i;
          n = below;
        }
      }
      i = end;
    }
    return n;
  }

  /**
   * The positions of the nodes in the hits' subtrees (which `prune` keeps) that are not hits but are in the list a
   * filter selects from: those under the best hit first, each hit's in the tree's order.
   */
  positionsUnderHits(rankAt: Int32Array): Int32Array {
    const positions = this.positions;
    if (!positions) return new Int32Array(0);
    const subtrees: { rank: number; from: number; to: number }[] = [];
    for (let i = 0; i < this.entries.length;) {
      const end = this.endOf(i);
      const rank = this.rankOf(i, rankAt);
      if (rank < 0) {
        i++;
        continue;
      }
      if (end > i + 1) subtrees.push({ rank, from: i + 1, to: end });
      i = end;
    }
    subtrees.sort((a, b) => a.rank - b.rank);
    const out: number[] = [];
    for (const { from, to } of subtrees) {
      for (let j = from; j < to; j++) if (positions[j]! >= 0 && this.rankOf(j, rankAt) < 0) out.push(positions[j]!);
    }
    return Int32Array.from(out);
  }

  /**
   * Of the nodes `prune` kept for these hits, those kept only to show a hit's place in the tree: neither a hit nor in
   * a hit's subtree.
   */
  contextOf(kept: Int32Array, rankAt: Int32Array): number[] {
    const context: number[] = [];
    let hitEnd = 0;
    for (const i of kept) {
      if (i < hitEnd) continue;
      if (this.rankOf(i, rankAt) >= 0) hitEnd = this.endOf(i);
      else context.push(i);
    }
    return context;
  }

  /**
   * The nodes `prune` kept, each node's kept children (with their subtrees) in the order of the best hit in them:
   * `rankAt` by position, lower first, -1 for no hit (a text filter's ranks, selection.ts); children without a hit keep their place
   * after those with one, in the tree's order. A node is still followed by its subtree, so a parent comes before its
   * children, but a child may come before a sibling that precedes it in the tree (nodesOf and the renderer nest a node
   * under the open node whose subtree holds it, not by the order of the nodes).
   */
  ranked(kept: Int32Array, rankAt: Int32Array): Int32Array {
    const out = new Int32Array(kept.length);
    let n = 0;
    const rankOf = (node: number): number => {
      const rank = this.rankOf(node, rankAt);
      return rank >= 0 ? rank : Number.MAX_SAFE_INTEGER;
    };
    /** The blocks (a kept node and its kept subtree) of kept[from, to), each with the best rank in it, in order. */
    const blocks = (from: number, to: number): { from: number; to: number; best: number }[] => {
      const level: { from: number; to: number; best: number }[] = [];
      for (let k = from; k < to;) {
        const end = this.endOf(kept[k]!);
        let next = k + 1;
        let best = rankOf(kept[k]!);
        while (next < to && kept[next]! < end) best = Math.min(best, rankOf(kept[next++]!));
        level.push({ from: k, to: next, best });
        k = next;
      }
      // stable: equal ranks keep the tree's order
      return level.sort((a, b) => a.best - b.best || a.from - b.from);
    };
    const emit = (from: number, to: number): void => {
      for (const block of blocks(from, to)) {
        out[n++] = kept[block.from]!;
        emit(block.from + 1, block.to);
      }
    };
    emit(0, kept.length);
    return out;
  }

  /** The kept nodes (all when `kept` is undefined) as a tree of nodes, each with its entry or the one `entryOf` gives. */
  nodesOf(kept?: Int32Array, entryOf?: (node: number, entry: ExpansionEntry) => ExpansionEntry): HierarchyNode[] {
    const roots: HierarchyNode[] = [];
    const open: { start: number; end: number; children: HierarchyNode[] }[] = [];
    const n = kept ? kept.length : this.entries.length;
    for (let k = 0; k < n; k++) {
      const i = kept ? kept[k]! : k;
      while (open.length > 0 && !(i > open[open.length - 1]!.start && i < open[open.length - 1]!.end)) open.pop();
      const node: HierarchyNode = { entry: entryOf ? entryOf(i, this.entries[i]!) : this.entries[i]!, children: [] };
      (open.length > 0 ? open[open.length - 1]!.children : roots).push(node);
      const end = this.endOf(i);
      if (end > i + 1) open.push({ start: i, end, children: node.children });
    }
    return roots;
  }
}
