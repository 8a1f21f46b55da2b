import { Counter, Histogram, type Registry } from 'prom-client';
import { findOperation } from '../../operations';

const OPERATION_PATH = /^\/(CodeSystem|ValueSet|ConceptMap)(?:\/([^/]+))?\/\$([A-Za-z-]+)$/;

/** The label of every request no other label names (an operation the server does not have among them). */
const OTHER = 'other';

/**
 * What a request is, for metrics: the operation or interaction, never the raw path (that would explode labels): an
 * operation's name is a label only when the server has that operation (OPERATIONS), as a client may send any.
 */
export function routeLabel(path: string, method: string): string {
  const op = OPERATION_PATH.exec(path);
  if (op) return findOperation(op[1]!, op[3]!) ? `${op[1]}/${op[2] ? '[id]/' : ''}$${op[3]}` : OTHER;
  const m = /^\/(CodeSystem|ValueSet|ConceptMap|StructureDefinition|Bundle)(\/[^/]+)?(\/_history)?/.exec(path);
  if (m) return `${m[1]}${m[2] ? '/[id]' : ''}${m[3] ? '/_history' : ''} ${method}`;
  if (path === '/metadata') return 'metadata';
  return OTHER;
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

/** Paths whose route label is kept, and the longest kept: a FHIR id is at most 64 characters, a client's path need not be. */
const MAX_PATHS = 10_000;
const MAX_KEPT_PATH = 256;

/** Latency buckets in seconds. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The requests' metrics (count by route and status, latency by route), added to the app's registry (src/metrics.ts). */
export function createMetrics(registry: Registry, basePath: string): AppMetrics {
  const requests = new Counter({ name: 'faelles_tx_requests_total', help: 'HTTP requests by operation and status', labelNames: ['route', 'status'], registers: [registry] });
  const latency = new Histogram({ name: 'faelles_tx_request_duration_seconds', help: 'Request latency by operation', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers: [registry] });
  // the labelled children of each route, made once (prom-client hashes the labels on every call that names them), and
  // the route of each method and path seen (at most MAX_PATHS of at most MAX_KEPT_PATH characters, so that 10,000
  // paths of 16 KB cannot hold 160 MB; others are labelled each time)
  const byRoute = new Map<string, Route>();
  const byPath = new Map<string, Route>();
  const routeOf = (method: string, path: string): Route => {
    const label = path.startsWith(basePath) ? routeLabel(path.slice(basePath.length), method) : OTHER;
    let route = byRoute.get(label);
    if (!route) byRoute.set(label, (route = { label, time: latency.labels(label), counts: new Map() }));
    if (byPath.size < MAX_PATHS && path.length <= MAX_KEPT_PATH) byPath.set(method + path, route);
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
  return { registry, record };
}
