/** The name of an element's `value[x]` field (`valueCode`, `valueCoding` …), or undefined when it has none. */
export function valueField(element: object): string | undefined {
  return Object.keys(element).find((k) => k.startsWith('value'));
}

/** An element's `value[x]` when it is a primitive (string, number, boolean), else undefined. */
export function primitiveValue(element: object): string | number | boolean | undefined {
  const field = valueField(element);
  const v = field === undefined ? undefined : (element as Record<string, unknown>)[field];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}
