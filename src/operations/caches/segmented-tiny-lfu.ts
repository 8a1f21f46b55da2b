import { FrequencySketch } from './frequency-sketch';
import { LruSegment, type SegmentEntry } from './lru-segment';
import { NEVER, RequestHistory } from './request-history';

/** What the policy keeps of an entry, on the entry itself. */
export interface PolicyEntry<E> extends SegmentEntry<E> {
  hash: number;
  /** Asked for again since it was taken (or demoted): in the protected segment. */
  protected: boolean;
  /** The number of its last request (requests are counted by `requested`). */
  lastRequest: number;
  /** The number of the request before that, NEVER when not known. */
  previousRequest: number;
}

/** Share of the budget (bytes and entries) the protected segment may take (Caffeine's 80 %). */
const PROTECTED_SHARE = 0.8;
/** The sketch halves its counts at least every ten times this many requests, however few entries are held. */
const MIN_SAMPLE_KEYS = 1024;
/** An entry's count fades by half for every this many of its own intervals between requests it goes unasked for. */
const FADE_INTERVALS = 2;

/** A new entry as it competes for a place. */
type Newcomer<E> = Pick<PolicyEntry<E>, 'hash' | 'bytes'>;

/**
 * Which entries a cache keeps, within a number of entries and of bytes: TinyLFU's admission in front of a segmented
 * LRU (the main space of Caffeine's W-TinyLFU), with counts that fade when an entry stops being asked for.
 *
 * Entries are taken on probation and move to the protected segment (80 % of the budget) when asked for again; the
 * protected segment's oldest go back on probation when it is full. When room is needed, a newcomer competes with the
 * oldest entry on probation (the victim), and with the oldest protected one too once that one's count has faded; it
 * pushes out each entry it wins against, and is not kept at the first it does not win against. An entry computed from
 * catalogs that have changed since goes first, without competing.
 *
 * A newcomer wins when the frequency sketch counts its request more often lately than the entry's, or as often when
 * the entry is four times larger (TinyLFU: a scan of one-off requests, or a cycle through more answers than fit,
 * replaces next to nothing). The sketch forgets only as it halves its counts, every ten requests per entry held: a
 * cache full of what was popular before a change of traffic (the morning's pick lists, a nightly integration's
 * translations) would refuse the new working set for up to that many requests. So an entry's count also fades by
 * half for every two of its own intervals between requests (the last two) it goes unasked for: what has stopped being
 * asked for loses to the new working set within a few of its rounds, however popular it was, while what keeps its
 * pace keeps its count. The interval of a new entry is that of its request's last two (RequestHistory).
 *
 * There is no admission window (W-TinyLFU's LRU of new entries, each taken unconditionally and judged on leaving):
 * it keeps (copies) an answer for nearly every miss of a scan, and in front of fading counts it changed the hit rates
 * of bench/cache-trace.ts's traces by a few points either way (bench/README.md, "Response cache").
 */
export class SegmentedTinyLfu<E extends PolicyEntry<E>> {
  private readonly probation = new LruSegment<E>();
  private readonly protectedSegment = new LruSegment<E>();
  private readonly sketch: FrequencySketch;
  private readonly history: RequestHistory;
  private readonly protectedBytes: number;
  private readonly protectedEntries: number;
  /** Requests counted so far. */
  private now = 0;
  /** The hash `requested` counted last, and the number of its request before that one. */
  private lastHash = 0;
  private lastPrevious = NEVER;
  /** New entries not taken, or taken and not kept because they lost to an entry while room was made. */
  refused = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxBytes: number,
    /** Whether an entry may still be answered; one that may not goes first, without competing. */
    private readonly current: (entry: E) => boolean,
    /** Called for every entry the policy pushes out. */
    private readonly dropped: (entry: E) => void,
  ) {
    // a counter per four requests of the longest sample; the history, two places per entry
    const keys = Math.max(MIN_SAMPLE_KEYS, maxEntries);
    this.sketch = new FrequencySketch(Math.min(2.5 * keys, 1 << 21));
    this.sketch.sampleSize = 10 * MIN_SAMPLE_KEYS;
    this.history = new RequestHistory(Math.min(2 * keys, 1 << 21));
    this.protectedBytes = Math.floor(maxBytes * PROTECTED_SHARE);
    this.protectedEntries = Math.floor(maxEntries * PROTECTED_SHARE);
  }

  get size(): number {
    return this.probation.count + this.protectedSegment.count;
  }

  get bytes(): number {
    return this.probation.bytes + this.protectedSegment.bytes;
  }

  /** Counts a request for the key with this hash (whether its entry is held or not). */
  requested(hash: number): void {
    this.now++;
    this.sketch.increment(hash);
    this.lastHash = hash;
    this.lastPrevious = this.history.swap(hash, this.now);
  }

  /** An entry held was asked for (after `requested`). */
  hit(entry: E): void {
    entry.previousRequest = entry.lastRequest;
    entry.lastRequest = this.now;
    if (entry.protected) {
      this.protectedSegment.touch(entry);
      return;
    }
    this.probation.remove(entry);
    entry.protected = true;
    this.protectedSegment.push(entry);
    while (this.protectedSegment.bytes > this.protectedBytes || this.protectedSegment.count > this.protectedEntries) {
      const demoted = this.protectedSegment.oldest!;
      this.protectedSegment.remove(demoted);
      demoted.protected = false;
      this.probation.push(demoted);
    }
  }

  /** Whether a new entry of this many bytes for the key with this hash would be taken now: room, or it wins a place. */
  admits(hash: number, bytes: number): boolean {
    if (this.size < this.maxEntries && this.bytes + bytes <= this.maxBytes) return true;
    if (this.victim() === undefined || this.beaten({ hash, bytes }) !== undefined) return true;
    this.refused++;
    return false;
  }

  /** Takes a new entry (in no segment) on probation, pushing out the entries it wins against while room is needed. */
  add(entry: E): void {
    entry.lastRequest = this.now;
    entry.previousRequest = entry.hash === this.lastHash ? this.lastPrevious : NEVER;
    entry.protected = false;
    this.probation.push(entry);
    this.sketch.sampleSize = 10 * Math.max(MIN_SAMPLE_KEYS, this.size);
    while (this.size > this.maxEntries || this.bytes > this.maxBytes) {
      const beaten = this.beaten(entry, entry);
      if (beaten === undefined) {
        if (this.victim(entry) !== undefined) this.refused++;
        this.drop(entry);
        return;
      }
      this.drop(beaten);
    }
  }

  /** Forgets an entry the cache drops itself. */
  remove(entry: E): void {
    (entry.protected ? this.protectedSegment : this.probation).remove(entry);
  }

  clear(): void {
    this.probation.clear();
    this.protectedSegment.clear();
    this.sketch.sampleSize = 10 * MIN_SAMPLE_KEYS;
  }

  /** The entry a newcomer competes with first: the oldest on probation (other than itself), else protected. */
  private victim(itself?: E): E | undefined {
    const onProbation = this.probation.oldest === itself ? this.probation.oldest?.newer : this.probation.oldest;
    return onProbation ?? this.protectedSegment.oldest;
  }

  /**
   * The entry a newcomer pushes out, if it wins against one: the victim, else the oldest protected entry once that
   * one's count has faded. An entry that may no longer be answered goes without competing.
   */
  private beaten(newcomer: Newcomer<E>, itself?: E): E | undefined {
    const victim = this.victim(itself);
    if (victim === undefined) return undefined;
    if (!this.current(victim) || this.wins(newcomer, victim)) return victim;
    const oldestProtected = this.protectedSegment.oldest;
    if (oldestProtected === undefined || oldestProtected === victim) return undefined;
    if (!this.current(oldestProtected)) return oldestProtected;
    return this.fadings(oldestProtected) > 0 && this.wins(newcomer, oldestProtected) ? oldestProtected : undefined;
  }

  /**
   * How many times an entry's count has faded: once per FADE_INTERVALS of its own intervals it went unasked for, at
   * most four times (the sketch counts to 15).
   */
  private fadings(entry: E): number {
    const interval = Math.max(1, entry.lastRequest - entry.previousRequest);
    return Math.min(4, Math.floor((this.now - entry.lastRequest) / (FADE_INTERVALS * interval)));
  }

  /**
   * Whether a newcomer pushes out an entry: its request is counted more often lately than the entry's (faded), or as
   * often when the entry is four times larger (it frees room for many).
   */
  private wins(newcomer: Newcomer<E>, entry: E): boolean {
    const asked = this.sketch.frequency(newcomer.hash);
    const entryAsked = this.sketch.frequency(entry.hash) >> this.fadings(entry);
    return asked > entryAsked || (asked > 0 && asked >= entryAsked && entry.bytes >= 4 * newcomer.bytes);
  }

  private drop(entry: E): void {
    this.remove(entry);
    this.dropped(entry);
  }
}
