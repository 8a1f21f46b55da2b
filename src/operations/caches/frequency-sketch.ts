/** Most a counter counts to (four bits' worth, as TinyLFU keeps them): enough to tell popular from rare. */
const MAX_COUNT = 15;
const ROWS = 4;

/** A 32-bit FNV-1a hash of a key's UTF-16 code units. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * About how often each key was asked for lately, in a fixed amount of memory: a count-min sketch, as TinyLFU keeps
 * for a cache's admission. Each key has a counter in each of four rows (places picked by remixing its hash); the
 * smallest of its four counters is its estimate, never below the true count while no counter is full. Once
 * `sampleSize` increments have been recorded, every counter is halved, so what was popular long ago fades.
 */
export class FrequencySketch {
  private readonly counters: Uint8Array;
  private readonly mask: number;
  private additions = 0;
  /**
   * Increments between two halvings: ten per key the cache holds (TinyLFU's sample), so that popularity fades as
   * fast as the cache's content turns over; a cache holding a few large answers forgets their popularity sooner.
   */
  sampleSize: number;

  constructor(expectedKeys: number) {
    let width = 64;
    while (width < expectedKeys) width *= 2;
    this.counters = new Uint8Array(width * ROWS);
    this.mask = width - 1;
    this.sampleSize = width * 10;
  }

  private place(hash: number, row: number): number {
    let x = Math.imul(hash ^ Math.imul(row + 1, 0x9e3779b9), 0x85ebca6b);
    x ^= x >>> 13;
    x = Math.imul(x, 0xc2b2ae35);
    x ^= x >>> 16;
    return row * (this.mask + 1) + (x & this.mask);
  }

  /** Counts one more request for the key with this hash. */
  increment(hash: number): void {
    for (let row = 0; row < ROWS; row++) {
      const i = this.place(hash, row);
      const count = this.counters[i]!;
      if (count < MAX_COUNT) this.counters[i] = count + 1;
    }
    if (++this.additions >= this.sampleSize) this.age();
  }

  /** About how many times the key with this hash was asked for lately (0 to 15). */
  frequency(hash: number): number {
    let least = MAX_COUNT;
    for (let row = 0; row < ROWS; row++) least = Math.min(least, this.counters[this.place(hash, row)]!);
    return least;
  }

  private age(): void {
    for (let i = 0; i < this.counters.length; i++) this.counters[i] = this.counters[i]! >> 1;
    this.additions = Math.floor(this.additions / 2);
  }
}
