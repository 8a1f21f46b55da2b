/**
 * FHIR's decimals are exact ("a rational number with implicit precision"), JSON.parse makes each number a double. A
 * number of more significant digits than a double holds comes out of JSON.parse as another value, and the server would
 * store and serve that one, silently: `12345678901234567890.10` as `12345678901234567000`, `0.10000000000000000555` as
 * `0.1`, `1e-400` as `0`. A body with such a number is refused with the reason instead (the number found by
 * json-scan.ts in the bytes JSON.parse has already accepted). (Trailing zeros are not kept either —
 * `1.50` is served as `1.5`, the same value —, a limit of the server that the README states.)
 */

import { excerpt } from '../errors/excerpt';
import type { Bilingual } from '../errors/issue';
import { FhirError } from '../errors/fhir-error';

/** A number whose value is not kept: its text, where it is (`CodeSystem.concept[2].property[0].valueDecimal`), and what it would be. */
export interface InexactNumber {
  text: string;
  at: string;
  kept: string;
}

/** A number's value as its significant digits (no leading or trailing zeros) and the power of ten of the last one. */
function decimalValue(text: string): { negative: boolean; digits: string; exponent: number } {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return { negative: false, digits: text, exponent: NaN };
  const whole = m[2] ?? '';
  const fraction = m[3] ?? '';
  let digits = (whole + fraction).replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - fraction.length;
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  // zero has one value whatever its sign and exponent
  return digits === '' ? { negative: false, digits: '', exponent: 0 } : { negative: m[1] === '-', digits, exponent };
}

/** Whether two number texts write the same value. */
function sameValue(a: string, b: string): boolean {
  const x = decimalValue(a);
  const y = decimalValue(b);
  return x.negative === y.negative && x.digits === y.digits && x.exponent === y.exponent;
}

/**
 * The value JSON.parse makes of a JSON number text, as text, when it is another value than the text writes; undefined
 * when the value is kept, and for a number beyond a double's range: that is Infinity, which every element's schema
 * refuses (`must be <= …`) at its element.
 */
export function inexactValue(text: string): string | undefined {
  const parsed = Number(text);
  if (!Number.isFinite(parsed)) return undefined;
  const kept = String(parsed);
  return sameValue(text, kept) ? undefined : kept;
}

/** What is wrong, in both languages. */
export function inexactNumberText({ text, at, kept }: InexactNumber): Bilingual {
  const number = excerpt(text, 60);
  const where = excerpt(at, 200);
  const as = excerpt(kept, 60);
  if (Number(kept) === 0) {
    return {
      en: `the number ${number} at ${where} is nearer to zero than the numbers this server keeps: it would be stored as 0`,
      da: `tallet ${number} ved ${where} er nærmere nul end de tal, serveren gemmer: det ville blive gemt som 0`,
    };
  }
  return {
    en: `the number ${number} at ${where} has more significant digits than this server keeps exactly (15): it would be stored as ${as}`,
    da: `tallet ${number} ved ${where} har flere betydende cifre, end serveren gemmer nøjagtigt (15): det ville blive gemt som ${as}`,
  };
}

/** 422 for a body with a number whose value would not be kept, naming it and where. */
export function inexactNumberError(inexact: InexactNumber): FhirError {
  const { en, da } = inexactNumberText(inexact);
  return new FhirError(422, 'not-supported', `The request body cannot be kept as sent: ${en}. Send the value with at most 15 significant digits`, {
    da: `Forespørgslens krop kan ikke gemmes, som den er sendt: ${da}. Send værdien med højst 15 betydende cifre`,
    expression: inexact.at.startsWith('$') ? undefined : [inexact.at],
  });
}
