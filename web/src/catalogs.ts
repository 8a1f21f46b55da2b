import type { Bundle, Coding, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import { fhir } from './fhir';
import { nestLike, offerNodes, type TreeNode } from './tree';
import { kommuneNavn } from './words';

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
  /** A municipality's pick list (bilag 6), computed by the server from its local catalog. */
  pickList?: PickList;
}

/** The pick lists the page shows per municipality: offers with their interventions (scenario 1), the picker (scenario 3). */
export type PickList = 'tilbud' | 'indsatsvaelger';
const PICK_LIST_LABEL: Record<PickList, string> = { tilbud: 'Tilbud og deres indsatser', indsatsvaelger: 'Vælg indsats (niveau 1–3)' };
const KOMMUNEKODE_SYSTEM = 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode';
const CONTAINS_PROPERTY = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.expansion.contains.property';

export function pickListCatalog(kommunekode: string, list: PickList): Catalog {
  return {
    key: `kommune-${kommunekode}-${list}`, label: PICK_LIST_LABEL[list], group: `${kommuneNavn(kommunekode)} (bilag 6)`,
    valueSet: `http://faelles-tx.dk/fhir/kommune/${kommunekode}/ValueSet/${list}`, codeSystem: FSIII, pickList: list,
  };
}

/** The municipalities whose pick lists the server publishes (one search). */
export async function municipalitiesWithPickLists(signal?: AbortSignal): Promise<string[]> {
  const bundle = (await fhir<Bundle>('GET', 'ValueSet', { query: { identifier: `${KOMMUNEKODE_SYSTEM}|`, _summary: 'true', _count: 1000 }, signal })).body;
  const out = new Set<string>();
  for (const e of bundle.entry ?? []) {
    const vs = e.resource as ValueSet;
    const m = /\/kommune\/(\d{3})\/ValueSet\/indsatsvaelger$/.exec(vs.url ?? '');
    if (m) out.add(m[1]!);
  }
  return [...out].sort();
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
  const m = /^kommune-(\d{3})-(tilbud|indsatsvaelger)$/.exec(key ?? '');
  return CATALOGS.find((c) => c.key === key) ?? (m ? pickListCatalog(m[1]!, m[2] as PickList) : undefined);
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

/** A code's `niveau2` property values (its common interventions), as tree nodes. */
function niveau2Nodes(c: ValueSetExpansionContains | undefined): TreeNode[] {
  const values = (c?.extension ?? []).filter((e) => e.url === CONTAINS_PROPERTY && e.extension?.[0]?.valueCode === 'niveau2')
    .map((e) => e.extension?.[1]?.valueCoding).filter((x): x is Coding => !!x?.system && !!x.code);
  return values.map((v) => ({ system: v.system!, code: v.code!, display: v.display ?? v.code!, inactive: false, children: [] }));
}

function toNodes(contains: ValueSetExpansionContains[] | undefined): TreeNode[] {
  const out: TreeNode[] = [];
  for (const c of contains ?? []) {
    if (!c.code || !c.system || isLegacyKey(c.system, c.code)) continue;
    out.push({
      system: c.system, code: c.code, display: c.display ?? c.code, inactive: c.inactive === true,
      ...(c.abstract ? { abstract: true } : {}), children: toNodes(c.contains),
    });
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
  // without a filter the server nests the catalog as its code system does, grouped under the parents it leaves out
  const extra = filter ? { filter, excludeNested: true } : { hierarchical: true };
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
  if (catalog.pickList === 'tilbud') {
    const byCode = new Map((vs.expansion?.contains ?? []).map((c) => [c.code, c]));
    nodes = offerNodes(nodes, (o) => niveau2Nodes(byCode.get(o.code)));
  }
  // A catalog that lists its concepts one by one expands flat; arrange them as the code system nests them.
  if (!filter && catalog.valueSet && !catalog.pickList && nodes.every((n) => n.children.length === 0)) {
    nodes = nestLike(nodes, await systemTree(catalog.codeSystem).catch(() => []));
  }
  // groups the server adds to navigate by (abstract) are not the catalog's concepts
  const count = (list: TreeNode[]): number => list.reduce((n, x) => n + (x.abstract ? 0 : 1) + count(x.children), 0);
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
