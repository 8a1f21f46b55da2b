import type { ValueSet } from 'fhir/r4';
import type { TerminologyRegistry } from '../terminology/registry';

/**
 * The common (niveau 2) catalogs a municipality's local codes map to, and what a roll-up counts as an intervention:
 * KL's value set of every intervention (FSIII's and FFB's) and FFB's adult catalog of services and social offers,
 * which a local offer may map to as well. Not the conditions (tilstande), nor the groupings above the interventions
 * (niveau 1).
 */
export const NIVEAU2_VALUE_SETS = [
  'http://fhir.kl.dk/term/ValueSet/KLInterventions',
  'http://faelles-tx.dk/fhir/ValueSet/ffb-ydelser',
  'http://faelles-tx.dk/fhir/ValueSet/ffb-sociale-tilbud',
];

/** Those of the niveau-2 value sets the server has (none on catalogs without them: nothing is then held to them). */
export function niveau2ValueSets(registry: TerminologyRegistry): ValueSet[] {
  return NIVEAU2_VALUE_SETS.map((url) => registry.findCanonical('ValueSet', url)).filter((vs): vs is ValueSet => vs !== undefined);
}
