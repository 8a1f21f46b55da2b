/** What a lazy resource reads its fields from on first use. */
const loaders = new WeakMap<object, () => Record<string, unknown>>();
const getters = new Map<string, () => unknown>();

/** The fields of a lazy resource from its loader, in place of the getters (each keeps its position among the keys). */
function materialize(stub: object): void {
  const load = loaders.get(stub);
  if (!load) return;
  loaders.delete(stub);
  const full = load();
  for (const key of Object.keys(stub)) {
    if (Object.getOwnPropertyDescriptor(stub, key)?.get) {
      Object.defineProperty(stub, key, { value: full[key], writable: true, enumerable: true, configurable: true });
    }
  }
}

/** One getter per field name, shared by every lazy resource: it fills its resource in and reads the field. */
function getterFor(key: string): () => unknown {
  let get = getters.get(key);
  if (!get) {
    get = function (this: Record<string, unknown>) {
      materialize(this);
      return this[key];
    };
    getters.set(key, get);
  }
  return get;
}

/**
 * A resource whose fields are read from `load` the first time one of them is used, except the `eager` ones (what
 * finding it by canonical needs: resourceType, id, url, version). `keys` are all its fields, in order; the object
 * has them all from the start, so it serializes, spreads and compares like the loaded resource.
 */
export function lazyResource<T extends object>(keys: readonly string[], eager: Record<string, unknown>, load: () => Record<string, unknown>): T {
  const stub = {};
  for (const key of keys) {
    Object.defineProperty(stub, key, Object.prototype.hasOwnProperty.call(eager, key)
      ? { value: eager[key], writable: true, enumerable: true, configurable: true }
      : { get: getterFor(key), enumerable: true, configurable: true });
  }
  loaders.set(stub, load);
  return stub as T;
}
