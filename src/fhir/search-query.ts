import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';

export const MAX_SEARCH_COUNT = 1000;

/** A search parameter given once as text (undefined when not given); 400 when it repeats. */
export function searchText(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    throw FhirError.invalid(`The search parameter '${name}' may be given once, as text`, { expression: [name], da: `Søgeparameteren '${name}' må kun gives én gang, som tekst` });
  }
  return v;
}

/** `_count` (default 100); a larger count than MAX_SEARCH_COUNT gets pages of that many, as the spec lets a server do. */
export function searchCount(query: Record<string, unknown>): number {
  const raw = searchText(query, '_count');
  if (raw !== undefined && !/^\d+$/.test(raw)) {
    throw FhirError.invalid(`_count must be a non-negative integer, not '${excerpt(raw)}'`, { expression: ['_count'], da: `_count skal være et heltal på 0 eller mere, ikke '${excerpt(raw)}'` });
  }
  return raw === undefined ? 100 : Math.min(Number(raw), MAX_SEARCH_COUNT);
}

/** `_offset`: how many matches the page skips (default 0), as the `next` and `previous` links of a searchset give it. */
export function searchOffset(query: Record<string, unknown>): number {
  const raw = searchText(query, '_offset');
  if (raw !== undefined && !/^\d+$/.test(raw)) {
    throw FhirError.invalid(`_offset must be a non-negative integer, not '${excerpt(raw)}'`, { expression: ['_offset'], da: `_offset skal være et heltal på 0 eller mere, ikke '${excerpt(raw)}'` });
  }
  return raw === undefined ? 0 : Math.min(Number(raw), Number.MAX_SAFE_INTEGER);
}

/**
 * A search value split at each `separator` not escaped with `\` (FHIR search: `\,` `\|` `\$` and `\\` stand for the
 * character itself); the parts keep their escapes, `unescapeSearch` removes them once the last split is done.
 */
export function splitEscaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') i++;
    else if (value[i] === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

export function unescapeSearch(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}
