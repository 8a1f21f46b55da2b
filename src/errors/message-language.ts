import type { Language } from './issue';

export type MessageLanguage = Language;

/**
 * The language of the server's error and write messages: Danish when the caller's first Accept-Language is Danish
 * (`da`, `da-DK`; the web page asks so), English otherwise, as terminology clients and their test suites expect.
 * (What municipal staff read has its own rule, `primaryLanguage`.)
 */
export function messageLanguage(acceptLanguage: string | string[] | undefined): MessageLanguage {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : acceptLanguage ?? '';
  const first = header.split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: (tag ?? '').trim().toLowerCase(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((l) => l.tag !== '' && l.tag !== '*' && l.q > 0)
    .sort((a, b) => b.q - a.q)[0]?.tag;
  return messageLanguageOf(first === undefined ? [] : [first]);
}

/** messageLanguage for the caller's languages already parsed, most preferred first (OperationContext.acceptLanguages). */
export function messageLanguageOf(languages: readonly string[]): MessageLanguage {
  const first = languages[0]?.toLowerCase();
  return first === 'da' || first?.startsWith('da-') ? 'da' : 'en';
}

/**
 * The language of what municipal staff read ($validate's findings, `$local-codings`' warnings): English when the
 * caller's first Accept-Language is English, Danish otherwise (the catalogs and their users are Danish). Such texts
 * are written in both languages, this one first and the other as its translation.
 */
export function primaryLanguage(acceptLanguages: readonly string[]): Language {
  const first = acceptLanguages[0]?.toLowerCase();
  return first === 'en' || first?.startsWith('en-') ? 'en' : 'da';
}
