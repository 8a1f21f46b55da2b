import type { Coding, ConceptMap, ConceptMapGroup, ConceptMapGroupElement, ConceptMapGroupElementTargetDependsOn } from 'fhir/r4';
import type { Bilingual } from '../../errors/issue';
import { excerpt } from '../../errors/excerpt';
import { listOf } from '../../fhir/json-object';
import { isGatewayLocalSystem, ownerOfCanonical } from '../../municipal/municipality';
import { parseCanonical } from '../../terminology/canonical';
import { currentCode, predecessorsOf } from '../../terminology/catalog-levels';
import { elementsWithCode, sourceCodesIgnoringCase, sourcesStating, targetCodesIgnoringCase } from '../../terminology/packed/conceptmap';
import type { ElementJson } from '../../terminology/packed/map-sources';
import type { TerminologyRegistry } from '../../terminology/registry';
import type { InForce } from './candidate-maps';
import { EVERY_GROUP, groupInScope, versionCompatible, type Candidate, type GroupScope } from './group-scope';
import { canonicalOf, capitalized, mapNamed } from './map-names';
import type { Dependency, TranslateQuery } from './query';
import { NO_MAPPING } from '../../terminology/equivalence';

/** Translates codings with concept maps, forward or reverse, into the matches of a $translate answer (also for $rollup). */

/** R4 match.product: another element's value the map states for the target. */
export interface Product {
  element: string;
  concept: Coding;
}

/** A match of the answer; its codings have (some of) system, version, code and display, in this order (answer.ts). */
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

function equivalenceOf(equivalence: string | null | undefined, relationship: string | null | undefined): string | undefined {
  if (equivalence) return equivalence;
  return relationship ? RELATIONSHIP_TO_EQUIVALENCE[relationship] : undefined;
}

/** Whether a target's dependsOn agrees with the request's dependencies: an element the request does not give is no conflict. */
function dependsOnHolds(dependsOn: ConceptMapGroupElementTargetDependsOn[] | undefined, dependencies: Dependency[]): boolean {
  if (dependencies.length === 0) return true;
  for (const d of listOf(dependsOn)) {
    const given = dependencies.filter((g) => g.element === d.property);
    if (given.length === 0) continue;
    const agrees = given.some((g) => g.codings.some((c) => c.code === d.value && (!d.system || !c.system || c.system === d.system)));
    if (!agrees) return false;
  }
  return true;
}

function productsOf(products: ConceptMapGroupElementTargetDependsOn[] | undefined): Pick<Match, 'product'> {
  const out: Product[] = [];
  for (const p of listOf(products)) {
    if (!p?.property || typeof p.value !== 'string') continue;
    const concept: Coding = {};
    if (p.system) concept.system = p.system;
    concept.code = p.value;
    if (p.display) concept.display = p.display;
    out.push({ element: p.property, concept });
  }
  return out.length > 0 ? { product: out } : {};
}

/** Whether two matches of the same concept code and source code state the same (map, systems, equivalence and products). */
function sameMatch(a: Match, b: Match): boolean {
  return a.originMap === b.originMap && a.concept.system === b.concept.system && a.source?.system === b.source?.system && a.equivalence === b.equivalence &&
    (a.product === b.product || JSON.stringify(a.product) === JSON.stringify(b.product));
}

export class Translator {
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
    for (const group of listOf(cm.group)) {
      if (!groupInScope(group, scope) || group.source !== coding.system || !versionCompatible(coding.version, group.sourceVersion)) continue;
      if (!this.answerSystemMatches(group.target)) continue;
      let found = false;
      for (const el of this.elementsFor(group, coding.code!)) {
        for (const t of listOf(el.target)) {
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
    for (const group of listOf(cm.group)) {
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

/** Forward translation of one coding with the given maps (the same translator as $translate), for operations built on it. */
export function forwardMatches(registry: TerminologyRegistry, coding: Coding, maps: ConceptMap[]): Match[] {
  const translator = new Translator(registry, { direction: 'forward', r5Reverse: false, codings: [coding], dependencies: [] });
  for (const cm of maps) translator.forward(cm, coding);
  return translator.all;
}
