import type { Bundle, Coding, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import { type ConceptField, type SearchEntry, searchEntry, type SearchField } from './catalog-search';
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
  /** How a concept's catalog is named beside it (lists, links, the coverage report): §119, §140, FFB Ydelser … */
  short?: string;
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

/** How long the page waits after the last keystroke before it searches. */
export const SEARCH_DEBOUNCE_MS = 200;

export const CATALOGS: Catalog[] = [
  { key: '119', label: '§119 Forebyggelse', short: '§119', group: 'Indsatskataloger (FSIII)', valueSet: `${VS}indsatskatalog-119`, codeSystem: FSIII },
  { key: '140', label: '§140 Genoptræning', short: '§140', group: 'Indsatskataloger (FSIII)', valueSet: `${VS}indsatskatalog-140`, codeSystem: FSIII },
  { key: 'ffb-sociale-tilbud', label: 'Sociale tilbud', short: 'FFB Sociale tilbud', group: 'FFB (voksne)', valueSet: `${VS}ffb-sociale-tilbud`, codeSystem: FFB },
  { key: 'ffb-ydelser', label: 'Ydelser', short: 'FFB Ydelser', group: 'FFB (voksne)', valueSet: `${VS}ffb-ydelser`, codeSystem: FFB },
  { key: 'ffb-maalgrupper', label: 'Målgrupper', short: 'FFB Målgrupper', group: 'FFB (voksne)', valueSet: `${VS}ffb-maalgrupper`, codeSystem: FFB },
  { key: 'ffb-funktionsevne', label: 'Funktionsevne', short: 'FFB Funktionsevne', group: 'FFB (voksne)', valueSet: `${VS}ffb-funktionsevne`, codeSystem: FFB },
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
  // a municipality's catalog: its name from the url it is written under (…/kommune/370/CodeSystem/lokale-indsatser)
  const local = /^http:\/\/faelles-tx\.dk\/fhir\/kommune\/(\d{3})\/CodeSystem\/([^/|]+)$/.exec(system);
  if (local) {
    const name = local[2]!.replace(/-/g, ' ');
    return `${name.charAt(0).toUpperCase()}${name.slice(1)} (${kommuneNavn(local[1]!)})`;
  }
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

/** The catalogs each concept belongs to, keyed `system|code`: from one expansion of each sub-catalog (§119, §140, FFB's four). */
let catalogIndex: Promise<Map<string, Catalog[]>> | undefined;

export function loadCatalogIndex(): Promise<Map<string, Catalog[]>> {
  if (!catalogIndex) {
    catalogIndex = Promise.all(CATALOGS.filter((c) => c.short).map(async (c) => {
      const vs = (await fhir<ValueSet>('GET', 'ValueSet/$expand', { query: { url: c.valueSet, excludeNested: true } })).body;
      return { c, contains: vs.expansion?.contains ?? [] };
    })).then((lists) => {
      const index = new Map<string, Catalog[]>();
      for (const { c, contains } of lists) {
        for (const x of contains) if (x.system && x.code) index.set(`${x.system}|${x.code}`, [...(index.get(`${x.system}|${x.code}`) ?? []), c]);
      }
      return index;
    });
    catalogIndex.catch(() => { catalogIndex = undefined; });
  }
  return catalogIndex;
}

/** How a concept's catalog is named beside it: §119, §140, FFB Ydelser; the code system where it is in none of them. */
export function catalogNames(index: Map<string, Catalog[]> | undefined, system: string, code: string): string {
  const found = index?.get(`${system}|${code}`) ?? [];
  return found.length > 0 ? found.map((c) => c.short ?? c.label).join(', ') : systemName(system);
}

/** The catalog a concept is best browsed in: its sub-catalog, else the whole code system. */
export function catalogOf(index: Map<string, Catalog[]> | undefined, system: string, code: string): Catalog | undefined {
  return index?.get(`${system}|${code}`)?.[0] ?? CATALOGS.find((c) => c.system === system);
}

const SEARCH_FIELDS: SearchField[] = ['indsatstitel', 'beskrivelse', 'formaal', 'eksempel-indledning', 'eksempel', 'definition'];
const searchEntries = new Map<string, Promise<SearchEntry[]>>();

function fieldsOf(c: ValueSetExpansionContains): ConceptField[] {
  const out: ConceptField[] = [];
  for (const e of c.extension ?? []) {
    if (e.url !== CONTAINS_PROPERTY) continue;
    const field = e.extension?.find((x) => x.url === 'code')?.valueCode as SearchField | undefined;
    const text = e.extension?.find((x) => x.url === 'value')?.valueString;
    if (field && text && SEARCH_FIELDS.includes(field)) out.push({ field, text });
  }
  return out;
}

/**
 * The catalog's concepts with their text (the FSIII supplement's beskrivelse, formål, eksempler; FFB's definitions),
 * for search in the page: one $expand per catalog and page load, asked for when the catalog is opened.
 */
export function loadSearchEntries(catalog: Catalog): Promise<SearchEntry[]> {
  let entries = searchEntries.get(catalog.key);
  if (!entries) {
    const property = SEARCH_FIELDS.join(',');
    const expansion = catalog.valueSet
      ? fhir<ValueSet>('GET', 'ValueSet/$expand', { query: { url: catalog.valueSet, excludeNested: true, property } })
      : fhir<ValueSet>('POST', 'ValueSet/$expand', {
        body: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: catalog.system }] } } },
            { name: 'excludeNested', valueBoolean: true },
            { name: 'property', valueString: property },
          ],
        },
      });
    entries = expansion.then(({ body }) => (body.expansion?.contains ?? [])
      .filter((c) => c.code && c.system && !c.abstract && !isLegacyKey(c.system, c.code))
      .map((c) => searchEntry({ system: c.system!, code: c.code!, display: c.display ?? c.code!, inactive: c.inactive === true, children: [] }, fieldsOf(c))));
    entries.catch(() => searchEntries.delete(catalog.key));
    searchEntries.set(catalog.key, entries);
  }
  return entries;
}
