/**
 * Danish-aware, case- and accent-insensitive text normalisation for $expand filters and display comparison.
 * æ/ø/å fold to their two-letter spellings (ae/oe/aa), so "faerdig" and "færdig" both find "Færdighedstræning".
 */
export function foldText(text: string): string {
  let folded = text.toLowerCase();
  if (DANISH_LETTER.test(folded)) folded = folded.replace(DANISH_LETTERS, (c) => SPELLED_OUT[c]!);
  // ASCII has nothing to decompose: most texts, once æ, ø and å are spelled out
  return NOT_ASCII.test(folded) ? folded.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : folded;
}

const DANISH_LETTER = /[æøå]/;
const DANISH_LETTERS = /[æøå]/g;
const SPELLED_OUT: Record<string, string> = { æ: 'ae', ø: 'oe', å: 'aa' };
const NOT_ASCII = /[^\x00-\x7f]/;

export function words(folded: string): string[] {
  return folded.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/** A filter compiled once per request: every word of the filter must start a word of the text, or occur in it. */
export class TextFilter {
  private readonly terms: string[];

  constructor(filter: string) {
    this.terms = words(foldText(filter));
  }

  get isEmpty(): boolean {
    return this.terms.length === 0;
  }

  matches(texts: readonly (string | undefined)[]): boolean {
    if (this.terms.length === 0) return true;
    const folded = texts.filter((t): t is string => !!t).map(foldText);
    return this.terms.every((term) => folded.some((t) => t.includes(term)));
  }

  /** `matches` over texts folded beforehand with `foldForSearch` (what an expansion keeps per code). */
  matchesFolded(haystack: string): boolean {
    return this.terms.every((term) => haystack.includes(term));
  }
}

/**
 * Texts folded once and joined for `TextFilter.matchesFolded`: a filter term is made of letters and digits only, so
 * it occurs in the joined string exactly when it occurs in one of the texts. A text given twice (a code's display is
 * mostly its code system's display too) is folded once.
 */
export function foldForSearch(texts: readonly (string | undefined)[]): string {
  return texts.filter((t, i): t is string => !!t && texts.indexOf(t) === i).map(foldText).join('\u0000');
}

/** Display comparison as validators do it: exact, or equal ignoring case and runs of whitespace. */
export function normaliseWhitespace(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}
