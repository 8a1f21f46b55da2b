/**
 * FHIR's JSON rule that JSON itself leaves open: property names SHALL be unique within an object (R4 json.html).
 * JSON.parse keeps the last of two values for one name and says nothing, so a body `{"status": "active", "status":
 * "retired"}` would be validated and stored as something the client did not all send. This finds the first name an
 * object of a body gives twice, scanning the bytes JSON.parse has already accepted.
 *
 * Runs over every JSON body: no string is made for a name unless it has an escape, or its object already has many
 * names (then a Set of them, so an object of 100,000 names is not compared pairwise); names are compared as bytes.
 */

import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import { QUOTE, BACKSLASH, OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA } from './json-bytes';

/** A name an object gives twice: the name, and where the object is (`$`, `$.concept[3]`, `$.parameter[0].part[1]`). */
export interface RepeatedName {
  name: string;
  at: string;
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

/** The text of a name (its bytes between the quotes), escapes read as JSON reads them. */
export function nameText(b: Buffer, start: number, end: number, escaped: boolean): string {
  return escaped ? (JSON.parse(b.toString('utf8', start - 1, end + 1)) as string) : b.toString('utf8', start, end);
}

/**
 * The first property name an object in `b[start, end)` gives twice, with where the object is (from `root`, the path of
 * the value at `start`); undefined when every object's names are distinct. `b` must be JSON that JSON.parse accepts.
 */
export function firstRepeatedName(b: Buffer, start = 0, end = b.length, root = '$'): RepeatedName | undefined {
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
        if (frame.set.has(name)) return { name, at: pathOf(b, frames, nameStack, root) };
        frame.set.add(name);
      } else {
        for (let k = frame.names; k < top; k += 3) {
          const s0 = nameStack[k]!;
          const e0 = nameStack[k + 1]!;
          const same = escaped === 0 && nameStack[k + 2] === 0
            ? e0 - s0 === i - from && b.compare(b, s0, e0, from, i) === 0
            : nameText(b, s0, e0, nameStack[k + 2] === 1) === nameText(b, from, i, escaped === 1);
          if (same) return { name: nameText(b, from, i, escaped === 1), at: pathOf(b, frames, nameStack, root) };
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
    }
  }
  return undefined;
}

/** Where the innermost open object is: each enclosing object's last name and each array's index. */
function pathOf(b: Buffer, frames: readonly Frame[], nameStack: Int32Array, root: string): string {
  let path = root;
  for (let f = 0; f < frames.length - 1; f++) {
    const frame = frames[f]!;
    if (frame.object) {
      // the name whose value holds the next frame: this object's last name so far
      const last = frames[f + 1]!.names - 3;
      path += `.${nameText(b, nameStack[last]!, nameStack[last + 1]!, nameStack[last + 2] === 1)}`;
    } else {
      path += `[${frame.index}]`;
    }
  }
  return path;
}

/** What is wrong, in both languages: "the object at $.concept[1] has the property 'code' twice". */
export function repeatedNameText({ name, at }: RepeatedName): Bilingual {
  const where = excerpt(at, 200);
  return { en: `the object at ${where} has the property '${excerpt(name)}' twice`, da: `objektet ved ${where} har egenskaben '${excerpt(name)}' to gange` };
}

/** 400 for a body with a name given twice in one object, naming it and where. */
export function repeatedNameError(repeated: RepeatedName): FhirError {
  const { en, da } = repeatedNameText(repeated);
  return FhirError.invalid(`The request body is not valid FHIR JSON: ${en} (in FHIR's JSON an object names each property once)`, {
    da: `Forespørgslens krop er ikke gyldig FHIR JSON: ${da} (i FHIR's JSON nævner et objekt hver egenskab én gang)`,
  });
}
