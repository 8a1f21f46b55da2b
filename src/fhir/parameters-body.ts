import { FhirError } from '../errors/fhir-error';
import { repeatedNameError } from './json-names';
import { firstRepeatedName } from './json-scan';
import { OPEN_OBJECT, CLOSE_OBJECT, OPEN_ARRAY, CLOSE_ARRAY, COMMA, COLON } from './json-bytes';
import { MAX_JSON_DEPTH, nestedTooDeep, TOO_DEEP, valueEnd } from './json-depth';

/**
 * Parses a request body of the form `{"resourceType":"Parameters","parameter":[{…},{…},…]}` without parsing the
 * same parameter twice: a $batch-validate-code of 10,000 codings repeats a few hundred distinct `validation`
 * parameters, and parsing each occurrence into its own object tree costs most of the request (and, kept alive for the
 * whole request, makes the garbage collector copy it around). Parameters that are byte for byte the same JSON become
 * one object, which the parameter list holds as often as the body gives it; operations read their input and do not
 * change it.
 *
 * The scan only finds where each parameter ends (a repeated one is recognised without scanning it, see
 * DistinctParameters); JSON.parse checks each distinct parameter's text, so the body is accepted exactly when
 * JSON.parse would accept it. Any other form (other keys, key order or escapes at the top level, a parameter that is
 * not an object, a syntax error) answers undefined, and the caller parses the body as a whole, which gives the same
 * value and JSON.parse's own error.
 */

/** Parameters longer than this are parsed without looking for an identical one (a tx-resource code system…). */
const MAX_SHARED_BYTES = 4096;

const RESOURCE_TYPE = Buffer.from('"resourceType"', 'latin1');
const PARAMETERS = Buffer.from('"Parameters"', 'latin1');
const PARAMETER = Buffer.from('"parameter"', 'latin1');

export interface ParsedBody {
  value: unknown;
}

function skipWhitespace(b: Buffer, i: number): number {
  while (i < b.length) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** The position after `token` (and the whitespace before it), or -1 when the body does not continue with it. */
function expectToken(b: Buffer, i: number, token: Buffer): number {
  i = skipWhitespace(b, i);
  if (i + token.length > b.length || b.compare(token, 0, token.length, i, i + token.length) !== 0) return -1;
  return i + token.length;
}

function expectByte(b: Buffer, i: number, byte: number): number {
  i = skipWhitespace(b, i);
  return b[i] === byte ? i + 1 : -1;
}

/** A distinct parameter: where its text is in the body, and its value. */
interface Known {
  start: number;
  end: number;
  value: unknown;
}

/** Bytes at the end of a parameter that its hash covers (a batch's parameters differ in the code, near the end). */
const HASHED_TAIL_BYTES = 48;

/**
 * Distinct parameters kept per hash: parameters that differ only before their hashed tail share a hash, and each
 * lookup compares with all of them (a body crafted that way must not make the scan quadratic).
 */
const MAX_SAME_HASH = 8;

/** Lengths of known parameters tried before scanning one (a batch's codes mostly have one or two lengths). */
const GUESSED_LENGTHS = 4;

/**
 * The distinct parameters of a body, by a hash of their text's tail, each confirmed by comparing the whole text.
 * A parameter whose text equals a known one is found without scanning it: a JSON object ends where its text ends,
 * so it is enough to try the lengths of the known ones.
 */
class DistinctParameters {
  private readonly byHash = new Map<number, Known[]>();
  private readonly lengths: number[] = [];

  constructor(private readonly b: Buffer) {}

  /** The known parameter whose text starts at `start`, found by trying the known lengths; undefined when none. */
  guess(start: number): Known | undefined {
    const b = this.b;
    for (let l = 0; l < this.lengths.length; l++) {
      const end = start + this.lengths[l]!;
      if (end <= b.length && b[end - 1] === CLOSE_OBJECT) {
        const known = this.find(start, end);
        if (known) return known;
      }
    }
    return undefined;
  }

  /** The known parameter whose text is the body's bytes from `start` to `end`. */
  find(start: number, end: number): Known | undefined {
    const candidates = this.byHash.get(this.hash(start, end));
    if (!candidates) return undefined;
    for (const known of candidates) {
      if (known.end - known.start === end - start && this.b.compare(this.b, known.start, known.end, start, end) === 0) return known;
    }
    return undefined;
  }

  /** Keeps a distinct parameter, unless its hash already names many (then it is parsed wherever it occurs). */
  add(known: Known): void {
    const hash = this.hash(known.start, known.end);
    const candidates = this.byHash.get(hash);
    if (!candidates) this.byHash.set(hash, [known]);
    else if (candidates.length < MAX_SAME_HASH) candidates.push(known);
    else return;
    const length = known.end - known.start;
    if (this.lengths.length < GUESSED_LENGTHS && !this.lengths.includes(length)) this.lengths.push(length);
  }

  private hash(start: number, end: number): number {
    const b = this.b;
    let h = Math.imul(0x811c9dc5 ^ (end - start), 16777619);
    for (let i = Math.max(start, end - HASHED_TAIL_BYTES); i < end; i++) h = Math.imul(h ^ b[i]!, 16777619);
    return h;
  }
}

/** 413 for a parameter list longer than the limit (MAX_PARAMETERS). */
export function tooManyParameters(limit: number): FhirError {
  return new FhirError(413, 'too-long', `The request has a list of more than ${limit} parameters; at most ${limit} are accepted in one list`, {
    da: `Forespørgslen har en liste med mere end ${limit} parametre; højst ${limit} modtages i én liste`,
  });
}

const NOT_JSON = Symbol('not JSON');

function parseSlice(b: Buffer, start: number, end: number): unknown {
  try {
    return JSON.parse(b.toString('utf8', start, end)) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/**
 * The Parameters body in `b` from `start` (after a byte order mark), identical parameters shared; undefined when the
 * body has another form or is not valid JSON (see above). Throws tooManyParameters once the list is longer than
 * `maxParameters`, without reading the rest.
 */
export function parseParametersBody(b: Buffer, start: number, maxParameters = Infinity): ParsedBody | undefined {
  let i = expectByte(b, start, OPEN_OBJECT);
  if (i < 0 || (i = expectToken(b, i, RESOURCE_TYPE)) < 0 || (i = expectByte(b, i, COLON)) < 0) return undefined;
  if ((i = expectToken(b, i, PARAMETERS)) < 0 || (i = expectByte(b, i, COMMA)) < 0) return undefined;
  if ((i = expectToken(b, i, PARAMETER)) < 0 || (i = expectByte(b, i, COLON)) < 0) return undefined;
  if ((i = expectByte(b, i, OPEN_ARRAY)) < 0) return undefined;

  const parameter: unknown[] = [];
  const distinct = new DistinctParameters(b);
  i = skipWhitespace(b, i);
  if (b[i] === CLOSE_ARRAY) {
    i++;
  } else {
    for (;;) {
      i = skipWhitespace(b, i);
      if (b[i] !== OPEN_OBJECT) return undefined;
      let parsed = distinct.guess(i);
      let end: number;
      if (parsed) {
        end = i + (parsed.end - parsed.start);
      } else {
        // the object (1) holds the array (2) that holds the parameters: each is checked before it is parsed
        end = valueEnd(b, i, MAX_JSON_DEPTH - 2);
        if (end === TOO_DEEP) throw nestedTooDeep();
        if (end < 0) return undefined;
        const shared = end - i <= MAX_SHARED_BYTES;
        parsed = shared ? distinct.find(i, end) : undefined;
        if (!parsed) {
          const value = parseSlice(b, i, end);
          if (value === NOT_JSON) return undefined;
          const repeated = firstRepeatedName(b, i, end, `Parameters.parameter[${parameter.length}]`);
          if (repeated) throw repeatedNameError(repeated);
          parsed = { start: i, end, value };
          if (shared) distinct.add(parsed);
        }
      }
      if (parameter.push(parsed.value) > maxParameters) throw tooManyParameters(maxParameters);
      i = skipWhitespace(b, end);
      if (b[i] === COMMA) {
        i++;
        continue;
      }
      if (b[i] !== CLOSE_ARRAY) return undefined;
      i++;
      break;
    }
  }
  if ((i = expectByte(b, i, CLOSE_OBJECT)) < 0 || skipWhitespace(b, i) !== b.length) return undefined;
  return { value: { resourceType: 'Parameters', parameter } };
}
