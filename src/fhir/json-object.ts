/** A JSON object (not null, not an array), as FHIR JSON's resources and elements are. */
export function isJsonObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}
