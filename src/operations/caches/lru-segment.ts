/** An entry of an LruSegment: its neighbours there, and what it weighs against a byte budget. */
export interface SegmentEntry<E> {
  older: E | undefined;
  newer: E | undefined;
  bytes: number;
}

/**
 * Entries in the order they were last put or moved here, oldest first, with their count and bytes: a doubly linked
 * list through the entries themselves, so that adding, moving to the newest end and removing take no allocation.
 */
export class LruSegment<E extends SegmentEntry<E>> {
  oldest: E | undefined;
  newest: E | undefined;
  count = 0;
  bytes = 0;

  /** Adds an entry (in no segment) at the newest end. */
  push(entry: E): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
    this.count++;
    this.bytes += entry.bytes;
  }

  /** Takes an entry of this segment out of it. */
  remove(entry: E): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
    this.count--;
    this.bytes -= entry.bytes;
  }

  /** Moves an entry of this segment to the newest end. */
  touch(entry: E): void {
    if (entry === this.newest) return;
    this.remove(entry);
    this.push(entry);
  }

  clear(): void {
    this.oldest = undefined;
    this.newest = undefined;
    this.count = 0;
    this.bytes = 0;
  }
}
