import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';

/**
 * Largest table answered as FHIR Parameters (one part per line: $export's rows, $diff's changes); a larger one is
 * asked for as CSV or NDJSON, which are streamed.
 */
export const MAX_PARAMETERS_ROWS = 10_000;

/** The refusal of a Parameters answer of more than MAX_PARAMETERS_ROWS lines: `what` is the answer ("The export", "Eksporten"). */
export function tooManyRowsForParameters(what: Bilingual): FhirError {
  return new FhirError(422, 'too-costly', `${what.en} has more than ${MAX_PARAMETERS_ROWS} lines: ask for it as CSV (Accept: text/csv) or NDJSON (Accept: application/x-ndjson)`, {
    da: `${what.da} har mere end ${MAX_PARAMETERS_ROWS} linjer: bed om den som CSV (Accept: text/csv) eller NDJSON (Accept: application/x-ndjson)`,
  });
}
