/**
 * FHIR's JSON rule that JSON itself leaves open: property names SHALL be unique within an object (R4 json.html).
 * JSON.parse keeps the last of two values for one name and says nothing, so a body `{"status": "active", "status":
 * "retired"}` would be validated and stored as something the client did not all send. A body with a name given twice
 * is refused with where it is (found by json-scan.ts in the bytes JSON.parse has already accepted).
 */

import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';

/**
 * A name an object gives twice: the name, and where the object is, from the resource type (`CodeSystem`,
 * `CodeSystem.concept[3]`, `Parameters.parameter[0].part[1]`), or from `$` in a body that is no resource (`$[2]`).
 */
export interface RepeatedName {
  name: string;
  at: string;
}

/** What is wrong, in both languages: "the object at CodeSystem.concept[1] has the property 'code' twice". */
export function repeatedNameText({ name, at }: RepeatedName): Bilingual {
  const where = excerpt(at, 200);
  return { en: `the object at ${where} has the property '${excerpt(name)}' twice`, da: `objektet ved ${where} har egenskaben '${excerpt(name)}' to gange` };
}

/** 400 for a body with a name given twice in one object, naming it and where. */
export function repeatedNameError(repeated: RepeatedName): FhirError {
  const { en, da } = repeatedNameText(repeated);
  return FhirError.invalid(`The request body is not valid FHIR JSON: ${en} (in FHIR's JSON an object names each property once)`, {
    da: `Forespørgslens krop er ikke gyldig FHIR JSON: ${da} (i FHIR's JSON nævner et objekt hver egenskab én gang)`,
  });
}
