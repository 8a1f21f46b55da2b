/**
 * JSON text with every object's keys in sorted order (arrays keep theirs): two values that differ only in the order
 * of their keys — one resource as two tools serialize it (IG Publisher and SUSHI write FHIR's element order) — give
 * the same text.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}
