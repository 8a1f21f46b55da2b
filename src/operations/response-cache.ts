import { randomUUID } from 'node:crypto';
import { ownedBytes } from '../fhir/serialized';
import { FrequencySketch, hashKey } from './frequency-sketch';
import type { Reads } from '../terminology/read-tracking';
import type { TerminologyRegistry } from '../terminology/registry';

/**
 * A cached answer: the serialized bytes, or for an expansion the bytes around its identifier and timestamp, which
 * every answer gets afresh (an expansion computed again would have a new identifier and the time of computing).
 */
export type CachedAnswer = Buffer | ExpansionTemplate;

export interface ExpansionTemplate {
  /** The answer cut at the identifier's and the timestamp's JSON values: parts[0] value parts[1] value parts[2]. */
  parts: [Buffer, Buffer, Buffer];
  /** Which value comes first. */
  identifierFirst: boolean;
  bytes: number;
}

/**
 * Bytes an entry takes besides its answer and key: its slot in the map, the entry, the key's header, the Buffer
 * objects and their memory's bookkeeping (measured: ~14,000 entries of the bench's varied scenarios, a few hundred
 * bytes each). Answers of a few hundred bytes would otherwise take twice what the budget says.
 */
export const ENTRY_OVERHEAD = 384;

/** The sketch halves its counts at least every ten times this many requests, however few entries the cache holds. */
const MIN_SAMPLE_KEYS = 1024;

interface Entry {
  answer: CachedAnswer;
  /** What computing the answer read of the catalogs: the entry is answered while that is current. */
  reads: Reads;
  /** What the entry counts against the byte budget: its answer, its key and ENTRY_OVERHEAD. */
  bytes: number;
  /** Asked for since the eviction sweep last passed it. */
  used: boolean;
}

/**
 * Serialized answers of operation calls whose answer depends only on the request and the catalogs (same request,
 * same catalogs → same bytes), each kept with what computing it read of the catalogs (registry.tracked) and answered
 * only while that is current: a write to one municipality's catalog leaves the answers about the common catalogs and
 * the other municipalities' (an entry found stale is dropped when asked for, or pushed out as unused). Once `maxEntries` or `maxBytes` (answers, keys and what each entry
 * costs besides) is reached, an entry not asked for since the eviction sweep last passed it goes first
 * (second-chance, close to least-recently-used without reordering on every hit); answers larger than
 * `maxBodyBytes` are not kept.
 *
 * A full cache takes a new answer only when its request has been asked for more often lately than the entry it
 * would push out, or as often when that entry is four times larger (TinyLFU's admission, with a FrequencySketch of
 * every request's key, its counts halved every ten requests per entry held, so that a cache holding a few large
 * answers forgets their popularity as soon as other requests come). Without it, traffic spread
 * over many more distinct requests than fit (reverse translations of 98 municipalities' maps: ~20,000 answers of
 * ~8 KB) replaced an entry on nearly every request, and the copies and the garbage they left cost more than the
 * few hits saved (bench/README.md).
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private heldBytes = 0;
  private readonly sketch: FrequencySketch;
  hits = 0;
  misses = 0;
  /** Answers not taken because their request was asked for less often than the entry they would push out. */
  refused = 0;
  /** The key `get` hashed last, and its hash: a miss asks `admits` about the same key. */
  private hashed = '';
  private hash = 0;

  constructor(
    private readonly registry: Pick<TerminologyRegistry, 'current'>,
    readonly maxEntries: number,
    readonly maxBytes = 128 * 1024 * 1024,
    private readonly maxBodyBytes = Math.min(256 * 1024, maxBytes),
  ) {
    this.sketch = new FrequencySketch(Math.min(maxEntries, 1 << 20));
    this.sketch.sampleSize = 10 * MIN_SAMPLE_KEYS;
  }

  get enabled(): boolean {
    return this.maxEntries > 0 && this.maxBytes > 0;
  }

  /** Whether an answer of this many bytes would be kept. */
  fits(answerBytes: number): boolean {
    return this.enabled && answerBytes <= this.maxBodyBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  /** What the entries held cost, answers, keys and overhead (what `maxBytes` bounds). */
  get bytes(): number {
    return this.heldBytes;
  }

  get(key: string): CachedAnswer | undefined {
    this.sketch.increment(this.hashOf(key));
    const hit = this.entries.get(key);
    if (hit === undefined || !this.registry.current(hit.reads)) {
      if (hit) this.remove(key, hit);
      this.misses++;
      return undefined;
    }
    this.hits++;
    hit.used = true;
    return hit.answer;
  }

  /**
   * Whether an answer of this many bytes to this request would be kept now: it fits, and either there is room or the
   * request was asked for more often lately than the entry that would go. Asked before the answer is copied.
   */
  admits(key: string, answerBytes: number): boolean {
    if (!this.fits(answerBytes)) return false;
    if (this.entries.has(key)) return true;
    if (this.entries.size < this.maxEntries && this.heldBytes + answerBytes + key.length + ENTRY_OVERHEAD <= this.maxBytes) return true;
    const victim = this.victim();
    if (victim === undefined) return true;
    // an answer that would push out a much larger one needs only to be asked for as often (it frees room for many)
    const candidate = this.sketch.frequency(this.hashOf(key));
    const pushedOut = this.sketch.frequency(hashKey(victim));
    const muchLarger = this.entries.get(victim)!.bytes >= 4 * (answerBytes + key.length + ENTRY_OVERHEAD);
    if (candidate > pushedOut || (muchLarger && candidate > 0 && candidate >= pushedOut)) return true;
    this.refused++;
    return false;
  }

  private hashOf(key: string): number {
    if (key !== this.hashed) {
      this.hashed = key;
      this.hash = hashKey(key);
    }
    return this.hash;
  }

  /** Keeps an answer computed with these reads, as `offer` does. */
  set(key: string, answer: CachedAnswer, reads: Reads): void {
    this.offer(key, Buffer.isBuffer(answer) ? answer.length : answer.bytes, reads, () => answer);
  }

  /**
   * Keeps the answer `make` gives (undefined: none), unless what computing it read is no longer current (a write
   * came while it was computed) or an answer of `answerBytes` is not admitted (see `admits`); `make` is called only
   * to keep it, so an answer that is not taken is not copied or cut into a template.
   */
  offer(key: string, answerBytes: number, reads: Reads, make: () => CachedAnswer | undefined): void {
    if (!this.admits(key, answerBytes) || !this.registry.current(reads)) return;
    const made = make();
    if (made === undefined) return;
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    const bytes = (Buffer.isBuffer(made) ? made.length : made.bytes) + key.length + ENTRY_OVERHEAD;
    const answer = owned(made);
    while (this.entries.size > 0 && (this.entries.size >= this.maxEntries || this.heldBytes + bytes > this.maxBytes)) this.evictOne();
    this.entries.set(key, { answer, reads, bytes, used: false });
    this.heldBytes += bytes;
    this.sketch.sampleSize = 10 * Math.max(MIN_SAMPLE_KEYS, this.entries.size);
  }

  /** The entry the next eviction takes: the oldest not used since the sweep last passed it (used ones move to the back, unmarked). */
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
    if (key !== undefined) this.remove(key, this.entries.get(key)!);
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.heldBytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.heldBytes = 0;
    this.sketch.sampleSize = 10 * MIN_SAMPLE_KEYS;
  }
}

/**
 * The answer in memory of its own (see ownedBytes); a template's parts, when they are slices of more than the answer
 * (a block shared with other buffers), copied into one buffer.
 */
function owned(answer: CachedAnswer): CachedAnswer {
  if (Buffer.isBuffer(answer)) return ownedBytes(answer);
  const [a, b, c] = answer.parts;
  if (a.buffer === b.buffer && b.buffer === c.buffer && a.buffer.byteLength - answer.bytes <= STAMP_ROOM) return answer;
  const own = Buffer.allocUnsafeSlow(answer.bytes);
  a.copy(own, 0);
  b.copy(own, a.length);
  c.copy(own, a.length + b.length);
  const parts: [Buffer, Buffer, Buffer] = [own.subarray(0, a.length), own.subarray(a.length, a.length + b.length), own.subarray(a.length + b.length)];
  return { ...answer, parts };
}

/** Bytes of the whole answer a template may leave out of its parts: the identifier and timestamp, about 80. */
const STAMP_ROOM = 256;

/**
 * The template of a serialized expansion: the text around its identifier and timestamp. Undefined when either
 * value does not occur exactly once in the text (then the answer is not cached).
 */
export function expansionTemplate(json: string, identifier: string, timestamp: string): ExpansionTemplate | undefined {
  const id = JSON.stringify(identifier);
  const ts = JSON.stringify(timestamp);
  const i = json.indexOf(id);
  const t = json.indexOf(ts);
  if (i < 0 || t < 0 || json.lastIndexOf(id) !== i || json.lastIndexOf(ts) !== t) return undefined;
  const [first, firstLength, second, secondLength] = i < t ? [i, id.length, t, ts.length] : [t, ts.length, i, id.length];
  if (first + firstLength > second) return undefined;
  const parts: [Buffer, Buffer, Buffer] = [
    Buffer.from(json.slice(0, first), 'utf8'),
    Buffer.from(json.slice(first + firstLength, second), 'utf8'),
    Buffer.from(json.slice(second + secondLength), 'utf8'),
  ];
  return { parts, identifierFirst: i < t, bytes: parts[0].length + parts[1].length + parts[2].length };
}

/** An answer from a template, with a new identifier and timestamp made as the expansion makes them. */
export function fromTemplate(template: ExpansionTemplate): Buffer {
  const id = Buffer.from(JSON.stringify(`urn:uuid:${randomUUID()}`), 'utf8');
  const ts = Buffer.from(JSON.stringify(new Date().toISOString()), 'utf8');
  const [a, b] = template.identifierFirst ? [id, ts] : [ts, id];
  return Buffer.concat([template.parts[0], a, template.parts[1], b, template.parts[2]]);
}
