/**
 * Caffeine's W-TinyLFU as it is (without its hill climber), to compare with on the same traces (bench/cache-trace.ts):
 * every new answer enters a window (LRU, 1 % of the budget); the one leaving it competes with the oldest entry on
 * probation by the frequency sketch (more often, or as often when that entry is four times larger), and the loser
 * goes; the main space is a segmented LRU (protected 80 %). The sketch is sized and aged as the response cache's.
 */
import { ENTRY_OVERHEAD } from '../src/operations/caches/response-cache';
import { FrequencySketch, hashKey } from '../src/operations/caches/frequency-sketch';
import { LruSegment, type SegmentEntry } from '../src/operations/caches/lru-segment';

interface Entry extends SegmentEntry<Entry> {
  key: string;
  hash: number;
  segment: LruSegment<Entry>;
}

export class WindowTinyLfuCache {
  private readonly entries = new Map<string, Entry>();
  private readonly sketch: FrequencySketch;
  private readonly window = new LruSegment<Entry>();
  private readonly probation = new LruSegment<Entry>();
  private readonly protectedSegment = new LruSegment<Entry>();

  constructor(readonly maxEntries: number, readonly maxBytes: number) {
    this.sketch = new FrequencySketch(2.5 * Math.max(1024, maxEntries));
    this.sketch.sampleSize = 10 * 1024;
  }

  request(key: string, answerBytes: number): { hit: boolean; kept: boolean } {
    const hash = hashKey(key);
    this.sketch.increment(hash);
    const hit = this.entries.get(key);
    if (hit) {
      this.touched(hit);
      return { hit: true, kept: false };
    }
    const entry: Entry = { key, hash, bytes: answerBytes + key.length + ENTRY_OVERHEAD, older: undefined, newer: undefined, segment: this.window };
    this.entries.set(key, entry);
    this.window.push(entry);
    this.sketch.sampleSize = 10 * Math.max(1024, this.entries.size);
    this.evict();
    return { hit: false, kept: true };
  }

  private touched(entry: Entry): void {
    if (entry.segment !== this.probation) {
      entry.segment.touch(entry);
      return;
    }
    this.move(entry, this.protectedSegment);
    while (this.protectedSegment.bytes > 0.8 * this.maxBytes || this.protectedSegment.count > 0.8 * this.maxEntries) this.move(this.protectedSegment.oldest!, this.probation);
  }

  private move(entry: Entry, to: LruSegment<Entry>): void {
    entry.segment.remove(entry);
    entry.segment = to;
    to.push(entry);
  }

  private evict(): void {
    const candidates: Entry[] = [];
    while (this.window.oldest && (this.window.bytes > 0.01 * this.maxBytes || this.window.count > 0.01 * this.maxEntries)) {
      candidates.push(this.window.oldest);
      this.move(this.window.oldest, this.probation);
    }
    let next = 0;
    while (this.entries.size > this.maxEntries || this.bytes() > this.maxBytes) {
      const candidate = candidates[next];
      const onProbation = this.probation.oldest === candidate ? undefined : this.probation.oldest;
      const victim = onProbation ?? this.protectedSegment.oldest ?? this.window.oldest;
      if (candidate === undefined || victim === undefined) {
        this.drop((victim ?? candidate)!);
        continue;
      }
      next++;
      const asked = this.sketch.frequency(candidate.hash);
      const victimAsked = this.sketch.frequency(victim.hash);
      const admitted = asked > victimAsked || (asked > 0 && asked >= victimAsked && victim.bytes >= 4 * candidate.bytes);
      this.drop(admitted ? victim : candidate);
    }
  }

  private bytes(): number {
    return this.window.bytes + this.probation.bytes + this.protectedSegment.bytes;
  }

  private drop(entry: Entry): void {
    entry.segment.remove(entry);
    this.entries.delete(entry.key);
  }
}
