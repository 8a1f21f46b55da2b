import type { ValueSet, ValueSetComposeInclude, ValueSetExpansionContains } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { msg, txError } from '../validation/messages';
import { canonical, compareVersions, parseCanonical } from '../canonical';
import { hasSupplement, type CodeSystemProvider, type Concept } from '../providers/provider';
import { compileFilter } from './filter';
import { emptyResult, entryKey, LocatingEntry, mergeUsage, type ComposeOptions, type ComposeResult, type ExpansionEntry, type HierarchyNode } from './result';
import { PackedCodeSystemProvider } from '../providers/packed-codesystem';
import { assertIncludeShape, checkContent, composeVersionsMatch, exclusionRemoves, exclusionVersion, namesSeveralVersions, sameValueSet, vurl } from './rules';
import { assertLockedDate, resolveIncludeProvider, versionOnComposeDate, versionOnRequestDateOrFail } from './versions';
import { missingSupplementsError } from '../supplement-problems';
import { isGrammarProvider } from '../providers/library-systems/grammar-provider';
import type { TerminologyRegistry } from '../registry';
import { assertValueSetShape } from '../resource-shape';
import { currentTimeBudget } from '../time-budget';
import { valueSetSupplements } from '../valueset-extensions';

export { entryKey, type ComposeOptions, type ComposeResult, type ExpansionEntry } from './result';

/** Computes the codes a ValueSet's compose defines (FHIR semantics: includes unioned, excludes removed). */
export class ComposeEvaluator {
  private readonly stack: ValueSet[] = [];
  /**
   * The imported value sets evaluated so far: one imported from several places is evaluated once (value sets each
   * importing the next two would otherwise cost 2^depth). One being evaluated is not here yet, so a circle is found.
   */
  private readonly evaluated = new Map<unknown, ComposeResult>();
  private readonly requiredSupplements = new Set<string>();
  /** The running operation's time budget: nested imports and huge code systems stop with too-costly when it is spent. */
  private readonly budget = currentTimeBudget();

  constructor(private readonly registry: TerminologyRegistry, private readonly options: ComposeOptions = {}) {
    for (const s of options.supplements ?? []) this.requiredSupplements.add(s);
  }

  evaluate(vs: ValueSet): ComposeResult {
    for (const s of valueSetSupplements(vs)) this.requiredSupplements.add(s);
    const result = this.evaluateValueSet(vs);
    this.checkSupplementsUsed(result);
    return result;
  }

  private evaluateValueSet(vs: ValueSet): ComposeResult {
    this.budget?.check();
    assertValueSetShape(vs);
    if (this.stack.some((s) => sameValueSet(s, vs))) {
      const pathway = [...this.stack, vs].map(vurl);
      throw txError(400, 'processing', msg.circularReference(vurl(vs), pathway.slice(0, -1)), { txIssueType: 'vs-invalid' });
    }
    this.stack.push(vs);
    try {
      const compose = vs.compose;
      if (!compose) {
        if (vs.expansion?.contains) return this.fromStoredExpansion(vs);
        throw new FhirError(400, 'invalid', `The value set ${vurl(vs)} has no compose`, { txIssueType: 'vs-invalid', da: `Værdisættet ${vurl(vs)} har ingen compose` });
      }
      return this.evaluateCompose(vs);
    } finally {
      this.stack.pop();
    }
  }

  private evaluateCompose(vs: ValueSet): ComposeResult {
    const compose = vs.compose!;
    assertLockedDate(vs);
    const result = emptyResult();
    const includes = compose.include ?? [];
    const excludes = compose.exclude ?? [];
    result.versioned = namesSeveralVersions([...includes, ...excludes]);
    result.versionsMatch = composeVersionsMatch(vs);
    for (const set of [...includes, ...excludes]) {
      if ((set.valueSet?.length ?? 0) > 0 || (set.concept?.length ?? 0) > 0 || (set.filter?.length ?? 0) > 1) result.hierarchical = false;
    }
    result.hasUnfilteredInclude = includes.some((i) => !!i.system && !i.concept?.length && !i.filter?.length);
    const key = (e: ExpansionEntry): string =>
      result.versioned && !result.versionsMatch ? `${e.system}|${e.version ?? ''}\u0000${e.code}` : entryKey(e.system, e.code);

    // each excluded code with the versions it is removed from (exclusionVersion: undefined for every version)
    const excluded = new Map<string, (string | undefined)[]>();
    const repeatedExcludes = repeats(excludes);
    excludes.forEach((exclude, i) => {
      if (repeatedExcludes?.has(i)) return;
      for (const e of this.evaluateInclude(vs, exclude, `ValueSet.compose.exclude[${i}]`, result, undefined)) {
        const k = entryKey(e.system, e.code);
        const removedFrom = excluded.get(k);
        const version = exclusionVersion(exclude, e.version, result.versionsMatch);
        if (removedFrom) removedFrom.push(version);
        else excluded.set(k, [version]);
      }
    });

    // Several versions of one code system: the newest evaluated first, so that its entry of a code several list is
    // the one kept when versions match, and comes first; the expansion is then put back in compose order (below)
    const ordered = includes.map((inc, i) => ({ inc, i })).sort((a, b) =>
      a.inc.system === b.inc.system && a.inc.version && b.inc.version ? -compareVersions(a.inc.version, b.inc.version) : 0);
    const reordered = ordered.some(({ i }, at) => i !== at);
    // where each code (of any version) first comes in compose order: its include and its place in it
    const firstPlace = reordered ? new Map<string, [number, number]>() : undefined;
    const includeOf = reordered ? new Map<CodeSystemProvider, number>() : undefined;
    const seen = new Set<string>();
    const repeatedIncludes = repeats(includes);
    for (const { inc, i } of ordered) {
      if (repeatedIncludes?.has(i)) continue;
      const providersBefore = result.providers.length;
      let at = 0;
      for (const e of this.evaluateInclude(vs, inc, `ValueSet.compose.include[${i}]`, result, compose.inactive)) {
        this.budget?.tick();
        const removedFrom = excluded.size > 0 ? excluded.get(entryKey(e.system, e.code)) : undefined;
        if (removedFrom && exclusionRemoves(removedFrom, e.version)) continue;
        if (firstPlace) {
          const code = entryKey(e.system, e.code);
          const place = firstPlace.get(code);
          if (!place || place[0] > i) firstPlace.set(code, [i, at]);
          at++;
        }
        const k = key(e);
        if (seen.has(k)) {
          result.hierarchical = false;
          continue;
        }
        seen.add(k);
        result.entries.push(e);
        if (this.options.maxEntries !== undefined && result.entries.length > this.options.maxEntries) {
          throw txError(422, 'too-costly', msg.valueSetTooCostly(vs, this.options.maxEntries));
        }
      }
      for (const p of result.providers.slice(providersBefore)) includeOf?.set(p, i);
    }
    if (firstPlace && includeOf) {
      // a code where it first comes in compose order, its versions together (newest first); code systems likewise
      const place = (e: ExpansionEntry): [number, number] => firstPlace.get(entryKey(e.system, e.code))!;
      result.entries.sort((a, b) => place(a)[0] - place(b)[0] || place(a)[1] - place(b)[1]);
      result.providers.sort((a, b) => (includeOf.get(a) ?? -1) - (includeOf.get(b) ?? -1));
    }
    const versionsBySystem = new Map<string, Set<string | undefined>>();
    for (const e of result.entries) {
      const set = versionsBySystem.get(e.system) ?? new Set();
      set.add(e.version);
      versionsBySystem.set(e.system, set);
    }
    if ([...versionsBySystem.values()].some((s) => s.size > 1)) result.versioned = true;
    return result;
  }

  /**
   * The codes of a value set given by its expansion only, and that expansion's tree: an element without system and
   * code is a group of the codes under it (R4: abstract), shown where they are but not one of them.
   */
  private fromStoredExpansion(vs: ValueSet): ComposeResult {
    const result = emptyResult();
    result.hierarchical = false;
    const walk = (contains: ValueSetExpansionContains[] | undefined): HierarchyNode[] => (contains ?? []).map((c) => {
      const member = !!(c.system && c.code);
      const entry: ExpansionEntry = member
        ? { system: c.system!, version: c.version, code: c.code!, display: c.display, inactive: c.inactive === true, abstract: c.abstract === true, stored: c }
        : { system: c.system ?? '', version: c.version, code: c.code ?? '', display: c.display, inactive: c.inactive === true, abstract: true, stored: c, group: true };
      if (member) result.entries.push(entry);
      return { entry, children: walk(c.contains) };
    });
    result.givenTree = walk(vs.expansion?.contains);
    for (const p of vs.expansion?.parameter ?? []) {
      if (p.name === 'used-codesystem' && p.valueUri) {
        const { url, version } = parseCanonical(p.valueUri);
        result.usedCodeSystems.set(url, version);
      }
    }
    return result;
  }

  private findImported(container: ValueSet, ref: string, result: ComposeResult): ValueSet {
    if (ref.startsWith('#')) {
      const local = (container.contained ?? []).find((r) => r.resourceType === 'ValueSet' && r.id === ref.slice(1)) as ValueSet | undefined;
      if (!local) {
        throw FhirError.notFound(`The contained value set '${ref}' could not be found in ${vurl(container)}`, {
          txIssueType: 'not-found', da: `Det indlejrede værdisæt '${ref}' findes ikke i ${vurl(container)}`,
        });
      }
      return local;
    }
    const parsed = parseCanonical(ref);
    let version = parsed.version;
    // an import without a version: the version in force on the compose's lockedDate, else default-valueset-version,
    // else the version in force on the request's date
    const locked = version === undefined ? versionOnComposeDate(this.registry, 'ValueSet', parsed.url, container) : undefined;
    if (locked !== undefined) {
      if ('problem' in locked) throw txError(404, 'not-found', locked.problem, { txIssueType: 'not-found' });
      version = locked.version;
    }
    const fallback = version === undefined && locked === undefined ? this.options.defaultValueSetVersions?.get(parsed.url) : undefined;
    if (fallback !== undefined) {
      version = fallback;
      const applied = canonical(parsed.url, fallback);
      if (!result.appliedValueSetVersions.includes(applied)) result.appliedValueSetVersions.push(applied);
    }
    if (version === undefined && locked === undefined && fallback === undefined && this.options.date !== undefined) {
      version = versionOnRequestDateOrFail(this.registry, 'ValueSet', parsed.url, this.options.date);
    }
    const found = this.registry.find('ValueSet', parsed.url, version);
    if (!found) {
      const v = version !== undefined ? ` version '${version}'` : '';
      throw FhirError.notFound(`A definition for the value set '${parsed.url}'${v} could not be found`, {
        txIssueType: 'not-found', messageId: version !== undefined ? 'VS_EXP_IMPORT_UNK_PINNED' : 'VS_EXP_IMPORT_UNK',
        da: `Værdisættet '${parsed.url}'${v} kendes ikke`,
      });
    }
    return found;
  }

  private importValueSets(container: ValueSet, refs: string[], result: ComposeResult): Map<string, ExpansionEntry> | undefined {
    let members: Map<string, ExpansionEntry> | undefined;
    for (const ref of refs) {
      const imported = this.findImported(container, ref, result);
      if (!ref.startsWith('#')) result.usedValueSets.add(vurl(imported));
      if (!result.importedValueSets.includes(imported)) result.importedValueSets.push(imported);
      // by canonical: a reference may resolve to a new copy of the same value set each time
      const key = imported.url ? vurl(imported) : imported;
      let sub = this.evaluated.get(key);
      if (!sub) this.evaluated.set(key, sub = this.evaluateValueSet(imported));
      mergeUsage(result, sub);
      const map = new Map(sub.entries.map((e) => [entryKey(e.system, e.code), e]));
      members = members ? new Map([...members].filter(([k]) => map.has(k))) : map;
    }
    return members;
  }

  private useProvider(result: ComposeResult, provider: CodeSystemProvider): void {
    if (!result.providers.includes(provider)) result.providers.push(provider);
    result.usedCodeSystems.set(provider.url, provider.version);
    if (provider.resource.content === 'fragment') {
      const c = canonical(provider.url, provider.version);
      if (!result.fragments.includes(c)) result.fragments.push(c);
    }
  }

  /**
   * A grammar-defined code system taken whole or by filter yields its base list only: the expansion is not closed.
   * Taken whole, or by filters that select infinitely many codes (BCP 47's), it has no number of codes.
   */
  private useGrammar(result: ComposeResult, provider: CodeSystemProvider, filtered: boolean): void {
    if (!isGrammarProvider(provider)) return;
    if (!result.grammars.some((g) => g.system === provider.url)) result.grammars.push({ system: provider.url, base: provider.grammarBase });
    if (filtered && provider.filtersBounded) return;
    result.unbounded = true;
    const base = provider.grammarBaseResource;
    if (base && !result.importedValueSets.includes(base)) result.importedValueSets.push(base);
  }

  private evaluateInclude(
    vs: ValueSet, include: ValueSetComposeInclude, path: string, result: ComposeResult, composeInactive: boolean | undefined,
  ): ExpansionEntry[] {
    assertIncludeShape(include, path);
    const fromValueSets = this.importValueSets(vs, include.valueSet ?? [], result);
    if (!include.system) return fromValueSets ? [...fromValueSets.values()] : [];

    const provider = resolveIncludeProvider(this.registry, vs, include, this.options, [...this.requiredSupplements], (rule) => {
      if (!result.appliedVersionRules.some((r) => r.name === rule.name && r.value === rule.value)) result.appliedVersionRules.push(rule);
    });
    checkContent(provider);
    this.useProvider(result, provider);
    if (!include.concept?.length) this.useGrammar(result, provider, (include.filter?.length ?? 0) > 0);
    const skipInactive = composeInactive === false;
    const entries: ExpansionEntry[] = [];
    const locating = provider instanceof PackedCodeSystemProvider;
    const push = (concept: Concept, ref?: NonNullable<ValueSetComposeInclude['concept']>[number]): void => {
      const inactive = provider.isInactive(concept);
      if (skipInactive && inactive) return;
      if (locating && !ref) {
        entries.push(new LocatingEntry(provider.url, provider.version, concept.code, concept.display, inactive, provider.isAbstract(concept), provider));
        return;
      }
      entries.push({
        system: provider.url,
        version: provider.version,
        code: concept.code,
        display: ref?.display ?? concept.display,
        inactive,
        abstract: provider.isAbstract(concept),
        concept,
        provider,
        composeDesignations: ref?.designation,
        composeDisplay: ref?.display,
        composeLanguage: ref?.display ? vs.language : undefined,
        composeExtensions: ref?.extension,
      });
    };

    if (include.concept && include.concept.length > 0) {
      for (const ref of include.concept) {
        const concept = provider.locate(ref.code);
        if (concept) push(concept, ref);
      }
    } else {
      const predicates = (include.filter ?? []).map((f, i) => compileFilter(provider, f, `${path}.filter[${i}]`));
      for (const concept of provider.all()) {
        this.budget?.tick();
        if (predicates.every((p) => p(concept))) push(concept);
      }
    }
    if (!fromValueSets) return entries;
    return entries.filter((e) => fromValueSets.has(entryKey(e.system, e.code)));
  }

  /** Every supplement the request or the value set requires must have been applied to a code system it used. */
  private checkSupplementsUsed(result: ComposeResult): void {
    const missing = [...this.requiredSupplements].filter((required) => !result.providers.some((p) => hasSupplement(p, required)));
    if (missing.length > 0) throw missingSupplementsError(this.registry, missing, result.providers.map((p) => canonical(p.url, p.version)));
  }
}

/**
 * The includes (or excludes) the same as an earlier one, which select nothing more: a compose that gives one include
 * thousands of times is evaluated as if it gave it once.
 */
function repeats(sets: readonly ValueSetComposeInclude[]): Set<number> | undefined {
  if (sets.length < 2) return undefined;
  const first = new Set<string>();
  const repeated = new Set<number>();
  sets.forEach((set, i) => {
    const text = JSON.stringify(set);
    if (first.has(text)) repeated.add(i);
    else first.add(text);
  });
  return repeated.size > 0 ? repeated : undefined;
}
