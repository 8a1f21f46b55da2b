import { FhirError } from '../errors/fhir-error';
import { QUOTE, BACKSLASH, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY } from './json-bytes';

/** Deepest JSON nesting accepted: far beyond any FHIR resource, well before recursion becomes a risk. */
export const MAX_JSON_DEPTH = 128;

/** valueEnd's answer for a value nested deeper than its limit. */
export const TOO_DEEP = -2;

/**
 * The end of the object or array that starts at `start` (or of the first one after it), read from the bytes before
 * they are parsed; -1 when the text ends first, TOO_DEEP as soon as it nests deeper than `maxDepth` (parsing 10 MB of
 * `[`, a 10 KB gzip body, costs seconds and a gigabyte before a depth could be counted on the value). Strings are
 * skipped, with their escapes; nothing else is checked (JSON.parse does that), so for a text JSON.parse accepts the
 * depth counted is its value's nesting depth, and JSON.parse of a text that goes wrong meets the error before it
 * nests deeper than this scan let it.
 */
export function valueEnd(b: Buffer, start: number, maxDepth: number): number {
  let depth = 0;
  const n = b.length;
  for (let i = start; i < n; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      for (i++; i < n; i++) {
        const s = b[i]!;
        if (s === QUOTE) break;
        if (s === BACKSLASH) i++;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return TOO_DEEP;
    } else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --depth === 0) {
      return i + 1;
    }
  }
  return -1;
}

/** 400 for a body nested deeper than MAX_JSON_DEPTH. */
export function nestedTooDeep(): FhirError {
  return FhirError.invalid(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`, { da: `Forespørgslens krop er indlejret dybere end ${MAX_JSON_DEPTH} niveauer` });
}
