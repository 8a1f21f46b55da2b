/**
 * Packed arrays parsed whole for the computation running now (the synchronous work of one request), shared by its
 * reads and let go when it ends. A municipality's first picker expansion reads its catalog's concepts for the shape
 * check, the evaluation, the pick lists, the text filter and the rendering: one parse serves them all, and none is
 * kept between requests, so the heap holds no parsed catalogs (json-array.ts). At most MAX_PARSED at once: a
 * computation over every municipality's catalog keeps the last few.
 */
const MAX_PARSED = 4;
const parsed = new Map<object, readonly unknown[]>();
let releaseQueued = false;

function release(): void {
  parsed.clear();
  releaseQueued = false;
}

/** `parse()`'s array, made once for the computation running now; it is shared, so no reader may change it. */
export function parsedNow<T>(owner: object, parse: () => T[]): readonly T[] {
  const kept = parsed.get(owner) as readonly T[] | undefined;
  if (kept) return kept;
  const list = parse();
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
  parsed.set(owner, list);
  if (!releaseQueued) {
    releaseQueued = true;
    // a microtask runs once the synchronous work that parsed ends
    void Promise.resolve().then(release);
  }
  return list;
}

/** The array parsedNow made for `owner` in the computation running now, if it made one. */
export function parsedSoFar<T>(owner: object): readonly T[] | undefined {
  return parsed.get(owner) as readonly T[] | undefined;
}
