/** A JSON object (not null, not an array), as FHIR JSON's resources and elements are. */
export function isJsonObject(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** An element that should be a list, as a list (a malformed resource's other value as none). */
export function listOf<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}
