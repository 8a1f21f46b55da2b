import type { ValueSet } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { Language } from '../../errors/issue';
import { primitiveValue } from '../../fhir/choice-value';
import type { RequestDate } from '../compose/versions';
import { InvalidLanguageError, LanguageList } from './languages';

export type VersionRuleMode = 'default' | 'check' | 'override';

/** A version rule from system-version, check-system-version, force-system-version (or their value set forms). */
export interface VersionRule {
  url: string;
  version: string;
  mode: VersionRuleMode;
}

const VERSION_RULE_PARAMS: Record<string, VersionRuleMode> = {
  'system-version': 'default',
  'check-system-version': 'check',
  'force-system-version': 'override',
  'default-valueset-version': 'default',
  'check-valueset-version': 'check',
  'force-valueset-version': 'override',
};

const EXPANSION_PARAMETER_EXTENSIONS = new Set([
  'http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter',
  'http://hl7.org/fhir/tools/StructureDefinition/valueset-expansion-parameter',
]);

const NO_RULES: readonly VersionRule[] = Object.freeze([]);

function asBoolean(value: string | boolean): boolean {
  return value === true || value === 'true';
}

/**
 * The parameters that steer a validation: languages, version rules and flags. Parameters of the request win over
 * those a value set declares in its compose (valueset-expansion-parameter extensions).
 */
export class ValidationOptions {
  displayLanguages?: LanguageList;
  httpLanguages?: LanguageList;
  readonly versionRules: VersionRule[] = [];
  readonly supplements = new Set<string>();
  activeOnly = false;
  abstractOk = true;
  inferSystem = false;
  /** lenient-display-validation: wrong displays are warnings, not errors. */
  displayWarning = false;
  membershipOnly = false;
  /** The request's `date`: code systems and value sets nothing else pins take the version in force then (prepared-value-set.ts). */
  date?: RequestDate;
  /** The language of the result's message and issues (src/errors/message-language.ts): Danish only when asked for. */
  messageLanguage: Language = 'en';
  /** The parameters taken in (a value set's own do not replace the request's). */
  private seen?: Set<string>;

  constructor(acceptLanguages?: LanguageList) {
    this.httpLanguages = acceptLanguages;
  }

  /** Takes one parameter into account; `overwrite` is false for parameters a value set declares. */
  see(name: string, value: string | boolean, overwrite = true): void {
    const rule = VERSION_RULE_PARAMS[name];
    if (rule) {
      this.addVersionRule(name, String(value), rule);
      return;
    }
    if (name === 'useSupplement') {
      this.supplements.add(String(value));
      return;
    }
    const claim = (): boolean => {
      if (!overwrite && this.seen?.has(name)) return false;
      (this.seen ??= new Set()).add(name);
      return true;
    };
    switch (name) {
      case 'displayLanguage':
        if (claim()) this.displayLanguages = parseDisplayLanguage(String(value));
        break;
      case 'activeOnly':
        if (claim()) this.activeOnly = asBoolean(value);
        break;
      case 'abstract':
        if (claim()) this.abstractOk = asBoolean(value);
        break;
      case 'inferSystem':
        if (claim()) this.inferSystem = asBoolean(value);
        break;
      case 'lenient-display-validation':
        if (claim()) this.displayWarning = asBoolean(value);
        break;
      case 'valueset-membership-only':
        if (claim()) this.membershipOnly = asBoolean(value);
        break;
      default:
        break;
    }
  }

  private addVersionRule(name: string, canonical: string, mode: VersionRuleMode): void {
    const bar = canonical.indexOf('|');
    if (bar <= 0 || bar === canonical.length - 1) {
      throw FhirError.invalid(`Parameter '${name}' must be a canonical with a version (url|version), not '${canonical}'`, {
        expression: [name], da: `Parameteren '${name}' skal være en kanonisk reference med version (url|version), ikke '${canonical}'`,
      });
    }
    this.versionRules.push({ url: canonical.slice(0, bar), version: canonical.slice(bar + 1), mode });
  }

  /** Parameters and language a value set declares for its own use. */
  seeValueSet(vs: ValueSet): void {
    for (const ext of vs.compose?.extension ?? []) {
      if (!EXPANSION_PARAMETER_EXTENSIONS.has(ext.url)) continue;
      const name = ext.extension?.find((e) => e.url === 'name');
      const value = ext.extension?.find((e) => e.url === 'value');
      const n = name?.valueCode ?? name?.valueString;
      const v = value ? primitiveOf(value as unknown as Record<string, unknown>) : undefined;
      if (n && v !== undefined) this.see(n, v, false);
    }
    if (!this.httpLanguages && vs.language) {
      try {
        this.httpLanguages = LanguageList.parse(vs.language);
      } catch {
        /* a value set with a malformed language tag gets no language preference */
      }
    }
  }

  rulesFor(url: string): readonly VersionRule[] {
    return this.versionRules.length === 0 ? NO_RULES : this.versionRules.filter((r) => r.url === url);
  }

  /** The languages displays are chosen and checked in: displayLanguage, else Accept-Language (or the value set's). */
  workingLanguages(): LanguageList | undefined {
    return this.displayLanguages ?? this.httpLanguages;
  }

  /** The languages as the messages name them; `--` when none were asked for. */
  langSummary(): string {
    return this.workingLanguages()?.toString() ?? '--';
  }

  clone(): ValidationOptions {
    const copy = new ValidationOptions(this.httpLanguages);
    Object.assign(copy, this, { versionRules: [...this.versionRules], supplements: new Set(this.supplements), seen: new Set(this.seen) });
    return copy;
  }
}

function primitiveOf(el: Record<string, unknown>): string | boolean | undefined {
  const v = primitiveValue(el);
  return typeof v === 'number' ? undefined : v;
}

export function parseDisplayLanguage(value: string): LanguageList {
  try {
    return LanguageList.parse(value);
  } catch (e) {
    if (e instanceof InvalidLanguageError) {
      throw new FhirError(400, 'processing', `Invalid displayLanguage: '${value}'`, { txIssueType: 'invalid-display', da: `Ugyldigt displayLanguage: '${value}'` });
    }
    throw e;
  }
}
