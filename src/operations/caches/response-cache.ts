import { randomUUID } from 'node:crypto';
import { ownedBytes, SerializedExpansion } from '../../fhir/serialized';
import { etagOfCached, type AnswerHeaders } from './answer-etag';
import { hashKey } from './frequency-sketch';
import { SegmentedTinyLfu, type PolicyEntry } from './segmented-tiny-lfu';
import type { Reads } from '../../terminology/read-tracking';
import type { TerminologyRegistry } from '../../terminology/registry';

/**
 * A cached answer: the serialized bytes, or for an expansion the bytes around its identifier and timestamp, which
 * every answer gets afresh (an expansion computed again would have a new identifier and the time of computing).
 */
export type CachedAnswer = Buffer | ExpansionTemplate | StatusAnswer;

/** An answer kept with its status: a not-found, which stays so until what its lookup read of the catalogs changes. */
export interface StatusAnswer {
  status: number;
  body: Buffer;
}

/** The bytes of a cached answer (what it counts against the budget, besides its key and ENTRY_OVERHEAD). */
function sizeOf(answer: CachedAnswer): number {
  return Buffer.isBuffer(answer) ? answer.length : 'body' in answer ? answer.body.length : answer.bytes;
}

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

/** A cached answer found, with the headers it is sent with (its ETag; none for a not-found). */
export interface CacheHit {
  answer: CachedAnswer;
  headers: AnswerHeaders | undefined;
}

interface Entry extends PolicyEntry<Entry>, CacheHit {
  key: string;
  /** What computing the answer read of the catalogs: the entry is answered while that is current. */
  reads: Reads;
  /** What the entry counts against the byte budget: its answer, its key and ENTRY_OVERHEAD. */
  bytes: number;
}

/**
 * The largest answer kept is this fraction of the budget (2 MB of 128 MB; at least 256 KB): large enough for a municipality's pick list
 * filtered (~250 KB, often more, with 2,000 local codes), which is what costs most to compute again, and small enough
 * that no one answer takes a noticeable share of the room.
 */
const MAX_ANSWER_SHARE = 64;

/**
 * Serialized answers of operation calls whose answer depends only on the request and the catalogs (same request,
 * same catalogs → same bytes), each kept with what computing it read of the catalogs (registry.tracked) and answered
 * only while that is current: a write to one municipality's catalog leaves the answers about the common catalogs and
 * the other municipalities' (an entry found stale is dropped when asked for, or first when room is needed). Answers
 * larger than `maxBodyBytes` are not kept.
 *
 * Which answers stay within `maxEntries` and `maxBytes` (answers, keys and what each entry costs besides) is
 * SegmentedTinyLfu's: what is asked for again is protected, and a new answer is taken when its request was asked for
 * more often lately than the entry it would push out (a count-min sketch of every request), or as often when that
 * entry is four times larger, an entry's count fading while it goes unasked for at its former pace. Traffic spread
 * over many more distinct requests than fit (reverse translations of 98 municipalities' maps: ~20,000 answers of
 * ~8 KB) does not replace an entry per request, and a new working set (the morning's pick lists, a nightly
 * integration's translations) is taken within a few of its rounds of requests even when the cache is full of what was
 * popular before (bench/README.md, `bench/cache-trace.ts`).
 */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly policy: SegmentedTinyLfu<Entry>;
  hits = 0;
  misses = 0;
  /** The key `get` hashed last, and its hash: a miss asks `admits` about the same key. */
  private hashed = '';
  private hash = 0;

  constructor(
    private readonly registry: Pick<TerminologyRegistry, 'current'>,
    readonly maxEntries: number,
    readonly maxBytes = 128 * 1024 * 1024,
    private readonly maxBodyBytes = Math.min(maxBytes, Math.max(256 * 1024, maxBytes / MAX_ANSWER_SHARE)),
  ) {
    this.policy = new SegmentedTinyLfu<Entry>(
      maxEntries,
      maxBytes,
      (entry) => this.registry.current(entry.reads),
      (entry) => this.entries.delete(entry.key),
    );
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
    return this.policy.bytes;
  }

  /** Answers not taken because they did not win against the entry they would push out. */
  get refused(): number {
    return this.policy.refused;
  }

  get(key: string): CachedAnswer | undefined {
    return this.hit(key)?.answer;
  }

  /** The answer kept for this request while it is current, with its headers. */
  hit(key: string): CacheHit | undefined {
    this.policy.requested(this.hashOf(key));
    const hit = this.entries.get(key);
    if (hit === undefined || !this.registry.current(hit.reads)) {
      if (hit) this.remove(hit);
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.policy.hit(hit);
    return hit;
  }

  /**
   * Whether an answer of this many bytes to this request would be kept now: it fits, and there is room or the policy
   * takes it (SegmentedTinyLfu.admits). Asked before the answer is copied.
   */
  admits(key: string, answerBytes: number): boolean {
    if (!this.fits(answerBytes)) return false;
    if (this.entries.has(key)) return true;
    return this.policy.admits(this.hashOf(key), answerBytes + key.length + ENTRY_OVERHEAD);
  }

  private hashOf(key: string): number {
    if (key !== this.hashed) {
      this.hashed = key;
      this.hash = hashKey(key);
    }
    return this.hash;
  }

  /** Keeps an answer computed with these reads, as `offer` does. */
  set(key: string, answer: CachedAnswer, reads: Reads, headers?: AnswerHeaders): void {
    this.offer(key, sizeOf(answer), reads, () => answer, headers);
  }

  /**
   * Keeps the answer `make` gives (undefined: none), unless what computing it read is no longer current (a write
   * came while it was computed) or an answer of `answerBytes` is not admitted (see `admits`); `make` is called only
   * to keep it, so an answer that is not taken is not copied or cut into a template. `headers`: its ETag when the
   * caller has made it already (else it is made here, etagOfCached).
   */
  offer(key: string, answerBytes: number, reads: Reads, make: () => CachedAnswer | undefined, headers?: AnswerHeaders): void {
    if (!this.admits(key, answerBytes) || !this.registry.current(reads)) return;
    const made = make();
    if (made === undefined) return;
    const previous = this.entries.get(key);
    if (previous) this.remove(previous);
    const entry: Entry = {
      key, answer: owned(made), headers: headers ?? etagOfCached(made), reads, bytes: sizeOf(made) + key.length + ENTRY_OVERHEAD,
      hash: this.hashOf(key), protected: false, lastRequest: 0, previousRequest: 0, older: undefined, newer: undefined,
    };
    this.entries.set(key, entry);
    this.policy.add(entry);
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    this.policy.remove(entry);
  }

  clear(): void {
    this.entries.clear();
    this.policy.clear();
  }
}

/**
 * The answer in memory of its own (see ownedBytes); a template's parts, when they are slices of more than the answer
 * (a block shared with other buffers), copied into one buffer.
 */
function owned(answer: CachedAnswer): CachedAnswer {
  if (Buffer.isBuffer(answer)) return ownedBytes(answer);
  if ('body' in answer) return { ...answer, body: ownedBytes(answer.body) };
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

/**
 * The template of an expansion an operation answered (`result`, serialized as `json`): a SerializedExpansion's own
 * bytes around its stamps, else its JSON cut at its expansion's identifier and timestamp; undefined for an answer
 * that has no such pair (or where they cannot be told from the content).
 */
export function expansionTemplateOf(result: unknown, json: () => string): ExpansionTemplate | undefined {
  if (result instanceof SerializedExpansion) {
    const parts = result.aroundStamp();
    return { parts, identifierFirst: true, bytes: parts[0].length + parts[1].length + parts[2].length };
  }
  const made = (result as { expansion?: { identifier?: unknown; timestamp?: unknown } } | null)?.expansion;
  if (typeof made?.identifier !== 'string' || typeof made.timestamp !== 'string') return undefined;
  return expansionTemplate(json(), made.identifier, made.timestamp);
}

/**
 * Answers up to this size are made from a template in one buffer of their own: copying the parts costs less than
 * writing five chunks (most expansions, a few KB); a larger one (a municipality's pick list, ~250 KB) is written as
 * its chunks, the template's parts not copied (send.ts).
 */
const ONE_BUFFER_BELOW_BYTES = 32 * 1024;

/**
 * An answer from a template, with a new identifier and timestamp made as the expansion makes them (both ASCII, so
 * their JSON strings need no escaping and take a byte per character).
 */
export function fromTemplate(template: ExpansionTemplate): { chunks: Buffer[]; byteLength: number } {
  const id = `"urn:uuid:${randomUUID()}"`;
  const ts = `"${new Date().toISOString()}"`;
  const [a, b] = template.identifierFirst ? [id, ts] : [ts, id];
  const [p0, p1, p2] = template.parts;
  const byteLength = template.bytes + a.length + b.length;
  if (byteLength >= ONE_BUFFER_BELOW_BYTES) {
    return { chunks: [p0, Buffer.from(a, 'latin1'), p1, Buffer.from(b, 'latin1'), p2], byteLength };
  }
  const out = Buffer.allocUnsafe(byteLength);
  let at = p0.copy(out, 0);
  at += out.write(a, at, 'latin1');
  at += p1.copy(out, at);
  at += out.write(b, at, 'latin1');
  p2.copy(out, at);
  return { chunks: [out], byteLength };
}
