import { languageRanges } from '../fhir/language-ranges';
import type { Language } from './issue';

export type MessageLanguage = Language;

/** Parses an Accept-Language header or displayLanguage value into language tags by preference. */
export function parseLanguages(value: string | undefined): string[] {
  if (!value) return [];
  return languageRanges(value)
    .filter((l) => l.tag && l.tag !== '*' && !Number.isNaN(l.q) && l.q > 0)
    .sort((a, b) => b.q - a.q)
    .map((l) => l.tag);
}

/**
 * The language of the server's error messages: Danish when the caller prefers Danish to English among the languages
 * of its Accept-Language (`da`, `da-DK`, also `nb, da;q=0.8`; the web page asks for `da`), English otherwise, as
 * terminology clients and their test suites expect. (What municipal staff read has its own rule, `primaryLanguage`.)
 */
export function messageLanguage(acceptLanguage: string | string[] | undefined): MessageLanguage {
  return messageLanguageOf(parseLanguages(Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage));
}

/** Of the server's two languages, the one the caller's languages (most preferred first) name first, if either. */
function preferred(languages: readonly string[]): MessageLanguage | undefined {
  for (const l of languages) {
    const tag = l.toLowerCase();
    if (tag === 'da' || tag.startsWith('da-')) return 'da';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return undefined;
}

/** messageLanguage for the caller's languages already parsed, most preferred first (OperationContext.acceptLanguages). */
export function messageLanguageOf(languages: readonly string[]): MessageLanguage {
  return preferred(languages) ?? 'en';
}

/**
 * The language of what municipal staff read ($validate's findings, what writes, `$import-local` and the
 * package loads answer, `$local-codings`' warnings): English when the caller prefers English to Danish, Danish otherwise (the catalogs and
 * their users are Danish). Such texts are written
 * in both languages, this one first and the other as its translation.
 */
export function primaryLanguage(acceptLanguages: readonly string[]): Language {
  return preferred(acceptLanguages) ?? 'da';
}
