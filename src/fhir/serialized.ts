import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParametersParameter } from 'fhir/r4';

/**
 * A resource already serialized as JSON by its operation, which still behaves as the resource it stands for wherever
 * code looks at it: `JSON.stringify` gives the same text (through toJSON), and the resource's elements can be read
 * (parsed on first access).
 */
abstract class SerializedJson {
  private parsed?: Record<string, unknown>;

  /** The JSON, as text. */
  protected abstract json(): string;

  /** The resource as an object (parsed once, on first use). */
  resource<T = Record<string, unknown>>(): T {
    this.parsed ??= JSON.parse(this.json()) as Record<string, unknown>;
    return this.parsed as T;
  }

  get resourceType(): string {
    return this.resource<{ resourceType: string }>().resourceType;
  }

  get parameter(): unknown {
    return this.resource<{ parameter?: unknown }>().parameter;
  }

  toJSON(): unknown {
    return this.resource();
  }
}

/**
 * A resource handed to the HTTP edge already serialized (UTF-8 JSON). Large answers made of many repeated parts (a
 * $batch-validate-code of 10,000 codings names the same few answers thousands of times) are kept as the sequence of
 * those parts' bytes instead of serializing and encoding every occurrence again, or copying them into one buffer: the
 * HTTP edge writes the chunks as they are.
 */
export class SerializedResource extends SerializedJson {
  private joined?: Buffer;
  /** Length of the JSON in bytes. */
  readonly byteLength: number;

  /** `chunks`: the JSON, in order; their concatenation is the resource's JSON. */
  constructor(readonly chunks: readonly Buffer[]) {
    super();
    let n = 0;
    for (const c of chunks) n += c.length;
    this.byteLength = n;
  }

  /** The JSON as one buffer (joined on first use). */
  get bytes(): Buffer {
    this.joined ??= this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks as Buffer[], this.byteLength);
    return this.joined;
  }

  protected json(): string {
    return this.bytes.toString('utf8');
  }
}

/**
 * A resource serialized as JSON text by its operation (a $translate answer written from its parts): invoke keeps the
 * text, which a batch entry takes as it is, and makes the bytes when the HTTP edge asks for them.
 */
export class SerializedText extends SerializedJson {
  constructor(readonly text: string) {
    super();
  }

  protected json(): string {
    return this.text;
  }
}

/**
 * A serialized ValueSet expansion (one buffer), with its identifier and timestamp and where they are: the response
 * cache keeps expansions as templates cut at these two values, which every answer gets afresh.
 */
export class SerializedExpansion extends SerializedResource {
  /**
   * `identifierAt`: the byte offset of the identifier's JSON string, followed by `,"timestamp":` and the timestamp's
   * JSON string (both ASCII).
   */
  constructor(readonly body: Buffer, readonly identifier: string, readonly timestamp: string, private readonly identifierAt: number) {
    super([body]);
  }

  /** The bytes before the identifier's JSON string, between it and the timestamp's, and after that. */
  aroundStamp(): [Buffer, Buffer, Buffer] {
    const idEnd = this.identifierAt + JSON.stringify(this.identifier).length;
    const tsStart = idEnd + TIMESTAMP_KEY.length;
    return [this.body.subarray(0, this.identifierAt), this.body.subarray(idEnd, tsStart), this.body.subarray(tsStart + JSON.stringify(this.timestamp).length)];
  }
}

const TIMESTAMP_KEY = ',"timestamp":';

/** The JSON of a resource, as UTF-8 bytes when it is already serialized, else as text. */
export function serializeResource(resource: unknown): string | Buffer {
  return resource instanceof SerializedResource ? resource.bytes : JSON.stringify(resource);
}

/**
 * Bytes kept past the request (a cache), in memory of their own: a buffer under 4 KB made by Buffer.from, concat or
 * allocUnsafe is a slice of an 8 KB block shared with the request's short-lived buffers, and keeping the slice keeps
 * the whole block.
 */
export function ownedBytes(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return b;
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

/** The JSON of a value as UTF-8 bytes, for assembling with serializedParameters. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

const PARAMETERS_HEAD = Buffer.from('{"resourceType":"Parameters","parameter":[', 'utf8');
const PARAMETERS_TAIL = Buffer.from(']}', 'utf8');
const COMMA = Buffer.from(',', 'utf8');
/** A Parameters without parameters: FHIR's JSON has no empty array. */
const NO_PARAMETERS = Buffer.from('{"resourceType":"Parameters"}', 'utf8');

/**
 * `{"resourceType":"Parameters","parameter":[…]}` from the JSON of each parameter (see jsonBytes): byte for byte
 * what JSON.stringify gives for the same Parameters object. The parts are not copied; a part may occur many times.
 */
export function serializedParameters(parameters: readonly Buffer[]): SerializedResource {
  const chunks: Buffer[] = new Array<Buffer>(parameters.length === 0 ? 2 : 2 * parameters.length + 1);
  let n = 0;
  chunks[n++] = PARAMETERS_HEAD;
  for (let i = 0; i < parameters.length; i++) {
    if (i > 0) chunks[n++] = COMMA;
    chunks[n++] = parameters[i]!;
  }
  chunks[n++] = PARAMETERS_TAIL;
  return new SerializedResource(chunks);
}

/** How many parameters `parametersInTurns` serializes before it lets other work run. */
export const PARAMETERS_SLICE = 2_000;

/**
 * A Parameters resource of many parameters, serialized a slice of them at a time with a turn of the event loop
 * between slices: the tens of megabytes of JSON of a large answer (a roll-up by district and month) are not made in
 * one block that holds up every other request. The parameters are taken from the iterable as they are written, so
 * they need not all exist at once. The text is JSON.stringify's of the resource.
 */
export async function parametersInTurns(parameters: Iterable<ParametersParameter>, slice = PARAMETERS_SLICE): Promise<SerializedResource> {
  const chunks: Buffer[] = [PARAMETERS_HEAD];
  let text = '';
  let written = 0;
  for (const p of parameters) {
    text += `${written === 0 ? '' : ','}${JSON.stringify(p)}`;
    if (++written % slice === 0) {
      chunks.push(Buffer.from(text, 'utf8'));
      text = '';
      await nextTurn();
    }
  }
  if (written === 0) return new SerializedResource([NO_PARAMETERS]);
  if (text !== '') chunks.push(Buffer.from(text, 'utf8'));
  chunks.push(PARAMETERS_TAIL);
  return new SerializedResource(chunks);
}
