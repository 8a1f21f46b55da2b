import type { CodeSystem, CodeSystemConcept } from 'fhir/r4';
import { foldedCode } from './providers/provider';
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
  /** The code as first defined, when it is written otherwise there (a code system that is not case sensitive). */
  firstCode?: string;
  /** Where the code is first defined, and where again. */
  first: () => string;
  at: () => string;
}

/**
 * The repeated definitions of codes, in the order of the concepts, at most `limit` of them (a file of one code a
 * million times: a closure kept per repeat, when the caller reports the first); empty when each code is defined once.
 * In a code system that says it is not case sensitive (`caseSensitive` false) codes differing only in case are one code,
 * defined twice: which of them a code given in a third case is could not be told.
 */
export function duplicateCodes(concepts: CodeSystemConcept[] | undefined, limit = Infinity, caseSensitive = true): DuplicateCode[] {
  const seen = new Map<string, { code: string; at: () => string }>();
  const out: DuplicateCode[] = [];
  walkConcepts(concepts, CONCEPTS, (c, at) => {
    if (typeof c?.code !== 'string') return true;
    const key = caseSensitive ? c.code : foldedCode(c.code);
    const first = seen.get(key);
    if (!first) seen.set(key, { code: c.code, at });
    else if (out.push({ code: c.code, ...(first.code !== c.code ? { firstCode: first.code } : {}), first: first.at, at }) >= limit) return false;
    return true;
  });
  return out;
}

/** The repeated definitions of a code system's codes (duplicateCodes, as its caseSensitive says). */
export function duplicateCodesOf(cs: Pick<CodeSystem, 'concept' | 'caseSensitive'>, limit = Infinity): DuplicateCode[] {
  return duplicateCodes(cs.concept, limit, cs.caseSensitive !== false);
}

/** A repeated code as a code system's file and a request's code system are refused for (csd-1). */
export function duplicateCodeText(twice: DuplicateCode): Bilingual {
  const code = excerpt(twice.code);
  if (twice.firstCode !== undefined) {
    const firstCode = excerpt(twice.firstCode);
    return {
      en: `the codes '${firstCode}' and '${code}' are one code defined twice (${twice.first()} and ${twice.at()}) in a code system that is not case sensitive; a code system's codes are unique`,
      da: `koderne '${firstCode}' og '${code}' er én kode defineret to gange (${twice.first()} og ${twice.at()}) i et kodesystem, der ikke skelner mellem store og små bogstaver; et kodesystems koder er entydige`,
    };
  }
  return {
    en: `the code '${code}' is defined twice (${twice.first()} and ${twice.at()}); a code system's codes are unique`,
    da: `koden '${code}' er defineret to gange (${twice.first()} og ${twice.at()}); et kodesystems koder er entydige`,
  };
}
