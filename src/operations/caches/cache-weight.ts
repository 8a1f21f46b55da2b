import type { TerminologyResource } from '../../terminology/resource-set';

/** Heap bytes per JSON object (a concept, designation, property, include …), beyond its strings, once indexed. */
const BYTES_PER_OBJECT = 300;
/** Heap bytes per byte of JSON: the strings and numbers parsed. */
const BYTES_PER_JSON_BYTE = 2;

function objectsIn(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  let n = Array.isArray(value) ? 0 : 1;
  for (const v of Array.isArray(value) ? value : Object.values(value)) n += objectsIn(v);
  return n;
}

/**
 * The memory a client's cache of these resources takes once parsed and indexed for the requests naming it, estimated
 * before it is kept: two bytes per byte of their JSON and 300 per JSON object. Measured (node --expose-gc, heap after
 * $lookup and $validate-code used the cache): a code system of 520,000 concepts of a code alone took ~415 bytes a
 * concept, 22 times its JSON, estimated ~340; one of concepts with a display, a definition, two designations and two
 * properties ~2,200 bytes, 4.5 times its JSON, estimated ~2,800. Counted by the JSON alone, the first took 22 times
 * what it was counted as.
 */
export function cacheWeight(resources: readonly TerminologyResource[]): number {
  let bytes = 0;
  for (const r of resources) bytes += BYTES_PER_JSON_BYTE * Buffer.byteLength(JSON.stringify(r), 'utf8') + BYTES_PER_OBJECT * objectsIn(r);
  return bytes;
}
