/**
 * Synthetic request traces for the response cache's policy (bench/cache-trace.ts): each a list of phases, each phase
 * a number of requests, each request a key and the size of its answer. Deterministic (seeded).
 */
import { prng } from '../scripts/prng';

export interface Phase {
  name: string;
  requests: number;
  /** The i-th request of the phase: its key, its answer's bytes, and whether it counts for the phase's hit rate. */
  request(i: number): { key: string; bytes: number; counted?: boolean };
}

export interface Trace {
  name: string;
  what: string;
  maxEntries: number;
  maxBytes: number;
  phases: () => Phase[];
}

/** Ranks drawn with a Zipf distribution of exponent s over n keys. */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  return () => {
    const x = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Keys drawn with Zipf popularity (s) from `keys` distinct ones. */
export function skewed(name: string, prefix: string, keys: number, s: number, requests: number, bytes: number, seed: number): Phase {
  const next = zipf(keys, s, prng(seed));
  return { name, requests, request: () => ({ key: `${prefix}${next()}`, bytes }) };
}

/** `keys` distinct keys asked for in a fixed shuffled order, round after round (the bench's pools are cycled so). */
export function rounds(name: string, prefix: string, keys: number, requests: number, bytes: number, seed: number): Phase {
  const random = prng(seed);
  const order = Array.from({ length: keys }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return { name, requests, request: (i) => ({ key: `${prefix}${order[i % keys]}`, bytes }) };
}

/** A pool of `pool` requests drawn from `keys` distinct ones, cycled (as the bench's fixed-size pools). */
function pooled(name: string, prefix: string, pool: number, keys: number, requests: number, bytes: number, seed: number): Phase {
  const random = prng(seed);
  const drawn = Array.from({ length: pool }, () => Math.floor(random() * keys));
  return { name, requests, request: (i) => ({ key: `${prefix}${drawn[i % pool]}`, bytes }) };
}

/** A hot set with Zipf popularity, every other request (about) a key never asked for before or after. */
export function scan(name: string, hotKeys: number, requests: number, share: number, bytes: number, seed: number): Phase {
  const random = prng(seed);
  const hot = zipf(hotKeys, 0.9, prng(seed + 1));
  let oneOff = 0;
  return {
    name,
    requests,
    request: () => (random() < share ? { key: `once${oneOff++}`, bytes, counted: false } : { key: `hot${hot()}`, bytes }),
  };
}

const MB = 1024 * 1024;

export const TRACES: Trace[] = [
  {
    name: 'phase change, rounds',
    what: '800 keys asked for round after round, then 800 others (1,000 entries)',
    maxEntries: 1000,
    maxBytes: 1024 * MB,
    phases: () => [rounds('A', 'a', 800, 80_000, 1000, 1), rounds('B', 'b', 800, 40_000, 1000, 2)],
  },
  {
    name: 'phase change, skewed',
    what: '10,000 keys, Zipf 0.8, then 10,000 others (1,000 entries)',
    maxEntries: 1000,
    maxBytes: 1024 * MB,
    phases: () => [skewed('A', 'a', 10_000, 0.8, 100_000, 1000, 3), skewed('B', 'b', 10_000, 0.8, 100_000, 1000, 4)],
  },
  {
    name: 'scan',
    what: '1,500 hot keys (Zipf 0.9) filling the cache, then half the requests one-off keys (1,000 entries)',
    maxEntries: 1000,
    maxBytes: 1024 * MB,
    phases: () => [skewed('warm', 'hot', 1500, 0.9, 30_000, 1000, 5), scan('scan', 1500, 100_000, 0.5, 1000, 6)],
  },
  {
    name: 'more than fits',
    what: '3,000 keys round after round, 1,000 entries (each asked for every 3,000 requests)',
    maxEntries: 1000,
    maxBytes: 1024 * MB,
    phases: () => [rounds('rounds', 'r', 3000, 60_000, 1000, 7)],
  },
  {
    name: 'few large answers',
    what: 'picker-sized answers (245 KB), 2,500 keys Zipf 0.8, then 2,500 others (128 MB: ~530 fit)',
    maxEntries: 50_000,
    maxBytes: 128 * MB,
    phases: () => [skewed('A', 'pa', 2500, 0.8, 30_000, 245_000, 8), skewed('B', 'pb', 2500, 0.8, 30_000, 245_000, 9)],
  },
  {
    name: 'bench, reduced',
    what: '--only eoj-local-picker,varied-translate,varied-typeahead at 98 municipalities: the pools and mean answers of the run of 2026-12-03, ~10 s each (128 MB, 50,000 entries)',
    maxEntries: 50_000,
    maxBytes: 128 * MB,
    phases: () => [
      pooled('eoj-local-picker', 'pk', 2000, 2548, 1000, 244_947, 10),
      rounds('varied-translate', 'vt', 20_896, 25_000, 7756, 11),
      rounds('varied-typeahead', 'ty', 6716, 32_000, 1636, 12),
    ],
  },
  {
    name: 'bench, whole sequence',
    what: 'the scenarios before typeahead at 98 municipalities, ~100,000 requests each where cached (answer sizes estimated but for the three above) (128 MB, 50,000 entries)',
    maxEntries: 50_000,
    maxBytes: 128 * MB,
    phases: () => [
      pooled('validate-code', 'vc', 2000, 400, 100_000, 700, 13),
      pooled('lookup', 'lu', 2000, 1000, 150_000, 1500, 14),
      pooled('translate', 'tr', 2000, 196_000, 100_000, 1000, 15),
      pooled('expand-filter', 'ex', 2000, 100, 100_000, 3000, 16),
      pooled('eoj-offer', 'of', 2000, 10, 100_000, 20_000, 17),
      pooled('eoj-common', 'co', 2000, 2, 100_000, 200_000, 18),
      pooled('eoj-local-picker', 'pk', 2000, 2548, 1000, 244_947, 10),
      pooled('eoj-local-record', 'rc', 2000, 3000, 100_000, 1500, 19),
      rounds('varied-validate-code', 'vv', 4800, 80_000, 800, 20),
      rounds('varied-lookup', 'vl', 1048, 150_000, 2000, 21),
      rounds('varied-translate', 'vt', 20_896, 25_000, 7756, 11),
      rounds('varied-typeahead', 'ty', 6716, 32_000, 1636, 12),
    ],
  },
];
