import type { CodeableConcept, CodeSystem, Coding, ConceptMap, ConceptMapGroup, ConceptMapGroupElement, ConceptMapGroupElementTargetDependsOn, ParametersParameter, Resource } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { unknownConceptMap } from '../errors/common-errors';
import type { Bilingual } from '../errors/issue';
import { messageLanguageOf } from '../errors/message-language';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import { checkKommunekodeParam, KOMMUNEKODE_PARAM } from './gateway-codings';
import { localSystemsDefining } from '../municipal/gateway-systems';
import { belongsTo, isGatewayLocalSystem, localCodeSystems, ownerOf, ownerOfCanonical } from '../municipal/municipality';
import { parseCanonical } from '../terminology/canonical';
import { currentCode, predecessorsOf } from '../terminology/catalog-levels';
import { elementsWithCode, sourceCodesIgnoringCase, sourcesStating, targetCodesIgnoringCase } from '../terminology/packed/conceptmap';
import { assertConceptMapShape } from '../terminology/resource-shape';
import type { ElementJson } from '../terminology/packed/map-sources';
import { versionInForce } from '../terminology/in-force';
import type { TerminologyRegistry } from '../terminology/registry';
import { CONCEPT_MAPS_KIND } from '../terminology/resource-kinds';
import type { OperationContext, OperationHandler } from './context';
import { catalogVersionsOfMaps, localCatalogsOnDate } from './map-version';
import { instanceAtVersion, versionAskedOfInstance } from './instance-version';
import { TX_RESOURCE_PARAM } from './tx-resources';
import { translateAnswer } from './translate-answer';
import { excerpt } from '../errors/excerpt';
import { statusNameDa } from '../terminology/status-name';

/**
 * ConceptMap/$translate, R4 parameters (code/system/version, coding, codeableConcept, source, target,
 * targetsystem, reverse) and the R5 names (sourceCode, sourceCoding, sourceCodeableConcept, sourceScope,
 * targetCode, targetCoding, targetCodeableConcept, targetScope, targetSystem) as aliases, plus `kommunekode`:
 * restricts the maps to one municipality's and resolves gateway-style niveau-3 codings (src/operations/gateway-codings.ts).
 *
 * Each match has `equivalence` (as stated in the map, read from source to target), `concept` and `originMap`
 * (the map's url|version). Forward: `concept` is the target code. Reverse with R4 `reverse=true`: `concept` is
 * the source code that maps to the given one. Reverse by R5 `targetCode`/`targetCoding`: `concept` is the given
 * target and `source` is the source code (as tx.fhir.org answers).
 * Forward with a codeableConcept of several codings, each match's `source` names the coding it translates (the matches
 * of two codings are not merged). Forward, a target's `product` is the match's `product` (element, concept), and a
 * target whose `dependsOn` names an element the request gives as a `dependency` with another value is left out.
 * The code given is found in a map whatever its case when its system (forward the group's source, reverse its target)
 * is known to the server and not case sensitive, by the provider's rule (foldedCode), as $lookup and $validate-code find it.
 */
const spec: OperationSpec = {
  name: 'translate',
  params: [
    { name: 'url', type: 'uri' },
    { name: 'conceptMap', type: 'Resource' },
    { name: 'conceptMapVersion', type: 'string' },
    { name: 'code', type: 'code' },
    { name: 'system', type: 'uri' },
    { name: 'version', type: 'string' },
    { name: 'source', type: 'uri' },
    { name: 'coding', type: 'Coding' },
    { name: 'codeableConcept', type: 'CodeableConcept' },
    { name: 'target', type: 'uri' },
    { name: 'targetsystem', type: 'uri' },
    { name: 'reverse', type: 'boolean' },
    // R4's parts: a target whose dependsOn names the element with another value is left out (forward)
    { name: 'dependency', type: 'part', repeats: true, parts: [{ name: 'element', type: 'uri' }, { name: 'concept', type: 'CodeableConcept' }] },
    { name: 'sourceCode', type: 'code' },
    { name: 'sourceSystem', type: 'uri' },
    { name: 'sourceVersion', type: 'string' },
    { name: 'sourceCoding', type: 'Coding' },
    { name: 'sourceCodeableConcept', type: 'CodeableConcept' },
    { name: 'sourceScope', type: 'uri' },
    { name: 'targetCode', type: 'code' },
    { name: 'targetCoding', type: 'Coding' },
    { name: 'targetCodeableConcept', type: 'CodeableConcept' },
    { name: 'targetScope', type: 'uri' },
    { name: 'targetSystem', type: 'uri' },
    { name: 'targetVersion', type: 'string' },
    { name: 'date', type: 'dateTime' },
    KOMMUNEKODE_PARAM,
    TX_RESOURCE_PARAM,
  ],
};

/** This server's addition to HL7's $translate (documented in its OperationDefinition, which is based on HL7's). */
const DATE_DOCUMENTATION = 'This server: translate with the map version in force on this date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime, read in UTC) ' +
  "instead of the newest: of the map's versions that are not drafts, the one that came into use last by the end of the date. A version comes " +
  "into use at its ConceptMap.date, or, without one, when it was first written to this server. With 'url' it picks that map's version; " +
  'without, every map of the request is taken in its version of then (maps not in use yet are left out, maps deleted since are taken); so is a map ' +
  'named by group.unmapped.url without a version. A delete ends the use of the versions its map held. Not with conceptMapVersion or url|version.';

type Direction = 'forward' | 'reverse';

interface TranslateQuery {
  direction: Direction;
  /** R5-shaped reverse (targetCode…): concept = the given target, source = the answer. */
  r5Reverse: boolean;
  codings: Coding[];
  /** The system the answers must be in (targetsystem; under reverse, the source side's system). */
  answerSystem?: string;
  givenScope?: string;
  answerScope?: string;
  kommunekode?: string;
  /** R4 `dependency`: what the request states of other elements (a target's dependsOn must agree). */
  dependencies: Dependency[];
}

interface Dependency {
  element: string;
  codings: Coding[];
}

/** R4 match.product: another element's value the map states for the target. */
export interface Product {
  element: string;
  concept: Coding;
}

/** A match of the answer; its codings have (some of) system, version, code and display, in this order (translate-answer.ts). */
export interface Match {
  equivalence?: string;
  concept: Coding;
  source?: Coding;
  product?: Product[];
  originMap: string;
  /** The target the map states, when it is retired, outgoing or a legacy key and `concept` is its successor. */
  replaces?: Coding & { status: string };
  /** A reverse translation's match whose `concept` is a source of the map (R4's reverse; R5's gives it as `source`). */
  reverse?: true;
  /**
   * The code and display of the coding taken from a map's element (`concept`, or `source` under R5 reverse) as JSON
   * (UTF-8), prepared with the map (SourceIndex): the answer writes them as they are, and the coding has its display
   * only when the message names it (a match that `replaces`).
   */
  elementJson?: ElementJson;
}

/** R5 relationship codes on maps written in R5 form, read as their R4 equivalence. */
const RELATIONSHIP_TO_EQUIVALENCE: Record<string, string> = {
  'related-to': 'relatedto',
  equivalent: 'equivalent',
  'source-is-narrower-than-target': 'subsumes',
  'source-is-broader-than-target': 'specializes',
  'not-related-to': 'disjoint',
};
const NO_MAPPING = new Set(['unmatched', 'disjoint']);

/** The array, or nothing when a (request-supplied) resource has something else there. */
function arr<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

function equivalenceOf(equivalence: string | null | undefined, relationship: string | null | undefined): string | undefined {
  if (equivalence) return equivalence;
  return relationship ? RELATIONSHIP_TO_EQUIVALENCE[relationship] : undefined;
}

function codingOf(system: string | undefined, code: string | undefined, version?: string): Coding[] {
  if (code === undefined) return [];
  if (!system) throw FhirError.invalid(`A code needs its system: give 'system' (or use 'coding')`, { expression: ['system'], da: "En kode skal have sit kodesystem: giv 'system' (eller brug 'coding')" });
  return [{ system, code, ...(version ? { version } : {}) }];
}

function codingsOfConcept(cc: CodeableConcept, name: string): Coding[] {
  const codings = arr(cc.coding).filter((c) => c && typeof c.code === 'string' && c.code.length > 0);
  if (codings.length === 0) throw FhirError.invalid(`${name} has no coding with a code`, { expression: [name], da: `${name} har ingen kodning med en kode` });
  return codings;
}

function dependenciesOf(input: OperationInput): Dependency[] {
  return input.all<ParametersParameter>('dependency').flatMap((p) => {
    const parts = arr(p.part);
    const element = parts.find((x) => x.name === 'element')?.valueUri;
    const concept = parts.find((x) => x.name === 'concept')?.valueCodeableConcept;
    const codings = arr(concept?.coding).filter((c) => typeof c?.code === 'string');
    // an element given without a value states nothing another value could contradict
    if (!element || codings.length === 0) return [];
    return [{ element, codings }];
  });
}

/** Whether a target's dependsOn agrees with the request's dependencies: an element the request does not give is no conflict. */
function dependsOnHolds(dependsOn: ConceptMapGroupElementTargetDependsOn[] | undefined, dependencies: Dependency[]): boolean {
  if (dependencies.length === 0) return true;
  for (const d of arr(dependsOn)) {
    const given = dependencies.filter((g) => g.element === d.property);
    if (given.length === 0) continue;
    const agrees = given.some((g) => g.codings.some((c) => c.code === d.value && (!d.system || !c.system || c.system === d.system)));
    if (!agrees) return false;
  }
  return true;
}

function productsOf(products: ConceptMapGroupElementTargetDependsOn[] | undefined): Pick<Match, 'product'> {
  const out: Product[] = [];
  for (const p of arr(products)) {
    if (!p?.property || typeof p.value !== 'string') continue;
    const concept: Coding = {};
    if (p.system) concept.system = p.system;
    concept.code = p.value;
    if (p.display) concept.display = p.display;
    out.push({ element: p.property, concept });
  }
  return out.length > 0 ? { product: out } : {};
}

function readQuery(input: OperationInput): TranslateQuery {
  const givenForms = ['code', 'coding', 'codeableConcept', 'sourceCode', 'sourceCoding', 'sourceCodeableConcept', 'targetCode', 'targetCoding',
    'targetCodeableConcept'].filter((n) => input.has(n));
  if (givenForms.length === 0) {
    throw FhirError.invalid("Nothing to translate: give 'code' with 'system', 'coding' or 'codeableConcept' (or the R5 sourceCode/targetCode forms)", {
      expression: ['code'], da: "Intet at oversætte: giv 'code' med 'system', 'coding' eller 'codeableConcept' (eller R5-formerne sourceCode/targetCode)",
    });
  }
  if (givenForms.length > 1) throw FhirError.invalid(`Give only one of ${givenForms.join(', ')}`, { da: `Giv kun én af ${givenForms.join(', ')}` });
  const form = givenForms[0]!;
  const kommunekode = checkKommunekodeParam(input.string('kommunekode'));
  const dependencies = dependenciesOf(input);
  const source = input.string('sourceScope') ?? input.string('source');
  const target = input.string('targetScope') ?? input.string('target');
  const r5Reverse = form.startsWith('target');
  const reverseFlag = input.boolean('reverse') === true;
  if (r5Reverse && reverseFlag) {
    throw FhirError.invalid("'reverse' cannot be combined with targetCode, targetCoding or targetCodeableConcept", {
      da: "'reverse' kan ikke bruges sammen med targetCode, targetCoding eller targetCodeableConcept",
    });
  }

  let codings: Coding[];
  switch (form) {
    case 'code':
      codings = codingOf(input.string('system'), input.string('code'), input.string('version'));
      break;
    case 'sourceCode':
      codings = codingOf(input.string('sourceSystem') ?? input.string('system'), input.string('sourceCode'), input.string('sourceVersion') ?? input.string('version'));
      break;
    case 'targetCode':
      codings = codingOf(input.string('targetSystem') ?? input.string('targetsystem'), input.string('targetCode'), input.string('targetVersion'));
      break;
    case 'coding':
    case 'sourceCoding':
    case 'targetCoding': {
      const c = input.one<Coding>(form)!;
      if (typeof c.code !== 'string' || !c.code) throw FhirError.invalid(`${form} has no code`, { expression: [form], da: `${form} har ingen kode` });
      if (typeof c.system !== 'string' || !c.system) throw FhirError.invalid(`${form} has no system`, { expression: [form], da: `${form} har intet kodesystem (system)` });
      codings = [c];
      break;
    }
    default:
      codings = codingsOfConcept(input.one<CodeableConcept>(form)!, form);
  }

  if (r5Reverse) {
    return {
      direction: 'reverse', r5Reverse: true, codings, kommunekode, dependencies,
      answerSystem: input.string('sourceSystem') ?? input.string('system'),
      givenScope: target, answerScope: source,
    };
  }
  const answerSystem = input.string('targetSystem') ?? input.string('targetsystem');
  if (reverseFlag) {
    // R4: "reverses the meaning of the source and target parameters"; targetsystem names the system of the answers.
    return { direction: 'reverse', r5Reverse: false, codings, kommunekode, dependencies, answerSystem, givenScope: target, answerScope: source };
  }
  return { direction: 'forward', r5Reverse: false, codings, kommunekode, dependencies, answerSystem, givenScope: source, answerScope: target };
}

/** The map's url|version, else `ConceptMap/{id}`; empty for a map given inline with neither (its matches name no originMap). */
function canonicalOf(cm: ConceptMap): string {
  if (cm.url) return cm.version ? `${cm.url}|${cm.version}` : cm.url;
  return cm.id ? `ConceptMap/${cm.id}` : '';
}

/**
 * The map as a message names it, in both languages: its url|version (after `ConceptMap ` with `typed`), or the map
 * given in the request.
 */
function mapNamed(cm: ConceptMap, typed = true): Bilingual {
  const canonical = canonicalOf(cm);
  if (!canonical) return MAP_IN_REQUEST;
  const named = typed ? `ConceptMap ${canonical}` : canonical;
  return { en: named, da: named };
}

/** A map given in the request with neither url nor id, as a message names it. */
const MAP_IN_REQUEST: Bilingual = { en: 'the ConceptMap given in the request', da: 'ConceptMap\'en i forespørgslen' };

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function sameCanonical(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const pa = parseCanonical(a);
  const pb = parseCanonical(b);
  return pa.url === pb.url && (!pa.version || !pb.version || pa.version === pb.version);
}

/**
 * Which of a map's groups answer for the request's `source` and `target`, each side of the map: undefined, every group
 * (no scope given, or it names the map's value set, sourceUri/targetUri); a system, only the groups of that system (the
 * scope names a code system, this server's convenience); null, the map does not fit the scope given.
 */
interface GroupScope {
  source: string | undefined | null;
  target: string | undefined | null;
}

const EVERY_GROUP: GroupScope = { source: undefined, target: undefined };

function sideScope(scope: string | undefined, mapScope: string | undefined, groupSystems: (string | undefined)[]): string | undefined | null {
  if (!scope || sameCanonical(scope, mapScope)) return undefined;
  return groupSystems.some((s) => sameCanonical(scope, s)) ? scope : null;
}

function groupScopeOf(cm: ConceptMap, query: TranslateQuery): GroupScope {
  const groups = arr(cm.group).filter((g) => g && typeof g === 'object');
  const forward = query.direction === 'forward';
  return {
    source: sideScope(forward ? query.givenScope : query.answerScope, cm.sourceUri ?? cm.sourceCanonical, groups.map((g) => g.source)),
    target: sideScope(forward ? query.answerScope : query.givenScope, cm.targetUri ?? cm.targetCanonical, groups.map((g) => g.target)),
  };
}

const fits = (scope: GroupScope): boolean => scope.source !== null && scope.target !== null;

function groupInScope(group: ConceptMapGroup, scope: GroupScope): boolean {
  return (!scope.source || sameCanonical(scope.source, group.source)) && (!scope.target || sameCanonical(scope.target, group.target));
}

function versionCompatible(requested: string | undefined, stated: string | undefined): boolean {
  return !requested || !stated || requested === stated;
}

/** Whether two matches of the same concept code and source code state the same (map, systems, equivalence and products). */
function sameMatch(a: Match, b: Match): boolean {
  return a.originMap === b.originMap && a.concept.system === b.concept.system && a.source?.system === b.source?.system && a.equivalence === b.equivalence &&
    (a.product === b.product || JSON.stringify(a.product) === JSON.stringify(b.product));
}

class Translator {
  private readonly matches: Match[] = [];
  /** Whether a map states, by a target without a code (unmatched or disjoint), that the code has no match. */
  statesNoMatch = false;
  /** Forward, with several codings given: the coding being translated, named in each of its matches as `source`. */
  source?: Coding;
  /** The matches by concept code and source code. */
  private readonly seen = new Map<unknown, Map<unknown, Match[]>>();
  /** Whether a code system (url, or url|version) is known and not case sensitive, by the systems asked about. */
  private readonly ignoringCase = new Map<string, boolean>();
  /** What the answer's message tells besides (a link not followed), each once, by its English text. */
  private readonly noted = new Map<string, Bilingual>();

  /** `inForce`: the request's `date`, which picks the version of a chained map its reference leaves open. */
  constructor(private readonly registry: TerminologyRegistry, private readonly query: TranslateQuery, private readonly inForce?: InForce) {}

  get all(): Match[] {
    return this.matches;
  }

  /** Translates each coding with each map; itself, with the matches. */
  translateAll(codings: readonly Coding[], maps: readonly Candidate[]): this {
    for (const coding of codings) {
      // a codeableConcept of several codings: each match says which coding it translates
      if (this.query.direction === 'forward' && codings.length > 1) this.source = coding;
      for (const { map, scope } of maps) {
        if (this.query.direction === 'forward') this.forward(map, coding, scope);
        else this.reverse(map, coding, scope);
      }
    }
    return this;
  }

  /** The notes for the answer's message, in the order they were made. */
  get notes(): Bilingual[] {
    return [...this.noted.values()];
  }

  private note(text: Bilingual): void {
    if (!this.noted.has(text.en)) this.noted.set(text.en, text);
  }

  /** A match, unless one of the same map with the same concept, source and equivalence is there already. */
  private add(m: Match): void {
    let bySource = this.seen.get(m.concept.code);
    if (!bySource) {
      bySource = new Map();
      this.seen.set(m.concept.code, bySource);
    }
    const same = bySource.get(m.source?.code);
    if (same?.some((o) => sameMatch(o, m))) return;
    if (same) same.push(m);
    else bySource.set(m.source?.code, [m]);
    this.matches.push(m);
  }

  private sourcePart(): Pick<Match, 'source'> {
    return this.source ? { source: { system: this.source.system, code: this.source.code } } : {};
  }

  /** Whether a group's answer side is in the requested answer system. */
  private answerSystemMatches(answerSide: string | undefined): boolean {
    const wanted = this.query.answerSystem;
    if (!wanted) return true;
    if (isGatewayLocalSystem(wanted)) {
      return this.query.kommunekode !== undefined && ownerOfCanonical(answerSide) === this.query.kommunekode;
    }
    return answerSide === wanted;
  }

  /** Reports an answer coding under the gateway system when the client asked for answers in it. */
  private answerCoding(system: string | undefined, code: string, display: string | undefined, version: string | undefined): Coding {
    const wanted = this.query.answerSystem;
    // the fields in this order (see Match), added one by one rather than spread: made for every match
    const gateway = wanted !== undefined && isGatewayLocalSystem(wanted);
    const coding: Coding = { system: gateway ? wanted : system };
    if (version && !gateway) coding.version = version;
    coding.code = code;
    if (display) coding.display = display;
    return coding;
  }

  /** `scope`: the groups that answer, of this map and of the maps it names for what it does not map. */
  forward(cm: ConceptMap, coding: Coding, scope: GroupScope = EVERY_GROUP, visited: Set<string> = new Set()): void {
    const originMap = canonicalOf(cm);
    for (const group of arr(cm.group)) {
      if (!groupInScope(group, scope) || group.source !== coding.system || !versionCompatible(coding.version, group.sourceVersion)) continue;
      if (!this.answerSystemMatches(group.target)) continue;
      let found = false;
      for (const el of this.elementsFor(group, coding.code!)) {
        for (const t of arr(el.target)) {
          found = true;
          const equivalence = equivalenceOf(t.equivalence, (t as { relationship?: string }).relationship);
          if (!dependsOnHolds(t.dependsOn, this.query.dependencies)) continue;
          if (!t.code) {
            if (equivalence && NO_MAPPING.has(equivalence)) this.statesNoMatch = true;
            continue;
          }
          this.add({ equivalence, originMap, ...this.currentTarget(group, t.code, t.display), ...this.sourcePart(), ...productsOf(t.product) });
        }
      }
      if (!found) this.unmapped(cm, group, coding, scope, visited, originMap);
    }
  }

  /**
   * The group's elements for a source code: those of the code as it is given, else, in a source system the server
   * knows as not case sensitive, those of the codes that are it but for case (the provider's rule, by which $lookup and
   * $validate-code find the concept). A code found as it is given costs nothing more; a system the server does not
   * know compares the codes as they are.
   */
  private elementsFor(group: ConceptMapGroup, code: string): ConceptMapGroupElement[] {
    const exact = elementsWithCode(group, code);
    if (exact.length > 0) return exact;
    return this.sameButForCase(sourceCodesIgnoringCase(group, code), group.source, group.sourceVersion).flatMap((c) => elementsWithCode(group, c));
  }

  /**
   * `like`, a group's codes that are the code asked for but for case, when their system is known to the server and not
   * case sensitive (CodeSystem.caseSensitive, as its provider reads it); else none. The system is looked up only when
   * there are such codes, once per request.
   */
  private sameButForCase(like: string[], system: string | undefined, version: string | undefined): string[] {
    if (like.length === 0 || !system) return [];
    const key = version === undefined ? system : `${system}|${version}`;
    let ignores = this.ignoringCase.get(key);
    if (ignores === undefined) {
      const provider = this.registry.codeSystemProvider(system, version);
      ignores = provider !== undefined && !provider.caseSensitive;
      this.ignoringCase.set(key, ignores);
    }
    return ignores ? like : [];
  }

  /**
   * A target the map states, or its successor when the target is retired, outgoing or a legacy key (replacedBy): a
   * count or a comparison then lands on the code in use, and the match says which code it replaces.
   */
  private currentTarget(group: ConceptMapGroup, code: string, display: string | undefined): Pick<Match, 'concept' | 'replaces'> {
    const provider = group.target ? this.registry.codeSystemProvider(group.target, group.targetVersion) : undefined;
    const concept = provider?.locate(code);
    const current = provider && concept ? currentCode(this.registry, provider, concept) : undefined;
    if (!current?.replaced) return { concept: this.answerCoding(group.target, code, display, group.targetVersion) };
    return {
      concept: this.answerCoding(group.target, current.concept.code, current.concept.display, group.targetVersion),
      replaces: { system: group.target, code, ...(display ?? concept?.display ? { display: display ?? concept?.display } : {}), status: current.replaced.status },
    };
  }

  /**
   * What a group answers for a code it does not map (group.unmapped). Mode other-map (R4: "use the map identified by
   * url"): a link that cannot be followed is the fault of the map that states it and never fails the request (no 4xx),
   * whether the request names the map (url, instance, conceptMap) or translates with every map of the system, so that
   * one written map cannot break $translate for every caller. A map met again on the way (a circle) is not followed
   * again: the maps on the way have answered what they map. A map not known is not followed and the answer's message
   * names the link (FHIR: with result=true, the message carries hints and warnings; with result=false, why there is no
   * match); the other groups and maps answer as they would.
   */
  private unmapped(cm: ConceptMap, group: ConceptMapGroup, coding: Coding, scope: GroupScope, visited: Set<string>, originMap: string): void {
    const u = group.unmapped;
    if (!u || !coding.code) return;
    if (u.mode === 'provided') {
      this.add({ concept: this.answerCoding(group.target, coding.code, undefined, group.targetVersion), originMap, ...this.sourcePart() });
    } else if (u.mode === 'fixed' && u.code) {
      this.add({ concept: this.answerCoding(group.target, u.code, u.display, group.targetVersion), originMap, ...this.sourcePart() });
    } else if (u.mode === 'other-map' && (u.url ?? (u as { otherMap?: string }).otherMap)) {
      const ref = (u.url ?? (u as { otherMap?: string }).otherMap)!;
      // a reference without a version means the version in force on the request's date, as the request's own maps do
      // (a map deleted since included: it was in use then)
      const canonical = parseCanonical(ref);
      const dated = this.inForce !== undefined && !canonical.version;
      const other = dated ? this.inForce!(canonical.url) : this.registry.findCanonical('ConceptMap', ref);
      if (!other) {
        // known, but with no version in force on the date: it answers nothing, as a map of the request not in use yet
        if (dated && this.registry.findCanonical('ConceptMap', ref)) return;
        this.note({
          en: `${capitalized(mapNamed(cm).en)} names ${excerpt(ref)} for what it does not map (group.unmapped.url), which is not known: it was not followed`,
          da: `${capitalized(mapNamed(cm).da)} henviser med group.unmapped.url til ${excerpt(ref)} for det, den ikke mapper, men den kendes ikke: den blev ikke fulgt`,
        });
        return;
      }
      const key = canonicalOf(other);
      // a circle is cut where a map comes round again: the maps on the way have answered what they map
      if (visited.has(key) || key === originMap) return;
      // the chained map's matches are its own: originMap names the map that states them
      this.forward(other, coding, scope, new Set([...visited, originMap]));
    }
  }

  reverse(cm: ConceptMap, coding: Coding, scope: GroupScope): void {
    const originMap = canonicalOf(cm);
    for (const group of arr(cm.group)) {
      if (!groupInScope(group, scope) || group.target !== coding.system || !versionCompatible(coding.version, group.targetVersion)) continue;
      if (!this.answerSystemMatches(group.source)) continue;
      if (!this.sourcesStating(group, coding, coding.code!, undefined, originMap)) {
        // in a target system that is not case sensitive, the targets stated that are the given code but for case (as elementsFor)
        for (const c of this.sameButForCase(targetCodesIgnoringCase(group, coding.code!), group.target, group.targetVersion)) {
          this.sourcesStating(group, coding, c, undefined, originMap);
        }
      }
      // a map that still states a retired or outgoing code for the given one answers too (as forward follows it)
      for (const p of this.predecessors(group, coding.code!)) this.sourcesStating(group, coding, p.code, p.replaces, originMap);
    }
  }

  /** The matches of the group's elements that state `stated` for the given coding (itself or a code it replaced); whether there are any. */
  private sourcesStating(group: ConceptMapGroup, coding: Coding, stated: string, replaces: Match['replaces'], originMap: string): boolean {
    const rows = sourcesStating(group, stated);
    for (let i = 0; i < rows.count; i++) {
      const code = rows.code(i);
      const mapping = rows.mapping(i);
      const equivalence = equivalenceOf(mapping[0], mapping[1]);
      // the answer writes the element's display from its JSON; a match that replaces a code names it in the message
      const answer = this.answerCoding(group.source, code, replaces ? rows.display(i) : undefined, group.sourceVersion);
      const match: Match = this.query.r5Reverse
        ? { equivalence, concept: { system: coding.system, code: coding.code }, source: answer, originMap, elementJson: rows.json(i) }
        : { equivalence, concept: answer, originMap, elementJson: rows.json(i), reverse: true };
      if (replaces) match.replaces = replaces;
      this.add(match);
    }
    return rows.count > 0;
  }

  private predecessors(group: ConceptMapGroup, code: string): { code: string; replaces: Coding & { status: string } }[] {
    const provider = group.target ? this.registry.codeSystemProvider(group.target, group.targetVersion) : undefined;
    if (!provider) return [];
    return predecessorsOf(this.registry, provider, code).map((p) => ({ code: p.code, replaces: { system: group.target, ...p } }));
  }
}

interface Candidate {
  map: ConceptMap;
  scope: GroupScope;
}

/**
 * The maps to translate with, each with the groups that answer: the one asked for, else every map (of `version` when
 * given), when it fits the request's `source` and `target` (R4: conditions that must hold for a map named too) and
 * belongs to its `kommunekode`.
 */
function candidateMaps(
  input: OperationInput, registry: TerminologyRegistry, query: TranslateQuery, explicit?: ConceptMap, inForce?: InForce, version?: string, deletedUrls: readonly string[] = [],
): Candidate[] {
  if (explicit) {
    if (anothersMap(explicit, query.kommunekode)) return [];
    const scope = groupScopeOf(explicit, query);
    return fits(scope) ? [{ map: explicit, scope }] : [];
  }
  const fromRequest = input.all<Resource>('tx-resource').filter((r): r is ConceptMap => r.resourceType === 'ConceptMap');
  // on a date, the request's own maps are taken in their version of then too, by the listing below (one without a url has no other versions)
  const all = version !== undefined ? fromRequest.filter((cm) => cm.version === version) : inForce ? fromRequest.filter((cm) => !cm.url) : [...fromRequest];
  // each map as an unversioned reference to its url means it (a draft next version does not replace the one in use), or the version in force on `date`
  for (const listed of registry.list('ConceptMap', { within: CONCEPT_MAPS_KIND })) {
    const cm = version !== undefined ? (listed.url ? registry.find('ConceptMap', listed.url, version) : undefined)
      : !listed.url ? listed : inForce ? inForce(listed.url) : registry.find('ConceptMap', listed.url);
    if (cm && !all.includes(cm)) all.push(cm);
  }
  // on a date, also the maps deleted since, in their version of then
  for (const url of inForce ? deletedUrls : []) {
    const cm = inForce!(url);
    if (cm && !all.includes(cm)) all.push(cm);
  }
  return all.flatMap((map) => {
    if (query.kommunekode && !belongsTo(map, query.kommunekode)) return [];
    const scope = groupScopeOf(map, query);
    return fits(scope) ? [{ map, scope }] : [];
  });
}

/** A map of a municipality other than the request's `kommunekode` (a map of no municipality, the request's own too, is nobody else's). */
function anothersMap(cm: ConceptMap, kommunekode: string | undefined): string | undefined {
  if (kommunekode === undefined || belongsTo(cm, kommunekode)) return undefined;
  return ownerOf(cm);
}

/** Why the map the request names does not answer: the scopes of the request it does not fit. */
function scopeMismatch(cm: ConceptMap, query: TranslateQuery): Bilingual {
  const scope = groupScopeOf(cm, query);
  const forward = query.direction === 'forward';
  const given = [
    ...(scope.source === null ? [`source ${excerpt(forward ? query.givenScope : query.answerScope)}`] : []),
    ...(scope.target === null ? [`target ${excerpt(forward ? query.answerScope : query.givenScope)}`] : []),
  ];
  return {
    en: `the scope of ${mapNamed(cm).en} does not match the request's ${given.join(' and ')}`,
    da: `${capitalized(mapNamed(cm).da)} dækker ikke forespørgslens ${given.join(' og ')}`,
  };
}

/** The version of the map of this url in force on the request's `date` (undefined when no version was in use yet). */
type InForce = (url: string) => ConceptMap | undefined;

const dateWithVersion = (): FhirError => FhirError.invalid("Give either 'date' or a map version (conceptMapVersion, url|version), not both", {
  expression: ['date'], da: "Giv enten 'date' eller en version af ConceptMap'en (conceptMapVersion, url|version), ikke begge",
});

/** conceptMapVersion given without a map (no url, instance or inline conceptMap): every map of that version is a candidate. */
function versionOfAllMaps(input: OperationInput, target: ConceptMap | undefined, inForce: InForce | undefined): string | undefined {
  const version = input.string('conceptMapVersion');
  if (version === undefined || target || input.has('url') || input.has('conceptMap')) return undefined;
  if (inForce) throw dateWithVersion();
  return version;
}

function noMapOfVersion(version: string): FhirError {
  return FhirError.notFound(`No ConceptMap of version '${excerpt(version)}' fits the request`, {
    txIssueType: 'not-found', expression: ['conceptMapVersion'], da: `Ingen ConceptMap i version '${excerpt(version)}' passer til forespørgslen`,
  });
}

function explicitMap(input: OperationInput, registry: TerminologyRegistry, target?: ConceptMap, inForce?: InForce): ConceptMap | undefined {
  if (target) {
    const version = versionAskedOfInstance(input, target, { url: 'url', version: 'conceptMapVersion' });
    if (!inForce) return instanceAtVersion(registry, target, version, 'conceptMapVersion');
    if (version !== undefined) throw dateWithVersion();
    const then = target.url ? inForce(target.url) : undefined;
    if (!then) {
      throw FhirError.notFound(`${canonicalOf(target)} had no version in force on ${input.string('date')}`, {
        expression: ['date'], da: `${canonicalOf(target)} havde ingen gældende version den ${input.string('date')}`,
      });
    }
    return then;
  }
  const inline = input.one<Resource>('conceptMap');
  if (inline && inForce) {
    throw FhirError.invalid("'date' picks a stored map's version; it cannot be used with an inline 'conceptMap'", {
      expression: ['date'], da: "'date' vælger en version af en gemt ConceptMap; den kan ikke bruges sammen med en medsendt 'conceptMap'",
    });
  }
  if (inline) {
    if (inline.resourceType !== 'ConceptMap') {
      throw FhirError.invalid(`conceptMap must be a ConceptMap, not ${inline.resourceType}`, {
        expression: ['conceptMap'], da: `conceptMap skal være en ConceptMap, ikke ${inline.resourceType}`,
      });
    }
    assertConceptMapShape(inline as ConceptMap);
    return inline as ConceptMap;
  }
  const url = input.string('url');
  if (!url) return undefined;
  const { url: u, version } = parseCanonical(url);
  const wanted = input.string('conceptMapVersion') ?? version;
  if (inForce) {
    if (wanted) throw dateWithVersion();
    // a map deleted since was in force before its delete: its versions are kept by url|version
    if (registry.versions('ConceptMap', u, true).length === 0) throw unknownConceptMap(u, 'url');
    const then = inForce(u);
    if (!then) {
      throw FhirError.notFound(`No version of ConceptMap '${excerpt(u)}' was in force on ${input.string('date')}`, {
        expression: ['date'], da: `Ingen version af ConceptMap '${excerpt(u)}' var gældende den ${input.string('date')}`,
      });
    }
    return then;
  }
  const fromRequest = input.all<Resource>('tx-resource')
    .filter((r): r is ConceptMap => r.resourceType === 'ConceptMap')
    .filter((r) => r.url === u && (!wanted || r.version === wanted));
  const cm = fromRequest[fromRequest.length - 1] ?? registry.find('ConceptMap', u, wanted);
  if (!cm) throw unknownConceptMap(`${u}${wanted ? `|${wanted}` : ''}`, 'url');
  return cm;
}

/**
 * The municipality's local catalogs a gateway coding is looked up in: with map versions chosen (`date`,
 * `conceptMapVersion`, `url|version`), in the versions those maps name, as $rollup looks them up; else the newest.
 */
function gatewayCatalogs(input: OperationInput, ctx: OperationContext, query: TranslateQuery, maps: Candidate[]): CodeSystem[] | undefined {
  const kommunekode = query.kommunekode;
  const url = input.string('url');
  const chosen = input.has('date') || input.has('conceptMapVersion') || (url !== undefined && parseCanonical(url).version !== undefined);
  if (!kommunekode || !chosen || !query.codings.some((c) => isGatewayLocalSystem(c.system))) return undefined;
  const registry = ctx.registry;
  const date = input.string('date');
  const newest = localCodeSystems(registry, kommunekode);
  if (date === undefined) return catalogVersionsOfMaps(registry, kommunekode, maps.map((c) => c.map), newest);
  return localCatalogsOnDate(ctx, kommunekode, date, maps.map((c) => c.map));
}

/** Replaces gateway-style codings by the municipality's local code systems that define the code (among `catalogs` when given). */
function resolveGatewayCodings(registry: TerminologyRegistry, query: TranslateQuery, catalogs?: CodeSystem[]): { codings: Coding[]; unresolved: Bilingual[] } {
  const codings: Coding[] = [];
  const unresolved: Bilingual[] = [];
  for (const c of query.codings) {
    if (query.direction !== 'forward' || !isGatewayLocalSystem(c.system)) {
      codings.push(c);
      continue;
    }
    if (!query.kommunekode) {
      throw FhirError.invalid(`A code in ${c.system} is a municipality's local code: give the municipality as 'kommunekode'`, {
        expression: ['kommunekode'], da: `En kode i ${c.system} er en kommunes lokale kode: angiv kommunen som 'kommunekode'`,
      });
    }
    const systems = localSystemsDefining(registry, query.kommunekode, c.code!, catalogs);
    if (systems.length === 0) {
      unresolved.push({
        en: `'${excerpt(c.code)}' is not a code of any local catalog of municipality ${query.kommunekode}`,
        da: `'${excerpt(c.code)}' er ikke en kode i noget lokalt katalog fra kommune ${query.kommunekode}`,
      });
    }
    for (const cs of systems) codings.push({ system: cs.url, code: c.code, display: c.display });
  }
  return { codings, unresolved };
}

/** Forward translation of one coding with the given maps (the same translator as $translate), for operations built on it. */
export function forwardMatches(registry: TerminologyRegistry, coding: Coding, maps: ConceptMap[]): Match[] {
  const translator = new Translator(registry, { direction: 'forward', r5Reverse: false, codings: [coding], dependencies: [] });
  for (const cm of maps) translator.forward(cm, coding);
  return translator.all;
}

function label(c: Coding): string {
  return `${c.code}${c.display ? ` (${c.display})` : ''}`;
}

/** Messages as one, each after the one before (undefined when there is none). */
function joined(messages: (Bilingual | undefined)[]): Bilingual | undefined {
  const given = messages.filter((m): m is Bilingual => m !== undefined);
  return given.length > 0 ? { en: given.map((m) => m.en).join('; '), da: given.map((m) => m.da).join('; ') } : undefined;
}

/** The message of an answer that followed outdated targets to their successors; undefined when none was followed. */
export function replacementMessage(matches: Match[]): Bilingual | undefined {
  const notes = matches.filter((m) => m.replaces).map((m): Bilingual => {
    const legacy = m.replaces!.status === 'legacy-key';
    const why = legacy ? 'a legacy key' : m.replaces!.status;
    const whyDa = legacy ? 'er en gammel brugervendt nøgle' : `har status ${statusNameDa(m.replaces!.status)}`;
    const map = m.originMap ? { en: m.originMap, da: m.originMap } : { en: capitalized(MAP_IN_REQUEST.en), da: capitalized(MAP_IN_REQUEST.da) };
    // forward, or R5's reverse (its concept is the code asked): the map's target was replaced by the match's concept
    if (m.source || !m.reverse) {
      return {
        en: `${map.en} maps to ${label(m.replaces!)}, which is ${why}; the match gives its replacement ${label(m.concept)}`,
        da: `${map.da} mapper til ${label(m.replaces!)}, som ${whyDa}; svaret giver i stedet afløseren ${label(m.concept)}`,
      };
    }
    return {
      en: `${map.en} maps ${label(m.concept)} to ${label(m.replaces!)}, which is ${why} and replaced by the code asked for`,
      da: `${map.da} mapper ${label(m.concept)} til ${label(m.replaces!)}, som ${whyDa} og er afløst af den kode, der er spurgt om`,
    };
  });
  return joined(notes);
}

export const translateOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-translate',
  documentation: {
    base: 'http://hl7.org/fhir/OperationDefinition/ConceptMap-translate',
    description: "HL7's ConceptMap/$translate (R4 parameters and the R5 names as aliases), plus this server's 'date' (the map version in force " +
      "on a date) and 'kommunekode' (one municipality's maps; gateway-style niveau-3 codings). A group.unmapped other-map link that " +
      'cannot be followed never fails the request: a map met again on the way (a circle) is not followed again, and a map not known is not ' +
      'followed and named in the message.',
    inputs: {
      conceptMap: { type: 'ConceptMap', documentation: 'The concept map to translate with, given in the request (instead of one the server holds)' },
      date: DATE_DOCUMENTATION, kommunekode: 'Only this municipality\'s maps; resolves gateway-style niveau-3 codings (in the local catalog versions the maps chosen by ' +
        'date, conceptMapVersion or url|version name, as $rollup does)',
      dependency: {
        documentation: "Another element's value: a target whose dependsOn names the element with another value is left out (forward); " +
          'an element given without a value leaves it in',
        parts: [
          { name: 'element', documentation: 'The element (dependsOn.property)' },
          { name: 'concept', documentation: 'Its value' },
        ],
      },
    },
    outputs: [
      { name: 'result', type: 'boolean', min: 1, documentation: 'Whether a match was found' },
      { name: 'message', type: 'string', documentation: 'Why there is no match, which outdated targets were replaced, or which group.unmapped other-map link was not followed' },
      {
        name: 'match', repeats: true, documentation: 'A match',
        parts: [
          { name: 'equivalence', type: 'code', documentation: 'As stated in the map, read from source to target' },
          { name: 'concept', type: 'Coding', min: 1, documentation: 'The target code (reverse: the source code that maps to the one given; by targetCode: the target given)' },
          {
            name: 'product', repeats: true, documentation: "A product of the target (the map's product)",
            parts: [
              { name: 'element', type: 'uri', min: 1, documentation: 'The element the product is of' },
              { name: 'concept', type: 'Coding', min: 1, documentation: 'Its value' },
            ],
          },
          { name: 'source', type: 'Coding', documentation: 'The code translated: the coding of a codeableConcept the match is of; the source code (by targetCode)' },
          { name: 'originMap', type: 'canonical', documentation: 'url|version of the map used (ConceptMap/{id} for a map without url; absent for a map given inline with neither)' },
          {
            name: 'replaces', documentation: 'The retired or outgoing target the map states, which the concept replaces',
            parts: [
              { name: 'concept', type: 'Coding', min: 1, documentation: 'The target the map states' },
              { name: 'status', type: 'code', min: 1, documentation: 'Its status' },
            ],
          },
        ],
      },
    ],
  },
  cache: 'answer',
  handle(input, ctx, target) {
    const registry = ctx.registry;
    const query = readQuery(input);
    const date = input.string('date');
    const inForce: InForce | undefined = date === undefined ? undefined
      : (url) => versionInForce(registry, 'ConceptMap', url, date, ctx.written);
    const explicit = explicitMap(input, registry, target as ConceptMap | undefined, inForce);
    const mapVersion = versionOfAllMaps(input, target as ConceptMap | undefined, inForce);
    const maps = candidateMaps(input, registry, query, explicit, inForce, mapVersion, inForce && ctx.written?.deletedUrls?.('ConceptMap'));
    if (mapVersion !== undefined && maps.length === 0) throw noMapOfVersion(mapVersion);
    const { codings, unresolved } = resolveGatewayCodings(registry, query, gatewayCatalogs(input, ctx, query, maps));
    const translator = new Translator(registry, query, inForce).translateAll(codings, maps);
    const matches = translator.all;
    const result = matches.some((m) => !m.equivalence || !NO_MAPPING.has(m.equivalence));
    const lang = messageLanguageOf(ctx.acceptLanguages);
    if (result) return translateAnswer(true, joined([replacementMessage(matches), ...translator.notes]), matches, lang);
    const given = query.codings.map((c) => `${c.system}#${c.code}`).join(', ');
    const reasons = [...unresolved];
    if (explicit && maps.length === 0) {
      const owner = anothersMap(explicit, query.kommunekode);
      reasons.push(owner !== undefined ? {
        en: `ConceptMap ${canonicalOf(explicit)} is municipality ${owner}'s map, not municipality ${query.kommunekode}'s`,
        da: `ConceptMap ${canonicalOf(explicit)} er en mapning fra kommune ${owner}, ikke fra kommune ${query.kommunekode}`,
      } : scopeMismatch(explicit, query));
    } else if (maps.length === 0) {
      const forMunicipality = query.kommunekode ? { en: ` for municipality ${query.kommunekode}`, da: ` for kommune ${query.kommunekode}` } : { en: '', da: '' };
      // on a date, whether the maps in use now would translate it: then the date is the reason
      const laterOnly = date !== undefined &&
        new Translator(registry, query).translateAll(codings, candidateMaps(input, registry, query, explicit, undefined, mapVersion, undefined)).all.length > 0;
      reasons.push(laterOnly ? {
        en: `no ConceptMap${forMunicipality.en} in force on ${date} translates it (maps that came into use later do)`,
        da: `ingen ConceptMap${forMunicipality.da}, der var gældende den ${date}, oversætter den (det gør mapninger, der kom i brug senere)`,
      } : {
        en: `no ConceptMap matches the request${forMunicipality.en}`,
        da: `ingen ConceptMap passer til forespørgslen${forMunicipality.da}`,
      });
    } else if (matches.length === 0 && !translator.statesNoMatch) {
      reasons.push({
        en: `no mapping in ${maps.length === 1 ? mapNamed(maps[0]!.map, false).en : `any of ${maps.length} ConceptMaps`}`,
        da: `ingen mapning i ${maps.length === 1 ? mapNamed(maps[0]!.map, false).da : `nogen af ${maps.length} ConceptMaps`}`,
      });
    } else {
      reasons.push({ en: 'the maps state that there is no match (unmatched or disjoint)', da: 'mapningerne siger, at der ikke er noget match (unmatched eller disjoint)' });
    }
    reasons.push(...translator.notes);
    const reverse = query.direction === 'reverse';
    return translateAnswer(false, {
      en: `No ${reverse ? 'reverse ' : ''}translation for ${given}: ${reasons.map((r) => r.en).join('; ')}`,
      da: `Ingen ${reverse ? 'omvendt ' : ''}oversættelse af ${given}: ${reasons.map((r) => r.da).join('; ')}`,
    }, matches, lang);
  },
};
