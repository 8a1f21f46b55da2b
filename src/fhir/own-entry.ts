/**
 * A table's entry for a key that comes from outside (a resource type, a header's value, a status code): its own, never
 * an inherited member of every object (a contained resource of type `constructor` or `__proto__`).
 */
export function ownEntry<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
