import type { CodeSystem, CodeSystemConceptDesignation, CodeSystemConceptProperty, Coding, ValueSet } from 'fhir/r4';
import type { Bilingual } from '../../../errors/issue';
import type { Concept } from '../provider';
import { fhirCoreTerminology } from '../../fhir-core';
import { type GrammarConcept, GrammarCodeSystemProvider, grammarConcept } from './grammar-provider';
import { UcumStructureParser, UcumSyntaxError } from './ucum-structure';
import { type LhcUnit, ucumTables } from './ucum-tables';

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

/** The designation use of a common unit's name: a synonym, as FHIR's designation-use value set has it. */
const SYNONYM: Coding = { system: 'http://snomed.info/sct', code: '900000000000013009' };

interface UcumUtils {
  validateUnitString(unit: string, suggest?: boolean): { status: string; msg?: string[] };
  convertToBaseUnits(unit: string, value: number): { status: string; unitToExp?: Record<string, number> };
}

interface UcumLhc {
  UcumLhcUtils: { getInstance(): UcumUtils };
  UnitTables: { getInstance(): { getUnitByCode(code: string): LhcUnit | null } };
}

/**
 * UCUM units, checked by UCUM's grammar and @lhncbc/ucum-lhc: a valid unit expression is a code, displayed as itself
 * (as FHIR does). Its English designations are its formal form (`(milligram) / (deciliter)` for `mg/dL`, each unit
 * named as UCUM names it) and, for the units in FHIR's common-units value set, that value set's name as a synonym.
 * Its canonical form (the unit in base units, e.g. `m3` for `mL`) is the `canonical` property that value sets filter
 * on, worked out when asked for. A code that is not valid is explained by the parser's error (`The unit 'kgXX' is
 * unknown`).
 */
export class UcumProvider extends GrammarCodeSystemProvider {
  private readonly utils: UcumUtils;
  private readonly structure: UcumStructureParser;
  private commonNames?: Map<string, string>;

  constructor(resource: CodeSystem, supplements: readonly CodeSystem[] = []) {
    super(resource, supplements, UCUM_COMMON);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const lib = require('@lhncbc/ucum-lhc') as UcumLhc;
    this.utils = quiet(lib.UcumLhcUtils.getInstance());
    const units = lib.UnitTables.getInstance();
    this.structure = new UcumStructureParser(ucumTables((code) => units.getUnitByCode(code)));
  }

  override get grammarBaseResource(): ValueSet | undefined {
    return fhirCoreTerminology().find((r): r is ValueSet => r.resourceType === 'ValueSet' && r.url === UCUM_COMMON);
  }

  protected parse(code: string): GrammarConcept | undefined {
    if (!this.checkable(code)) return undefined;
    const designations: CodeSystemConceptDesignation[] = [];
    const formal = this.structure.formal(code);
    if (formal !== code) designations.push({ language: 'en', value: formal });
    const common = this.commonName(code);
    if (common && common !== code) designations.push({ language: 'en', use: SYNONYM, value: common });
    return grammarConcept(code, code, designations);
  }

  /**
   * Why a code is not a UCUM unit, in the words of the UCUM parser (the English text; ucum-lhc's own reason is in it
   * only) and in Danish; undefined for a valid unit.
   */
  explainUnknown(code: string): Bilingual | undefined {
    if (this.checkable(code)) return undefined;
    if (code.length > MAX_UNIT_LENGTH) {
      return { en: `Error processing unit: longer than ${MAX_UNIT_LENGTH} characters`, da: `Enheden er længere end ${MAX_UNIT_LENGTH} tegn` };
    }
    const syntax = this.syntaxError(code);
    if (syntax) return { en: syntax.message, da: syntax.da };
    const why = this.utils.validateUnitString(annotationsWithoutSpaces(code), false).msg?.[0];
    return {
      en: `Error processing unit '${code}': ${why !== undefined ? withAnnotations(why, code) : 'not a valid unit'}`,
      da: `Enheden '${code}' er ikke en gyldig UCUM-enhed`,
    };
  }

  override propertyValues(concept: Concept, code: string): CodeSystemConceptProperty[] {
    if (code !== 'canonical') return super.propertyValues(concept, code);
    const canonical = this.canonicalForm(annotationsWithoutSpaces(concept.code));
    return canonical !== undefined ? [{ code, valueString: canonical }] : [];
  }

  /**
   * A unit both UCUM's grammar (the structure parser: only metric units take a prefix, so `kmin` is no unit) and
   * ucum-lhc accept: ucum-lhc alone takes any prefix on any unit and mends some malformed expressions (`U/2g{x}`).
   */
  private checkable(code: string): boolean {
    if (code.trim() !== code || code === '' || code.length > MAX_UNIT_LENGTH) return false;
    if (this.syntaxError(code) !== undefined) return false;
    return this.utils.validateUnitString(annotationsWithoutSpaces(code), false).status === 'valid';
  }

  /** The structure parser's error (tx.fhir.org's words, and in Danish), or undefined when the expression follows UCUM's grammar. */
  private syntaxError(code: string): UcumSyntaxError | undefined {
    try {
      this.structure.parse(code);
      return undefined;
    } catch (e) {
      if (e instanceof UcumSyntaxError) return e;
      throw e;
    }
  }

  private commonName(code: string): string | undefined {
    if (!this.commonNames) {
      this.commonNames = new Map();
      for (const inc of this.grammarBaseResource?.compose?.include ?? []) {
        if (inc.system !== UCUM) continue;
        for (const c of inc.concept ?? []) if (c.display) this.commonNames.set(c.code, c.display);
      }
    }
    return this.commonNames.get(code);
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

/**
 * ucum-lhc writes to the console when its parser fails, the caller's unit string in the line (on the server's
 * stdout, among the log's JSON lines): its calls are made with console.log silenced, and it has no option for that.
 */
function quiet(utils: UcumUtils): UcumUtils {
  const silenced = <T>(call: () => T): T => {
    const log = console.log;
    console.log = () => undefined;
    try {
      return call();
    } finally {
      console.log = log;
    }
  };
  return {
    validateUnitString: (unit, suggest) => silenced(() => utils.validateUnitString(unit, suggest)),
    convertToBaseUnits: (unit, value) => silenced(() => utils.convertToBaseUnits(unit, value)),
  };
}

/** ucum-lhc's messages name the n-th annotation by a placeholder (`braces_placeholder1braces_placeholder`): it is put back. */
function withAnnotations(message: string, code: string): string {
  const annotations = code.match(/\{[^{}]*\}/g) ?? [];
  return message.replace(/braces_placeholder(\d+)braces_placeholder/g, (p, n: string) => annotations[Number(n)] ?? p);
}

/** Annotations carry no meaning; FHIR's common units write some with spaces ({# of fetuses}), which ucum-lhc refuses. */
function annotationsWithoutSpaces(code: string): string {
  return code.replace(/\{[^{}]*\}/g, (a) => a.replace(/ /g, '_'));
}
