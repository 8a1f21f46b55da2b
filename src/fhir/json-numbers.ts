/**
 * FHIR's decimals are exact ("a rational number with implicit precision"), JSON.parse makes each number a double. A
 * number of more significant digits than a double holds comes out of JSON.parse as another value, and the server would
 * store and serve that one, silently: `12345678901234567890.10` as `12345678901234567000`, `0.10000000000000000555` as
 * `0.1`, `1e-400` as `0`. This finds the first number of a body whose value JSON.parse does not keep, scanning the bytes JSON.parse has
 * already accepted, so that such a body is refused with the reason instead. (Trailing zeros are not kept either —
 * `1.50` is served as `1.5`, the same value —, a limit of the server that the README states.)
 */

import { excerpt } from '../errors/excerpt';
import type { Bilingual } from '../errors/issue';
import { FhirError } from '../errors/fhir-error';
import { QUOTE, BACKSLASH, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA } from './json-bytes';
import { nameText } from './json-names';

/** A number whose value is not kept: its text, where it is (`$.concept[2].property[0].valueDecimal`), and what it would be. */
export interface InexactNumber {
  text: string;
  at: string;
  kept: string;
}

interface Frame {
  object: boolean;
  /** An object: the next string is a name (after `{` or `,`). */
  expectName: boolean;
  /** An object: where its last name is in the bytes (start, end) and whether it has an escape. */
  nameStart: number;
  nameEnd: number;
  escaped: boolean;
  /** An array: the index of the item being read. */
  index: number;
}

const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

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

/** Whether the number JSON.parse makes of this JSON number text has the value the text writes. */
export function keptExactly(text: string): boolean {
  const parsed = Number(text);
  return Number.isFinite(parsed) && sameValue(text, String(parsed));
}

/** Where the value being read is: each enclosing object's last name and each array's index. */
function pathOf(b: Buffer, frames: readonly Frame[], root: string): string {
  let path = root;
  for (const frame of frames) path += frame.object ? `.${nameText(b, frame.nameStart, frame.nameEnd, frame.escaped)}` : `[${frame.index}]`;
  return path;
}

/**
 * The first number in `b[start, end)` whose value JSON.parse does not keep, with where it is (from `root`, the path of the
 * value at `start`); undefined when every number is kept. A number beyond a double's range is left to the schema, which
 * refuses the Infinity JSON.parse makes of it. `b` must be JSON that JSON.parse accepts.
 */
export function firstInexactNumber(b: Buffer, start = 0, end = b.length, root = '$'): InexactNumber | undefined {
  const frames: Frame[] = [];
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      const from = i + 1;
      let escaped = false;
      for (i++; i < end; i++) {
        const s = b[i]!;
        if (s === QUOTE) break;
        if (s === BACKSLASH) {
          escaped = true;
          i++;
        }
      }
      const frame = frames[frames.length - 1];
      if (frame?.object && frame.expectName) {
        frame.expectName = false;
        frame.nameStart = from;
        frame.nameEnd = i;
        frame.escaped = escaped;
      }
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      let last = i + 1;
      let exponent = false;
      for (; last < end; last++) {
        const d = b[last]!;
        if (d === 0x65 || d === 0x45) exponent = true;
        else if (!isNumberByte(d)) break;
      }
      // most numbers are short: a double holds every number of up to 15 significant digits exactly, unless an exponent
      // takes it out of a double's range
      if (last - i > 15 || exponent) {
        const text = b.toString('latin1', i, last);
        const parsed = Number(text);
        // one beyond a double's range is Infinity, which every element's schema refuses (`must be <= …`) at its element
        if (Number.isFinite(parsed) && !sameValue(text, String(parsed))) return { text, at: pathOf(b, frames, root), kept: String(parsed) };
      }
      i = last - 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      frames.push({ object: c === OPEN_OBJECT, expectName: c === OPEN_OBJECT, nameStart: 0, nameEnd: 0, escaped: false, index: 0 });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      frames.pop();
    } else if (c === COMMA) {
      const frame = frames[frames.length - 1]!;
      if (frame.object) frame.expectName = true;
      else frame.index++;
    }
  }
  return undefined;
}

/** The bytes of a JSON number after its first, but for the exponent's `e` and `E`: digits, `.`, `+`, `-`. */
function isNumberByte(c: number): boolean {
  return (c >= DIGIT_0 && c <= DIGIT_9) || c === 0x2e || c === 0x2b || c === MINUS;
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
