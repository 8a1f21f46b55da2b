/**
 * Items in the order they came, each kept once (by its key). The keys seen are made into a set when a second item
 * comes: most lists of a validation hold one item or none, and a long one (a CodeableConcept may have 100,000
 * codings) is not searched item by item.
 */
export class DistinctList<T> {
  readonly items: T[] = [];
  private keys?: Set<string>;

  constructor(private readonly keyOf: (item: T) => string) {}

  /** Adds the item unless one with the same key is there; returns whether it was added. */
  add(item: T): boolean {
    if (this.items.length > 0) {
      this.keys ??= new Set([this.keyOf(this.items[0]!)]);
      const key = this.keyOf(item);
      if (this.keys.has(key)) return false;
      this.keys.add(key);
    }
    this.items.push(item);
    return true;
  }
}
