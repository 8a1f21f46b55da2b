import type { CodeSystem, Parameters, ValueSet } from 'fhir/r4';
import { messageIssue, messageString } from '../../errors/issue';
import { operationOutcome } from '../../errors/operation-outcome';
import { ParametersBuilder } from '../../fhir/parameters';
import type { TerminologyRegistry } from '../registry';
import { addToPath } from './code-systems';
import { type CodedValue, issuePathOf, validateCodedValue } from './concept-check';
import { ValidationContext } from './context';
import { msg } from './messages';
import type { ValidationOptions } from './options';
import { PrepareProblem, prepareOnce, prepareValueSet, versionOnDate } from './prepared-value-set';
import { ValueSetChecker } from './vs-checker';

export type { CodedValue, ValidationMode } from './concept-check';

const VS_SUPPLEMENT = 'http://hl7.org/fhir/StructureDefinition/valueset-supplement';

/**
 * $validate-code: whether codes are valid in a value set, or in a code system (its implicit all-codes value set),
 * with the issues a terminology client expects.
 */
export class CodeValidator {
  constructor(private readonly registry: TerminologyRegistry) {}

  /** Validates against a value set. */
  validateInValueSet(valueSet: ValueSet, value: CodedValue, options: ValidationOptions): Parameters {
    const ctx = new ValidationContext(this.registry, options);
    if (options.supplements.size > 0) for (const s of options.supplements) ctx.requiredSupplements.add(s);
    for (const ext of valueSet.extension ?? []) {
      const s = ext.url === VS_SUPPLEMENT ? ext.valueCanonical ?? ext.valueUri ?? ext.valueString : undefined;
      if (s) ctx.requiredSupplements.add(s);
    }
    let checker: ValueSetChecker;
    try {
      checker = new ValueSetChecker(ctx, prepareValueSet(ctx, valueSet));
      checker.checkSupplementsUsed();
    } catch (e) {
      if (e instanceof PrepareProblem) return this.problemResult(ctx, e, value);
      throw e;
    }
    return validateCodedValue(ctx, checker, value);
  }

  /**
   * Validates against a code system given by url and version (from the request or the coding), or as a resource.
   * An unknown code system or version is a result (result=false, x-caused-by-unknown-system), not an HTTP error.
   */
  validateInCodeSystem(url: string | undefined, version: string | undefined, value: CodedValue, options: ValidationOptions): Parameters {
    const ctx = new ValidationContext(this.registry, options);
    for (const s of options.supplements) ctx.requiredSupplements.add(s);
    const systemPath = addToPath(issuePathOf(value.mode) === 'CodeableConcept' ? 'CodeableConcept.coding[0]' : issuePathOf(value.mode), 'system');
    if (!url) {
      return this.problemResult(ctx, new PrepareProblem(msg.noSystem(), 'invalid'), value, 'warning', issuePathOf(value.mode) || undefined, false);
    }
    // nothing names the version (nor the coding): the version in force on the request's date, if it has one
    if (version === undefined && !value.codings.some((c) => c.version)) {
      try {
        version = versionOnDate(ctx, 'CodeSystem', url);
      } catch (e) {
        if (e instanceof PrepareProblem) return this.problemResult(ctx, e, value, 'error', systemPath);
        throw e;
      }
    }
    const provider = ctx.access.find(url, version);
    if (!provider) {
      const problem = this.missingCodeSystem(ctx, url, version);
      return this.problemResult(ctx, problem, value, 'error', systemPath, problem.issueCode !== 'not-found');
    }
    const cs: CodeSystem = provider.resource;
    const vs: ValueSet = {
      resourceType: 'ValueSet',
      url: cs.valueSet ?? `${cs.url}/vs`,
      version: cs.version,
      status: 'active',
      compose: { include: [{ system: cs.url, ...(cs.version ? { version: cs.version } : {}) }] },
    };
    const checker = new ValueSetChecker(ctx, prepareOnce(ctx, vs), true);
    ctx.noteSupplements(provider);
    try {
      checker.checkSupplementsUsed();
    } catch (e) {
      if (e instanceof PrepareProblem) return this.problemResult(ctx, e, value);
      throw e;
    }
    return validateCodedValue(ctx, checker, value);
  }

  private missingCodeSystem(ctx: ValidationContext, url: string, version: string | undefined): PrepareProblem {
    if (this.registry.find('ValueSet', url)) return new PrepareProblem(msg.systemIsValueSet(url), 'invalid');
    const supplement = ctx.access.findSupplement(url, version);
    if (supplement) {
      return new PrepareProblem(msg.supplementAsSystem(supplement.version ? `${url}|${supplement.version}` : url), 'invalid', url);
    }
    const v = ctx.access.versionFor(url, version);
    if (!v) return new PrepareProblem(msg.unknownCodeSystem(url), 'not-found', url);
    const known = ctx.access.listVersions(url);
    if (known.length === 0) return new PrepareProblem(msg.unknownCodeSystemVersionNone(url, v), 'not-found', url);
    return new PrepareProblem(msg.unknownCodeSystemVersion(url, v, known), 'not-found', `${url}|${v}`);
  }

  /**
   * A validation that could not be carried out: the reason as the result's issue and message. A missing or unknown
   * code system is placed by its FHIRPath `expression` only, without the deprecated `location` (as tx.fhir.org does).
   */
  private problemResult(ctx: ValidationContext, problem: PrepareProblem, value: CodedValue,
    severity: 'error' | 'warning' = 'error', expression?: string, withLocation = true): Parameters {
    const out = new ParametersBuilder();
    const first = value.codings[0];
    if (value.mode === 'codeableConcept') {
      out.codeableConcept('codeableConcept', value.codeableConcept);
    } else if (first) {
      out.code('code', first.code);
      out.uri('system', first.system);
      const version = first.version ?? (first.system ? ctx.access.find(first.system)?.version : undefined);
      out.string('version', version);
    }
    const lang = ctx.options.messageLanguage;
    out.boolean('result', false);
    out.add({ name: 'message', ...messageString(problem.text, lang) });
    if (problem.unknownSystem) out.add({ name: 'x-caused-by-unknown-system', valueCanonical: problem.unknownSystem });
    const txIssueType = problem.issueCode === 'not-found' ? 'not-found' : 'invalid-data';
    const found = messageIssue({
      severity, code: problem.issueCode, txIssueType, text: problem.text, messageId: problem.messageId,
      expression: expression ? [expression] : undefined,
    }, lang, withLocation);
    out.resource('issues', operationOutcome([found]));
    return out.build();
  }
}
