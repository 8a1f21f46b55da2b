/** Deepest JSON nesting accepted: far beyond any FHIR resource, well before recursion becomes a risk. */
export const MAX_JSON_DEPTH = 128;

/** Nesting depth of a parsed JSON value, counted without recursion; stops once `limit` is exceeded. */
export function jsonDepth(value: unknown, limit: number): number {
  // Runs over every POST body: two flat stacks and no per-node arrays (a 10,000-coding batch has ~100,000 nodes).
  let max = 0;
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop();
    const d = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    if (max > limit) return max;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child: unknown = v[i];
        if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(d + 1);
        }
      }
    } else {
      for (const key in v) {
        if (!Object.prototype.hasOwnProperty.call(v, key)) continue;
        const child: unknown = (v as Record<string, unknown>)[key];
        if (child !== null && typeof child === 'object') {
          values.push(child);
          depths.push(d + 1);
        }
      }
    }
  }
  return max;
}
