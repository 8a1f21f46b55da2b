import { childrenLabel, nestLike, offerNodes, type TreeNode } from '../../web/src/tree';

const n = (code: string, children: TreeNode[] = []): TreeNode => ({ system: 's', code, display: code.toUpperCase(), inactive: false, children });

describe("a catalog's concepts arranged as its code system nests them", () => {
  const full = [n('root', [n('a', [n('a1'), n('a2', [n('a2x')])]), n('b', [n('b1')])]), n('other')];

  it('keeps the nearest listed ancestor as parent and the catalog order among siblings', () => {
    const flat = [n('b1'), n('a2x'), n('a'), n('b'), n('a1')];
    const nested = nestLike(flat, full);
    const show = (list: TreeNode[]): unknown => list.map((x) => (x.children.length ? { [x.code]: show(x.children) } : x.code));
    expect(show(nested)).toEqual([{ a: ['a2x', 'a1'] }, { b: ['b1'] }]);
  });

  it('leaves a concept the tree lacks at the top, and lists a concept under two parents once', () => {
    const poly = [n('p', [n('x')]), n('q', [n('x')])];
    const nested = nestLike([n('x'), n('zz'), n('q')], poly);
    expect(nested.map((x) => [x.code, x.children.map((c) => c.code)])).toEqual([['x', []], ['zz', []], ['q', []]]);
  });
});

describe('the count of a node\'s children as a screen reader hears it', () => {
  it('names one child in the singular and many in the plural, in Danish numbers', () => {
    expect(childrenLabel(n('a', [n('a1')]))).toBe('1 underbegreb');
    expect(childrenLabel(n('a', Array.from({ length: 1200 }, (_, i) => n(`a${i}`))))).toBe('1.200 underbegreber');
  });

  it("calls an offer's children its common interventions", () => {
    const [offer] = offerNodes([n('tilbud')], () => [n('x'), n('y')]);
    expect(childrenLabel(offer!)).toBe('2 fælleskommunale indsatser');
    expect(childrenLabel({ ...offer!, children: [n('x')] })).toBe('1 fælleskommunal indsats');
  });
});
