import type { ExpansionEntry } from '../../src/terminology/compose/result';
import { countNodes, nestBy, PrunableTree, type HierarchyNode } from '../../src/terminology/expansion/hierarchy';

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

describe('PrunableTree', () => {
  const [p, q, x, y, z] = ['p', 'q', 'x', 'y', 'z'].map(entry) as [ExpansionEntry, ExpansionEntry, ExpansionEntry, ExpansionEntry, ExpansionEntry];
  const list = [p, q, x, y, z];
  const tree = (): PrunableTree => {
    const parent = new Map<ExpansionEntry, ExpansionEntry>([[q, p], [x, q], [y, q], [z, p]]);
    return new PrunableTree(nestBy(list, (e) => parent.get(e)), (e) => list.indexOf(e));
  };
  const hits = (...codes: string[]): Uint8Array => Uint8Array.from(list, (e) => (codes.includes(e.code) ? 1 : 0));

  it('keeps a hit with its groups above it', () => {
    const pruned = tree().prune(hits('y'));
    expect(codes(pruned.nodes)).toEqual([['p', [['q', ['y']]]]]);
    expect(pruned.count).toBe(3);
  });

  it('keeps a matching group with everything under it', () => {
    const pruned = tree().prune(hits('q'));
    expect(codes(pruned.nodes)).toEqual([['p', [['q', ['x', 'y']]]]]);
    expect(pruned.count).toBe(4);
    expect(countNodes(pruned.nodes)).toBe(4);
  });

  it('keeps hits in their order, each under its groups', () => {
    expect(codes(tree().prune(hits('x', 'z')).nodes)).toEqual([['p', [['q', ['x']], 'z']]]);
  });

  it('keeps nothing when nothing matches, and never a node that is not in the list', () => {
    expect(tree().prune(hits()).nodes).toEqual([]);
    const outside = new PrunableTree(nestBy([p, q], (e) => (e === q ? p : undefined)), (e) => (e === q ? 1 : -1));
    expect(codes(outside.prune(Uint8Array.of(1, 0)).nodes)).toEqual([]);
  });

  it('knows the size of the whole tree', () => {
    expect(tree().size).toBe(5);
    expect(tree().roots).toHaveLength(1);
  });
});
