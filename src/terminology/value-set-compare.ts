import type { ValueSet, ValueSetComposeInclude, ValueSetComposeIncludeFilter, ValueSetExpansionContains } from 'fhir/r4';
import { danishReason, FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import { excerpt } from '../errors/excerpt';
import { canonical } from './canonical';
import { versionOnComposeDate } from './compose/versions';
import type { CodeSystemProvider } from './providers/provider';
import type { TerminologyRegistry } from './registry';
import { expandValueSet, expansionRequest } from './expansion/value-set-expansion';

/** How the codes of one value set relate to those of another ($compare). */
export type CompareResult = 'same' | 'superset' | 'subset' | 'overlapping' | 'disjoint' | 'empty' | 'indeterminate';

export interface CompareOutcome {
  result: CompareResult;
  /** How the result was found, in both languages (the English is HL7's reference servers' wording). */
  message: Bilingual;
  /** True when the answer came from the expansions rather than from the compose rules. */
  performedExpansion: boolean;
  /** Codes only in this value set, only in the other, and in both (when they are known). */
  missing: string[];
  extra: string[];
  common: string[];
}

export interface CompareOptions {
  activeOnly?: boolean;
  /** Largest expansion computed for a comparison. */
  maxExpansionSize: number;
}

/** What is known so far: codes only on the left (this), only on the right (other), shared; or that it cannot be told. */
interface Relation {
  left: boolean;
  right: boolean;
  common: boolean;
  fail: boolean;
  empty: boolean;
  reason?: Bilingual;
}

interface Sides {
  this: ValueSetComposeInclude[];
  other: ValueSetComposeInclude[];
  thisExclude: ValueSetComposeInclude[];
  otherExclude: ValueSetComposeInclude[];
}

interface CodeLists {
  missing: string[];
  extra: string[];
  common: string[];
}

const UNCLOSED = 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed';
const byText = (a: string, b: string): number => a.localeCompare(b);
const filterKey = (f: ValueSetComposeIncludeFilter): string => `${f.property}\u0000${f.op}\u0000${f.value}`;
const compareFilters = (a: ValueSetComposeIncludeFilter, b: ValueSetComposeIncludeFilter): number =>
  (a.property ?? '').localeCompare(b.property ?? '') || (a.op ?? '').localeCompare(b.op ?? '') || (a.value ?? '').localeCompare(b.value ?? '');

/**
 * A value set as the messages name it: its canonical (url|version); one without a url (given inline) by the parameter
 * it came in (`thisValueSet`, `otherValueSet`), with its title or name when it has one.
 */
function named(vs: ValueSet, side: 'this' | 'other'): string {
  if (vs.url) return canonical(vs.url, vs.version);
  const label = vs.title ?? vs.name;
  return `${side}ValueSet${typeof label === 'string' && label !== '' ? ` '${excerpt(label)}'` : ''}`;
}

function hasConcepts(inc: ValueSetComposeInclude): boolean {
  return (inc.concept?.length ?? 0) > 0;
}

function hasFilters(inc: ValueSetComposeInclude): boolean {
  return (inc.filter?.length ?? 0) > 0;
}

function isWholeSystem(inc: ValueSetComposeInclude): boolean {
  return !hasConcepts(inc) && !hasFilters(inc);
}

/**
 * Includes of one system in a canonical order: the enumerations merged into one, codes and filters sorted, then
 * whole-system, enumeration and filter includes in that order. Copies: the value sets are not changed.
 */
function tidy(includes: ValueSetComposeInclude[]): ValueSetComposeInclude[] {
  const codes: string[] = [];
  const out: ValueSetComposeInclude[] = [];
  let enumeration: ValueSetComposeInclude | undefined;
  for (const inc of includes) {
    if (hasConcepts(inc) && !hasFilters(inc)) {
      for (const c of inc.concept!) codes.push(c.code);
      if (!enumeration) {
        enumeration = { ...inc };
        out.push(enumeration);
      }
    } else {
      out.push({ ...inc, filter: inc.filter ? [...inc.filter].sort(compareFilters) : undefined });
    }
  }
  if (enumeration) enumeration.concept = [...new Set(codes)].sort(byText).map((code) => ({ code }));
  const rank = (inc: ValueSetComposeInclude): number => (isWholeSystem(inc) ? 1 : hasFilters(inc) ? 3 : 2);
  return out.sort((a, b) => rank(a) - rank(b) || (a.filter?.[0] && b.filter?.[0] ? compareFilters(a.filter[0], b.filter[0]) : 0));
}

function identical(a: ValueSetComposeInclude, b: ValueSetComposeInclude): boolean {
  const ca = (a.concept ?? []).map((c) => c.code).join('\u0000');
  const cb = (b.concept ?? []).map((c) => c.code).join('\u0000');
  const fa = (a.filter ?? []).map(filterKey).join('\u0001');
  const fb = (b.filter ?? []).map(filterKey).join('\u0001');
  return ca === cb && fa === fb;
}

function hasMultipleParents(provider: CodeSystemProvider): boolean {
  for (const c of provider.all()) if (c.parents.length > 1) return true;
  return false;
}

/**
 * Compares two value sets: from their compose rules where that is exact (grouped by code system: whole systems,
 * enumerations, a single filter each with is-a relations), and otherwise from their expansions. What neither can
 * settle (an expansion that fails or is not closed) is `indeterminate`, never a guess.
 */
export class ValueSetComparer {
  /** Per system url: whether the comparison depends on the code system's version. */
  private readonly versionDependent = new Map<string, boolean>();

  constructor(private readonly registry: TerminologyRegistry, private readonly options: CompareOptions) {}

  compare(thisVs: ValueSet, otherVs: ValueSet): CompareOutcome {
    const lists: CodeLists = { missing: [], extra: [], common: [] };
    // a value set without compose (only a stored expansion) is compared by its expansion; JSON null is no compose
    const byDefinition = !this.options.activeOnly && thisVs.compose != null && otherVs.compose != null;
    let relation = byDefinition ? this.compareDefinitions(thisVs, otherVs, lists) : failed();
    let performedExpansion = false;
    if (relation.fail) {
      performedExpansion = true;
      lists.missing = [];
      lists.extra = [];
      lists.common = [];
      relation = this.compareExpansions(thisVs, otherVs, lists);
    }
    return { ...describe(relation, named(thisVs, 'this'), named(otherVs, 'other')), performedExpansion, ...lists };
  }

  private compareDefinitions(thisVs: ValueSet, otherVs: ValueSet, lists: CodeLists): Relation {
    const all = [thisVs, otherVs].flatMap((vs) => [...(vs.compose!.include ?? []), ...(vs.compose!.exclude ?? [])]);
    const groups = new Map<string, Sides>();
    const add = (includes: ValueSetComposeInclude[] | undefined, side: keyof Sides): void => {
      const vs = side === 'this' || side === 'thisExclude' ? thisVs : otherVs;
      for (const inc of includes ?? []) {
        const key = this.groupKey(vs, inc, all);
        let g = groups.get(key);
        if (!g) {
          g = { this: [], other: [], thisExclude: [], otherExclude: [] };
          groups.set(key, g);
        }
        g[side].push(inc);
      }
    };
    add(thisVs.compose!.include, 'this');
    add(otherVs.compose!.include, 'other');
    add(thisVs.compose!.exclude, 'thisExclude');
    add(otherVs.compose!.exclude, 'otherExclude');

    // the same system in two versions, where the version matters: only the expansions can tell
    const systemsSeen = new Map<string, number>();
    for (const key of groups.keys()) {
      const system = key.split('|')[0]!;
      systemsSeen.set(system, (systemsSeen.get(system) ?? 0) + 1);
    }
    if ([...systemsSeen.values()].some((n) => n > 1)) return failed();

    const relation: Relation = { left: false, right: false, common: false, fail: false, empty: false };
    for (const [key, sides] of groups) {
      if (key === '') return failed(); // value set imports only
      const [system, version] = key.split('|') as [string, string | undefined];
      const provider = this.registry.codeSystemProvider(system, version);
      this.compareSystem(relation, sides, provider, lists);
      if (relation.fail) return relation;
    }
    // nothing on either side: every code listed is one its code system does not have
    if (!relation.left && !relation.right && !relation.common) relation.empty = true;
    return relation;
  }

  /**
   * Includes group by system, and by system and version when the version matters (a filter over a versioned system):
   * the version the expansion uses, the include's own or the one in force on its compose's lockedDate.
   */
  private groupKey(vs: ValueSet, inc: ValueSetComposeInclude, all: ValueSetComposeInclude[]): string {
    const system = inc.system ?? '';
    if (!system) return '';
    const locked = inc.version === undefined ? versionOnComposeDate(this.registry, 'CodeSystem', system, vs) : undefined;
    // no version in force on the lockedDate: the expansion says so
    if (locked && 'problem' in locked) return '';
    const provider = this.registry.codeSystemProvider(system, inc.version ?? locked?.version);
    const versionNeeded = (provider?.resource as { versionNeeded?: boolean } | undefined)?.versionNeeded === true;
    if (!this.versionDependent.has(system)) this.versionDependent.set(system, versionNeeded);
    const version = inc.version ?? provider?.version;
    const filtered = all.some((c) => c.system === system && hasFilters(c));
    return provider && version && (versionNeeded || filtered) ? `${system}|${version}` : system;
  }

  private compareSystem(relation: Relation, sides: Sides, provider: CodeSystemProvider | undefined, lists: CodeLists): void {
    if (sides.thisExclude.length > 0 || sides.otherExclude.length > 0) {
      relation.fail = true;
      return;
    }
    if (sides.this.length === 0) {
      if (includesAny(sides.other, provider)) relation.right = true;
      return;
    }
    if (sides.other.length === 0) {
      if (includesAny(sides.this, provider)) relation.left = true;
      return;
    }
    const mixed = (list: ValueSetComposeInclude[]) => list.some((inc) => (inc.valueSet?.length ?? 0) > 0 || (hasConcepts(inc) && hasFilters(inc)));
    if (mixed(sides.this) || mixed(sides.other)) {
      relation.fail = true;
      return;
    }
    const t = tidy(sides.this);
    const o = tidy(sides.other);
    if (isWholeSystem(t[0]!) || isWholeSystem(o[0]!)) {
      relation.common = true;
      if (!isWholeSystem(o[0]!)) relation.left = true;
      if (!isWholeSystem(t[0]!)) relation.right = true;
      return;
    }
    if (t.length > 1 || o.length > 1) {
      // several includes of one system can overlap in ways not worth guessing: only identical ones are settled
      relation.common = true;
      if (t.length !== o.length || t.some((inc, i) => !identical(inc, o[i]!))) relation.fail = true;
      return;
    }
    if (hasConcepts(t[0]!) && hasConcepts(o[0]!)) {
      compareCodeLists(relation, includedCodes(t[0]!, provider), includedCodes(o[0]!, provider), lists);
      return;
    }
    if (hasFilters(t[0]!) && hasFilters(o[0]!) && this.compareFilters(relation, t[0]!, o[0]!, provider)) return;
    relation.fail = true;
  }

  /** Whether the filters of two includes settle the relation (then it is recorded). */
  private compareFilters(relation: Relation, t: ValueSetComposeInclude, o: ValueSetComposeInclude, provider: CodeSystemProvider | undefined): boolean {
    const tf = t.filter!;
    const of = o.filter!;
    if (tf.length !== of.length) return false;
    if (tf.length > 1) {
      if (tf.some((f, i) => filterKey(f) !== filterKey(of[i]!))) return false;
      relation.common = true;
      return true;
    }
    const [a, b] = [tf[0]!, of[0]!];
    if (a.property !== b.property || a.op !== b.op) return false;
    if (a.value === b.value) {
      relation.common = true;
      return true;
    }
    if (a.op !== 'is-a' || a.property !== 'concept' || !provider) return false;
    const ca = provider.locate(a.value);
    const cb = provider.locate(b.value);
    if (!ca || !cb) return false;
    if (ca === cb) {
      relation.common = true;
    } else if (provider.subsumes(ca, cb)) {
      relation.common = true;
      relation.left = true;
    } else if (provider.subsumes(cb, ca)) {
      relation.common = true;
      relation.right = true;
    } else {
      // unrelated codes have no shared descendants only in a strict tree
      if (hasMultipleParents(provider)) return false;
      relation.left = true;
      relation.right = true;
    }
    return true;
  }

  private compareExpansions(thisVs: ValueSet, otherVs: ValueSet, lists: CodeLists): Relation {
    const relation: Relation = { left: false, right: false, common: false, fail: false, empty: false };
    const a = this.expand(thisVs);
    const b = this.expand(otherVs);
    if (a instanceof Error || b instanceof Error) {
      relation.fail = true;
      // an expansion's error in Danish is its Danish text (every refusal of an expansion has one)
      const da = (e: Error): string => danishReason(e) ?? e.message;
      if (a instanceof Error && b instanceof Error) {
        relation.reason = a.message === b.message
          ? { en: `Both expansions failed: ${a.message}`, da: `Begge udfoldninger mislykkedes: ${da(a)}` }
          : { en: `Both expansions failed with different errors: ${a.message}; ${b.message}`, da: `Begge udfoldninger mislykkedes, med hver sin fejl: ${da(a)}; ${da(b)}` };
      } else {
        relation.reason = a instanceof Error
          ? { en: `This expansion failed: ${a.message}`, da: `Udfoldningen af dette værdisæt mislykkedes: ${da(a)}` }
          : { en: `Other expansion failed: ${(b as Error).message}`, da: `Udfoldningen af det andet værdisæt mislykkedes: ${da(b as Error)}` };
      }
      return relation;
    }
    const unclosed = (vs: ValueSet) => vs.expansion?.extension?.some((e) => e.url === UNCLOSED && e.valueBoolean !== false) === true;
    if (unclosed(a) || unclosed(b)) {
      relation.fail = true;
      relation.reason = unclosed(a) && unclosed(b) ? { en: 'Both expansions are unclosed.', da: 'Ingen af udfoldningerne er fuldstændige (unclosed).' }
        : unclosed(a) ? { en: 'This expansion is unclosed.', da: 'Udfoldningen af dette værdisæt er ikke fuldstændig (unclosed).' }
          : { en: 'Other expansion is unclosed.', da: 'Udfoldningen af det andet værdisæt er ikke fuldstændig (unclosed).' };
      return relation;
    }
    const left = a.expansion?.contains ?? [];
    const right = b.expansion?.contains ?? [];
    if (left.length === 0 && right.length === 0) {
      relation.empty = true;
      return relation;
    }
    const key = (c: ValueSetExpansionContains): string =>
      `${c.system ?? ''}\u0000${c.code ?? ''}${this.versionDependent.get(c.system ?? '') ? `\u0000${c.version ?? ''}` : ''}`;
    const rightKeys = new Set(right.map(key));
    const leftKeys = new Set(left.map(key));
    const common = left.filter((c) => rightKeys.has(key(c)));
    lists.missing = left.filter((c) => !rightKeys.has(key(c))).map((c) => c.code ?? '');
    lists.extra = right.filter((c) => !leftKeys.has(key(c))).map((c) => c.code ?? '');
    relation.common = common.length > 0;
    relation.left = lists.missing.length > 0;
    relation.right = lists.extra.length > 0;
    // with the same codes on both sides, listing them all says nothing
    if (relation.left || relation.right) lists.common = common.map((c) => c.code ?? '');
    return relation;
  }

  private expand(vs: ValueSet): ValueSet | Error {
    try {
      return expandValueSet(this.registry, vs, expansionRequest({
        activeOnly: this.options.activeOnly === true, excludeNested: true, maxSize: this.options.maxExpansionSize,
      }));
    } catch (e) {
      if (e instanceof FhirError) return e;
      throw e;
    }
  }
}

function failed(): Relation {
  return { left: false, right: false, common: false, empty: false, fail: true };
}

/**
 * The codes an enumeration includes, each once, as the code system has them, as $expand takes them: a code system that
 * is not case sensitive finds a code given in another case; a code it does not have is not included. Of a code system
 * the server does not have, the codes as listed (HL7's reference server compares those: conformance case
 * related-unk-unknown-system).
 */
function includedCodes(inc: ValueSetComposeInclude, provider: CodeSystemProvider | undefined): string[] {
  const codes = new Set<string>();
  for (const c of inc.concept!) {
    const code = provider ? provider.locate(c.code)?.code : c.code;
    if (code !== undefined) codes.add(code);
  }
  return [...codes];
}

/** Whether includes of a system (on one side only) include any code: not when they only list codes it does not have. */
function includesAny(includes: ValueSetComposeInclude[], provider: CodeSystemProvider | undefined): boolean {
  return includes.some((inc) => !provider || !hasConcepts(inc) || hasFilters(inc) || (inc.valueSet?.length ?? 0) > 0 || includedCodes(inc, provider).length > 0);
}

/**
 * The codes two enumerations of one system include. As tx.fhir.org does, the code lists reported are those of the
 * last system compared by enumeration.
 */
function compareCodeLists(relation: Relation, tCodes: string[], oCodes: string[], lists: CodeLists): void {
  const tSet = new Set(tCodes);
  const oSet = new Set(oCodes);
  lists.common = tCodes.filter((c) => oSet.has(c));
  lists.missing = tCodes.filter((c) => !oSet.has(c));
  lists.extra = oCodes.filter((c) => !tSet.has(c));
  if (lists.common.length > 0) relation.common = true;
  if (lists.missing.length > 0) relation.left = true;
  if (lists.extra.length > 0) relation.right = true;
}

function describe(relation: Relation, a: string, b: string): { result: CompareResult; message: Bilingual } {
  if (relation.fail) {
    const reason = relation.reason ?? { en: 'the definitions cannot be compared', da: 'definitionerne kan ikke sammenlignes' };
    return { result: 'indeterminate', message: { en: `Unable to compare ${a} and ${b}: ${reason.en}`, da: `Værdisættene ${a} og ${b} kan ikke sammenlignes: ${reason.da}` } };
  }
  if (relation.empty) return { result: 'empty', message: { en: `Both the value sets ${a} and ${b} are empty`, da: `Værdisættene ${a} og ${b} er begge tomme` } };
  if (!relation.common) {
    return { result: 'disjoint', message: { en: `No shared codes between the value sets ${a} and ${b}`, da: `Værdisættene ${a} og ${b} har ingen koder til fælles` } };
  }
  if (!relation.left && !relation.right) {
    return { result: 'same', message: { en: `The value sets ${a} and ${b} contain the same codes`, da: `Værdisættene ${a} og ${b} indeholder de samme koder` } };
  }
  if (relation.left && relation.right) {
    return {
      result: 'overlapping',
      message: {
        en: `Both value sets ${a} and ${b} contain the codes the other doesn't, but there is some overlap`,
        da: `Værdisættene ${a} og ${b} har hver koder, som det andet ikke har, men også koder til fælles`,
      },
    };
  }
  if (relation.left) {
    return {
      result: 'superset',
      message: { en: `The valueSet ${a} is a super-set of the valueSet ${b}`, da: `Værdisættet ${a} indeholder alle koderne i værdisættet ${b} og flere til (en overmængde)` },
    };
  }
  return {
    result: 'subset',
    message: { en: `The valueSet ${a} is a sub-set of the valueSet ${b}`, da: `Alle koderne i værdisættet ${a} findes i værdisættet ${b}, som har flere (en delmængde)` },
  };
}
