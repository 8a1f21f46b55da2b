import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClientCacheCounts } from './operations/caches/client-caches';
import type { TerminologyRegistry } from './terminology/registry';

/** What the response cache counts (operations/caches/response-cache.ts), read when /metrics is scraped. */
export interface CacheCounts {
  readonly hits: number;
  readonly misses: number;
  readonly refused: number;
  readonly size: number;
  readonly bytes: number;
}

export interface MetricSources {
  /** The response cache's counts. */
  responseCache?: CacheCounts;
  clientCaches?: { counts(): ClientCacheCounts };
  /** The request bodies being read (http/pipeline/bodies-in-flight.ts). */
  bodiesInFlight?: { readonly bytes: number; readonly budget: number };
}

/** A counter that follows a count kept elsewhere (which only grows), read at each scrape. */
function followingCounter(registry: Registry, name: string, help: string, read: () => number): void {
  let seen = 0;
  new Counter({
    name, help, registers: [registry],
    collect() {
      const now = read();
      if (now > seen) this.inc(now - seen);
      seen = now;
    },
  });
}

function cacheMetrics(registry: Registry, cache: CacheCounts): void {
  followingCounter(registry, 'faelles_tx_response_cache_hits_total', 'Operation requests answered from the response cache', () => cache.hits);
  followingCounter(registry, 'faelles_tx_response_cache_misses_total', 'Cacheable operation requests the response cache did not hold', () => cache.misses);
  followingCounter(registry, 'faelles_tx_response_cache_refused_total',
    'Answers the full response cache did not keep: asked for less often lately than an entry they would push out (also one taken and then let go while room was made)', () => cache.refused);
  new Gauge({ name: 'faelles_tx_response_cache_entries', help: 'Answers held by the response cache', registers: [registry], collect() { this.set(cache.size); } });
  new Gauge({ name: 'faelles_tx_response_cache_bytes', help: 'Bytes held by the response cache (answers, keys and overhead)', registers: [registry], collect() { this.set(cache.bytes); } });
}

/** The terminology caches of clients (`$cache-control`, operations/caches/client-caches.ts), read when /metrics is scraped. */
function clientCacheMetrics(registry: Registry, caches: { counts(): ClientCacheCounts }): void {
  // each reading lets the caches idle too long go first, so that what is said to be held is
  new Gauge({ name: 'faelles_tx_client_caches', help: 'Terminology caches of clients ($cache-control) held', registers: [registry], collect() { this.set(caches.counts().caches); } });
  new Gauge({ name: 'faelles_tx_client_cache_bytes', help: 'Bytes of memory the resources the terminology caches of clients hold take, as estimated when they were kept', registers: [registry], collect() { this.set(caches.counts().bytes); } });
  followingCounter(registry, 'faelles_tx_client_caches_started_total', 'Terminology caches of clients started ($cache-control mode=start)', () => caches.counts().started);
  followingCounter(registry, 'faelles_tx_client_caches_ended_total', 'Terminology caches of clients ended by their client ($cache-control mode=end)', () => caches.counts().ended);
  followingCounter(registry, 'faelles_tx_client_caches_pushed_out_total',
    'Terminology caches of clients let go to keep the caches within their bounds (count and bytes): their clients are told cache-id-unknown and start another', () => caches.counts().pushedOut);
  followingCounter(registry, 'faelles_tx_client_caches_expired_total', 'Terminology caches of clients let go after the idle time', () => caches.counts().expired);
}

/**
 * The app's Prometheus registry, of one app instance: the catalogs served and the caches (the HTTP edge adds the
 * requests, http/pipeline/metrics.ts).
 */
export function appMetrics(terminology: TerminologyRegistry, { responseCache, clientCaches, bodiesInFlight }: MetricSources = {}): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'faelles_tx_catalog_resources', help: 'Terminology resources served, by type',
    labelNames: ['type'], registers: [registry],
    collect() {
      // as /ready counts: the pick lists computed on first use are left out (listing them computes every municipality's)
      for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap'] as const) this.set({ type }, terminology.list(type, { computed: false }).length);
    },
  });
  if (responseCache) cacheMetrics(registry, responseCache);
  if (clientCaches) clientCacheMetrics(registry, clientCaches);
  if (bodiesInFlight) {
    new Gauge({
      name: 'faelles_tx_request_bodies_in_flight_bytes', help: 'Bytes of the request bodies being read now, against BODIES_IN_FLIGHT_MB',
      registers: [registry], collect() { this.set(bodiesInFlight.bytes); },
    });
  }
  return registry;
}

/**
 * Node's process metrics (CPU, memory, event loop, GC) in a registry of their own, made once by the process that
 * serves (src/index.ts): prom-client keeps what collects them (a GC observer, an event-loop monitor) for the life of
 * the process, and with it the registry they were made for and all it reaches. An app's own registry made that way
 * would stay in memory with its catalogs after the app is dropped.
 */
export function processMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** What /metrics serves: the app's metrics, with the process's (processMetrics()) when it is given them. */
export function servedMetrics(app: Registry, processWide?: Registry): Registry {
  return processWide ? Registry.merge([processWide, app]) : app;
}
