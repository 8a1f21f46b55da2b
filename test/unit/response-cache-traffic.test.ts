import { ENTRY_OVERHEAD, ResponseCache } from '../../src/operations/caches/response-cache';
import type { ChangeScopes, Reads } from '../../src/terminology/read-tracking';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { scan, skewed, type Phase } from '../../bench/cache-traces';

/**
 * The response cache under traffic that changes: request traces run against it as the server runs it (asked for,
 * then on a miss offered the computed answer), counting hits and the answers it keeps (each one copied, and garbage
 * once pushed out). Deterministic; bench/cache-trace.ts runs larger traces beside the policy before this one.
 */

const READS: Reads = { generation: 0, scopes: new Set() };
const BY_URL: ChangeScopes = { ofUrl: (url) => url, ofResource: (r) => [r.url ?? ''], has: () => true };

function traffic(maxEntries: number, maxBytes?: number) {
  const registry = new TerminologyRegistry([], new Set(), undefined, [], undefined, BY_URL);
  const cache = new ResponseCache(registry, maxEntries, maxBytes);
  const counts = { hits: 0, kept: 0 };
  /** One request: answered from the cache, or computed (an answer of `bytes`) and offered to it. */
  const ask = (key: string, bytes = 100, reads = READS): boolean => {
    if (cache.get(key) !== undefined) {
      counts.hits++;
      return true;
    }
    cache.offer(key, bytes, reads, () => {
      counts.kept++;
      return Buffer.alloc(bytes);
    });
    return false;
  };
  /** Asks for `keys` in order, `times` rounds; the hits of each round. */
  const rounds = (keys: string[], times: number): number[] =>
    Array.from({ length: times }, () => keys.filter((k) => ask(k)).length);
  return { cache, registry, counts, ask, rounds };
}

const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Runs a phase of a bench trace; the hit rate of its counted requests, and the answers kept per request. */
function play(ask: (key: string, bytes?: number) => boolean, counts: { kept: number }, phase: Phase): { hitRate: number; keptPerRequest: number } {
  const kept = counts.kept;
  let counted = 0;
  let hits = 0;
  for (let i = 0; i < phase.requests; i++) {
    const { key, bytes, counted: counts = true } = phase.request(i);
    const hit = ask(key, bytes);
    if (counts) {
      counted++;
      if (hit) hits++;
    }
  }
  return { hitRate: hits / counted, keptPerRequest: (counts.kept - kept) / phase.requests };
}

describe('the response cache under changing traffic', () => {
  it('takes a new working set within a few of its rounds when full of a former one, however popular that was', () => {
    const { rounds } = traffic(1000);
    const a = keys('a', 800);
    rounds(a, 50); // 40,000 requests: every count of A at the sketch's top, for the next ten thousand requests and more
    const b = keys('b', 800);
    const hits = rounds(b, 8);
    expect(hits[0]).toBe(0);
    // B is asked for twice since A was last asked for, as often as A was, and A's counts fade as it stays unasked for
    for (const h of hits.slice(5)) expect(h).toBeGreaterThanOrEqual(0.95 * b.length);
  });

  it('keeps its hot set through a scan of one-off requests, and next to none of them', () => {
    const { rounds, ask, counts } = traffic(1000);
    const hot = keys('hot', 900);
    rounds(hot, 5);
    const kept = counts.kept;
    let hotHits = 0;
    for (let i = 0; i < 50_000; i++) {
      if (ask(hot[i % hot.length]!)) hotHits++;
      ask(`once${i}`);
    }
    expect(hotHits).toBeGreaterThanOrEqual(0.99 * 50_000);
    // the 100 free places, then one-off answers in place of one-off answers whose counts the sketch halved to nothing
    expect(counts.kept - kept).toBeLessThanOrEqual(0.01 * 100_000);
  });

  it('protects what is asked for again: a skewed hot set larger than the cache keeps its hits through a scan', () => {
    const { ask, counts } = traffic(1000);
    play(ask, counts, skewed('warm', 'hot', 1500, 0.9, 30_000, 100, 5));
    const during = play(ask, counts, scan('scan', 1500, 100_000, 0.5, 100, 6));
    // as many hits as before the scan (~88 %), against ~80 % when an entry asked for again is not protected
    expect(during.hitRate).toBeGreaterThanOrEqual(0.86);
    expect(during.keptPerRequest).toBeLessThanOrEqual(0.06);
  });

  it('cycling through more answers than fit keeps a part of them instead of replacing one per request', () => {
    const { rounds, counts } = traffic(1000);
    const cycle = keys('r', 3000);
    rounds(cycle, 1);
    const kept = counts.kept;
    const hits = rounds(cycle, 4);
    expect(counts.kept - kept).toBeLessThanOrEqual(0.05 * 4 * cycle.length);
    for (const h of hits.slice(1)) expect(h).toBeGreaterThanOrEqual(0.25 * cycle.length);
  });

  it('weighs size: a small answer may push out a much larger one asked for as often, a large answer not a smaller one', () => {
    const big = 4000;
    const { ask, cache } = traffic(1000, big + 5 + ENTRY_OVERHEAD + 100);
    ask('big', big);
    expect(cache.size).toBe(1);
    ask('small');
    expect(cache.size).toBe(1);
    expect(ask('small')).toBe(true);

    const { ask: askSmall, cache: smallOnes } = traffic(1000, 10 * (100 + 7 + ENTRY_OVERHEAD));
    const small = keys('small', 10);
    for (const k of small) askSmall(k);
    expect(smallOnes.size).toBe(10);
    askSmall('large', 4 * 100);
    expect(small.filter((k) => askSmall(k))).toEqual(small);
  });

  it('pushes out an answer computed from catalogs since changed first, however often it was asked for', () => {
    for (const order of [['about a', 'other'], ['other', 'about a']]) {
      const { ask, registry, cache } = traffic(2);
      const reads = registry.tracked(() => registry.find('CodeSystem', 'http://example.org/a')).reads;
      for (let i = 0; i < 10; i++) for (const key of order) ask(key, 100, key === 'about a' ? reads : READS); // the last on probation
      registry.touch([{ resourceType: 'CodeSystem', url: 'http://example.org/a', status: 'active', content: 'complete' }]);
      ask('new'); // asked for once, less often than both: kept in place of the answer about a, on probation or protected
      expect(ask('new')).toBe(true);
      expect(ask('other')).toBe(true);
      expect(cache.size).toBe(2);
    }
  });
});
