/**
 * Objects listed without being kept alive: to empty every one of them that is still in use at once (the renderer's
 * kept JSON when it is full) without keeping those of an answered request's own resources. Listing the same object
 * again is a no-op until the list is emptied; references to collected objects are dropped as the list grows.
 */
export class WeakList<T extends object> {
  private listed = new WeakSet<T>();
  private refs: WeakRef<T>[] = [];
  private pruneAt = 1024;

  add(item: T): void {
    if (this.listed.has(item)) return;
    this.listed.add(item);
    this.refs.push(new WeakRef(item));
    if (this.refs.length >= this.pruneAt) {
      this.refs = this.refs.filter((ref) => ref.deref() !== undefined);
      this.pruneAt = Math.max(1024, this.refs.length * 2);
    }
  }

  /** Calls `empty` for each listed object still alive, and empties the list. */
  drain(empty: (item: T) => void): void {
    const refs = this.refs;
    this.refs = [];
    this.listed = new WeakSet();
    this.pruneAt = 1024;
    for (const ref of refs) {
      const item = ref.deref();
      if (item !== undefined) empty(item);
    }
  }
}
