import { parsedNow, parsedSoFar } from './parsed-now';

/**
 * A JSON array kept as its text, items parsed when they are read. One string instead of a tree of objects: the
 * garbage collector marks a string once, where it traces every object of a tree on every full collection (the 98
 * municipalities' catalogs are millions of objects as trees). Parsed JSON survives JSON.stringify and JSON.parse
 * unchanged (values and key order), so what is read back equals the original.
 */
export class PackedJsonArray<T = unknown> {
  /** JSON.stringify of the array, characters above U+00FF escaped so that the string stays one byte per character. */
  private readonly text: string;
  /** Where each item starts, then the length of the text (itemStarts): found on the first read of one item. */
  private starts?: Uint32Array;

  constructor(items: readonly T[]) {
    const text = JSON.stringify(items);
    this.text = ABOVE_LATIN1.test(text) ? oneByteCopy(text.replace(EVERY_ABOVE_LATIN1, escape)) : text;
  }

  get length(): number {
    return this.itemStarts().length - 1;
  }

  /** A new copy of item i. */
  item(i: number): T {
    const starts = this.itemStarts();
    if (!(i >= 0 && i < starts.length - 1)) throw new RangeError(`no item ${i} in a packed array of ${starts.length - 1}`);
    return JSON.parse(this.text.slice(starts[i], starts[i + 1]! - 1)) as T;
  }

  /** A new copy of the whole array. */
  all(): T[] {
    return JSON.parse(this.text) as T[];
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
    this.starts ??= itemStarts(this.text);
    return this.starts;
  }
}

const ABOVE_LATIN1 = /[\u0100-\uffff]/;
const EVERY_ABOVE_LATIN1 = /[\u0100-\uffff]/g;

/** A \u escape: in JSON text such characters occur only inside strings, where the escape reads back as the character. */
function escape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * The same Latin-1 text stored one byte per character: a replace on a two-byte string gives a two-byte string
 * whatever it holds, where JSON.parse makes each string as narrow as its characters allow.
 */
function oneByteCopy(latin1: string): string {
  return JSON.parse(JSON.stringify(latin1)) as string;
}

const QUOTE = 0x22, BACKSLASH = 0x5c, COMMA = 0x2c;
const OPEN_OBJECT = 0x7b, CLOSE_OBJECT = 0x7d, OPEN_ARRAY = 0x5b, CLOSE_ARRAY = 0x5d;

/**
 * Where the items of a JSON array written by JSON.stringify (no whitespace) start, and as a last entry the length
 * of the text: item i ends at starts[i + 1] - 1, the comma after it or the closing bracket.
 */
export function itemStarts(text: string): Uint32Array {
  const starts: number[] = [];
  if (text.length > 2) starts.push(1);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // to the closing quote: one not preceded by an odd number of backslashes
      for (;;) {
        i = text.indexOf('"', i + 1);
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
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
