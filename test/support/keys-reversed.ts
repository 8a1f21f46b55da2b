/** The value with every object's keys in reverse order (as another tool may write them); arrays keep their order. */
export function keysReversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(keysReversed);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, keysReversed(v)]));
}
