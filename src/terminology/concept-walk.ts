import type { CodeSystemConcept } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import type { Bilingual } from '../errors/issue';

/**
 * Visits each concept, a parent before its children, with a function that writes its path (wanted only for an issue).
 * A visit that returns `false` ends the walk; so does walkConcepts, returning false.
 */
export function walkConcepts(concepts: CodeSystemConcept[] | undefined, parent: () => string, visit: (c: CodeSystemConcept, at: () => string) => boolean | void): boolean {
  if (!Array.isArray(concepts)) return true;
  for (let i = 0; i < concepts.length; i++) {
    const c = concepts[i]!;
    const at = (): string => `${parent()}[${i}]`;
    if (visit(c, at) === false) return false;
    if (c && c.concept && !walkConcepts(c.concept, () => `${at()}.concept`, visit)) return false;
  }
  return true;
}

export const CONCEPTS = (): string => 'CodeSystem.concept';

/** A code a code system defines twice, nested concepts included (FHIR's csd-1: codes are unique in a code system). */
export interface DuplicateCode {
  code: string;
  /** Where the code is first defined, and where again. */
  first: () => string;
  at: () => string;
}

/**
 * The repeated definitions of codes, in the order of the concepts, at most `limit` of them (a file of one code a
 * million times: a closure kept per repeat, when the caller reports the first); empty when each code is defined once.
 */
export function duplicateCodes(concepts: CodeSystemConcept[] | undefined, limit = Infinity): DuplicateCode[] {
  const seen = new Map<string, () => string>();
  const out: DuplicateCode[] = [];
  walkConcepts(concepts, CONCEPTS, (c, at) => {
    if (typeof c?.code !== 'string') return true;
    const first = seen.get(c.code);
    if (!first) seen.set(c.code, at);
    else if (out.push({ code: c.code, first, at }) >= limit) return false;
    return true;
  });
  return out;
}

/** A repeated code as a code system's file and a request's code system are refused for (csd-1). */
export function duplicateCodeText(twice: DuplicateCode): Bilingual {
  const code = excerpt(twice.code);
  return {
    en: `the code '${code}' is defined twice (${twice.first()} and ${twice.at()}); a code system's codes are unique`,
    da: `koden '${code}' er defineret to gange (${twice.first()} og ${twice.at()}); et kodesystems koder er entydige`,
  };
}
