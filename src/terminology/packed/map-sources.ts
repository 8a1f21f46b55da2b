import type { ConceptMapGroupElement } from 'fhir/r4';
import { listOf } from '../../fhir/json-object';
import { ownedBytes } from '../../fhir/serialized';

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
 * UTF-8 JSON, so that they take no objects on the heap: per row its `"code":…,"display":…`, which the answer writes
 * as it is (no serializing or encoding per request), and from which a request reads the code.
 */
export class SourceIndex {
  private readonly byTarget = new Map<string, number>();
  /** Per row: where its `"code":…,"display":…` starts, where the code's JSON string ends and where it all ends. */
  private readonly rowAt: Uint32Array;
  /** Per row: PLAIN_CODE and PLAIN_DISPLAY when they are strings JSON writes without escapes (read as they are, not parsed). */
  private readonly plain: Uint8Array;
  /** Per target code: its first row (the rows of a target code are consecutive), and one more: the end of the last. */
  private readonly firstRow: Uint32Array;
  private readonly rowMapping: Uint32Array;
  private readonly mappings: Mapping[] = [];
  private readonly bytes: Buffer;

  constructor(elements: readonly (ConceptMapGroupElement | undefined)[]) {
    const rows = new Map<string, { el: ConceptMapGroupElement; mapping: number }[]>();
    const mappingIds = new Map<string, number>();
    for (const el of elements) {
      if (!el?.code) continue;
      for (const t of listOf(el.target)) {
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
    this.firstRow = new Uint32Array(rows.size + 1);
    this.rowAt = new Uint32Array(3 * rowCount);
    this.plain = new Uint8Array(rowCount);
    this.rowMapping = new Uint32Array(rowCount);
    const pieces: string[] = [];
    let at = 0; // bytes of the pieces so far
    let row = 0;
    let k = 0;
    for (const [target, list] of rows) {
      this.byTarget.set(target, k);
      this.firstRow[k] = row;
      for (const { el, mapping } of list) {
        const code = JSON.stringify(el.code);
        const display = el.display ? JSON.stringify(el.display) : undefined;
        const fields = `${CODE_KEY}${code}${display === undefined ? '' : `${DISPLAY_KEY}${display}`}`;
        pieces.push(fields);
        this.rowAt[3 * row] = at;
        this.rowAt[3 * row + 1] = at + CODE_KEY.length + Buffer.byteLength(code);
        at += Buffer.byteLength(fields);
        this.rowAt[3 * row + 2] = at;
        this.plain[row] = (isPlain(el.code, code) ? PLAIN_CODE : 0) | (isPlain(el.display, display) ? PLAIN_DISPLAY : 0);
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
    return new SourceRows(this, this.firstRow[k]!, this.firstRow[k + 1]! - this.firstRow[k]!);
  }

  /** The target codes the rows state, each once. */
  targetCodes(): Iterable<string> {
    return this.byTarget.keys();
  }

  /** A row's code. */
  code(row: number): string {
    return this.value(this.rowAt[3 * row]! + CODE_KEY.length, this.rowAt[3 * row + 1]!, (this.plain[row]! & PLAIN_CODE) !== 0) as string;
  }

  /** A row's display. */
  display(row: number): string | undefined {
    const start = this.rowAt[3 * row + 1]! + DISPLAY_KEY.length;
    const end = this.rowAt[3 * row + 2]!;
    return start > end ? undefined : this.value(start, end, (this.plain[row]! & PLAIN_DISPLAY) !== 0) as string;
  }

  /** The value of the JSON at start…end: a string without escapes is what is between its quotes. */
  private value(start: number, end: number, plain: boolean): unknown {
    if (plain) return this.bytes.toString('utf8', start + 1, end - 1);
    return JSON.parse(this.bytes.toString('utf8', start, end));
  }

  /** A row's `"code":…,"display":…`. */
  json(row: number): ElementJson {
    return { bytes: this.bytes, start: this.rowAt[3 * row]!, end: this.rowAt[3 * row + 2]! };
  }

  mapping(row: number): Mapping {
    return this.mappings[this.rowMapping[row]!]!;
  }
}

const CODE_KEY = '"code":';
const DISPLAY_KEY = ',"display":';
const PLAIN_CODE = 1;
const PLAIN_DISPLAY = 2;

/** Whether `json` (JSON.stringify of `value`) is a string written without escapes. */
function isPlain(value: unknown, json: string | undefined): boolean {
  return typeof value === 'string' && json !== undefined && json.length === value.length + 2;
}

/** The rows that state one target code. */
export class SourceRows {
  constructor(private readonly index: SourceIndex | undefined, private readonly first: number, readonly count: number) {}

  /** Row i's code. */
  code(i: number): string {
    return this.index!.code(this.first + i);
  }

  /** Row i's code and display as JSON (see SourceIndex.json). */
  json(i: number): ElementJson {
    return this.index!.json(this.first + i);
  }

  /** Row i's display (the answer writes it from the row's JSON). */
  display(i: number): string | undefined {
    return this.index!.display(this.first + i);
  }

  /** Row i's equivalence and relationship. */
  mapping(i: number): Mapping {
    return this.index!.mapping(this.first + i);
  }
}

const NO_ROWS = new SourceRows(undefined, 0, 0);
