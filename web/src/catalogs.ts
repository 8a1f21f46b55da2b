import type { ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import { fhir } from './fhir';
import { nestLike, type TreeNode } from './tree';

export type { TreeNode };

export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FFB = 'urn:oid:1.2.208.176.2.22';

/** A published catalog the page browses: one of the project's value sets, or a whole common code system. */
export interface Catalog {
  key: string;
  label: string;
  group: string;
  /** Canonical URL of the value set (the catalogs of terminology/catalogs/). */
  valueSet?: string;
  /** A whole code system (FSIII, FFB), expanded as a value set of all its concepts. */
  system?: string;
  /** The code system the catalog's codes come from. */
  codeSystem: string;
}

const VS = 'http://faelles-tx.dk/fhir/ValueSet/';

export const CATALOGS: Catalog[] = [
  { key: '119', label: '§119 Forebyggelse', group: 'Indsatskataloger (FSIII)', valueSet: `${VS}indsatskatalog-119`, codeSystem: FSIII },
  { key: '140', label: '§140 Genoptræning', group: 'Indsatskataloger (FSIII)', valueSet: `${VS}indsatskatalog-140`, codeSystem: FSIII },
  { key: 'ffb-sociale-tilbud', label: 'Sociale tilbud', group: 'FFB (voksne)', valueSet: `${VS}ffb-sociale-tilbud`, codeSystem: FFB },
  { key: 'ffb-ydelser', label: 'Ydelser', group: 'FFB (voksne)', valueSet: `${VS}ffb-ydelser`, codeSystem: FFB },
  { key: 'ffb-maalgrupper', label: 'Målgrupper', group: 'FFB (voksne)', valueSet: `${VS}ffb-maalgrupper`, codeSystem: FFB },
  { key: 'ffb-funktionsevne', label: 'Funktionsevne', group: 'FFB (voksne)', valueSet: `${VS}ffb-funktionsevne`, codeSystem: FFB },
  { key: 'fsiii', label: 'Hele FSIII', group: 'Kodesystemer', system: FSIII, codeSystem: FSIII },
  { key: 'ffb', label: 'Hele FFB', group: 'Kodesystemer', system: FFB, codeSystem: FFB },
];

export function catalogByKey(key: string | undefined): Catalog | undefined {
  return CATALOGS.find((c) => c.key === key);
}

export function systemName(system: string): string {
  if (system === FSIII) return 'FSIII';
  if (system === FFB) return 'FFB';
  return system;
}

/**
 * FSIII holds every concept twice: the UUID tree and the legacy-key tree (H1.1, underscore UUIDs, names); the
 * legacy twins are listed by the FSIII legacy-key ConceptMap. The page shows the UUID codes only.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isLegacyKey(system: string, code: string): boolean {
  return system === FSIII && !UUID.test(code);
}

function toNodes(contains: ValueSetExpansionContains[] | undefined): TreeNode[] {
  const out: TreeNode[] = [];
  for (const c of contains ?? []) {
    if (!c.code || !c.system || isLegacyKey(c.system, c.code)) continue;
    out.push({ system: c.system, code: c.code, display: c.display ?? c.code, inactive: c.inactive === true, children: toNodes(c.contains) });
  }
  return out;
}

export interface CatalogExpansion {
  title?: string;
  total: number;
  nodes: TreeNode[];
}

/**
 * The catalog as a tree ($expand, nested as the code system is where the value set takes whole subtrees), or with
 * `filter` the matching concepts, flat: the server's Danish-aware text filter (faerdig = færdig), as in $expand.
 */
export async function expandCatalog(catalog: Catalog, filter?: string, signal?: AbortSignal): Promise<CatalogExpansion> {
  const extra = filter ? { filter, excludeNested: true } : {};
  let vs: ValueSet;
  if (catalog.valueSet) {
    vs = (await fhir<ValueSet>('GET', 'ValueSet/$expand', { query: { url: catalog.valueSet, ...extra }, signal })).body;
  } else {
    const parameter = [
      { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: catalog.system }] } } },
      ...(filter ? [{ name: 'filter', valueString: filter }, { name: 'excludeNested', valueBoolean: true }] : []),
    ];
    vs = (await fhir<ValueSet>('POST', 'ValueSet/$expand', { body: { resourceType: 'Parameters', parameter }, signal })).body;
  }
  let nodes = toNodes(vs.expansion?.contains);
  // A catalog that lists its concepts one by one expands flat; arrange them as the code system nests them.
  if (!filter && catalog.valueSet && nodes.every((n) => n.children.length === 0)) {
    nodes = nestLike(nodes, await systemTree(catalog.codeSystem).catch(() => []));
  }
  const count = (list: TreeNode[]): number => list.reduce((n, x) => n + 1 + count(x.children), 0);
  return { title: vs.title, total: count(nodes), nodes };
}

const systemTrees = new Map<string, Promise<TreeNode[]>>();

/** The whole code system as a tree (one expansion per page load). */
function systemTree(system: string): Promise<TreeNode[]> {
  let tree = systemTrees.get(system);
  if (!tree) {
    const whole = CATALOGS.find((c) => c.system === system) ?? { key: system, label: system, group: '', system, codeSystem: system };
    tree = expandCatalog(whole).then((e) => e.nodes);
    tree.catch(() => systemTrees.delete(system));
    systemTrees.set(system, tree);
  }
  return tree;
}

/** Displays of a set of codes of one code system, in one call (an $expand of an enumerated value set). */
export async function displaysOf(system: string, codes: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (codes.length === 0) return out;
  const parameter = [
    { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system, concept: codes.map((code) => ({ code })) }] } } },
    { name: 'excludeNested', valueBoolean: true },
  ];
  const vs = (await fhir<ValueSet>('POST', 'ValueSet/$expand', { body: { resourceType: 'Parameters', parameter } })).body;
  for (const c of vs.expansion?.contains ?? []) if (c.code) out.set(c.code, c.display ?? c.code);
  return out;
}
