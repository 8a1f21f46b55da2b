import type { ExpansionEntry } from '../../src/terminology/compose/result';
import { countNodes, nestBy, pruneToMatches, type HierarchyNode } from '../../src/terminology/expansion/hierarchy';

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

describe('pruneToMatches', () => {
  const tree = (): HierarchyNode[] => {
    const [p, q, x, y, z] = ['p', 'q', 'x', 'y', 'z'].map(entry) as ExpansionEntry[];
    const parent = new Map<ExpansionEntry, ExpansionEntry>([[q!, p!], [x!, q!], [y!, q!], [z!, p!]]);
    return nestBy([p!, q!, x!, y!, z!], (e) => parent.get(e));
  };

  it('keeps a hit with its groups above it', () => {
    expect(codes(pruneToMatches(tree(), (e) => e.code === 'y'))).toEqual([['p', [['q', ['y']]]]]);
  });

  it('keeps a matching group with everything under it', () => {
    const pruned = pruneToMatches(tree(), (e) => e.code === 'q');
    expect(codes(pruned)).toEqual([['p', [['q', ['x', 'y']]]]]);
    expect(countNodes(pruned)).toBe(4);
  });

  it('keeps nothing when nothing matches', () => {
    expect(pruneToMatches(tree(), () => false)).toEqual([]);
  });
});

