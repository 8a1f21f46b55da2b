import type { Extension, ValueSet } from 'fhir/r4';
import { primitiveValue } from '../fhir/choice-value';

export const EXPANSION_PARAMETER_EXT = 'http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter';
export const VALUESET_SUPPLEMENT_EXT = 'http://hl7.org/fhir/StructureDefinition/valueset-supplement';
export const STANDARDS_STATUS_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status';

/** The primitive value of an extension (value[x]), as a string. */
export function extensionValue(ext: Extension | undefined): string | undefined {
  const v = ext ? primitiveValue(ext) : undefined;
  return v === undefined ? undefined : String(v);
}

/**
 * Expansion parameters a value set's compose sets by default (the valueset-expansion-parameter extension,
 * with `name` and `value` parts); a request parameter of the same name overrides them.
 */
export function composeExpansionParameter(vs: ValueSet, name: string): string | undefined {
  for (const ext of vs.compose?.extension ?? []) {
    if (ext.url !== EXPANSION_PARAMETER_EXT) continue;
    const parts = ext.extension ?? [];
    if (extensionValue(parts.find((p) => p.url === 'name')) === name) return extensionValue(parts.find((p) => p.url === 'value'));
  }
  return undefined;
}

/** Supplements a value set requires (valueset-supplement extension), as canonicals. */
export function valueSetSupplements(vs: ValueSet): string[] {
  return (vs.extension ?? []).filter((e) => e.url === VALUESET_SUPPLEMENT_EXT).map(extensionValue).filter((v): v is string => !!v);
}

/** The standards status (draft, deprecated, withdrawn...) a resource or element declares by extension. */
export function standardsStatus(extensions: readonly Extension[] | undefined): string | undefined {
  return extensionValue((extensions ?? []).find((e) => e.url === STANDARDS_STATUS_EXT));
}
