import { parsedNow, parsedSoFar } from './parsed-now';

/**
 * A JSON array kept as its text, items parsed when they are read. One string instead of a tree of objects: the
 * garbage collector marks a string once, where it traces every object of a tree on every full collection (the 98
 * municipalities' catalogs are millions of objects as trees). Parsed JSON survives JSON.stringify and JSON.parse
 * unchanged (values and key order), so what is read back equals the original.
 *
 * The text is kept as Latin-1 bytes outside V8's heap rather than as a string: a catalog's list is hundreds of KB, and
 * each such string is a large object of its own, which every young-generation collection visits before it copies
 * (bench/README.md, "Why a young-generation collection costs more"). Reading an item decodes its bytes, a copy.
 */
export class PackedJsonArray<T = unknown> {
  /** JSON.stringify of the array, characters above U+00FF escaped, as Latin-1: one byte per character. */
  private readonly bytes: Buffer;
  /** Where each item starts, then the length of the text (itemStarts): found on the first read of one item. */
  private starts?: Uint32Array;

  constructor(items: readonly T[]) {
    const text = JSON.stringify(items);
    this.bytes = Buffer.from(ABOVE_LATIN1.test(text) ? text.replace(EVERY_ABOVE_LATIN1, escape) : text, 'latin1');
  }

  get length(): number {
    return this.itemStarts().length - 1;
  }

  /** A new copy of item i. */
  item(i: number): T {
    const starts = this.itemStarts();
    if (!(i >= 0 && i < starts.length - 1)) throw new RangeError(`no item ${i} in a packed array of ${starts.length - 1}`);
    return JSON.parse(this.bytes.toString('latin1', starts[i], starts[i + 1]! - 1)) as T;
  }

  /** A new copy of the whole array. */
  all(): T[] {
    return JSON.parse(this.bytes.toString('latin1')) as T[];
  }

  /** The whole array, parsed once for the computation running now and shared by its reads (parsed-now.ts): not to be changed. */
  parsedNow(): readonly T[] {
    return parsedNow(this, () => this.all());
  }

  /** Item i as parsedNow parsed it, when the computation running now parsed the array; else a new copy. */
  itemNow(i: number): T {
    const list = parsedSoFar<T>(this);
    if (!list) return this.item(i);
    if (!(i >= 0 && i < list.length)) throw new RangeError(`no item ${i} in a packed array of ${list.length}`);
    return list[i]!;
  }

  private itemStarts(): Uint32Array {
    this.starts ??= itemStarts(this.bytes);
    return this.starts;
  }
}

const ABOVE_LATIN1 = /[\u0100-\uffff]/;
const EVERY_ABOVE_LATIN1 = /[\u0100-\uffff]/g;

/** A \u escape: in JSON text such characters occur only inside strings, where the escape reads back as the character. */
function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

/**
 * Where the items of a JSON array written by JSON.stringify (no whitespace) start, and as a last entry the length
 * of the text: item i ends at starts[i + 1] - 1, the comma after it or the closing bracket. The text is one byte per
 * character (Latin-1 or ASCII).
 */
export function itemStarts(text: Uint8Array): Uint32Array {
  const starts: number[] = [];
  if (text.length > 2) starts.push(1);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === QUOTE) {
      // to the closing quote: one not preceded by an odd number of backslashes
      for (;;) {
        i = text.indexOf(QUOTE, i + 1);
        let backslashes = 0;
        while (text[i - 1 - backslashes] === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COMMA && depth === 1) {
      starts.push(i + 1);
    }
  }
  starts.push(text.length);
  return Uint32Array.from(starts);
}
