/**
 * The response cache's policy on synthetic traces (bench/cache-traces.ts), beside the policy before it
 * (bench/second-chance-cache.ts) and Caffeine's W-TinyLFU (bench/window-tiny-lfu-cache.ts): per phase the hit rate, the answers kept per request (each one copied and, once
 * pushed out, garbage), the hit rate over the phase in ten slices, and for the second phase of a trace the requests
 * until the last 1,000 were answered at 90 % of what the phase reaches at its end. No server, no timing: the same
 * numbers on every run. `npm run build && node dist/bench/cache-trace.js [name filter]`.
 */
import { ResponseCache, type ExpansionTemplate } from '../src/operations/caches/response-cache';
import type { Reads } from '../src/terminology/read-tracking';
import { TRACES, type Phase, type Trace } from './cache-traces';
import { SecondChanceCache } from './second-chance-cache';
import { WindowTinyLfuCache } from './window-tiny-lfu-cache';

interface Policy {
  request(key: string, bytes: number): { hit: boolean; kept: boolean };
}

const READS: Reads = { generation: 0, scopes: new Set() };
const NO_BYTES = Buffer.alloc(1);

/** The cache as it runs in the server, on answers that take their size in its budget but no memory. */
function currentPolicy(trace: Trace): Policy {
  const cache = new ResponseCache({ current: () => true }, trace.maxEntries, trace.maxBytes);
  return {
    request(key, bytes) {
      if (cache.get(key) !== undefined) return { hit: true, kept: false };
      let kept = false;
      cache.offer(key, bytes, READS, (): ExpansionTemplate => {
        kept = true;
        return { parts: [NO_BYTES, NO_BYTES, NO_BYTES], identifierFirst: true, bytes };
      });
      return { hit: false, kept };
    },
  };
}

interface PhaseResult {
  name: string;
  hitRate: number;
  keptPerRequest: number;
  slices: number[];
  /** Requests until the hit rate over the last 1,000 reached 90 % of the phase's last tenth. */
  settled: number | undefined;
}

function run(policy: Policy, phases: Phase[]): PhaseResult[] {
  return phases.map((phase) => {
    const counted: boolean[] = [];
    let hits = 0;
    let kept = 0;
    for (let i = 0; i < phase.requests; i++) {
      const { key, bytes, counted: counts = true } = phase.request(i);
      const answer = policy.request(key, bytes);
      if (answer.kept) kept++;
      if (counts) {
        counted.push(answer.hit);
        if (answer.hit) hits++;
      }
    }
    const slice = Math.ceil(counted.length / 10);
    const slices = Array.from({ length: 10 }, (_, s) => {
      const part = counted.slice(s * slice, (s + 1) * slice);
      return part.length === 0 ? 0 : part.filter(Boolean).length / part.length;
    });
    return { name: phase.name, hitRate: hits / Math.max(1, counted.length), keptPerRequest: kept / phase.requests, slices, settled: settledAfter(counted, slices[9]!) };
  });
}

function settledAfter(hits: boolean[], final: number): number | undefined {
  const window = 1000;
  let inWindow = 0;
  for (let i = 0; i < hits.length; i++) {
    if (hits[i]) inWindow++;
    if (i >= window && hits[i - window]) inWindow--;
    if (i >= window - 1 && final >= 0.1 && inWindow / window >= 0.9 * final) return i + 1;
  }
  return undefined;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function print(trace: Trace, results: [string, PhaseResult[]][]): void {
  console.log(`\n${trace.name}: ${trace.what}`);
  for (const [policy, phases] of results) {
    console.log(`  ${policy}`);
    phases.forEach((p, i) => {
      const settled = i > 0 && p.settled !== undefined ? `, settled after ${p.settled.toLocaleString('en')} requests` : '';
      console.log(`    ${p.name.padEnd(22)} hits ${pct(p.hitRate).padStart(7)}, kept ${p.keptPerRequest.toFixed(3)}/request [${p.slices.map((s) => Math.round(100 * s)).join(' ')}]${settled}`);
    });
  }
}

const only = process.argv[2];
for (const trace of TRACES) {
  if (only && !trace.name.includes(only)) continue;
  print(trace, [
    ['before: second chance, TinyLFU at the door', run(new SecondChanceCache(trace.maxEntries, trace.maxBytes), trace.phases())],
    ['W-TinyLFU (Caffeine\'s, without its hill climber)', run(new WindowTinyLfuCache(trace.maxEntries, trace.maxBytes), trace.phases())],
    ['now: TinyLFU, segmented LRU, fading counts', run(currentPolicy(trace), trace.phases())],
  ]);
}
