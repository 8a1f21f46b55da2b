import type { CodeableConcept, CodeSystem, Coding, Parameters, ValueSet } from 'fhir/r4';
import { operationOutcome } from '../errors/operation-outcome';
import { ParametersBuilder } from '../fhir/parameters';
import type { CodeSystemProvider, Concept } from './codesystem-provider';
import { entryKey } from './expander';
import { evaluateValueSet } from './expansion-cache';
import { IssueCollector } from './issue-collector';
import { allDisplays, displayFor } from './language';
import { findLegacyReplacement, replacementsOf } from './replacements';
import type { TerminologyRegistry } from './registry';
import { normaliseWhitespace } from './text-match';

export interface CodingToValidate {
  coding: Coding;
  /** Expression of the coding in the request, e.g. `code`, `Coding`, `CodeableConcept.coding[0]`. */
  path: string;
}

export interface ValidateCodeRequest {
  codings: CodingToValidate[];
  codeableConcept?: CodeableConcept;
  /** Validate against a value set ... */
  valueSet?: ValueSet;
  /** ... or directly against a code system. */
  codeSystem?: CodeSystem;
  languages: string[];
  abstractAllowed: boolean;
  activeOnly: boolean;
  inferSystem: boolean;
  lenientDisplay: boolean;
  systemVersions?: Map<string, string>;
  supplements?: string[];
}

function vsCanonical(vs: ValueSet): string {
  return vs.version ? `${vs.url}|${vs.version}` : `${vs.url}`;
}

function codePart(path: string, part: string, isCode: boolean): string {
  if (isCode) return part;
  return `${path}.${part}`;
}

interface CodingOutcome {
  valid: boolean;
  provider?: CodeSystemProvider;
  concept?: Concept;
  display?: string;
  coding: Coding;
}

/** Validates codes against a code system or value set, collecting the issues a terminology client expects. */
export class CodeValidator {
  constructor(private readonly registry: TerminologyRegistry) {}

  validate(req: ValidateCodeRequest): Parameters {
    const issues = new IssueCollector();
    const outcomes = req.codings.map((c) => this.validateCoding(req, c, issues));
    const valid = outcomes.find((o) => o.valid);
    const chosen = valid ?? outcomes.find((o) => o.concept) ?? outcomes[0];
    const result = !!valid && (req.codeableConcept ? true : !issues.hasErrors);
    if (req.codeableConcept && valid) {
      // for a CodeableConcept one matching coding is enough; errors of the others become warnings
      for (const i of issues.issues) if (i.severity === 'error') i.severity = 'warning';
    }
    const out = new ParametersBuilder();
    if (req.codeableConcept) out.codeableConcept('codeableConcept', req.codeableConcept);
    if (chosen) {
      out.code('code', chosen.concept?.code ?? chosen.coding.code);
      out.string('display', chosen.display);
      if (chosen.concept && chosen.provider?.isInactive(chosen.concept)) out.boolean('inactive', true);
    }
    if (issues.issues.length > 0) out.resource('issues', operationOutcome(issues.issues));
    out.string('message', issues.hasErrors || !result ? issues.message() : issues.message());
    out.boolean('result', result);
    if (chosen) {
      out.uri('system', chosen.provider?.url ?? chosen.coding.system);
      out.string('version', chosen.provider?.version);
    }
    return out.build();
  }

  private validateCoding(req: ValidateCodeRequest, item: CodingToValidate, issues: IssueCollector): CodingOutcome {
    const { coding, path } = item;
    const isCode = path === 'code';
    const codeExpr = [codePart(path, 'code', isCode)];
    let system = coding.system;
    const code = coding.code ?? '';
    const outcome: CodingOutcome = { valid: false, coding };

    let vsIndex: ReturnType<typeof evaluateValueSet> | undefined;
    if (req.valueSet) {
      vsIndex = evaluateValueSet(this.registry, req.valueSet, { systemVersions: req.systemVersions, supplements: req.supplements });
    }

    if (!system && req.codeSystem) system = req.codeSystem.url;
    if (!system && vsIndex && req.inferSystem) {
      const candidates = vsIndex.byCode.get(code) ?? [];
      const systems = [...new Set(candidates.map((c) => c.system))];
      if (systems.length === 1) system = systems[0];
    }
    if (!system) {
      const where = req.valueSet ? ` in the ValueSet '${vsCanonical(req.valueSet)}'` : '';
      issues.add({
        severity: 'error', code: 'invalid', txIssueType: req.valueSet ? 'cannot-infer' : 'invalid-code',
        text: `The System URI could not be determined for the code '${code}'${where}`, expression: codeExpr,
      });
      if (req.valueSet) {
        issues.add({
          severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs',
          text: `The provided code '#${code}' was not found in the value set '${vsCanonical(req.valueSet)}'`, expression: codeExpr,
        });
      }
      return outcome;
    }

    const version = coding.version ?? req.systemVersions?.get(system);
    const provider = req.codeSystem && req.codeSystem.url === system
      ? this.registry.provider(req.codeSystem, req.supplements)
      : this.registry.codeSystemProvider(system, version, req.supplements);
    if (!provider) {
      const known = this.registry.versions('CodeSystem', system).map((c) => c.version).filter(Boolean);
      const text = version && known.length > 0
        ? `A definition for CodeSystem '${system}' version '${version}' could not be found, so the code cannot be validated. Valid versions: ${known.join(',')}`
        : `A definition for CodeSystem '${system}' could not be found, so the code cannot be validated`;
      issues.add({ severity: 'error', code: 'not-found', txIssueType: 'not-found', text, expression: [codePart(path, 'system', isCode)] });
      if (req.valueSet) {
        issues.add({
          severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs',
          text: `The provided code '${system}#${code}' was not found in the value set '${vsCanonical(req.valueSet)}'`, expression: codeExpr,
        });
      }
      return outcome;
    }
    outcome.provider = provider;

    const concept = provider.locate(code);
    if (!concept) {
      if (req.valueSet) {
        issues.add({
          severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs',
          text: `The provided code '${system}#${code}' was not found in the value set '${vsCanonical(req.valueSet)}'`, expression: codeExpr,
        });
      }
      const v = provider.version ? ` version '${provider.version}'` : '';
      issues.add({
        severity: 'error', code: 'code-invalid', txIssueType: 'invalid-code',
        text: `Unknown code '${code}' in the CodeSystem '${system}'${v}`, expression: codeExpr,
      });
      return outcome;
    }
    outcome.concept = concept;
    outcome.display = displayFor(provider, concept, req.languages);

    let inValueSet = true;
    if (vsIndex && req.valueSet) {
      const entry = vsIndex.index.get(entryKey(system, concept.code));
      inValueSet = !!entry && !(req.activeOnly && entry.inactive);
      if (!inValueSet) {
        issues.add({
          severity: 'error', code: 'code-invalid', txIssueType: 'not-in-vs',
          text: `The provided code '${system}#${code}' was not found in the value set '${vsCanonical(req.valueSet)}'`, expression: codeExpr,
        });
      }
    }

    if (concept.code !== code) {
      issues.add({
        severity: 'information', code: 'business-rule', txIssueType: 'code-rule',
        text: `The code '${code}' differs from the correct code '${concept.code}' by case. Although the code system '${system}' is case insensitive, implementers are strongly encouraged to use the correct case anyway`,
        expression: codeExpr,
      });
    }

    if (!req.abstractAllowed && provider.isAbstract(concept)) {
      issues.add({
        severity: 'error', code: 'business-rule', txIssueType: 'code-rule',
        text: `Code '${system}#${code}' is abstract, and not allowed in this context`, expression: codeExpr,
      });
      inValueSet = false;
    }

    this.statusIssues(provider, concept, codeExpr, issues);
    const legacy = findLegacyReplacement(this.registry, system, concept.code);
    if (legacy) {
      issues.add({
        severity: 'warning', code: 'business-rule', txIssueType: 'code-rule',
        text: `The code '${code}' is a legacy key of ${system}; use the code '${legacy.code}'${legacy.display ? ` (${legacy.display})` : ''} instead`,
        expression: codeExpr,
      });
    }

    let displayOk = true;
    if (coding.display !== undefined && coding.display !== '') {
      const candidates = allDisplays(concept);
      const exact = candidates.includes(coding.display);
      const lenient = candidates.some((d) => normaliseWhitespace(d).toLowerCase() === normaliseWhitespace(coding.display!).toLowerCase());
      if (!exact && !lenient) {
        displayOk = false;
        const valid = [...new Set(candidates)].map((d) => `'${d}'`).join(', ');
        issues.add({
          severity: req.lenientDisplay ? 'warning' : 'error', code: 'invalid', txIssueType: 'invalid-display',
          text: `Wrong Display Name '${coding.display}' for ${system}#${concept.code}. Valid display is ${candidates.length > 1 ? 'one of ' : ''}${valid}`,
          expression: [codePart(path, 'display', isCode)],
        });
        if (req.lenientDisplay) displayOk = true;
      }
    }

    outcome.valid = inValueSet && displayOk;
    return outcome;
  }

  private statusIssues(provider: CodeSystemProvider, concept: Concept, expression: string[], issues: IssueCollector): void {
    const status = provider.status(concept);
    if (status === 'active') return;
    const replacements = replacementsOf(provider, concept);
    const named = replacements.map((r) => `'${r.code}'${r.display ? ` (${r.display})` : ''}`).join(', ');
    const suffix = replacements.length > 0 ? `; it is replaced by ${named}` : '';
    if (provider.isInactive(concept)) {
      issues.add({
        severity: 'warning', code: 'business-rule', txIssueType: 'code-comment',
        text: `The concept '${concept.code}' has a status of ${status} and its use should be reviewed${suffix}`,
        expression,
      });
    } else if (status === 'deprecated') {
      issues.add({
        severity: 'warning', code: 'business-rule', txIssueType: 'code-comment',
        text: `The concept '${concept.code}' is deprecated and its use should be reviewed${suffix}`,
        expression,
      });
    }
  }
}
