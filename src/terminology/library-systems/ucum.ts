import type { CodeSystem, ValueSet } from 'fhir/r4';
import { fhirCoreTerminology } from '../fhir-core';
import { type GrammarConcept, GrammarCodeSystemProvider, grammarConcept } from './grammar-provider';

export const UCUM = 'http://unitsofmeasure.org';
/** FHIR's value set of common UCUM units: the base list of the UCUM code system's expansion. */
export const UCUM_COMMON = 'http://hl7.org/fhir/ValueSet/ucum-common';

export function ucumCodeSystem(): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id: 'ucum',
    url: UCUM,
    version: '2.2',
    name: 'UCUM',
    title: 'Unified Code for Units of Measure (UCUM)',
    status: 'active',
    publisher: 'Regenstrief Institute, Inc.',
    description: 'UCUM units, checked with @lhncbc/ucum-lhc',
    language: 'en',
    caseSensitive: true,
    content: 'complete',
    property: [{ code: 'canonical', uri: 'http://hl7.org/fhir/concept-properties#canonical', type: 'string', description: 'The unit in base units' }],
  };
}

/** Longest unit expression parsed (FHIR's common units are at most 32 characters); the parser slows with length. */
const MAX_UNIT_LENGTH = 256;

interface UcumUtils {
  validateUnitString(unit: string, suggest?: boolean): { status: string; unit?: { code: string; name: string } | null };
  convertToBaseUnits(unit: string, value: number): { status: string; unitToExp?: Record<string, number> };
}

/**
 * UCUM units, parsed and named by @lhncbc/ucum-lhc: a valid unit expression is a code, displayed as itself (as FHIR
 * does), with its name as an English designation and its canonical form (the unit in base units, e.g. `m3` for
 * `mL`) as the `canonical` property that value sets filter on.
 */
export class UcumProvider extends GrammarCodeSystemProvider {
  private readonly utils: UcumUtils;

  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    super(resource, supplements, UCUM_COMMON);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    this.utils = lib.UcumLhcUtils.getInstance();
  }

  override get grammarBaseResource(): ValueSet | undefined {
    return fhirCoreTerminology().find((r): r is ValueSet => r.resourceType === 'ValueSet' && r.url === UCUM_COMMON);
  }

  protected parse(code: string): GrammarConcept | undefined {
    if (code.trim() !== code || code === '' || code.length > MAX_UNIT_LENGTH) return undefined;
    // annotations carry no meaning; FHIR's common units write some with spaces ({# of fetuses}), which ucum-lhc refuses
    const checkable = code.replace(/\{[^{}]*\}/g, (a) => a.replace(/ /g, '_'));
    const checked = this.utils.validateUnitString(checkable, false);
    if (checked.status !== 'valid') return undefined;
    const name = checked.unit?.name;
    const designations = name && name !== code ? [{ language: 'en', value: name }] : [];
    const canonical = this.canonicalForm(checkable);
    return grammarConcept(code, code, designations, canonical !== undefined ? [{ code: 'canonical', valueString: canonical }] : []);
  }

  /** The unit in base units (`g`, `m3`, `g.m-3`); undefined for special units (Cel, [pH]) that have no such form. */
  private canonicalForm(code: string): string | undefined {
    const base = this.utils.convertToBaseUnits(code, 1);
    if (base.status !== 'succeeded' || !base.unitToExp) return undefined;
    const parts = Object.entries(base.unitToExp).filter(([, exp]) => exp !== 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([unit, exp]) => (exp === 1 ? unit : `${unit}${exp}`));
    return parts.length > 0 ? parts.join('.') : '1';
  }

  protected baseCodes(): string[] {
    return (this.grammarBaseResource?.compose?.include ?? []).flatMap((inc) => (inc.system === UCUM ? (inc.concept ?? []).map((c) => c.code) : []));
  }
}
