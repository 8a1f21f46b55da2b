import type { CodeSystem, Extension, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { parseCanonical } from '../canonical';
import type { CodeSystemProvider } from '../providers/provider';
import { compileFilter } from '../compose/filter';
import { assertValueSetShape } from '../resource-shape';
import { checkTimeBudget } from '../time-budget';
import { compareVersionsGeneral, presentVersionList } from '../versions';
import { addToPath } from './code-systems';
import { CodingState, hasSupplement, type Tri, type ValidationContext, ValidationState } from './context';
import { Designations } from './designations';
import { IncludeMembership, type Predicate } from './include-membership';
import { type Message, msg, txError } from './messages';
import { canonicalStatusIssue } from './status-check';
import { chooseVersion, pickApplicableVersion, useThisVersion } from './version-choice';

const VS_SUPPLEMENT = 'http://hl7.org/fhir/StructureDefinition/valueset-supplement';

/** A problem found while preparing a value set that is reported as a validation result, not as an HTTP error. */
export class PrepareProblem extends Error {
  readonly messageId?: string;

  constructor(m: Message, readonly issueCode: 'not-found' | 'invalid', readonly unknownSystem?: string) {
    super(m.text);
    this.messageId = m.messageId;
  }
}

/**
 * An include's filters compiled against a provider, kept as long as both live: a filter's predicate depends only on
 * the two (a request's own resources make other providers and includes), and value sets are checked over and over.
 */
const compiledFilterCache = new WeakMap<CodeSystemProvider, WeakMap<ValueSetComposeInclude, Predicate[]>>();

export function vurl(vs: { url?: string; version?: string }): string {
  return vs.version ? `${vs.url}|${vs.version}` : `${vs.url ?? ''}`;
}

/**
 * Checks whether a code is in a value set, include by include, finding the code system version each include asks
 * for and reporting what stands in the way: unknown systems or versions, version conflicts, abstract or inactive
 * codes. The CodeableConcept-level assembly (displays, summary messages) lives in concept-check.ts.
 */
export class ValueSetChecker {
  private readonly others = new Map<string, ValueSetChecker>();
  private readonly membership: IncludeMembership;

  constructor(
    private readonly ctx: ValidationContext,
    readonly valueSet: ValueSet,
    /** True for the implicit all-codes value set of a CodeSystem $validate-code. */
    readonly internallyDefined = false,
  ) {
    this.membership = new IncludeMembership(ctx, valueSet, this.vurl, (provider, inc) => this.compiledFilters(provider, inc));
  }

  get vurl(): string {
    return this.valueSet.url ? vurl(this.valueSet) : '(unidentified)';
  }

  // ---------------------------------------------------------------- preparation

  prepare(): void {
    checkTimeBudget(); // nested imports: each imported value set is prepared once per importing checker
    assertValueSetShape(this.valueSet);
    const key = this.valueSet.url ? vurl(this.valueSet) : undefined;
    if (key && this.ctx.stack.includes(key)) {
      throw txError(400, 'processing', msg.circularReference(key, this.ctx.stack), { txIssueType: 'vs-invalid' });
    }
    if (key) this.ctx.stack.push(key);
    try {
      this.ctx.options.seeValueSet(this.valueSet);
      const compose = this.valueSet.compose;
      (compose?.include ?? []).forEach((inc, i) => this.prepareInclude(inc, `ValueSet.compose.include[${i}]`));
      (compose?.exclude ?? []).forEach((inc, i) => this.prepareInclude(inc, `ValueSet.compose.exclude[${i}]`));
    } finally {
      if (key) this.ctx.stack.pop();
    }
  }

  /** Fails when a supplement the request or value set needs is not used by any code system involved. */
  checkSupplementsUsed(): void {
    const unused = this.ctx.unusedSupplements();
    if (unused.length > 0) {
      throw txError(404, 'not-found', msg.supplementMissing(unused), { txIssueType: 'not-found' });
    }
  }

  private findValueSet(ref: string): ValueSet | undefined {
    if (ref.startsWith('#')) {
      return (this.valueSet.contained ?? []).find((r) => r.resourceType === 'ValueSet' && r.id === ref.slice(1)) as ValueSet | undefined;
    }
    const { url, version } = parseCanonical(ref);
    return this.ctx.registry.find('ValueSet', url, this.ctx.access.versionFor(url, version));
  }

  private pinned(ref: string): string {
    if (ref.startsWith('#')) return ref;
    const { url, version } = parseCanonical(ref);
    const v = this.ctx.access.versionFor(url, version);
    return v ? `${url}|${v}` : url;
  }

  private prepareInclude(inc: ValueSetComposeInclude, path: string): void {
    for (const ref of inc.valueSet ?? []) {
      const key = this.pinned(ref);
      if (this.others.has(key)) continue;
      const other = this.findValueSet(ref);
      if (!other) throw new PrepareProblem(msg.valueSetNotFound(key), 'not-found');
      const checker = new ValueSetChecker(this.ctx, other);
      checker.prepare();
      this.others.set(key, checker);
    }
    if (!inc.system) return;
    const provider = this.ctx.access.find(inc.system, inc.version);
    if (!provider) return;
    this.ctx.noteSupplements(provider);
    this.compiledFilters(provider, inc, path);
  }

  private compiledFilters(provider: CodeSystemProvider, inc: ValueSetComposeInclude, path = 'ValueSet.compose.include'): Predicate[] {
    let perProvider = compiledFilterCache.get(provider);
    if (!perProvider) {
      perProvider = new WeakMap();
      compiledFilterCache.set(provider, perProvider);
    }
    let compiled = perProvider.get(inc);
    if (!compiled) {
      compiled = (inc.filter ?? []).map((f, j) => {
        if (f.value === undefined || f.value === null || f.value === '') {
          throw txError(400, 'invalid', msg.filterWithoutValue(provider.url, f.property, f.op), {
            txIssueType: 'vs-invalid', expression: [`${path}.filter[${j}]`],
          });
        }
        return compileFilter(provider, f, `${path}.filter[${j}]`);
      });
      perProvider.set(inc, compiled);
    }
    return compiled;
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
      const provider = this.ctx.access.find(inc.system!, inc.version);
      if (!provider) continue;
      const has = inc.concept?.length ? inc.concept.some((c) => c.code === code) : !!provider.locate(code);
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
    for (const checker of this.others.values()) checker.includedSystems(visited).forEach((s) => systems.add(s));
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
        const m = systems.size > 1 ? msg.cannotInferMultiple(code, this.vurl, [...systems]) : msg.cannotInfer(code, this.vurl);
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
      const versions = new Set(includes.filter((inc) => inc.system === system && inc.version).map((inc) => inc.version!));
      if (versions.size > 1) determinedVersion = pickApplicableVersion(this.ctx.access, versions, system, code, display);
    }
    const ordered = newestFirst(includes);

    let result: Tri = false;
    for (const inc of ordered) {
      if (!inc.system) {
        result = true;
      } else if (inc.system === system && (!determinedVersion || inc.version === determinedVersion) && useThisVersion(includes, inc, version)) {
        const v = chooseVersion(this.ctx.access, path, inc.system, inc.version, version, state);
        const provider = this.ctx.access.find(system, v);
        if (!provider) {
          if (this.ctx.options.membershipOnly) return false;
          this.reportUnknownSystem(path, system, v, state);
          return undefined;
        }
        this.ctx.access.checkVersion(system, provider.version, state.issues, path);
        coding.defLang = provider.resource.language;
        this.statusCheck(state, provider.resource);
        this.checkIncludeSupplements(provider, inc);
        coding.contentMode = provider.resource.content;
        if (this.membership.check(path, 'in', provider, inc, code, state, coding.displays)) {
          coding.version = provider.version;
          result = true;
        } else {
          result = false;
        }
      } else {
        result = false;
      }
      for (const ref of inc.valueSet ?? []) {
        const checker = this.others.get(this.pinned(ref));
        if (!checker) throw new FhirError(500, 'exception', `Value set ${ref} was not prepared`);
        this.statusCheck(state, checker.valueSet);
        if (result === true) result = checker.check(path, system, version, code, state, coding, display);
      }
      if (result === true) break;
    }
    if (result !== true) return result;

    for (const exc of compose.exclude ?? []) {
      let excluded = true;
      if (exc.system) {
        const provider = this.ctx.access.find(exc.system, exc.version);
        if (!provider) throw txError(422, 'not-found', msg.unknownCodeSystem(exc.system), { txIssueType: 'not-found' });
        excluded = exc.system === system && this.membership.check(path, 'not in', provider, exc, code, state, new Designations());
      }
      for (const ref of exc.valueSet ?? []) {
        const checker = this.others.get(this.pinned(ref));
        if (!checker) throw new FhirError(500, 'exception', `Value set ${ref} was not prepared`);
        excluded = excluded && checker.check(path, system, version, code, new ValidationState(), new CodingState()) === true;
      }
      if (excluded) return false;
    }
    return true;
  }

  private checkExpansion(path: string, system: string, version: string | undefined, code: string,
    state: ValidationState, coding: CodingState): Tri {
    const entry = flatten(this.valueSet.expansion?.contains).find((c) => c.system === system && c.code === code
      && (!version || !c.version || c.version === version));
    if (!entry) return false;
    const provider = this.ctx.access.find(system, entry.version ?? version);
    if (!provider) {
      if (this.ctx.options.membershipOnly) return false;
      this.reportUnknownSystem(path, system, entry.version ?? version, state);
      return undefined;
    }
    coding.defLang = provider.resource.language;
    coding.version = provider.version;
    coding.contentMode = provider.resource.content;
    const concept = provider.locate(code);
    if (!concept) {
      state.reportUnknownCode(provider, code, [addToPath(path, 'code')]);
      return false;
    }
    coding.displays.addConcept(provider, concept);
    this.membership.noteAccepted(path, code, provider, concept, state);
    return true;
  }

  private reportUnknownSystem(path: string, system: string, version: string | undefined, state: ValidationState): void {
    let text: Message;
    let key: string;
    if (!version) {
      text = msg.unknownCodeSystem(system);
      key = system;
    } else {
      const known = this.ctx.access.listVersions(system);
      text = known.length === 0 ? msg.unknownCodeSystemVersionNone(system, version) : msg.unknownCodeSystemVersion(system, version, presentVersionList(known));
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
    for (const ext of (inc as { extension?: Extension[] }).extension ?? []) {
      if (ext.url !== VS_SUPPLEMENT) continue;
      const s = ext.valueCanonical ?? ext.valueUri ?? ext.valueString;
      if (s && !hasSupplement(provider, s)) {
        throw txError(400, 'business-rule', msg.valueSetSupplementUnknown(s, provider.url), { txIssueType: 'not-found' });
      }
    }
    this.ctx.noteSupplements(provider);
  }

}

/** A compose's includes, the newer version of a system before the older: once per include list (value sets are checked over and over). */
const orderedIncludes = new WeakMap<ValueSetComposeInclude[], ValueSetComposeInclude[]>();

function newestFirst(includes: ValueSetComposeInclude[]): ValueSetComposeInclude[] {
  let ordered = orderedIncludes.get(includes);
  if (!ordered) {
    ordered = [...includes].sort((a, b) =>
      a.system === b.system && a.version && b.version ? -compareVersionsGeneral(a.version, b.version) : 0);
    orderedIncludes.set(includes, ordered);
  }
  return ordered;
}

function flatten(contains: NonNullable<ValueSet['expansion']>['contains']): NonNullable<NonNullable<ValueSet['expansion']>['contains']> {
  const out: NonNullable<NonNullable<ValueSet['expansion']>['contains']> = [];
  for (const c of contains ?? []) {
    out.push(c);
    out.push(...flatten(c.contains));
  }
  return out;
}
