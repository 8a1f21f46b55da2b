/**
 * A table's entry for a key a request gave (a resource type, an element's path): its own, never an inherited member of
 * every object (a contained resource of type `constructor` or `__proto__`).
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
