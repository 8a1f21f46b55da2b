/** Catalog trees, without the browser: jest tests this module directly. */
import { count } from './words';

/** One concept in a catalog tree or a search result. */
export interface TreeNode {
  system: string;
  code: string;
  display: string;
  inactive: boolean;
  /** A group to navigate by, not a concept to pick (FHIR `contains.abstract`): shown open. */
  abstract?: boolean;
  /** An offer's children are the common interventions it is recorded as, not narrower concepts. */
  interventions?: boolean;
  children: TreeNode[];
}

/** An offer (tilbud) of a municipality with the common interventions it is recorded as (its `niveau2` values) as children. */
export function offerNodes(offers: TreeNode[], niveau2: (offer: TreeNode) => TreeNode[]): TreeNode[] {
  return offers.map((o) => ({ ...o, interventions: true, children: niveau2(o) }));
}

/** What a node's count of children says to a screen reader: `1 underbegreb`, `3 fælleskommunale indsatser` (an offer). */
export function childrenLabel(n: TreeNode): string {
  return n.interventions
    ? count(n.children.length, 'fælleskommunal indsats', 'fælleskommunale indsatser')
    : count(n.children.length, 'underbegreb', 'underbegreber');
}

/**
 * The concepts of `flat` nested as in `full` (the code system's tree): a concept keeps the nearest ancestor that is
 * also in `flat` as its parent. Siblings stay in the catalog's order; a concept the tree lacks stays at the top.
 */
export function nestLike(flat: TreeNode[], full: TreeNode[]): TreeNode[] {
  const order = new Map(flat.map((n, i) => [n.code, i]));
  const seen = new Set<string>();
  const sort = (list: TreeNode[]) => list.sort((a, b) => order.get(a.code)! - order.get(b.code)!);
  const walk = (nodes: TreeNode[]): TreeNode[] => nodes.flatMap((n) => {
    const children = walk(n.children);
    if (!order.has(n.code) || seen.has(n.code)) return children;
    seen.add(n.code);
    return [{ ...flat[order.get(n.code)!]!, children: sort(children) }];
  });
  const nested = walk(full);
  return sort([...nested, ...flat.filter((n) => !seen.has(n.code))]);
}
