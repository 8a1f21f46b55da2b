import type { CodeableConcept, Coding, OperationOutcome, ValueSet } from 'fhir/r4';
import type { IssueCode, TxIssueType } from '../errors/fhir-error';
import { TRANSLATION_EXTENSION, type Bilingual } from '../errors/issue';
import { TX_ISSUE_TYPE_SYSTEM, type OperationOutcomeIssue } from '../errors/operation-outcome';
import { CodeValidator, type CodedValue } from '../terminology/validation/code-validator';
import { ValidationOptions } from '../terminology/validation/options';
import { allDisplays } from '../terminology/language';
import type { TerminologyRegistry } from '../terminology/registry';
import { findLegacyReplacement, replacementsOf } from '../terminology/replacements';
import { statusNameDa } from '../terminology/status-name';
import type { BindingStrength } from './profile-registry';
import { quoteCode, type IssueSeverity, type ValidationIssue } from './messages';
import { isJsonObject } from '../fhir/json-object';

export type BoundType = 'Coding' | 'CodeableConcept' | 'code';

interface Binding {
  strength: BindingStrength;
  valueSet: string;
}

function vsCanonical(vs: ValueSet): string {
  return vs.version ? `${vs.url}|${vs.version}` : `${vs.url}`;
}

function systemCode(c: Coding): string {
  return `${c.system ?? ''}#${c.code ?? ''}`;
}

/** CodeValidator names the value as `Coding` or `CodeableConcept.coding[n]`: the index of the coding an issue is about. */
function codingIndexOf(i: OperationOutcomeIssue): number | undefined {
  const m = /^CodeableConcept\.coding\[(\d+)\]/.exec(i.expression?.[0] ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * A CodeValidator issue's text in both languages. Its messages are asked for in Danish, so the text is the Danish one
 * and the English its translation (src/errors/issue.ts); a text without a translation is the same in both.
 */
function textOf(i: OperationOutcomeIssue): Bilingual {
  const text = i.details?.text ?? '';
  const en = i.details?._text?.extension?.find((e) => e.url === TRANSLATION_EXTENSION)?.extension
    ?.find((e) => e.url === 'content')?.valueString;
  return { da: text, en: en ?? text };
}

function txOf(i: OperationOutcomeIssue): TxIssueType | undefined {
  return i.details?.coding?.find((c) => c.system === TX_ISSUE_TYPE_SYSTEM)?.code as TxIssueType | undefined;
}

/** Issues saying a coding is not a member of the value set (or cannot be known to be). */
const NOT_A_MEMBER = new Set<TxIssueType>(['not-in-vs', 'this-code-not-in-vs', 'not-found', 'invalid-code', 'cannot-infer', 'invalid-data']);

/** Issues CodeValidator reports that a binding's strength decides the severity of. */
const MEMBERSHIP_ISSUES = new Set<TxIssueType>(['not-in-vs', 'this-code-not-in-vs', 'not-found', 'cannot-infer']);

/**
 * Checks coded values against the ValueSet of a binding with the server's CodeValidator (which also reports unknown
 * systems and codes, retired and deprecated codes with their replacement, and FSIII legacy keys), and writes each
 * issue in Danish and English, pointing at the coding.
 */
export class BindingChecker {
  private readonly validator: CodeValidator;

  constructor(private readonly registry: TerminologyRegistry) {
    this.validator = new CodeValidator(registry);
  }

  check(value: unknown, type: BoundType, expression: string, binding: Binding, elementId: string): ValidationIssue[] {
    // a preferred binding is checked only for FSIII legacy keys (a warning naming the UUID code); example bindings not at all
    if (binding.strength !== 'required' && binding.strength !== 'extensible' && binding.strength !== 'preferred') return [];
    const vs = this.registry.findCanonical('ValueSet', binding.valueSet);
    if (!vs) {
      return [{
        severity: 'warning', code: 'not-found', txIssueType: 'not-found', expression: [expression],
        text: {
          en: `The ValueSet '${binding.valueSet}' bound to ${elementId} is not known to this server, so the code was not checked`,
          da: `Værdisættet '${binding.valueSet}', som ${elementId} er bundet til, kendes ikke af serveren, så koden er ikke kontrolleret`,
        },
      }];
    }
    let value_: CodedValue;
    const codingPaths: string[] = [];
    if (type === 'CodeableConcept') {
      if (!isJsonObject(value)) return [];
      const list = Array.isArray(value.coding) ? value.coding : [];
      const codings = list.filter(isJsonObject) as Coding[];
      list.forEach((c, i) => {
        if (isJsonObject(c)) codingPaths.push(`${expression}.coding[${i}]`);
      });
      if (codings.length === 0) {
        const severity: IssueSeverity = binding.strength === 'required' ? 'error' : 'warning';
        return [{
          severity, code: 'required', expression: [expression],
          text: {
            en: `${elementId} has no coding, but a code from the value set '${vsCanonical(vs)}' is ${binding.strength === 'required' ? 'required' : 'expected'}`,
            da: `${elementId} har ingen kodning, men en kode fra værdisættet '${vsCanonical(vs)}' er ${binding.strength === 'required' ? 'påkrævet' : 'forventet'}`,
          },
        }];
      }
      value_ = { mode: 'codeableConcept', codings, codeableConcept: value as CodeableConcept };
    } else if (type === 'Coding') {
      if (!isJsonObject(value)) return [];
      value_ = { mode: 'coding', codings: [value as Coding] };
    } else {
      if (typeof value !== 'string') return [];
      value_ = { mode: 'code', codings: [{ code: value }] };
    }
    const options = new ValidationOptions();
    options.displayWarning = true;
    options.inferSystem = type === 'code';
    // the issues' texts in both languages (the Danish one with the English as its translation), for textOf
    options.messageLanguage = 'da';
    const result = this.validator.validateInValueSet(vs, value_, options);
    const outcome = result.parameter?.find((p) => p.name === 'issues')?.resource as OperationOutcome | undefined;
    // a CodeableConcept with a coding in the value set meets the binding: another coding of a code system this
    // server does not have (e.g. SNOMED CT) cannot be checked here, which is no reason to reject the submission
    const issues = outcome?.issue ?? [];
    const notMembers = new Set(issues.filter((i) => NOT_A_MEMBER.has(txOf(i)!)).map(codingIndexOf).filter((n) => n !== undefined));
    const conceptMeetsBinding = value_.mode === 'codeableConcept' && value_.codings.some((_, index) => !notMembers.has(index));
    const out: ValidationIssue[] = [];
    for (const i of issues) {
      const index = codingIndexOf(i);
      const coding = index !== undefined ? value_.codings[index] : value_.mode === 'codeableConcept' ? undefined : value_.codings[0];
      const path = index !== undefined ? codingPaths[index] ?? expression : expression;
      const tx = txOf(i);
      const legacy = tx === 'code-rule' && coding?.system && coding.code ? findLegacyReplacement(this.registry, coding.system, coding.code) : undefined;
      if (binding.strength === 'preferred' && !legacy) continue;
      let severity = i.severity as IssueSeverity;
      if (binding.strength === 'extensible' && severity === 'error' && tx && MEMBERSHIP_ISSUES.has(tx)) severity = 'warning';
      if (conceptMeetsBinding && severity === 'error' && tx === 'not-found') severity = 'warning';
      const text = { en: textOf(i).en, da: this.danish(tx, i, coding, vs) };
      // a CodeableConcept none of whose codings is in the value set: what was sent, so it can be told what to change
      if (!coding && tx === 'not-in-vs' && value_.mode === 'codeableConcept') {
        const sent = value_.codings.map((c) => systemCode(c)).join(', ');
        text.en += sent ? ` (codes sent: ${sent})` : ' (no coding sent)';
        text.da += sent ? ` (sendte koder: ${sent})` : ' (ingen kodning sendt)';
      }
      if (legacy) {
        // KL's value sets include the legacy keys beside the UUID codes (kl-term 57d7e22): a legacy key the value set
        // has meets the binding, and the advice to use the UUID code is a warning; one it does not have breaks a
        // required binding (its membership issue says so too)
        const member = value_.mode === 'codeableConcept' ? index !== undefined && !notMembers.has(index) : !issues.some((x) => NOT_A_MEMBER.has(txOf(x)!));
        severity = binding.strength === 'required' && !member ? 'error' : 'warning';
        if (severity === 'error') {
          text.en += ` (the binding of ${elementId} to '${vsCanonical(vs)}' is required)`;
          text.da += ` (${elementId} er bundet obligatorisk (required) til '${vsCanonical(vs)}')`;
        }
      }
      out.push({ severity, code: i.code as IssueCode, txIssueType: tx, expression: [path], text });
    }
    return out;
  }

  /**
   * The Danish text of a CodeValidator issue, rebuilt from the coding and the code system where it names them;
   * otherwise the validator's own Danish text.
   */
  private danish(tx: TxIssueType | undefined, i: OperationOutcomeIssue, coding: Coding | undefined, vs: ValueSet): string {
    if (!coding) {
      if (tx === 'not-in-vs') return `Ingen gyldig kodning fundet for værdisættet '${vsCanonical(vs)}'`;
      return textOf(i).da;
    }
    const code = coding.code ?? '';
    const system = coding.system;
    const provider = system ? this.registry.codeSystemProvider(system, coding.version) : undefined;
    const concept = provider?.locate(code);
    switch (tx as string | undefined) {
      case 'not-in-vs':
      case 'this-code-not-in-vs':
        return `Koden '${systemCode(coding)}' findes ikke i værdisættet '${vsCanonical(vs)}'`;
      case 'invalid-code':
        return `Ukendt kode '${code}' i kodesystemet '${system}'${provider?.version ? ` version '${provider.version}'` : ''}`;
      case 'not-found':
        return `Kodesystemet '${system}'${coding.version ? ` version '${coding.version}'` : ''} kendes ikke, så koden kan ikke valideres`;
      case 'cannot-infer':
        return `Kodesystemet for koden '${code}' kunne ikke bestemmes i værdisættet '${vsCanonical(vs)}'`;
      case 'invalid-display': {
        const valid = concept ? [...new Set(allDisplays(concept))].map((d) => `'${d}'`).join(', ') : '';
        return `Forkert visningsnavn '${coding.display}' for ${systemCode(coding)}. Gyldigt visningsnavn er ${valid}`;
      }
      case 'code-comment': {
        if (provider && concept) {
          const status = provider.status(concept);
          const replacements = replacementsOf(provider, concept).map((r) => quoteCode(r.code, r.display)).join(', ');
          return `Begrebet '${concept.code}' har status ${statusNameDa(status)}, og brugen bør revurderes${replacements ? `; det er erstattet af ${replacements}` : ''}`;
        }
        break;
      }
      case 'code-rule': {
        const legacy = system && concept ? findLegacyReplacement(this.registry, system, concept.code) : undefined;
        if (legacy) {
          return `Koden '${code}' er en gammel brugervendt nøgle i ${system}; brug i stedet koden ${quoteCode(legacy.code, legacy.display)}`;
        }
        if (concept && concept.code !== code) return `Koden '${code}' afviger fra den korrekte kode '${concept.code}' i store og små bogstaver`;
        if (i.severity === 'error') return `Koden '${systemCode(coding)}' er abstrakt og må ikke bruges her`;
        break;
      }
      case 'display-comment':
        return `Visningsnavnet '${coding.display}' for ${systemCode(coding)} bør kontrolleres`;
      case 'invalid-data':
        if (!coding.code) return 'Kodningen har ingen kode og kan ikke valideres';
        if (system && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(system)) return 'Coding.system skal være en absolut reference, ikke en lokal reference';
        if (system && this.registry.find('ValueSet', system)) return `Kodningen henviser til et værdisæt, ikke et kodesystem ('${system}')`;
        break;
      default:
        if (!system && i.code === 'invalid') return `Kodningen har intet kodesystem, så koden '${code}' kan ikke valideres`;
    }
    return textOf(i).da;
  }
}
