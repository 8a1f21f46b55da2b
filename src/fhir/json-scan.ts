/**
 * One pass over the bytes of a JSON text that JSON.parse has accepted, for what JSON.parse does not say: the first
 * property name an object gives twice (json-names.ts), and the first number whose value JSON.parse does not keep
 * (json-numbers.ts), each with where it is. A body is read once for both.
 *
 * No string is made for a name unless it has an escape, or its object already has many names (then a Set of them, so
 * an object of 100,000 names is not compared pairwise); names are compared as bytes.
 */

import { QUOTE, BACKSLASH, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA } from './json-bytes';
import type { RepeatedName } from './json-names';
import { inexactValue, type InexactNumber } from './json-numbers';

/** What a scan found: a repeated name is found wherever it is; a number only when asked for, and the first. */
export interface JsonTextFindings {
  repeated?: RepeatedName;
  inexact?: InexactNumber;
}

/** Names of one object compared pairwise up to this many; from then on through a Set. */
const PAIRWISE_NAMES = 16;

/** One open object or array on the way down to the byte being read. */
interface Frame {
  object: boolean;
  /** An object: the next string is a name (after `{` or `,`). */
  expectName: boolean;
  /** Where this object's names start in the name stack. */
  names: number;
  /** An object with many names: all of them, decoded. */
  set?: Set<string>;
  /** An array: the index of the item being read. */
  index: number;
}

const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** The text of a name (its bytes between the quotes), escapes read as JSON reads them. */
export function nameText(b: Buffer, start: number, end: number, escaped: boolean): string {
  return escaped ? (JSON.parse(b.toString('utf8', start - 1, end + 1)) as string) : b.toString('utf8', start, end);
}

/**
 * What `b[start, end)` holds of the two (paths from `root`, the path of the value at `start`): it stops at the first
 * repeated name; the first number whose value is not kept is looked for only with `numbers`. `b` must be JSON that
 * JSON.parse accepts.
 */
export function scanJsonText(b: Buffer, start = 0, end = b.length, root = '$', numbers = false): JsonTextFindings {
  let inexact: InexactNumber | undefined;
  const frames: Frame[] = [];
  // the names of the open objects, innermost last: start, end and whether it has an escape, three numbers each
  let nameStack = new Int32Array(96);
  let top = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === QUOTE) {
      const from = i + 1;
      let escaped = 0;
      for (i++; i < end; i++) {
        const s = b[i]!;
        if (s === QUOTE) break;
        if (s === BACKSLASH) {
          escaped = 1;
          i++;
        }
      }
      const frame = frames[frames.length - 1];
      if (!frame?.object || !frame.expectName) continue;
      frame.expectName = false;
      const count = (top - frame.names) / 3;
      if (frame.set || count >= PAIRWISE_NAMES) {
        if (!frame.set) {
          frame.set = new Set();
          for (let k = frame.names; k < top; k += 3) frame.set.add(nameText(b, nameStack[k]!, nameStack[k + 1]!, nameStack[k + 2] === 1));
        }
        const name = nameText(b, from, i, escaped === 1);
        if (frame.set.has(name)) return { repeated: { name, at: pathOf(b, frames, nameStack, top, frames.length - 1, root) }, inexact };
        frame.set.add(name);
      } else {
        for (let k = frame.names; k < top; k += 3) {
          const s0 = nameStack[k]!;
          const e0 = nameStack[k + 1]!;
          const same = escaped === 0 && nameStack[k + 2] === 0
            ? e0 - s0 === i - from && b.compare(b, s0, e0, from, i) === 0
            : nameText(b, s0, e0, nameStack[k + 2] === 1) === nameText(b, from, i, escaped === 1);
          if (same) return { repeated: { name: nameText(b, from, i, escaped === 1), at: pathOf(b, frames, nameStack, top, frames.length - 1, root) }, inexact };
        }
      }
      if (top + 3 > nameStack.length) {
        const grown = new Int32Array(nameStack.length * 2);
        grown.set(nameStack);
        nameStack = grown;
      }
      nameStack[top++] = from;
      nameStack[top++] = i;
      nameStack[top++] = escaped;
    } else if (c === OPEN_OBJECT) {
      frames.push({ object: true, expectName: true, names: top, index: 0 });
    } else if (c === OPEN_ARRAY) {
      frames.push({ object: false, expectName: false, names: top, index: 0 });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      top = frames.pop()!.names;
    } else if (c === COMMA) {
      const frame = frames[frames.length - 1]!;
      if (frame.object) frame.expectName = true;
      else frame.index++;
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
      if (numbers && inexact === undefined && (last - i > 15 || exponent)) {
        const text = b.toString('latin1', i, last);
        const kept = inexactValue(text);
        if (kept !== undefined) inexact = { text, at: pathOf(b, frames, nameStack, top, frames.length, root), kept };
      }
      i = last - 1;
    }
  }
  return { inexact };
}

/** The first property name an object in `b[start, end)` gives twice, with where the object is; see scanJsonText. */
export function firstRepeatedName(b: Buffer, start = 0, end = b.length, root = '$'): RepeatedName | undefined {
  return scanJsonText(b, start, end, root).repeated;
}

/**
 * The path of the value being read through the outermost `depth` frames: each object by the name whose value holds
 * the next frame (its last name so far), each array by its index.
 */
function pathOf(b: Buffer, frames: readonly Frame[], nameStack: Int32Array, top: number, depth: number, root: string): string {
  let path = root;
  for (let f = 0; f < depth; f++) {
    const frame = frames[f]!;
    if (frame.object) {
      const last = (f + 1 < frames.length ? frames[f + 1]!.names : top) - 3;
      path += `.${nameText(b, nameStack[last]!, nameStack[last + 1]!, nameStack[last + 2] === 1)}`;
    } else {
      path += `[${frame.index}]`;
    }
  }
  return path;
}

/** The bytes of a JSON number after its first, but for the exponent's `e` and `E`: digits, `.`, `+`, `-`. */
function isNumberByte(c: number): boolean {
  return (c >= DIGIT_0 && c <= DIGIT_9) || c === 0x2e || c === 0x2b || c === MINUS;
}
