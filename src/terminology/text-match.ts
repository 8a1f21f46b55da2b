import { FhirError } from '../errors/fhir-error';

/**
 * Danish-aware, case- and accent-insensitive text normalisation for $expand filters and display comparison.
 * æ/ø/å fold to their two-letter spellings (ae/oe/aa), so "faerdig" and "færdig" both find "Færdighedstræning".
 */
export function foldText(text: string): string {
  let folded = text.toLowerCase();
  // ASCII has nothing to compose or decompose: most texts
  if (!NOT_ASCII.test(folded)) return folded;
  folded = composed(folded);
  if (DANISH_LETTER.test(folded)) folded = folded.replace(DANISH_LETTERS, (c) => SPELLED_OUT[c]!);
  return NOT_ASCII.test(folded) ? folded.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : folded;
}

/**
 * A text with its letters composed (Unicode NFC): an å typed as a and a combining ring (as some keyboards and pasted
 * text give it) is the letter å, which is the same text by Unicode's canonical equivalence.
 */
export function composed(text: string): string {
  return NOT_ASCII.test(text) ? text.normalize('NFC') : text;
}

const DANISH_LETTER = /[æøå]/;
const DANISH_LETTERS = /[æøå]/g;
const SPELLED_OUT: Record<string, string> = { æ: 'ae', ø: 'oe', å: 'aa' };
const NOT_ASCII = /[^\x00-\x7f]/;

export function words(folded: string): string[] {
  return folded.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/** The longest text filter taken: a typed search, or a pasted display (KL's are under 250 characters). */
export const MAX_TEXT_FILTER_LENGTH = 1000;

/** How many characters (code points: an emoji is one) a text has, counted up to `upTo`. */
function characters(text: string, upTo: number): number {
  let n = 0;
  for (const _ of text) if (++n >= upTo) break;
  return n;
}

/** Marks the start of each word of a code in a search haystack (after the texts): a character no text or term has. */
const CODE_WORD = '\u0002';

/**
 * A filter compiled once per request: every word of the filter must occur in one of the texts (display, designations;
 * folded: case, accents, æ/ø/å), or start a word of the code, as typed (not folded: a code is not Danish text, and
 * "æ" spelled "ae" would otherwise be found inside every hexadecimal UUID that has those two letters).
 */
export class TextFilter {
  private readonly terms: string[];
  private readonly codeTerms: string[];

  constructor(filter: string) {
    if (filter.length > MAX_TEXT_FILTER_LENGTH && characters(filter, MAX_TEXT_FILTER_LENGTH + 1) > MAX_TEXT_FILTER_LENGTH) {
      throw new FhirError(400, 'too-long', `The text filter is longer than ${MAX_TEXT_FILTER_LENGTH} characters`, {
        expression: ['filter'], da: `Tekstfilteret er længere end ${MAX_TEXT_FILTER_LENGTH} tegn`,
      });
    }
    const terms = words(foldText(filter));
    const typed = words(filter.toLowerCase());
    const codeTerms = typed.length === terms.length ? typed : terms;
    // a word given twice asks nothing more
    const seen = new Set<string>();
    this.terms = [];
    this.codeTerms = [];
    terms.forEach((t, i) => {
      const pair = `${t}\u0000${codeTerms[i]}`;
      if (seen.has(pair)) return;
      seen.add(pair);
      this.terms.push(t);
      this.codeTerms.push(CODE_WORD + codeTerms[i]);
    });
  }

  get isEmpty(): boolean {
    return this.terms.length === 0;
  }

  matches(texts: readonly (string | undefined)[], code?: string): boolean {
    return this.terms.length === 0 || this.matchesFolded(searchHaystack(texts, code));
  }

  /**
   * How well a haystack `matchesFolded` takes matches, for listing the best first (a pick list's typeahead: "kol" puts
   * "… relateret til KOL" before "Nonfarmakologisk …"), lower is better: 0 the display is the filter; 1 the display
   * starts with the filter's words in order (the last as typed so far); 2 every word of the filter starts a word of the
   * display; 3 … of one of the texts (a designation); 4 a word found only inside a word, or in the code.
   */
  rankFolded(haystack: string): number {
    if (this.terms.length === 0) return 0;
    const codeAt = haystack.indexOf(CODE_WORD);
    const texts = (codeAt < 0 ? haystack : haystack.slice(0, codeAt)).split('\u0000');
    const display = words(texts[0] ?? '');
    const n = this.terms.length;
    if (display.length >= n && this.terms.every((t, i) => (i < n - 1 ? display[i] === t : display[i]!.startsWith(t)))) {
      return display.length === n && display[n - 1] === this.terms[n - 1] ? 0 : 1;
    }
    const startsWords = (textWords: string[]) => this.terms.every((t) => textWords.some((w) => w.startsWith(t)));
    if (startsWords(display)) return 2;
    return texts.slice(1).some((t) => startsWords(words(t))) ? 3 : 4;
  }

  /** `matches` over a haystack made beforehand with `searchHaystack` (what an expansion keeps per code). */
  matchesFolded(haystack: string): boolean {
    const codeAt = haystack.indexOf(CODE_WORD);
    const textsEnd = codeAt < 0 ? haystack.length : codeAt;
    for (let i = 0; i < this.terms.length; i++) {
      // the texts come first, so a term's first occurrence is in them when it is there at all
      const at = haystack.indexOf(this.terms[i]!);
      if (at >= 0 && at < textsEnd) continue;
      if (codeAt >= 0 && haystack.includes(this.codeTerms[i]!, codeAt)) continue;
      return false;
    }
    return true;
  }
}

/**
 * A code's texts folded once and joined, then its code's words, for `TextFilter.matchesFolded`: a filter term is made
 * of letters and digits only, so it occurs in the joined texts exactly when it occurs in one of them. A text given
 * twice (a code's display is mostly its code system's display too) is folded once.
 */
export function searchHaystack(texts: readonly (string | undefined)[], code?: string): string {
  const folded = texts.filter((t, i): t is string => !!t && texts.indexOf(t) === i).map(foldText).join('\u0000');
  return code ? folded + words(code.toLowerCase()).map((w) => CODE_WORD + w).join('') : folded;
}

/** Display comparison as validators do it: exact, or equal ignoring case and runs of whitespace. */
export function normaliseWhitespace(s: string): string {
  return s.trim().replace(/\s+/g, ' ');
}
