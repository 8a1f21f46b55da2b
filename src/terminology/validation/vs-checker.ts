import type { CodeSystem, Extension, ValueSet, ValueSetComposeInclude, ValueSetExpansionContains as ExpansionEntry } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { checkTimeBudget } from '../time-budget';
import { hasSupplement, type CodeSystemProvider } from '../providers/provider';
import { addToPath } from './code-systems';
import { CodingState, type Tri, type ValidationContext, ValidationState } from './context';
import { Designations } from './designations';
import { IncludeMembership, listedConcept } from './include-membership';
import { type Message, msg, txError } from './messages';
import { pinnedReference, type PreparedInclude, type PreparedValueSet } from './prepared-value-set';
import { canonicalStatusIssue } from './status-check';
import { chooseVersion, pickApplicableVersion, useThisVersion } from './version-choice';
import { missingSupplementsError } from '../supplement-problems';
import { exclusionRemoves, exclusionVersion } from '../compose/rules';

const VS_SUPPLEMENT = 'http://hl7.org/fhir/StructureDefinition/valueset-supplement';

/**
 * Checks whether a code is in a (prepared) value set, include by include, finding the code system version each
 * include asks for and reporting what stands in the way: unknown systems or versions, version conflicts, abstract or
 * inactive codes. The CodeableConcept-level assembly (displays, summary messages) lives in concept-check.ts.
 */
export class ValueSetChecker {
  private readonly membership: IncludeMembership;
  /** The checkers of the imported value sets, made when first needed. */
  private imported?: Map<PreparedValueSet, ValueSetChecker>;
  /** The resolution key of this request (its version rules and supplements), fixed once the value set is prepared. */
  private readonly resolution: string;

  constructor(
    private readonly ctx: ValidationContext,
    readonly prepared: PreparedValueSet,
    /** True for the implicit all-codes value set of a CodeSystem $validate-code. */
    readonly internallyDefined = false,
  ) {
    this.membership = new IncludeMembership(ctx, prepared.valueSet);
    this.resolution = ctx.resolutionKey();
  }

  get valueSet(): ValueSet {
    return this.prepared.valueSet;
  }

  /** Fails when a supplement the request or value set needs is not used by any code system involved. */
  checkSupplementsUsed(): void {
    const unused = this.ctx.unusedSupplements();
    if (unused.length > 0) {
      throw missingSupplementsError(this.ctx.registry, unused, this.ctx.notedSystems());
    }
  }

  private checkerOf(prepared: PreparedValueSet): ValueSetChecker {
    this.imported ??= new Map();
    let checker = this.imported.get(prepared);
    if (!checker) {
      checker = new ValueSetChecker(this.ctx, prepared);
      this.imported.set(prepared, checker);
    }
    return checker;
  }

  /** The checker of a value set an include imports. */
  private importedChecker(ref: string): ValueSetChecker {
    const byRef = this.prepared.importsByRef.get(ref);
    const prepared = byRef?.resolvedWith === this.resolution ? byRef.prepared : this.prepared.imports.get(pinnedReference(this.ctx, ref, this.valueSet));
    if (!prepared) throw new FhirError(500, 'exception', `Value set ${ref} was not prepared`);
    return this.checkerOf(prepared);
  }

  /** The provider of an include's system and version: the one found when preparing, unless the rules changed since. */
  private includeProvider(prepared: PreparedInclude): CodeSystemProvider | undefined {
    return prepared.resolvedWith === this.resolution ? prepared.provider : this.ctx.access.find(prepared.inc.system, prepared.version);
  }

  // ---------------------------------------------------------------- system inference

  /** The only system of the value set that has the code, or undefined (with the candidates seen). */
  private determineSystem(code: string, systems: Set<string>): string | undefined {
    const compose = this.valueSet.compose;
    if (!compose) return undefined;
    for (const inc of compose.include ?? []) {
      if (inc.valueSet?.length || !inc.system) {
        const found = this.systemsByExpansion(code);
        found.forEach((s) => systems.add(s));
        return found.length === 1 ? found[0] : undefined;
      }
    }
    let result: string | undefined;
    for (const inc of compose.include ?? []) {
      const version = this.prepared.includes.find((p) => p.inc === inc)?.version ?? inc.version;
      const provider = this.ctx.access.find(inc.system!, version);
      if (!provider) continue;
      const has = inc.concept?.length
        ? inc.concept.some((c) => c.code === code) || (!provider.caseSensitive && listedConcept(provider, inc.concept, code) !== undefined)
        : !!provider.locate(code);
      if (!has) continue;
      systems.add(inc.system!);
      if (result && result !== inc.system) {
        if (inc.filter?.length) {
          const found = this.systemsByExpansion(code);
          return found.length === 1 ? found[0] : undefined;
        }
        return undefined;
      }
      result = inc.system;
    }
    return result;
  }

  /** The systems of the value set (imports included) whose code it is. */
  private systemsByExpansion(code: string): string[] {
    return [...this.includedSystems(new Set())].filter((system) => this.contains(system, code));
  }

  private includedSystems(visited: Set<ValueSetChecker>): Set<string> {
    const systems = new Set<string>();
    if (visited.has(this)) return systems;
    visited.add(this);
    for (const inc of this.valueSet.compose?.include ?? []) if (inc.system) systems.add(inc.system);
    for (const prepared of this.prepared.imports.values()) this.checkerOf(prepared).includedSystems(visited).forEach((s) => systems.add(s));
    return systems;
  }

  /** Whether the code of the system is in the value set; what the check finds out is not reported. */
  private contains(system: string, code: string): boolean {
    try {
      return this.check('', system, undefined, code, new ValidationState(), new CodingState()) === true;
    } catch {
      return false;
    }
  }

  // ---------------------------------------------------------------- checking

  /**
   * Checks one code. Issues and messages go to `state`; displays, version and content mode of the code system that
   * has the code go to `coding`.
   */
  check(path: string, system: string | undefined, version: string | undefined, code: string,
    state: ValidationState, coding: CodingState, display?: string): Tri {
    checkTimeBudget(); // value sets importing value sets: each import is checked where it is imported
    const options = this.ctx.options;
    if (!system && !options.inferSystem) {
      const m = msg.noSystem();
      state.message(m);
      state.report('warning', 'invalid', m, 'invalid-data', path ? [path] : undefined);
      return false;
    }
    if (!system) {
      const systems = new Set<string>();
      system = this.determineSystem(code, systems);
      if (!system) {
        const m = systems.size > 1 ? msg.cannotInferMultiple(code, this.valueSet, [...systems]) : msg.cannotInfer(code, this.valueSet);
        state.message(m);
        state.report('error', 'not-found', m, 'cannot-infer', ['code']);
        return false;
      }
      coding.impliedSystem = system;
    }
    this.checkSupplementsUsed();

    const compose = this.valueSet.compose;
    if (compose) return this.checkCompose(path, system, version, code, state, coding, display);
    if (this.valueSet.expansion?.contains) return this.checkExpansion(path, system, version, code, state, coding);
    return false;
  }

  private checkCompose(path: string, system: string, version: string | undefined, code: string,
    state: ValidationState, coding: CodingState, display?: string): Tri {
    const compose = this.valueSet.compose!;
    const includes = compose.include ?? [];
    let determinedVersion: string | undefined;
    if (!version) {
      const versions = this.prepared.includeVersions.get(system);
      if (versions && versions.size > 1) determinedVersion = pickApplicableVersion(this.ctx.access, versions, system, code, display);
    }

    // the versions of the system the excludes remove the code from (exclusionVersion), found when first needed
    let removed: (string | undefined)[] | undefined;
    const removedFrom = (): (string | undefined)[] => (removed ??= this.exclusions(path, system, code, state));

    let result: Tri = false;
    for (const prepared of this.prepared.includes) {
      const inc = prepared.inc;
      /** The version of the code system this include takes the code from, as `$expand` lists it. */
      let takenFrom: string | undefined;
      if (!inc.system) {
        result = true;
      } else if (inc.system === system && (!determinedVersion || inc.version === determinedVersion) && useThisVersion(includes, inc, version)) {
        const v = chooseVersion(this.ctx.access, path, inc.system, prepared.version, version, state);
        // without a version of its own, the coding is checked against the version the include resolves to
        const provider = version ? this.ctx.access.find(system, v) : this.includeProvider(prepared);
        if (!provider) {
          // membership alone, of an include listing its codes: whether it lists the code, without the code system to
          // ask; of one taking codes by a filter or the whole code system, that cannot be told without it
          if (!this.ctx.options.membershipOnly || !listsCodes(inc)) {
            this.reportUnknownSystem(path, system, v, state);
            return undefined;
          }
          result = (inc.concept ?? []).some((c) => c?.code === code);
        } else {
          this.ctx.access.checkVersion(system, provider.version, state.issues, path);
          takeSource(state, coding, provider);
          this.statusCheck(state, provider.resource);
          this.checkIncludeSupplements(provider, inc);
          if (this.prepared.excludesOneVersion && exclusionRemoves(removedFrom(), provider.version) && !removedFrom().includes(undefined)) {
            // excluded from this version only: not taken from it (its display neither), an include of another version may have it
            result = false;
          } else if (this.membership.check(path, 'in', provider, prepared, code, state, coding.displays)) {
            takeVersion(state, coding, takenFrom = provider.version);
            result = true;
          } else {
            result = false;
          }
        }
      } else {
        result = false;
      }
      if (inc.valueSet) for (const [i, ref] of inc.valueSet.entries()) {
        const checker = this.importedChecker(ref);
        this.statusCheck(state, checker.valueSet);
        if (result === true) result = this.checkImport(checker, path, system, version, code, state, coding, display);
        // imports only: the code as the first imported value set has it
        if (!inc.system && i === 0) takenFrom = coding.version;
      }
      if (result === true) {
        if (!exclusionRemoves(removedFrom(), takenFrom)) return true;
        if (removedFrom().includes(undefined)) return false;
        result = false;
      }
    }
    return result;
  }

  /**
   * Checks a code in a value set an include imports. A value set reached again along another path of imports, for the
   * same coding and arguments, is not checked again: what the check found is in the state and the coding already, and
   * what it set is set again (Rewrites), so the work grows with the value sets, not with the paths to them.
   */
  private checkImport(checker: ValueSetChecker, path: string, system: string, version: string | undefined, code: string,
    state: ValidationState, coding: CodingState, display: string | undefined): Tri {
    const key = `${path}\u0000${system}\u0000${version ?? '\u0001'}\u0000${code}\u0000${display ?? '\u0001'}`;
    let checks = state.settled.get(checker.prepared);
    const settled = checks?.get(key);
    if (settled?.coding === coding) {
      for (const redo of settled.rewrites) redo();
      return settled.result;
    }
    const from = state.rewrites.begin();
    let result: Tri;
    let rewrites: (() => void)[];
    try {
      result = checker.check(path, system, version, code, state, coding, display);
    } finally {
      rewrites = state.rewrites.end(from);
    }
    if (!checks) state.settled.set(checker.prepared, (checks = new Map()));
    checks.set(key, { coding, result, rewrites });
    return result;
  }

  /** Whether an imported value set has the code, whatever version the coding names; once per request. */
  private importHas(checker: ValueSetChecker, path: string, system: string, code: string): boolean {
    const key = `${system}\u0000${code}`;
    let known = this.ctx.memberships.get(checker.prepared);
    const has = known?.get(key);
    if (has !== undefined) return has;
    const result = checker.check(path, system, undefined, code, new ValidationState(), new CodingState()) === true;
    if (!known) this.ctx.memberships.set(checker.prepared, (known = new Map()));
    known.set(key, result);
    return result;
  }

  /**
   * The versions of `system` the compose's excludes remove the code from: one entry per exclude that selects it, the
   * version it is removed from (exclusionVersion, as `$expand` removes it), or undefined for every version.
   */
  private exclusions(path: string, system: string, code: string, state: ValidationState): (string | undefined)[] {
    const removedFrom: (string | undefined)[] = [];
    for (const prepared of this.prepared.excludes) {
      const exc = prepared.inc;
      let excluded = true;
      let provider: CodeSystemProvider | undefined;
      if (exc.system) {
        provider = this.includeProvider(prepared);
        if (!provider) throw txError(422, 'not-found', msg.unknownCodeSystem(exc.system), { txIssueType: 'not-found' });
        excluded = exc.system === system && this.membership.check(path, 'not in', provider, prepared, code, state, new Designations());
      }
      // an excluded value set's codes are matched by system and code, whatever version the coding names
      for (const ref of exc.valueSet ?? []) {
        const checker = this.importedChecker(ref);
        excluded = excluded && this.importHas(checker, path, system, code);
      }
      if (!excluded) continue;
      const version = exclusionVersion(exc, provider?.version, this.prepared.versionsMatch);
      removedFrom.push(version);
      if (version === undefined) break; // removed from every version: the other excludes change nothing
    }
    return removedFrom;
  }

  private checkExpansion(path: string, system: string, version: string | undefined, code: string,
    state: ValidationState, coding: CodingState): Tri {
    const entries = flatten(this.valueSet.expansion?.contains).filter((c) => c.system === system && (!version || !c.version || c.version === version));
    const entry = entries.find((c) => c.code === code) ?? this.entryInOtherCase(entries, system, version, code);
    if (!entry) return false;
    const provider = this.ctx.access.find(system, entry.version ?? version);
    // membership alone: the expansion lists it
    if (!provider && this.ctx.options.membershipOnly) return true;
    if (!provider) {
      this.reportUnknownSystem(path, system, entry.version ?? version, state);
      return undefined;
    }
    takeSource(state, coding, provider);
    takeVersion(state, coding, provider.version);
    const concept = provider.locate(code);
    if (!concept) {
      state.reportUnknownCode(provider, code, [addToPath(path, 'code')]);
      return false;
    }
    this.membership.noteCase(path, code, provider, concept, state);
    coding.displays.addConcept(provider, concept);
    this.membership.noteAccepted(path, code, provider, concept, state);
    return true;
  }

  /**
   * The entry of a given expansion that has the code in another case, when the entry's code system is not case
   * sensitive: the expansion lists the code system's codes as a compose's include lists them (listedConcept).
   */
  private entryInOtherCase(entries: readonly ExpansionEntry[], system: string, version: string | undefined, code: string): ExpansionEntry | undefined {
    for (const entryVersion of new Set(entries.map((c) => c.version))) {
      const provider = this.ctx.access.find(system, entryVersion ?? version);
      if (!provider || provider.caseSensitive) continue;
      const found = listedConcept(provider, entries.filter((c) => c.version === entryVersion), code);
      if (found) return found.listed;
    }
    return undefined;
  }

  private reportUnknownSystem(path: string, system: string, version: string | undefined, state: ValidationState): void {
    let text: Message;
    let key: string;
    if (!version) {
      text = msg.unknownCodeSystem(system);
      key = system;
    } else {
      const known = this.ctx.access.listVersions(system);
      text = known.length === 0 ? msg.unknownCodeSystemVersionNone(system, version) : msg.unknownCodeSystemVersion(system, version, known);
      key = known.length === 0 ? system : `${system}|${version}`;
    }
    state.message(text);
    if (!state.unknownSystems.has(key)) {
      state.unknownSystems.add(key);
      state.report('error', 'not-found', text, 'not-found', [addToPath(path, 'system')]);
    }
  }

  private statusCheck(state: ValidationState, resource: CodeSystem | ValueSet): void {
    const issue = canonicalStatusIssue(resource, this.valueSet);
    if (issue) state.issues.add(issue);
  }

  private checkIncludeSupplements(provider: CodeSystemProvider, inc: ValueSetComposeInclude): void {
    const extensions = (inc as { extension?: Extension[] }).extension;
    if (extensions) for (const ext of extensions) {
      if (ext.url !== VS_SUPPLEMENT) continue;
      const s = ext.valueCanonical ?? ext.valueUri ?? ext.valueString;
      if (s && !hasSupplement(provider, s)) {
        throw txError(400, 'business-rule', msg.valueSetSupplementUnknown(s, provider.url), { txIssueType: 'not-found' });
      }
    }
    this.ctx.noteSupplements(provider);
  }

}

/** Takes the coding's language and content mode from the code system found (set again when the check is replayed). */
function takeSource(state: ValidationState, coding: CodingState, provider: CodeSystemProvider): void {
  coding.defLang = provider.resource.language;
  coding.contentMode = provider.resource.content;
  if (state.rewrites.recording) state.rewrites.note('source', () => takeSource(state, coding, provider));
}

/** The version of the code system the coding's code is taken from (set again when the check is replayed). */
function takeVersion(state: ValidationState, coding: CodingState, version: string | undefined): void {
  coding.version = version;
  if (state.rewrites.recording) state.rewrites.note('version', () => takeVersion(state, coding, version));
}

function flatten(contains: ExpansionEntry[] | undefined): ExpansionEntry[] {
  const out: ExpansionEntry[] = [];
  const visit = (level: typeof contains): void => {
    for (const c of level ?? []) {
      out.push(c);
      visit(c.contains);
    }
  };
  visit(contains);
  return out;
}

/** Whether an include lists its codes (rather than taking them by filters or whole: vsd-3, not both). */
function listsCodes(inc: ValueSetComposeInclude): boolean {
  return (inc.concept ?? []).length > 0;
}
