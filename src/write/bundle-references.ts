/** An entry of a transaction as written: its fullUrl, the type and id its resource is written as, and the resource. */
export interface WrittenEntry {
  fullUrl?: string;
  type: string;
  id: string;
  resource?: object;
}

/** A temporary fullUrl (R4 bundle.html: a uuid or oid, for a resource the server gives its id). */
const TEMPORARY = /^urn:(?:uuid|oid):/;

/**
 * FHIR R4's rule of a transaction (http.html#trules): where the server gives a resource of the Bundle its id, it
 * updates the references to it in the Bundle. A reference (a Reference's `reference`, anywhere in a resource, an
 * extension's valueReference too) that is the temporary fullUrl (`urn:uuid:…`, `urn:oid:…`) of an entry becomes that
 * entry's `Type/id`, in the resources as written (changed in place).
 */
export function resolveTemporaryReferences(entries: readonly WrittenEntry[]): void {
  const target = new Map<string, string>();
  for (const e of entries) if (e.resource && e.fullUrl !== undefined && TEMPORARY.test(e.fullUrl)) target.set(e.fullUrl, `${e.type}/${e.id}`);
  if (target.size === 0) return;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const x of node) visit(x);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(o)) {
      if (key === 'reference' && typeof value === 'string') {
        const replaced = target.get(value);
        if (replaced !== undefined) o.reference = replaced;
      } else {
        visit(value);
      }
    }
  };
  for (const e of entries) visit(e.resource);
}
