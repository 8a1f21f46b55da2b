import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClientCacheCounts } from '../../operations/client-caches';
import type { TerminologyRegistry } from '../../terminology/registry';

const OPERATION_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([^/]+))?\/\$([A-Za-z-]+)$/;

/** What a request is, for metrics: the operation or interaction, never the raw path (that would explode labels). */
export function routeLabel(path: string, method: string): string {
  const op = OPERATION_PATH.exec(path);
  if (op) return `${op[1]}/${op[2] ? '[id]/' : ''}$${op[3]}`;
  const m = /^\/(CodeSystem|ValueSet|ConceptMap|StructureDefinition|Bundle)(\/[^/]+)?(\/_history)?/.exec(path);
  if (m) return `${m[1]}${m[2] ? '/[id]' : ''}${m[3] ? '/_history' : ''} ${method}`;
  if (path === '/metadata') return 'metadata';
  return 'other';
}

export interface AppMetrics {
  registry: Registry;
  /** Counts an answered request (`url` as received, with the base path) and its latency. */
  record(url: string, method: string, status: number, seconds: number): void;
}

interface Route {
  label: string;
  time: Histogram.Internal<'route'>;
  counts: Map<number, Counter.Internal>;
}

/** Paths whose route label is kept. */
const MAX_PATHS = 10_000;

/** Latency buckets in seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** What the response cache counts (operations/response-cache.ts), read when /metrics is scraped. */
export interface CacheCounts {
  readonly hits: number;
  readonly misses: number;
  readonly refused: number;
  readonly size: number;
  readonly bytes: number;
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

/** The terminology caches of clients (`$cache-control`, operations/client-caches.ts), read when /metrics is scraped. */
function clientCacheMetrics(registry: Registry, caches: { counts(): ClientCacheCounts }): void {
  // each reading lets the caches idle too long go first, so that what is said to be held is
  new Gauge({ name: 'faelles_tx_client_caches', help: 'Terminology caches of clients ($cache-control) held', registers: [registry], collect() { this.set(caches.counts().caches); } });
  new Gauge({ name: 'faelles_tx_client_cache_bytes', help: "Bytes of the resources' JSON the terminology caches of clients hold", registers: [registry], collect() { this.set(caches.counts().bytes); } });
  followingCounter(registry, 'faelles_tx_client_caches_started_total', 'Terminology caches of clients started ($cache-control mode=start)', () => caches.counts().started);
  followingCounter(registry, 'faelles_tx_client_caches_ended_total', 'Terminology caches of clients ended by their client ($cache-control mode=end)', () => caches.counts().ended);
  followingCounter(registry, 'faelles_tx_client_caches_pushed_out_total',
    'Terminology caches of clients let go to keep the caches within their bounds (count and bytes): their clients are told cache-id-unknown and start another', () => caches.counts().pushedOut);
  followingCounter(registry, 'faelles_tx_client_caches_expired_total', 'Terminology caches of clients let go after the idle time', () => caches.counts().expired);
}

export interface MetricSources {
  /** The response cache's counts. */
  responseCache?: CacheCounts;
  clientCaches?: { counts(): ClientCacheCounts };
  /** Node's process metrics (processMetrics()), served beside the app's. */
  processWide?: Registry;
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

/**
 * Prometheus metrics of one app instance: its own registry, and beside its metrics the process's (processMetrics())
 * when it is given them.
 */
export function createMetrics(terminology: TerminologyRegistry, basePath: string, { responseCache, clientCaches, processWide }: MetricSources = {}): AppMetrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'faelles_tx_requests_total', help: 'HTTP requests by operation and status', labelNames: ['route', 'status'], registers: [registry] });
  const latency = new Histogram({ name: 'faelles_tx_request_duration_seconds', help: 'Request latency by operation', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers: [registry] });
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
  // the labelled children of each route, made once (prom-client hashes the labels on every call that names them), and
  // the route of each method and path seen (at most MAX_PATHS; others are labelled each time)
  const byRoute = new Map<string, Route>();
  const byPath = new Map<string, Route>();
  const routeOf = (method: string, path: string): Route => {
    const label = path.startsWith(basePath) ? routeLabel(path.slice(basePath.length), method) : 'other';
    let route = byRoute.get(label);
    if (!route) byRoute.set(label, (route = { label, time: latency.labels(label), counts: new Map() }));
    if (byPath.size < MAX_PATHS) byPath.set(method + path, route);
    return route;
  };
  const record = (url: string, method: string, status: number, seconds: number): void => {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = byPath.get(method + path) ?? routeOf(method, path);
    let count = route.counts.get(status);
    if (!count) route.counts.set(status, (count = requests.labels(route.label, String(status))));
    count.inc();
    route.time.observe(seconds);
  };
  return { registry: processWide ? Registry.merge([processWide, registry]) : registry, record };
}
