import type { CodeSystem, Extension, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import { parseCanonical } from '../canonical';
import type { CodeSystemProvider, Concept } from '../codesystem-provider';
import { compileFilter } from '../compose-filter';
import { assertValueSetShape } from '../resource-shape';
import { compareVersionsGeneral, presentVersionList, versionMatchesByAlgorithm } from '../versions';
import { addToPath } from './code-systems';
import { conceptInactive, conceptStatus } from './concept-status';
import { CodingState, hasSupplement, type Tri, type ValidationContext, ValidationState } from './context';
import { Designations } from './designations';
import { type Message, msg, txError } from './messages';
import { canonicalStatusIssue } from './status-check';

const VS_SUPPLEMENT = 'http://hl7.org/fhir/StructureDefinition/valueset-supplement';
const VS_DEPRECATED = 'http://hl7.org/fhir/StructureDefinition/valueset-deprecated';
const STANDARDS_STATUS = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status';

/** A problem found while preparing a value set that is reported as a validation result, not as an HTTP error. */
export class PrepareProblem extends Error {
  readonly messageId?: string;

  constructor(m: Message, readonly issueCode: 'not-found' | 'invalid', readonly unknownSystem?: string) {
    super(m.text);
    this.messageId = m.id;
  }
}

export function vurl(vs: { url?: string; version?: string }): string {
  return vs.version ? `${vs.url}|${vs.version}` : `${vs.url ?? ''}`;
}

type Predicate = (c: Concept) => boolean;

/**
 * Checks whether a code is in a value set, include by include, finding the code system version each include asks
 * for and reporting what stands in the way: unknown systems or versions, version conflicts, abstract or inactive
 * codes. The CodeableConcept-level assembly (displays, summary messages) lives in concept-check.ts.
 */
export class ValueSetChecker {
  private readonly others = new Map<string, ValueSetChecker>();
  private readonly filters = new WeakMap<ValueSetComposeInclude, Map<string, Predicate[]>>();

  constructor(
    private readonly ctx: ValidationContext,
    readonly valueSet: ValueSet,
    /** True for the implicit all-codes value set of a CodeSystem $validate-code. */
    readonly internallyDefined = false,
  ) {}

  get vurl(): string {
    return this.valueSet.url ? vurl(this.valueSet) : '(unidentified)';
  }

  // ---------------------------------------------------------------- preparation

  prepare(): void {
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
    let perInclude = this.filters.get(inc);
    if (!perInclude) {
      perInclude = new Map();
      this.filters.set(inc, perInclude);
    }
    const key = `${provider.url}|${provider.version ?? ''}`;
    let compiled = perInclude.get(key);
    if (!compiled) {
      compiled = (inc.filter ?? []).map((f, j) => {
        if (f.value === undefined || f.value === null || f.value === '') {
          throw txError(400, 'invalid', msg.filterWithoutValue(provider.url, f.property, f.op), {
            txIssueType: 'vs-invalid', expression: [`${path}.filter[${j}]`],
          });
        }
        return compileFilter(provider, f, `${path}.filter[${j}]`);
      });
      perInclude.set(key, compiled);
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
      if (versions.size > 1) determinedVersion = this.pickApplicableVersion(versions, system, code, display);
    }
    const ordered = [...includes].sort((a, b) =>
      a.system === b.system && a.version && b.version ? -compareVersionsGeneral(a.version, b.version) : 0);

    let result: Tri = false;
    for (const inc of ordered) {
      if (!inc.system) {
        result = true;
      } else if (inc.system === system && (!determinedVersion || inc.version === determinedVersion) && this.useThisVersion(inc, version)) {
        const v = this.determineVersion(path, inc.system, inc.version, version, state);
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
        if (this.checkConceptSet(path, 'in', provider, inc, code, state, coding.displays)) {
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
        excluded = exc.system === system && this.checkConceptSet(path, 'not in', provider, exc, code, state, new Designations());
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
      state.report('error', 'code-invalid', msg.unknownCode(code, provider.url, provider.version), 'invalid-code', [addToPath(path, 'code')]);
      return false;
    }
    coding.displays.addConcept(provider, concept);
    this.noteFound(path, code, provider, concept, state);
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

  /** Which code system version a coding is checked against, and whether that conflicts with the coding's version. */
  private determineVersion(path: string, system: string, versionVS: string | undefined, versionCoding: string | undefined,
    state: ValidationState): string | undefined {
    const access = this.ctx.access;
    let result = access.versionFor(system, versionVS);
    if (!versionCoding) return result;
    if (result && versionCoding !== result && versionMatchesByAlgorithm(result, versionCoding)) result = versionCoding;
    if (!result) {
      const known = access.listVersions(system);
      if (known.some((v) => v === versionCoding || versionMatchesByAlgorithm(versionCoding, v))) result = versionCoding;
    }
    const cs = access.findResource(system, result);
    if (cs && cs.version !== versionCoding && !versionMatchesByAlgorithm(versionCoding, cs.version)) {
      let severity: 'error' | 'warning' = 'error';
      let text: Message;
      if (!result) {
        severity = 'warning';
        text = msg.versionMismatchDefault(system, cs.version ?? '', versionCoding);
      } else if (result !== versionVS) {
        text = msg.versionMismatchChanged(system, result, versionVS ?? '', versionCoding);
      } else {
        text = msg.versionMismatch(system, versionVS ?? '', versionCoding);
      }
      state.report(severity, 'invalid', text, 'vs-invalid', [addToPath(path, 'version')]);
      if (severity === 'error') state.message(text);
      if (!access.findResource(system, versionCoding, false)) {
        const known = access.listVersions(system);
        state.unknownSystems.add(`${system}|${versionCoding}`);
        const unknown = known.length === 0
          ? msg.unknownCodeSystemVersionNone(system, versionCoding)
          : msg.unknownCodeSystemVersion(system, versionCoding, presentVersionList(known));
        state.report('error', 'not-found', unknown, 'not-found', [addToPath(path, 'system')]);
        state.message(unknown);
      }
    } else if (!cs && result !== versionCoding) {
      const text = msg.versionMismatch(system, result ?? '', versionCoding);
      state.report('error', 'invalid', text, 'vs-invalid', [addToPath(path, 'version')]);
      state.message(text);
    }
    return result;
  }

  /** With includes of several versions of a system and no version on the coding: the newest version that has the code. */
  private pickApplicableVersion(versions: Set<string>, system: string, code: string, display?: string): string | undefined {
    const found: string[] = [];
    for (const v of versions) {
      const provider = this.ctx.access.find(system, v);
      const concept = provider?.locate(code);
      if (!provider || !concept) continue;
      if (!display) {
        found.push(v);
        continue;
      }
      const d = new Designations();
      d.addConcept(provider, concept);
      if (d.items.some((x) => x.value === display)) found.push(v);
    }
    if (found.length === versions.size) return undefined;
    const newest = (list: string[]) => [...list].sort((a, b) => -compareVersionsGeneral(a, b))[0];
    return found.length > 0 ? newest(found) : newest([...versions]);
  }

  private useThisVersion(inc: ValueSetComposeInclude, version: string | undefined): boolean {
    if (!version || inc.version === version) return true;
    return !(this.valueSet.compose?.include ?? []).some((i) => i.version === version);
  }

  private excludeInactives(): boolean {
    return this.valueSet.compose?.inactive === false;
  }

  private noteFound(path: string, code: string, provider: CodeSystemProvider, concept: Concept, state: ValidationState): void {
    state.found.push({ provider, concept, path, code });
  }

  private noteInactive(path: string, code: string, provider: CodeSystemProvider, concept: Concept, state: ValidationState): void {
    if (state.inactive.value) return;
    Object.assign(state.inactive, {
      value: conceptInactive(provider, concept), path, code, status: conceptStatus(provider, concept), provider, concept,
    });
  }

  /** Whether the code is selected by one include (or exclude) of the compose. */
  private checkConceptSet(path: string, role: 'in' | 'not in', provider: CodeSystemProvider, inc: ValueSetComposeInclude,
    code: string, state: ValidationState, displays: Designations): boolean {
    const options = this.ctx.options;
    const report = !options.membershipOnly && role === 'in';
    const codeExpr = [addToPath(path, 'code')];

    if (!inc.concept?.length && !inc.filter?.length) {
      const concept = provider.locate(code);
      if (!concept) {
        if (report) {
          if (provider.resource.content !== 'complete' && provider.resource.content !== undefined) {
            state.report('warning', 'code-invalid', msg.unknownCodeInFragment(code, provider.url, provider.version), 'invalid-code', codeExpr);
            return true;
          }
          state.report('error', 'code-invalid', msg.unknownCode(code, provider.url, provider.version), 'invalid-code', codeExpr);
        }
        return false;
      }
      if (concept.code !== code) {
        const csName = provider.version ? `${provider.url}|${provider.version}` : provider.url;
        state.report('information', 'business-rule', msg.caseDifference(code, concept.code, csName), 'code-rule', codeExpr);
        state.normalForm = concept.code;
      }
      displays.addConcept(provider, concept);
      return this.accept(path, code, provider, concept, role, state);
    }

    for (const cc of inc.concept ?? []) {
      if (cc.code !== code) continue;
      const concept = provider.locate(code);
      if (!concept) continue;
      displays.addConcept(provider, concept);
      displays.addIncludeConcept(cc, this.valueSet.language);
      if (!this.accept(path, code, provider, concept, role, state)) return false;
      const ccExt = (cc as { extension?: Extension[] }).extension ?? [];
      const sstatus = ccExt.find((e) => e.url === STANDARDS_STATUS)?.valueCode;
      const status = sstatus === 'withdrawn' || sstatus === 'deprecated' ? sstatus
        : ccExt.some((e) => e.url === VS_DEPRECATED) ? 'deprecated' : undefined;
      if (status && role === 'in') {
        state.report('warning', 'business-rule', msg.deprecatedInValueSet(provider.url, code, status, this.vurl), 'code-comment', codeExpr);
      }
      return true;
    }

    if (inc.filter?.length) {
      const concept = provider.locate(code);
      if (!concept) return false;
      const predicates = this.compiledFilters(provider, inc);
      if (!predicates.every((p) => p(concept))) return false;
      displays.addConcept(provider, concept);
      return this.accept(path, code, provider, concept, role, state);
    }
    return false;
  }

  /** A code the include selects: still refused when abstract (abstract=false) or inactive (activeOnly, inactive=false). */
  private accept(path: string, code: string, provider: CodeSystemProvider, concept: Concept, role: 'in' | 'not in',
    state: ValidationState): boolean {
    const options = this.ctx.options;
    const report = !options.membershipOnly && role === 'in';
    const codeExpr = [addToPath(path, 'code')];
    if (!options.abstractOk && provider.isAbstract(concept)) {
      if (report) {
        state.report('error', 'business-rule', msg.abstractCode(provider.url, code), 'code-rule', codeExpr);
      }
      return false;
    }
    const inactive = conceptInactive(provider, concept);
    if ((this.excludeInactives() || options.activeOnly) && inactive) {
      if (role === 'in') {
        const text = msg.notActive(code);
        state.report('error', 'business-rule', text, 'code-rule', codeExpr);
        state.message(text);
        if (!options.membershipOnly) {
          Object.assign(state.inactive, { value: true, path, code, status: conceptStatus(provider, concept), provider, concept });
        }
      }
      return false;
    }
    if (role === 'in') {
      this.noteInactive(path, code, provider, concept, state);
      this.noteFound(path, code, provider, concept, state);
    }
    return true;
  }
}

function flatten(contains: NonNullable<ValueSet['expansion']>['contains']): NonNullable<NonNullable<ValueSet['expansion']>['contains']> {
  const out: NonNullable<NonNullable<ValueSet['expansion']>['contains']> = [];
  for (const c of contains ?? []) {
    out.push(c);
    out.push(...flatten(c.contains));
  }
  return out;
}
