import type { ConceptMapGroupElement } from 'fhir/r4';
import { ownedBytes } from '../../fhir/serialized';

function arr<T>(value: T[] | undefined): T[] {
  return Array.isArray(value) ? value : [];
}

/** Where a row's `"code":…,"display":…` is: UTF-8 JSON, as JSON.stringify writes them (a range, not a Buffer of its own per request). */
export interface ElementJson {
  readonly bytes: Buffer;
  readonly start: number;
  readonly end: number;
}

/** A target's equivalence (R4) and relationship (R5). */
type Mapping = readonly [equivalence: string | undefined, relationship: string | undefined];

/**
 * The elements of a group that state a target code, one row per such target, in the order of the elements and of
 * their targets (elements without a code left out): what a reverse $translate answers with. The rows are kept as
 * UTF-8 JSON, so that they take no objects on the heap: per target code the array of its rows' codes (what a request
 * reads), and per row its `"code":…,"display":…`, which the answer writes as it is (no serializing or encoding per
 * request).
 */
export class SourceIndex {
  private readonly byTarget = new Map<string, number>();
  /** Per target code: where the JSON array of its rows' codes starts in `bytes` (it ends where its first row starts). */
  private readonly codesAt: Uint32Array;
  /** Per row: where its `"code":…,"display":…` starts and ends; the rows of a target code are consecutive. */
  private readonly rowAt: Uint32Array;
  /** Per target code: its first row. */
  private readonly firstRow: Uint32Array;
  private readonly rowMapping: Uint32Array;
  private readonly mappings: Mapping[] = [];
  private readonly bytes: Buffer;

  constructor(elements: readonly (ConceptMapGroupElement | undefined)[]) {
    const rows = new Map<string, { el: ConceptMapGroupElement; mapping: number }[]>();
    const mappingIds = new Map<string, number>();
    for (const el of elements) {
      if (!el?.code) continue;
      for (const t of arr(el.target)) {
        if (typeof t?.code !== 'string') continue;
        const relationship = (t as { relationship?: string }).relationship;
        const key = JSON.stringify([t.equivalence, relationship]);
        let mapping = mappingIds.get(key);
        if (mapping === undefined) {
          mapping = this.mappings.push([t.equivalence, relationship]) - 1;
          mappingIds.set(key, mapping);
        }
        const list = rows.get(t.code);
        if (list) list.push({ el, mapping });
        else rows.set(t.code, [{ el, mapping }]);
      }
    }
    let rowCount = 0;
    for (const list of rows.values()) rowCount += list.length;
    this.codesAt = new Uint32Array(rows.size);
    this.firstRow = new Uint32Array(rows.size + 1);
    this.rowAt = new Uint32Array(2 * rowCount);
    this.rowMapping = new Uint32Array(rowCount);
    const pieces: string[] = [];
    let at = 0; // bytes of the pieces so far
    let row = 0;
    let k = 0;
    for (const [target, list] of rows) {
      this.byTarget.set(target, k);
      this.codesAt[k] = at;
      this.firstRow[k] = row;
      const codes = JSON.stringify(list.map(({ el }) => el.code));
      pieces.push(codes);
      at += Buffer.byteLength(codes);
      for (const { el, mapping } of list) {
        const fields = `"code":${JSON.stringify(el.code)}${el.display ? `,"display":${JSON.stringify(el.display)}` : ''}`;
        pieces.push(fields);
        this.rowAt[2 * row] = at;
        at += Buffer.byteLength(fields);
        this.rowAt[2 * row + 1] = at;
        this.rowMapping[row] = mapping;
        row++;
      }
      k++;
    }
    this.firstRow[k] = row;
    this.bytes = ownedBytes(Buffer.from(pieces.join(''), 'utf8'));
  }

  /** The rows of a target code (none when no element states it). */
  stating(code: string): SourceRows {
    const k = this.byTarget.get(code);
    if (k === undefined) return NO_ROWS;
    const first = this.firstRow[k]!;
    const codes = JSON.parse(this.bytes.toString('utf8', this.codesAt[k], this.rowAt[2 * first])) as string[];
    return new SourceRows(this, first, codes);
  }

  /** A row's `"code":…,"display":…`. */
  json(row: number): ElementJson {
    return { bytes: this.bytes, start: this.rowAt[2 * row]!, end: this.rowAt[2 * row + 1]! };
  }

  mapping(row: number): Mapping {
    return this.mappings[this.rowMapping[row]!]!;
  }
}

/** The rows that state one target code. */
export class SourceRows {
  constructor(private readonly index: SourceIndex | undefined, private readonly first: number, readonly codes: readonly string[]) {}

  /** Row i's code and display as JSON (see SourceIndex.json). */
  json(i: number): ElementJson {
    return this.index!.json(this.first + i);
  }

  /** Row i's display (read from its JSON: the answer does not need it). */
  display(i: number): string | undefined {
    const { bytes, start, end } = this.json(i);
    return (JSON.parse(`{${bytes.toString('utf8', start, end)}}`) as { display?: string }).display;
  }

  /** Row i's equivalence and relationship. */
  mapping(i: number): Mapping {
    return this.index!.mapping(this.first + i);
  }
}

const NO_ROWS = new SourceRows(undefined, 0, []);
