/**
 * The response cache's policy before W-TinyLFU (until 2026-12-03), kept to compare with on the same traces
 * (bench/cache-trace.ts): second-chance eviction (an entry asked for since the sweep last passed it is moved to the
 * back, the first one not asked for goes) and TinyLFU's admission at the door (a full cache takes a new answer only
 * when its request was counted more often lately than the entry that would go, or as often when that one is four
 * times larger), with a sketch as wide as the cache's entries and halved every ten requests per entry held.
 */
import { ENTRY_OVERHEAD } from '../src/operations/caches/response-cache';
import { FrequencySketch, hashKey } from '../src/operations/caches/frequency-sketch';

const MIN_SAMPLE_KEYS = 1024;

interface Entry {
  bytes: number;
  used: boolean;
}

export class SecondChanceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly sketch: FrequencySketch;
  private heldBytes = 0;

  constructor(readonly maxEntries: number, readonly maxBytes: number) {
    this.sketch = new FrequencySketch(Math.min(maxEntries, 1 << 20));
    this.sketch.sampleSize = 10 * MIN_SAMPLE_KEYS;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether the request was answered from the cache; on a miss, keeps its answer if admitted (then `kept` says so). */
  request(key: string, answerBytes: number): { hit: boolean; kept: boolean } {
    this.sketch.increment(hashKey(key));
    const hit = this.entries.get(key);
    if (hit) {
      hit.used = true;
      return { hit: true, kept: false };
    }
    const bytes = answerBytes + key.length + ENTRY_OVERHEAD;
    if (!this.admits(key, bytes)) return { hit: false, kept: false };
    while (this.entries.size > 0 && (this.entries.size >= this.maxEntries || this.heldBytes + bytes > this.maxBytes)) this.evictOne();
    this.entries.set(key, { bytes, used: false });
    this.heldBytes += bytes;
    this.sketch.sampleSize = 10 * Math.max(MIN_SAMPLE_KEYS, this.entries.size);
    return { hit: false, kept: true };
  }

  private admits(key: string, bytes: number): boolean {
    if (this.entries.size < this.maxEntries && this.heldBytes + bytes <= this.maxBytes) return true;
    const victim = this.victim();
    if (victim === undefined) return true;
    const candidate = this.sketch.frequency(hashKey(key));
    const pushedOut = this.sketch.frequency(hashKey(victim));
    const muchLarger = this.entries.get(victim)!.bytes >= 4 * bytes;
    return candidate > pushedOut || (muchLarger && candidate > 0 && candidate >= pushedOut);
  }

  private victim(): string | undefined {
    for (const [key, entry] of this.entries) {
      if (!entry.used) return key;
      this.entries.delete(key);
      entry.used = false;
      this.entries.set(key, entry);
    }
    return undefined;
  }

  private evictOne(): void {
    const key = this.victim();
    if (key === undefined) return;
    this.heldBytes -= this.entries.get(key)!.bytes;
    this.entries.delete(key);
  }
}
