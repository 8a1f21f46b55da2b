import type { Bilingual } from '../errors/issue';
import { excerpt } from '../errors/excerpt';
import { walkJson } from '../fhir/json-walk';
import type { EntryIssue } from './writer';

/**
 * An entry of a transaction as written (a create or update alone is one): its place, its fullUrl, the type and id its
 * resource is written as, and the resource with its references.
 */
export interface WrittenEntry {
  index: number;
  fullUrl?: string;
  type: string;
  id: string;
  resource?: object;
  /** The references of its resource (referencesIn), found once for each rule of references. */
  references: readonly FoundReference[];
  /** Part of a transaction Bundle, rather than a create or update on its own. */
  bundled: boolean;
}

/** A Reference's `reference` in a resource: the object holding it and its path. */
export interface FoundReference {
  holder: { reference: string };
  path: string;
}

/** A temporary fullUrl (R4 bundle.html: a uuid or oid, for a resource the server gives its id). */
const TEMPORARY = /^urn:(?:uuid|oid):/i;

/** A temporary id as it is compared: a URN's scheme and namespace, and a uuid's hex digits, are the same in either case (RFC 8141, RFC 4122). */
const temporaryKey = (id: string): string => id.toLowerCase();

/**
 * Every Reference's `reference` of a resource (anywhere: an extension's valueReference, a contained resource's), found
 * by walking it: an object with a `reference` that is text is a Reference. `root` begins the paths.
 */
export function referencesIn(resource: object, root: string): FoundReference[] {
  const found: FoundReference[] = [];
  walkJson(resource, root, (value, path) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof (value as { reference?: unknown }).reference === 'string') {
      found.push({ holder: value as { reference: string }, path: `${path()}.reference` });
    }
  });
  return found;
}

/** The path an issue of an entry's resource names, in its text too when the resource is a transaction's entry. */
export function entryIssue(entry: WrittenEntry, path: string, code: EntryIssue['code'], text: Bilingual): EntryIssue {
  const named = entry.bundled ? { en: `${path}: ${text.en}`, da: `${path}: ${text.da}` } : text;
  return { severity: 'error', code, text: named, expression: [path], entry: entry.index };
}

/**
 * FHIR R4's rule of a transaction (http.html#trules): where the server gives a resource of the Bundle its id, it
 * updates the references to it in the Bundle. A reference that is the temporary fullUrl (`urn:uuid:…`, `urn:oid:…`)
 * of an entry becomes that entry's `Type/id`, in the resources as written (changed in place). One that is no
 * entry's fullUrl can never be resolved (and a create or update alone has no entries): an issue each, for a 400.
 */
export function resolveTemporaryReferences(entries: readonly WrittenEntry[]): EntryIssue[] {
  const target = new Map<string, string>();
  /** The temporary fullUrls of entries that write no resource (deletes). */
  const deleting = new Set<string>();
  for (const e of entries) {
    if (e.fullUrl === undefined || !TEMPORARY.test(e.fullUrl)) continue;
    if (e.resource) target.set(temporaryKey(e.fullUrl), `${e.type}/${e.id}`);
    else deleting.add(temporaryKey(e.fullUrl));
  }
  const unresolved: EntryIssue[] = [];
  for (const e of entries) {
    for (const { holder, path } of e.references) {
      if (!TEMPORARY.test(holder.reference)) continue;
      const key = temporaryKey(holder.reference);
      const replaced = target.get(key);
      if (replaced !== undefined) holder.reference = replaced;
      else unresolved.push(entryIssue(e, path, 'invalid', danglingText(excerpt(holder.reference), e.bundled, deleting.has(key))));
    }
  }
  return unresolved;
}

function danglingText(reference: string, bundled: boolean, toADelete: boolean): Bilingual {
  if (toADelete) {
    return {
      en: `The reference '${reference}' names the entry of the transaction that deletes its resource, so it cannot refer to it`,
      da: `Referencen '${reference}' henviser til den post i transaktionen, der sletter sin ressource, så den kan ikke henvise til den`,
    };
  }
  return bundled
    ? {
      en: `The reference '${reference}' is a temporary id (urn:uuid, urn:oid) that no entry of the transaction has as its fullUrl, so it cannot be resolved`,
      da: `Referencen '${reference}' er et midlertidigt id (urn:uuid, urn:oid), som ingen post i transaktionen har som fullUrl, så den kan ikke slås op`,
    }
    : {
      en: `The reference '${reference}' is a temporary id (urn:uuid, urn:oid), which names an entry of a transaction; a create or update on its own has none: reference the resource as Type/id`,
      da: `Referencen '${reference}' er et midlertidigt id (urn:uuid, urn:oid), som henviser til en post i en transaktion; en oprettelse eller opdatering alene har ingen: henvis til ressourcen som Type/id`,
    };
}
