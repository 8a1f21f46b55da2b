/** The name of an element's `value[x]` field (`valueCode`, `valueCoding` …), or undefined when it has none. */
export function valueField(element: object): string | undefined {
  return Object.keys(element).find((k) => k.startsWith('value'));
}
