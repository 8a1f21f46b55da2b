/** What `RequestHistory.swap` answers for a key it holds no earlier request of. */
export const NEVER = -Infinity;

/**
 * When each key was last asked for, in a fixed amount of memory: one slot per hash (remixed), holding the request's
 * number and 16 bits of the hash, so that another key's request overwrites a slot and is rarely taken for the key's
 * own. A key whose slot was taken by another since reads as never asked for: the history forgets, it does not invent.
 * Request numbers are kept modulo 2^32; an interval of more than four billion requests reads as a shorter one.
 */
export class RequestHistory {
  private readonly times: Uint32Array;
  private readonly tags: Uint16Array;
  private readonly shift: number;

  constructor(expectedKeys: number) {
    let bits = 6;
    while (1 << bits < expectedKeys && bits < 24) bits++;
    this.times = new Uint32Array(1 << bits);
    this.tags = new Uint16Array(1 << bits);
    this.shift = 32 - bits;
  }

  /** Records request number `now` for the key with this hash; returns the number of its previous request, or NEVER. */
  swap(hash: number, now: number): number {
    const slot = Math.imul(hash, 0x9e3779b1) >>> this.shift;
    const tag = (hash & 0xffff) | 1;
    const before = this.tags[slot] === tag ? now - ((now - this.times[slot]!) >>> 0) : NEVER;
    this.tags[slot] = tag;
    this.times[slot] = now >>> 0;
    return before;
  }

  clear(): void {
    this.tags.fill(0);
  }
}
