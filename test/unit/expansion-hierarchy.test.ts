import type { ExpansionEntry } from '../../src/terminology/compose/result';
import { countNodes, nestBy, type HierarchyNode } from '../../src/terminology/expansion/hierarchy';
import { TreeLayout } from '../../src/terminology/expansion/tree-layout';

const entry = (code: string): ExpansionEntry => ({ system: 'urn:test', code, display: code, inactive: false, abstract: false });
const codes = (nodes: readonly HierarchyNode[]): unknown[] => nodes.map((n) => (n.children.length > 0 ? [n.entry.code, codes(n.children)] : n.entry.code));

describe('nestBy', () => {
  it('nests each entry under the entry its parent relation names, keeping order; the rest stay at the top', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(entry) as [ExpansionEntry, ExpansionEntry, ExpansionEntry, ExpansionEntry];
    const parents = new Map([[c, a], [b, a], [d, entry('not-in-the-list')]]);
    expect(codes(nestBy([a, b, c, d], (e) => parents.get(e)))).toEqual([['a', ['b', 'c']], 'd']);
  });

  it('shows a cyclic relation flat instead of losing codes', () => {
    const [a, b] = [entry('a'), entry('b')];
    const nodes = nestBy([a, b], (e) => (e === a ? b : a));
    expect(codes(nodes)).toEqual(['a', 'b']);
  });
});

describe('TreeLayout', () => {
  const [p, q, x, y, z] = ['p', 'q', 'x', 'y', 'z'].map(entry) as [ExpansionEntry, ExpansionEntry, ExpansionEntry, ExpansionEntry, ExpansionEntry];
  const list = [p, q, x, y, z];
  const layout = (): TreeLayout => {
    const parent = new Map<ExpansionEntry, ExpansionEntry>([[q, p], [x, q], [y, q], [z, p]]);
    return TreeLayout.of(nestBy(list, (e) => parent.get(e)), (e) => list.indexOf(e));
  };
  /** The codes' ranks by position, the first code given best; -1 for the others. */
  const hits = (...codes: string[]): Int32Array => Int32Array.from(list, (e) => codes.indexOf(e.code));
  const pruned = (...hitCodes: string[]): unknown[] => {
    const tree = layout();
    return codes(tree.nodesOf(tree.prune(hits(...hitCodes))));
  };

  it('lays the nodes out depth first, each with the end of its subtree', () => {
    const tree = layout();
    expect(Array.from({ length: tree.size }, (_, i) => [tree.entryAt(i).code, tree.endOf(i)])).toEqual([['p', 5], ['q', 4], ['x', 3], ['y', 4], ['z', 5]]);
    expect(codes(tree.nodesOf())).toEqual([['p', [['q', ['x', 'y']], 'z']]]);
  });

  it('keeps a hit with its groups above it', () => {
    expect(pruned('y')).toEqual([['p', [['q', ['y']]]]]);
    expect(layout().prune(hits('y'))).toHaveLength(3);
  });

  it('keeps a matching group with everything under it', () => {
    expect(pruned('q')).toEqual([['p', [['q', ['x', 'y']]]]]);
    expect(countNodes(layout().nodesOf(layout().prune(hits('q'))))).toBe(4);
  });

  it('keeps hits in their order, each under its groups', () => {
    expect(pruned('x', 'z')).toEqual([['p', [['q', ['x']], 'z']]]);
  });

  it('keeps nothing when nothing matches, and never a node that is not in the list', () => {
    expect(layout().prune(hits())).toHaveLength(0);
    const outside = TreeLayout.of(nestBy([p, q], (e) => (e === q ? p : undefined)), (e) => (e === q ? 1 : -1));
    expect(outside.prune(Int32Array.of(0, -1))).toHaveLength(0);
  });

  it('ranks each level by the best hit under each node, the rest in the tree\'s order after them', () => {
    const tree = layout();
    const ranked = (...hitCodes: string[]) => codes(tree.nodesOf(tree.ranked(tree.prune(hits(...hitCodes)), hits(...hitCodes))));
    expect(ranked('z', 'x')).toEqual([['p', ['z', ['q', ['x']]]]]);
    expect(ranked('x', 'z')).toEqual([['p', [['q', ['x']], 'z']]]);
    expect(ranked('y', 'x')).toEqual([['p', [['q', ['y', 'x']]]]]);
    // a hit keeps its subtree, whose nodes without a hit keep the tree's order
    expect(ranked('q')).toEqual([['p', [['q', ['x', 'y']]]]]);
  });

  it('lays a list out flat', () => {
    const flat = TreeLayout.flat([p, q]);
    expect(flat.size).toBe(2);
    expect(codes(flat.nodesOf())).toEqual(['p', 'q']);
  });
});
