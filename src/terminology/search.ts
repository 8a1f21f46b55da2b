import type { Bundle, CodeSystem, CodeSystemConcept, ConceptMap, ConceptMapGroup, ValueSet, ValueSetExpansionContains } from 'fhir/r4';
import { canonicalSearchParams } from '../fhir/canonical-search-params';
import { listOf } from '../fhir/json-object';
import { matchingResources, searchResources, type SearchParam, type WantedToken } from '../fhir/search';
import { elementsWithCode, sourcesStating } from './packed/conceptmap';
import type { TerminologyRegistry } from './registry';
import type { TerminologyType } from './resource-set';

type ByType = { CodeSystem: CodeSystem; ValueSet: ValueSet; ConceptMap: ConceptMap };
type Params<R> = SearchParam<R, TerminologyRegistry>[];

/** CodeSystem `code`: found with the provider (a packed catalog's concepts are not parsed), in the system's own url. */
function definesCode(cs: CodeSystem, wanted: WantedToken, registry: TerminologyRegistry): boolean {
  if (wanted.system !== undefined && wanted.system !== cs.url) return false;
  const provider = registry.provider(cs);
  return wanted.code === undefined ? provider.size() > 0 : provider.locate(wanted.code) !== undefined;
}

const designationLanguages = new WeakMap<CodeSystem, string[]>();

/** The languages of the designations of a code system's concepts, nested ones included (read once per resource). */
function languagesOf(cs: CodeSystem): string[] {
  let languages = designationLanguages.get(cs);
  if (!languages) {
    const found = new Set<string>();
    const visit = (concepts: CodeSystemConcept[] | undefined): void => {
      for (const c of listOf(concepts)) {
        for (const d of listOf(c.designation)) if (d.language) found.add(d.language);
        visit(c.concept);
      }
    };
    visit(cs.concept);
    languages = [...found];
    designationLanguages.set(cs, languages);
  }
  return languages;
}

const CODE_SYSTEM_PARAMS: Params<CodeSystem> = [
  ...canonicalSearchParams<CodeSystem, TerminologyRegistry>(),
  {
    name: 'code', type: 'token',
    values: (cs, registry) => [...registry.provider(cs).all()].map((c) => ({ system: cs.url, code: c.code })),
    hasToken: definesCode,
  },
  { name: 'content-mode', type: 'token', values: (cs) => [cs.content] },
  { name: 'language', type: 'token', values: languagesOf },
  { name: 'supplements', type: 'reference', values: (cs) => [cs.supplements] },
  { name: 'system', type: 'uri', values: (cs) => [cs.url] },
];

/** The codes an expansion lists, nested ones included. */
function containedCodes(contains: ValueSetExpansionContains[] | undefined): { system?: string; code?: string }[] {
  return listOf(contains).flatMap((c) => [{ system: c.system, code: c.code }, ...containedCodes(c.contains)]);
}

const VALUE_SET_PARAMS: Params<ValueSet> = [
  ...canonicalSearchParams<ValueSet, TerminologyRegistry>(),
  {
    name: 'code', type: 'token',
    values: (vs) => [
      ...containedCodes(vs.expansion?.contains),
      ...listOf(vs.compose?.include).flatMap((i) => listOf(i.concept).map((c) => ({ system: i.system, code: c.code }))),
    ],
  },
  { name: 'expansion', type: 'uri', values: (vs) => [vs.expansion?.identifier] },
  { name: 'reference', type: 'uri', values: (vs) => listOf(vs.compose?.include).map((i) => i.system) },
];

/** A map's groups whose source (or target) system is the wanted token's system, when it names one. */
function groupsFor(cm: ConceptMap, wanted: WantedToken, side: 'source' | 'target'): ConceptMapGroup[] {
  return listOf(cm.group).filter((g) => wanted.system === undefined || (g[side] ?? '') === wanted.system);
}

const CONCEPT_MAP_PARAMS: Params<ConceptMap> = [
  ...canonicalSearchParams<ConceptMap, TerminologyRegistry>(),
  {
    name: 'dependson', type: 'uri',
    values: (cm) => listOf(cm.group).flatMap((g) => listOf(g.element).flatMap((e) => listOf(e.target).flatMap((t) => listOf(t.dependsOn).map((d) => d.property)))),
  },
  { name: 'other', type: 'reference', values: (cm) => listOf(cm.group).map((g) => g.unmapped?.url) },
  {
    name: 'product', type: 'uri',
    values: (cm) => listOf(cm.group).flatMap((g) => listOf(g.element).flatMap((e) => listOf(e.target).flatMap((t) => listOf(t.product).map((d) => d.property)))),
  },
  { name: 'source', type: 'reference', values: (cm) => [cm.sourceCanonical] },
  {
    name: 'source-code', type: 'token',
    values: (cm) => listOf(cm.group).flatMap((g) => listOf(g.element).map((e) => ({ system: g.source, code: e.code }))),
    // by the index of each group's source codes: a packed map's elements are not parsed
    hasToken: (cm, wanted) => groupsFor(cm, wanted, 'source')
      .some((g) => (wanted.code === undefined ? listOf(g.element).length > 0 : elementsWithCode(g, wanted.code).length > 0)),
  },
  { name: 'source-system', type: 'uri', values: (cm) => listOf(cm.group).map((g) => g.source) },
  { name: 'source-uri', type: 'reference', values: (cm) => [cm.sourceUri] },
  { name: 'target', type: 'reference', values: (cm) => [cm.targetCanonical] },
  {
    name: 'target-code', type: 'token',
    values: (cm) => listOf(cm.group).flatMap((g) => listOf(g.element).flatMap((e) => listOf(e.target).map((t) => ({ system: g.target, code: t.code })))),
    hasToken: (cm, wanted) => groupsFor(cm, wanted, 'target')
      .some((g) => (wanted.code === undefined ? listOf(g.element).some((e) => listOf(e.target).length > 0) : sourcesStating(g, wanted.code).count > 0)),
  },
  { name: 'target-system', type: 'uri', values: (cm) => listOf(cm.group).map((g) => g.target) },
  { name: 'target-uri', type: 'reference', values: (cm) => [cm.targetUri] },
];

/** The search parameters of CodeSystem, ValueSet and ConceptMap: those R4 defines, composite ones left out. */
export const TERMINOLOGY_SEARCH_PARAMS: { [T in TerminologyType]: Params<ByType[T]> } = {
  CodeSystem: CODE_SYSTEM_PARAMS,
  ValueSet: VALUE_SET_PARAMS,
  ConceptMap: CONCEPT_MAP_PARAMS,
};

/** Search over the terminology resources the registry serves; `lenient` (Prefer: handling=lenient) leaves unknown parameters out. */
export function searchTerminology(registry: TerminologyRegistry, type: TerminologyType, query: Record<string, unknown>, selfUrl: string, baseUrl: string,
  options: { lenient?: boolean } = {}): Bundle {
  const params = TERMINOLOGY_SEARCH_PARAMS[type] as Params<ByType[TerminologyType]>;
  return searchResources(registry.list(type), params, query, { type, selfUrl, baseUrl, lenient: options.lenient, context: registry });
}

/** The resources of `type` the registry serves that a search's filtering parameters match (a conditional reference's search). */
export function findTerminology<T extends TerminologyType>(registry: TerminologyRegistry, type: T, query: Record<string, unknown>): ByType[T][] {
  const params = TERMINOLOGY_SEARCH_PARAMS[type] as Params<ByType[TerminologyType]>;
  return matchingResources(registry.list(type), params, query, { type, context: registry }) as ByType[T][];
}
