/**
 * A resource handed to the HTTP edge already serialized (UTF-8 JSON). Large answers made of many repeated parts (a
 * $batch-validate-code of 10,000 codings names the same few answers thousands of times) are assembled from the JSON
 * of each distinct part instead of serializing and encoding every occurrence again; the HTTP edge writes the bytes
 * as they are.
 *
 * It still behaves as the resource it stands for wherever code looks at it: `JSON.stringify` gives the same text
 * (through toJSON), and the resource's elements can be read (parsed on first access).
 */
export class SerializedResource {
  private parsed?: Record<string, unknown>;

  constructor(readonly bytes: Buffer) {}

  /** The resource as an object (parsed once, on first use). */
  resource<T = Record<string, unknown>>(): T {
    this.parsed ??= JSON.parse(this.bytes.toString('utf8')) as Record<string, unknown>;
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

/** The JSON of a resource, as UTF-8 bytes when it is already serialized, else as text. */
export function serializeResource(resource: unknown): string | Buffer {
  return resource instanceof SerializedResource ? resource.bytes : JSON.stringify(resource);
}

/** The JSON of a value as UTF-8 bytes, for assembling with serializedParameters. */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

const PARAMETERS_HEAD = Buffer.from('{"resourceType":"Parameters","parameter":[', 'utf8');
const PARAMETERS_TAIL = Buffer.from(']}', 'utf8');
const COMMA = Buffer.from(',', 'utf8');

/**
 * `{"resourceType":"Parameters","parameter":[…]}` from the JSON of each parameter (see jsonBytes): byte for byte
 * what JSON.stringify gives for the same Parameters object.
 */
export function serializedParameters(parameters: readonly Buffer[]): SerializedResource {
  const chunks: Buffer[] = [PARAMETERS_HEAD];
  for (let i = 0; i < parameters.length; i++) {
    if (i > 0) chunks.push(COMMA);
    chunks.push(parameters[i]!);
  }
  chunks.push(PARAMETERS_TAIL);
  return new SerializedResource(Buffer.concat(chunks));
}
