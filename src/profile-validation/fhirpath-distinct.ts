import type * as Fhirpath from 'fhirpath';

/** FHIR's string-like primitive types: two of them are equal in FHIRPath exactly when their texts are. */
const TEXT_TYPES = new Set(['string', 'code', 'id', 'uri', 'url', 'canonical', 'oid', 'uuid', 'markdown', 'base64Binary']);

type Builtin = (this: unknown, inputs: unknown[]) => boolean[];
let builtin: Builtin | undefined;

/** The engine's own isDistinct(), for what the fast way does not settle. */
function engineIsDistinct(): Builtin {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  builtin ??= (require('fhirpath/src/existence.js') as { isDistinctFn: Builtin }).isDistinctFn;
  return builtin;
}

/** The text an item is equal by: a string literal, or an element of a string-like type with a value. */
function textOf(item: unknown): string | undefined {
  if (typeof item === 'string') return item;
  if (!item || typeof item !== 'object') return undefined;
  const node = item as { data?: unknown; fhirNodeDataType?: unknown };
  return typeof node.data === 'string' && typeof node.fhirNodeDataType === 'string' && TEXT_TYPES.has(node.fhirNodeDataType) ? node.data : undefined;
}

/**
 * FHIRPath `isDistinct()` with the engine's result, found with a set where the items are texts: the engine compares
 * every pair of primitive values, so csd-1 (`concept.code.combine(…).isDistinct()`) on a code system of 20,000
 * concepts took 36 s, and que-2 on a questionnaire of as many items as long. Other items go to the engine's own.
 */
function isDistinct(this: unknown, inputs: unknown[]): boolean[] {
  const seen = new Set<string>();
  for (const item of inputs) {
    const text = textOf(item);
    if (text === undefined) return engineIsDistinct().call(this, inputs);
    if (seen.has(text)) return [false];
    seen.add(text);
  }
  return [true];
}

export const IS_DISTINCT: Fhirpath.UserInvocationTable[string] = { fn: isDistinct, arity: { 0: [] }, internalStructures: true };
