/** One language range of an Accept-Language or displayLanguage value, with its weight and place in the list. */
export interface LanguageRange {
  /** The tag as written (`da-DK`, `*`), trimmed; empty for an empty piece. */
  tag: string;
  /** Its weight: 1 when none is given, NaN when the one given is not a number. */
  q: number;
  index: number;
  /** Whether parameters (`;q=…` or others) follow the tag. */
  hasParameters: boolean;
}

const WEIGHT = /^q=/i;

/**
 * Splits `de-CH, de;q=0.8, *;q=0` into its ranges (RFC 9110 §12.4.2, where `q=` is a literal of any case). What a
 * list may hold, and how its ranges are ordered, is each reader's rule.
 */
export function languageRanges(value: string): LanguageRange[] {
  return value.split(',').map((piece, index) => {
    const [tag, ...params] = piece.split(';');
    const weight = params.map((p) => p.trim()).find((p) => WEIGHT.test(p));
    return { tag: (tag ?? '').trim(), q: weight === undefined ? 1 : Number(weight.slice(2)), index, hasParameters: params.length > 0 };
  });
}
