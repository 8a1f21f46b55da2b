/** A copy of `source` with the field `key` (which `source` has) described by `field`; the other fields are shared. */
export function copyWithField<T extends object>(source: T, key: string, field: PropertyDescriptor): T {
  const copy = {} as T;
  for (const [k, value] of Object.entries(source)) {
    // defineProperty for the data fields too: parsed JSON may have an own "__proto__" key, which `copy[k] =` would not create
    Object.defineProperty(copy, k, k === key ? { enumerable: true, configurable: true, ...field } : { value, writable: true, enumerable: true, configurable: true });
  }
  return copy;
}

/** A copy of `source` (same fields, same order) whose field `key` is read through `get`, a new value on each read. */
export function withLazyField<T extends object>(source: T, key: string, get: () => unknown): T {
  return copyWithField(source, key, { get });
}
