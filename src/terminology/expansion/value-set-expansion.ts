import { randomUUID } from 'node:crypto';
import type { Extension, ValueSet, ValueSetExpansion, ValueSetExpansionParameter } from 'fhir/r4';
import { msg, txError } from '../validation/messages';
import { canonical } from '../canonical';
import type { ComposeOptions, ExpansionEntry } from '../compose/evaluator';
import { evaluateValueSet, type IndexedComposeResult } from './cache';
import type { LanguagePreference } from './display';
import type { Language } from '../../errors/issue';
import { buildHierarchy, groupUnderParents, nestAsGiven, type HierarchyNode } from './hierarchy';
import { TreeLayout } from './tree-layout';
import { ByteWriter } from '../../fhir/byte-writer';
import type { PropertySource } from './properties';
import { ContainsRenderer } from './renderer';
import { SerializedExpansion } from '../../fhir/serialized';
import { statusWarnings } from './status';
import type { TerminologyRegistry } from '../registry';
import { hitsWithCodesUnder, nestedSelection, type ShownCodes } from './nested-selection';
import { selectEntries } from './selection';

/** What a client asked of an expansion, already checked; nothing here knows of HTTP or Parameters. */
export interface ExpansionRequest {
  /** Version rules, supplements and value set versions for evaluating the compose. */
  evaluation: ComposeOptions;
  textFilter?: string;
  /** Paging, when asked for. */
  offset?: number;
  count?: number;
  activeOnly: boolean;
  /** Code systems (url, or url|version) whose codes are left out ($expand's `exclude-system`). */
  excludeSystems?: readonly string[];
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
   * Nests the codes otherwise than by one code system's hierarchy (a municipality's picker: niveau 3 under niveau 2),
   * `withGroups` adding the abstract groups there to navigate by (left out for excludeNotForUI). Used when the whole
   * expansion is asked for nested; a text filter then keeps each hit with its groups.
   */
  nest?: (entries: readonly ExpansionEntry[], withGroups: boolean) => HierarchyNode[];
  /** The language of the texts the expansion writes itself (why it is not closed): English unless Danish is asked for. */
  messageLanguage?: Language;
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

/**
 * Whether the call asks for a page (count or offset): a page is listed flat, whether or not it holds every code, so
 * that a client paging with a fixed count gets one shape, and states its offset (R4: only when paging is used).
 */
function paged(request: ExpansionRequest): boolean {
  return request.offset !== undefined || request.count !== undefined;
}

/** Listed codes nested on request (hierarchical=true), per selection of codes. */
const groupedTrees = new WeakMap<readonly ExpansionEntry[], TreeLayout>();

/** Codes nested by their code system's hierarchy, per selection of codes (kept as long as the selection is). */
const hierarchies = new WeakMap<readonly ExpansionEntry[], TreeLayout>();

function hierarchyOf(entries: readonly ExpansionEntry[]): TreeLayout {
  let layout = hierarchies.get(entries);
  if (!layout) hierarchies.set(entries, layout = TreeLayout.of(buildHierarchy(entries)));
  return layout;
}

function groupedTreeOf(entries: readonly ExpansionEntry[]): TreeLayout {
  let layout = groupedTrees.get(entries);
  if (!layout) groupedTrees.set(entries, layout = TreeLayout.of(groupUnderParents(buildHierarchy(entries))));
  return layout;
}

/** Whether the expansion can be shown nested: the includes follow the hierarchy, and no page is asked for. */
function showNested(evaluated: IndexedComposeResult, request: ExpansionRequest): boolean {
  if (!evaluated.hierarchical || request.excludeNested || paged(request)) return false;
  // a text filter over a whole code system is a search: its hits are listed flat
  return !(request.textFilter && evaluated.hasUnfilteredInclude);
}

/** What an evaluation was made from, as expansion parameters, and their JSON: the same for each expansion of it. */
interface UsedParameters {
  vs: ValueSet;
  list: ValueSetExpansionParameter[];
  /** The JSON of the list's items, without the brackets, as UTF-8. */
  items: Buffer;
}

const usedParameterLists = new WeakMap<IndexedComposeResult, UsedParameters>();

function usedParameters(vs: ValueSet, evaluated: IndexedComposeResult): UsedParameters {
  let used = usedParameterLists.get(evaluated);
  if (used?.vs !== vs) {
    const list = usedParameterList(vs, evaluated);
    const json = JSON.stringify(list).slice(1, -1);
    const items = Buffer.allocUnsafeSlow(Buffer.byteLength(json, 'utf8'));
    items.write(json, 0, 'utf8');
    used = { vs, list, items };
    usedParameterLists.set(evaluated, used);
  }
  return used;
}

function usedParameterList(vs: ValueSet, evaluated: IndexedComposeResult): ValueSetExpansionParameter[] {
  const out: ValueSetExpansionParameter[] = [];
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

function unclosedExtensions(evaluated: IndexedComposeResult, lang: Language = 'en'): Extension[] {
  const reasons: string[] = [];
  for (const g of evaluated.grammars) {
    reasons.push(lang === 'da'
      ? `Kodesystemet '${g.system}' har en grammatik og dermed uendeligt mange medlemmer. Udfoldningen bygger på ${g.base}`
      : `The code System '${g.system}' has a grammar and so has infinite members. This extension is based on ${g.base}`);
  }
  if (evaluated.fragments.length > 0) {
    const systems = evaluated.providers.filter((p) => p.resource.content === 'fragment').map((p) => p.url).join(', ');
    reasons.push(lang === 'da'
      ? `Udfoldningen bygger på et fragment af kodesystemet ${systems}`
      : `This extension is based on a fragment of the code system ${systems}`);
  }
  if (reasons.length === 0) return [];
  return [{ url: UNCLOSED, valueBoolean: true }, { url: UNCLOSED_REASON, valueString: reasons.join('; ') }];
}

/** The value set without its stored expansion and narrative (and definition), once per value set. */
interface ExpansionBase {
  withDefinition: ValueSet;
  withoutDefinition: ValueSet;
  /** The JSON of each, up to and with `"expansion":` (it is the last element), when serialized once. */
  withDefinitionHead?: Buffer;
  withoutDefinitionHead?: Buffer;
}

const bases = new WeakMap<ValueSet, ExpansionBase>();

function baseOf(vs: ValueSet): ExpansionBase {
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
  return base;
}

/** A fresh copy of the value set an expansion is returned in. */
function expansionBase(vs: ValueSet, includeDefinition: boolean): ValueSet {
  const base = baseOf(vs);
  return { ...(includeDefinition ? base.withDefinition : base.withoutDefinition) };
}

/** The serialized value set an expansion is returned in, up to `"expansion":`: the same bytes for every answer. */
function expansionHead(vs: ValueSet, includeDefinition: boolean): Buffer {
  const base = baseOf(vs);
  const kept = includeDefinition ? base.withDefinitionHead : base.withoutDefinitionHead;
  if (kept) return kept;
  const json = JSON.stringify(includeDefinition ? base.withDefinition : base.withoutDefinition);
  const head = Buffer.from(json === '{}' ? '{"expansion":' : `${json.slice(0, -1)},"expansion":`, 'utf8');
  if (includeDefinition) base.withDefinitionHead = head;
  else base.withoutDefinitionHead = head;
  return head;
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

interface PreparedExpansion extends ShownCodes {
  evaluated: IndexedComposeResult;
  /** The number of codes the request selects: the same nested, flat or paged. */
  total: number;
  renderer: ContainsRenderer;
}

/** The codes an expansion shows (paged, nested where possible) and the renderer for them. */
function prepareExpansion(registry: TerminologyRegistry, vs: ValueSet, request: ExpansionRequest): PreparedExpansion {
  const evaluated = evaluateValueSet(registry, vs, request.evaluation);
  // a value set given by its expansion is nested as given, by the same rules as a picker
  const nest = request.nest ?? (evaluated.givenTree && nestAsGiven(evaluated.givenTree));
  const hits = selectEntries(evaluated, request);
  // the codes a nested answer shows under a filter's hits are its codes, whichever way it is asked for
  const selection = nest && request.textFilter ? hitsWithCodesUnder(evaluated, request, nest, hits) : hits;
  const { entries } = selection;
  const total = entries.length;
  if (request.count === undefined && total > request.maxSize) {
    throw txError(422, 'too-costly', msg.valueSetTooCostly(vs, request.maxSize, true));
  }
  const offset = request.offset ?? 0;
  let codes: ShownCodes;
  // the groups a nested answer adds, and the codes it keeps to show where a filter's hits are, are not counted
  if (nest && !request.excludeNested && !paged(request)) {
    codes = nestedSelection(evaluated, request, nest, selection);
  } else if (request.nestingAsked && !request.excludeNested && !evaluated.hierarchical && !paged(request)) {
    // the abstract groups are there to navigate by: not members, so not counted in total, and not shown for excludeNotForUI
    codes = { layout: request.excludeNotForUI ? hierarchyOf(entries) : groupedTreeOf(entries) };
  } else if (showNested(evaluated, request)) {
    codes = { layout: hierarchyOf(entries) };
  } else {
    codes = { layout: TreeLayout.flat(entries.slice(offset, request.count === undefined ? undefined : offset + request.count)) };
  }
  const renderer = new ContainsRenderer({
    languages: request.languages,
    includeDesignations: request.includeDesignations,
    designations: request.designations,
    properties: request.properties,
    withVersion: evaluated.versioned,
    propertySource: request.propertySource,
  }, evaluated);
  return { evaluated, ...codes, total, renderer };
}

/**
 * The expansion around its codes (made after them: the renderer has declared the properties they use), without its
 * parameters (the last element before the codes): the request's echoed ones, then `usedParameters`.
 */
function expansionOf(request: ExpansionRequest, { evaluated, total, renderer }: PreparedExpansion): ValueSetExpansion {
  const extension = [...renderer.propertyExtensions(), ...unclosedExtensions(evaluated, request.messageLanguage)];
  // element by element in FHIR's order (conditional spreads would build a throw-away object per element)
  const expansion: ValueSetExpansion = {} as ValueSetExpansion;
  if (extension.length > 0) expansion.extension = extension;
  expansion.identifier = `urn:uuid:${randomUUID()}`;
  expansion.timestamp = isoNow();
  // a whole grammar-defined code system has no number of codes
  if (!evaluated.unbounded) expansion.total = total;
  if (paged(request)) expansion.offset = request.offset ?? 0;
  return expansion;
}

/** Expands a value set as $expand defines it: the codes, paged, nested where possible, with what they were built from. */
export function expandValueSet(registry: TerminologyRegistry, vs: ValueSet, request: ExpansionRequest): ValueSet {
  const prepared = prepareExpansion(registry, vs, request);
  const contains = prepared.renderer.render(prepared.layout.nodesOf(prepared.kept));
  const out = expansionBase(vs, request.includeDefinition);
  const expansion = expansionOf(request, prepared);
  const params = [...request.echo, ...usedParameters(vs, prepared.evaluated).list];
  if (params.length > 0) expansion.parameter = params;
  if (contains.length > 0) expansion.contains = contains;
  out.expansion = expansion;
  return out;
}

/**
 * The same expansion as expandValueSet, serialized: byte for byte its JSON, assembled from each code's JSON kept
 * across answers (ContainsRenderer.renderInto) instead of an object tree made and serialized per answer — a
 * municipality's picker answers hundreds of codes.
 */
export function serializedExpansion(registry: TerminologyRegistry, vs: ValueSet, request: ExpansionRequest): SerializedExpansion {
  const prepared = prepareExpansion(registry, vs, request);
  const codes = new ByteWriter();
  prepared.renderer.renderInto(prepared.layout, prepared.kept, codes);
  const head = expansionHead(vs, request.includeDefinition);
  const expansion = expansionOf(request, prepared);
  const identifier = expansion.identifier!;
  const timestamp = expansion.timestamp!;
  const json = JSON.stringify(expansion);
  const identifierAt = head.length + Buffer.byteLength(json.slice(0, json.indexOf(`"identifier":${JSON.stringify(identifier)}`) + 13), 'utf8');
  // `parameter` (the request's echoed ones, then the used ones, kept as bytes) is the last element of the expansion
  // before `contains`, and the expansion the last of the value set
  const used = usedParameters(vs, prepared.evaluated).items;
  const echoed = request.echo.length > 0 ? JSON.stringify(request.echo).slice(1, -1) : '';
  let before = json.slice(0, -1);
  if (echoed || used.length > 0) before += `,"parameter":[${echoed}${echoed && used.length > 0 ? ',' : ''}`;
  const after = `${echoed || used.length > 0 ? ']' : ''}${codes.length > 0 ? ',"contains":[' : '}}'}`;
  const tail = codes.length > 0 ? ']}}' : '';
  const beforeBytes = Buffer.byteLength(before, 'utf8');
  const body = Buffer.allocUnsafe(head.length + beforeBytes + used.length + after.length + codes.length + tail.length);
  body.set(head, 0);
  let at = head.length + body.write(before, head.length, 'utf8');
  body.set(used, at);
  at += used.length;
  at += body.write(after, at, 'latin1');
  at += codes.copyTo(body, at);
  body.write(tail, at, 'latin1');
  return new SerializedExpansion(body, identifier, timestamp, identifierAt);
}
