import { randomUUID } from 'node:crypto';
import type { Extension, ValueSet, ValueSetExpansion, ValueSetExpansionContains, ValueSetExpansionParameter } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { canonical } from '../canonical';
import type { ComposeOptions, ExpansionEntry } from '../compose/evaluator';
import { evaluateValueSet, type IndexedComposeResult } from './cache';
import type { LanguagePreference } from './display';
import { buildHierarchy, countNodes, groupUnderParents, pruneToMatches, type HierarchyNode } from './hierarchy';
import type { PropertySource } from './properties';
import { ContainsRenderer } from './renderer';
import { SerializedExpansion } from '../../fhir/serialized';
import { statusWarnings } from './status';
import type { TerminologyRegistry } from '../registry';
import { foldForSearch, TextFilter } from '../text-match';
import { BoundedMap } from '../bounded-map';

/** What a client asked of an expansion, already checked; nothing here knows of HTTP or Parameters. */
export interface ExpansionRequest {
  /** Version rules, supplements and value set versions for evaluating the compose. */
  evaluation: ComposeOptions;
  textFilter?: string;
  /** Paging, when asked for. */
  offset?: number;
  count?: number;
  activeOnly: boolean;
  excludeNested: boolean;
  /**
   * The client asked for the hierarchy (`hierarchical=true`, this server's parameter): codes the value set lists one by
   * one are then nested by their code system's hierarchy too, top-level codes grouped under their parent. (HL7's
   * tests expect `excludeNested=false` alone to leave such an expansion flat.)
   */
  nestingAsked?: boolean;
  excludeNotForUI: boolean;
  includeDesignations: boolean;
  includeDefinition: boolean;
  designations: string[];
  properties: string[];
  languages?: LanguagePreference;
  /** The request parameters echoed in `expansion.parameter`. */
  echo: ValueSetExpansionParameter[];
  /** Largest expansion returned without paging. */
  maxSize: number;
  /** Properties that come from elsewhere than the codes' code systems (e.g. a local code's niveau-2 targets). */
  propertySource?: PropertySource;
  /**
   * Nests the codes otherwise than by one code system's hierarchy (a municipality's picker: niveau 3 under niveau 2).
   * Used when the whole expansion is asked for nested; a text filter then keeps each hit with its groups.
   */
  nest?: (entries: readonly ExpansionEntry[]) => HierarchyNode[];
}

/** A request with every option at its $expand default, overridden by the given values. */
export function expansionRequest(overrides: Partial<ExpansionRequest> = {}): ExpansionRequest {
  return {
    evaluation: {}, activeOnly: false, excludeNested: false, excludeNotForUI: false, includeDesignations: false,
    includeDefinition: false, designations: [], properties: [], echo: [], maxSize: 10000, ...overrides,
  };
}

const UNCLOSED = 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed';
const UNCLOSED_REASON = 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason';

/** Elements of the value set definition returned only when includeDefinition is asked for. */
const DEFINITION_ELEMENTS = ['compose', 'purpose', 'description', 'contact', 'copyright', 'publisher', 'extension', 'contained'] as const;

function searchTexts(e: ExpansionEntry): (string | undefined)[] {
  const concept = e.concept;
  return [e.display, concept?.display, e.code, ...(concept?.designations.map((d) => d.value) ?? []), ...(e.composeDesignations?.map((d) => d.value) ?? [])];
}

/** Folded search texts per code, kept with the evaluated value set (entries live as long as its cached evaluation). */
const haystacks = new WeakMap<ExpansionEntry, string>();

function searchHaystack(e: ExpansionEntry): string {
  let haystack = haystacks.get(e);
  if (haystack === undefined) {
    haystack = foldForSearch(searchTexts(e));
    haystacks.set(e, haystack);
  }
  return haystack;
}

/** Selections per evaluated value set (typeahead asks for the same few filters over and over); at most this many. */
const MAX_SELECTIONS = 512;
const selections = new WeakMap<IndexedComposeResult, Map<string, ExpansionEntry[]>>();

/** The codes the request selects; the same array for the same filter and flags while the evaluation lives. */
function selectEntries(evaluated: IndexedComposeResult, request: ExpansionRequest): ExpansionEntry[] {
  if (!request.activeOnly && !request.excludeNotForUI && !request.textFilter) return evaluated.entries;
  let perEvaluation = selections.get(evaluated);
  if (!perEvaluation) {
    perEvaluation = new BoundedMap(MAX_SELECTIONS);
    selections.set(evaluated, perEvaluation);
  }
  const key = `${request.activeOnly ? 1 : 0}${request.excludeNotForUI ? 1 : 0}${request.textFilter ?? ''}`;
  let entries = perEvaluation.get(key);
  if (!entries) {
    entries = findEntries(evaluated, request);
    perEvaluation.set(key, entries);
  }
  return entries;
}

function findEntries(evaluated: IndexedComposeResult, request: ExpansionRequest): ExpansionEntry[] {
  let entries = evaluated.entries;
  if (request.activeOnly) entries = entries.filter((e) => !e.inactive);
  if (request.excludeNotForUI) entries = entries.filter((e) => !e.abstract);
  const filter = request.textFilter ? new TextFilter(request.textFilter) : undefined;
  if (filter && !filter.isEmpty) entries = entries.filter((e) => filter.matchesFolded(searchHaystack(e)));
  return entries;
}

function wholeExpansion(request: ExpansionRequest, total: number): boolean {
  return (request.offset ?? 0) === 0 && (request.count === undefined || request.count >= total);
}

/** Listed codes nested on request (hierarchical=true), per selection of codes. */
const groupedTrees = new WeakMap<readonly ExpansionEntry[], HierarchyNode[]>();

/** The whole tree per evaluated selection of codes (kept as long as the evaluation is). */
const trees = new WeakMap<readonly ExpansionEntry[], HierarchyNode[]>();

/** The request's codes nested by `nest`: the whole tree, or for a text filter each hit with its groups. */
function nestedSelection(
  evaluated: IndexedComposeResult, request: ExpansionRequest, nest: NonNullable<ExpansionRequest['nest']>, hits: ExpansionEntry[],
): HierarchyNode[] {
  const unfiltered = request.textFilter ? selectEntries(evaluated, { ...request, textFilter: undefined }) : hits;
  let whole = trees.get(unfiltered);
  if (!whole) {
    whole = nest(unfiltered);
    trees.set(unfiltered, whole);
  }
  if (hits === unfiltered) return whole;
  // a filter's tree is not kept: pruning is one walk, and a tree per filter of a large picker would hold much memory
  const hitSet = new Set(hits);
  return pruneToMatches(whole, (e) => hitSet.has(e));
}

/** Whether the page can be shown nested: the includes follow the hierarchy and the whole expansion fits in the page. */
function showNested(evaluated: IndexedComposeResult, request: ExpansionRequest, total: number): boolean {
  if (!evaluated.hierarchical || request.excludeNested) return false;
  if (!wholeExpansion(request, total)) return false;
  // a text filter over a whole code system is a search: its hits are listed flat
  return !(request.textFilter && evaluated.hasUnfilteredInclude);
}

function parameters(vs: ValueSet, evaluated: IndexedComposeResult, request: ExpansionRequest): ValueSetExpansionParameter[] {
  const out: ValueSetExpansionParameter[] = [...request.echo];
  if (evaluated.versionsMatch) out.push({ name: 'versionsMatch', valueBoolean: true });
  const used = [...evaluated.importedValueSets, ...evaluated.providers.map((p) => p.resource)];
  out.push(...statusWarnings(vs, used));
  for (const p of evaluated.providers) out.push({ name: 'used-codesystem', valueUri: canonical(p.url, p.version) });
  for (const v of evaluated.usedValueSets) out.push({ name: 'used-valueset', valueUri: v });
  const supplements = new Set<string>();
  for (const p of evaluated.providers) for (const s of p.supplements) supplements.add(canonical(s.url ?? '', s.version));
  for (const s of supplements) out.push({ name: 'used-supplement', valueUri: s });
  for (const f of evaluated.fragments) out.push({ name: 'used-fragment', valueUri: f });
  for (const r of evaluated.appliedVersionRules) out.push({ name: r.name, valueUri: r.value });
  for (const v of evaluated.appliedValueSetVersions) out.push({ name: 'default-valueset-version', valueUri: v });
  return out;
}

function unclosedExtensions(evaluated: IndexedComposeResult): Extension[] {
  const reasons: string[] = [];
  for (const g of evaluated.grammars) {
    reasons.push(`The code System '${g.system}' has a grammar and so has infinite members. This extension is based on ${g.base}`);
  }
  if (evaluated.fragments.length > 0) {
    const systems = evaluated.providers.filter((p) => p.resource.content === 'fragment').map((p) => p.url);
    reasons.push(`This extension is based on a fragment of the code system ${systems.join(', ')}`);
  }
  if (reasons.length === 0) return [];
  return [{ url: UNCLOSED, valueBoolean: true }, { url: UNCLOSED_REASON, valueString: reasons.join('; ') }];
}

/** The value set without its stored expansion and narrative (and definition), once per value set: a fresh copy each call. */
const bases = new WeakMap<ValueSet, { withDefinition: ValueSet; withoutDefinition: ValueSet }>();

function expansionBase(vs: ValueSet, includeDefinition: boolean): ValueSet {
  let base = bases.get(vs);
  if (!base) {
    // copied key by key, not with delete: an object that had properties deleted serializes several times slower
    const without = (skip: ReadonlySet<string>): ValueSet => {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(vs)) if (!skip.has(k)) copy[k] = v;
      return copy as unknown as ValueSet;
    };
    base = {
      withDefinition: without(new Set(['expansion', 'text'])),
      withoutDefinition: without(new Set(['expansion', 'text', ...DEFINITION_ELEMENTS])),
    };
    bases.set(vs, base);
  }
  return { ...(includeDefinition ? base.withDefinition : base.withoutDefinition) };
}

let isoMs = -1;
let isoText = '';

/** The current time as an ISO 8601 string, formatted once per millisecond. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

interface PreparedExpansion {
  evaluated: IndexedComposeResult;
  nodes: HierarchyNode[];
  shown: number;
  renderer: ContainsRenderer;
}

/** The codes an expansion shows (paged, nested where possible) and the renderer for them. */
function prepareExpansion(registry: TerminologyRegistry, vs: ValueSet, request: ExpansionRequest): PreparedExpansion {
  const evaluated = evaluateValueSet(registry, vs, request.evaluation);
  const entries = selectEntries(evaluated, request);
  const total = entries.length;
  if (request.count === undefined && total > request.maxSize) {
    throw FhirError.tooCostly(`The value set '${canonical(vs.url ?? '', vs.version)}' expansion has too many codes to produce (>${request.maxSize})`, {
      messageId: 'VALUESET_TOO_COSTLY',
    });
  }
  const offset = request.offset ?? 0;
  let nodes: HierarchyNode[];
  let shown = total;
  if (request.nest && !request.excludeNested && request.offset === undefined && request.count === undefined) {
    nodes = nestedSelection(evaluated, request, request.nest, entries);
    shown = countNodes(nodes);
  } else if (request.nestingAsked && !request.excludeNested && !evaluated.hierarchical && wholeExpansion(request, total)) {
    nodes = groupedTrees.get(entries) ?? groupUnderParents(buildHierarchy(entries));
    groupedTrees.set(entries, nodes);
    shown = countNodes(nodes);
  } else if (showNested(evaluated, request, total)) {
    nodes = buildHierarchy(entries);
  } else {
    const page = entries.slice(offset, request.count === undefined ? undefined : offset + request.count);
    nodes = page.map((entry) => ({ entry, children: [] }));
  }
  const renderer = new ContainsRenderer({
    languages: request.languages,
    includeDesignations: request.includeDesignations,
    designations: request.designations,
    properties: request.properties,
    withVersion: evaluated.versioned,
    propertySource: request.propertySource,
  });
  return { evaluated, nodes, shown, renderer };
}

/** The expanded value set around its codes (rendered before: the renderer has declared the properties they use). */
function expandedValueSet(vs: ValueSet, request: ExpansionRequest, { evaluated, shown, renderer }: PreparedExpansion, contains?: ValueSetExpansionContains[]): ValueSet {
  const out = expansionBase(vs, request.includeDefinition);
  const extension = [...renderer.propertyExtensions(), ...unclosedExtensions(evaluated)];
  const params = parameters(vs, evaluated, request);
  // element by element in FHIR's order (conditional spreads would build a throw-away object per element)
  const expansion: ValueSetExpansion = {} as ValueSetExpansion;
  if (extension.length > 0) expansion.extension = extension;
  expansion.identifier = `urn:uuid:${randomUUID()}`;
  expansion.timestamp = isoNow();
  // a whole grammar-defined code system has no number of codes
  if (!evaluated.unbounded) expansion.total = shown;
  if (request.offset !== undefined) expansion.offset = request.offset;
  if (params.length > 0) expansion.parameter = params;
  if (contains && contains.length > 0) expansion.contains = contains;
  out.expansion = expansion;
  return out;
}

/** Expands a value set as $expand defines it: the codes, paged, nested where possible, with what they were built from. */
export function expandValueSet(registry: TerminologyRegistry, vs: ValueSet, request: ExpansionRequest): ValueSet {
  const prepared = prepareExpansion(registry, vs, request);
  const contains = prepared.renderer.render(prepared.nodes);
  return expandedValueSet(vs, request, prepared, contains);
}

/**
 * The same expansion as expandValueSet, serialized: byte for byte its JSON, assembled from each code's JSON kept
 * across answers (ContainsRenderer.renderPieces) instead of an object tree made and serialized per answer — a
 * municipality's picker answers hundreds of codes.
 */
export function serializedExpansion(registry: TerminologyRegistry, vs: ValueSet, request: ExpansionRequest): SerializedExpansion {
  const prepared = prepareExpansion(registry, vs, request);
  const pieces: string[] = [];
  prepared.renderer.renderPieces(prepared.nodes, pieces);
  const out = expandedValueSet(vs, request, prepared);
  const { identifier, timestamp } = out.expansion!;
  const json = JSON.stringify(out);
  // the expansion is the last element, so its identifier and timestamp are the last occurrence of the two together
  const stamp = `${JSON.stringify(identifier)},"timestamp":${JSON.stringify(timestamp)}`;
  const identifierAt = Buffer.byteLength(json.slice(0, json.lastIndexOf(stamp)), 'utf8');
  if (pieces.length === 0) return new SerializedExpansion(Buffer.from(json, 'utf8'), identifier!, timestamp!, identifierAt);
  // `expansion` is the last element of the value set and `contains` the last of the expansion
  pieces.unshift(`${json.slice(0, -2)},"contains":[`);
  pieces.push(']}}');
  // written piece by piece into one buffer: the pieces are not joined into one string first
  let length = 0;
  for (const p of pieces) length += Buffer.byteLength(p, 'utf8');
  const body = Buffer.allocUnsafe(length);
  let at = 0;
  for (const p of pieces) at += body.write(p, at, 'utf8');
  return new SerializedExpansion(body, identifier!, timestamp!, identifierAt);
}

