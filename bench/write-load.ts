/**
 * The hot GETs while a municipality writes: what a day of municipal catalog work does to the EOJ systems' reads. A
 * write used to empty the response cache and make every evaluated value set cold; answers now stay until a catalog
 * they were computed from changes (ARCHITECTURE.md, "One request").
 */
import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../src/auth/auth-config';
import { get, request } from './client';
import type { Background, Prepared, Scenario, ScenarioContext } from './scenarios';

/** The municipality that writes, and how often. */
const WRITER = '101';
const WRITES_PER_SECOND = 10;

function catalog(n: number) {
  return {
    resourceType: 'CodeSystem', id: `kommune-${WRITER}-bench-skrivning`, url: `http://faelles-tx.dk/fhir/kommune/${WRITER}/CodeSystem/bench-skrivning`,
    identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: WRITER }], version: '1.0.0', name: 'BenchSkrivning',
    status: 'active', content: 'complete', caseSensitive: true,
    property: [{ code: 'type', uri: 'http://faelles-tx.dk/fhir/CodeSystem/lokal-type', type: 'code' }],
    concept: [{ code: `${WRITER}-SKRIVNING`, display: `Skrivning ${n}`, property: [{ code: 'type', valueCode: 'indsats' }] }],
  };
}

async function cacheCounts(ctx: ScenarioContext): Promise<{ hits: number; misses: number }> {
  const text = (await get(ctx.port, '/metrics')).body;
  const count = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { hits: count('faelles_tx_response_cache_hits_total'), misses: count('faelles_tx_response_cache_misses_total') };
}

/** Writes the municipality's catalog every 1/WRITES_PER_SECOND s while the load runs; reports writes and cache hits. */
function writer(ctx: ScenarioContext, token: string): Background {
  let timer: NodeJS.Timeout | undefined;
  let writing = false;
  let writes = 0;
  let refused = 0;
  let sent = 0;
  let before: { hits: number; misses: number } | undefined;
  return {
    async start() {
      writes = 0;
      refused = 0;
      before = await cacheCounts(ctx);
      timer = setInterval(() => {
        if (writing) return;
        writing = true;
        const body = JSON.stringify(catalog(++sent));
        request(ctx.port, 'PUT', `${ctx.base}/CodeSystem/${catalog(0).id}`, body, { Authorization: `Bearer ${token}` })
          .then((a) => (a.status < 300 ? writes++ : refused++), () => refused++)
          .finally(() => (writing = false));
      }, 1000 / WRITES_PER_SECOND);
    },
    async stop() {
      clearInterval(timer);
      const after = await cacheCounts(ctx);
      const hits = after.hits - before!.hits;
      const misses = after.misses - before!.misses;
      const ratio = hits + misses > 0 ? `${((100 * hits) / (hits + misses)).toFixed(1)} %` : 'n/a (cache off)';
      return `${writes} writes by municipality ${WRITER} (${refused} refused) during the round; response cache hits ${ratio}`;
    },
  };
}

export function hotUnderWrites(reads: Scenario[]): Scenario {
  return {
    id: 'hot-under-writes',
    title: `GET $validate-code and $lookup (as validate-code and lookup) while a municipality writes ${WRITES_PER_SECOND} times a second`,
    bar: 'ratio-0.5',
    async prepare(ctx) {
      const secret = process.env.JWT_SECRET ?? DEV_JWT_SECRET;
      const token = await new SignJWT({ kommunekode: WRITER }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      const probe = await request(ctx.port, 'PUT', `${ctx.base}/CodeSystem/${catalog(0).id}`, JSON.stringify(catalog(0)), { Authorization: `Bearer ${token}` });
      if (probe.status >= 300) return { kind: 'skipped', reason: `the write is refused (${probe.status}); the bench signs with JWT_SECRET or the development secret` };
      const pools: Extract<Prepared, { kind: 'load' }>[] = [];
      for (const s of reads) {
        const p = await s.prepare(ctx);
        if (p.kind !== 'load') return { kind: 'skipped', reason: `${s.id}: ${p.kind === 'skipped' ? p.reason : 'not a load'}` };
        pools.push(p);
      }
      // interleaved, so both operations run under the writes throughout
      const paths = pools[0]!.paths.flatMap((p, i) => [p, ...pools.slice(1).map((q) => q.paths[i % q.paths.length]!)]);
      const meanBytes = Math.round(pools.reduce((n, p) => n + p.meanBytes, 0) / pools.length);
      return { kind: 'load', paths, meanBytes, during: writer(ctx, token), note: reads.map((s) => s.id).join(' + ') };
    },
  };
}
