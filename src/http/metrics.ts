import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { TerminologyRegistry } from '../terminology/registry';
import { RequestStats } from './request-stats';

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

/** Prometheus metrics of one app instance (its own registry, no process-wide state). */
export function createMetrics(terminology: TerminologyRegistry, basePath: string): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new RequestStats();
  requests.registerOn(registry, 'faelles_tx_');
  new Gauge({
    name: 'faelles_tx_catalog_resources', help: 'Terminology resources served, by type',
    labelNames: ['type'], registers: [registry],
    collect() {
      for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap'] as const) this.set({ type }, terminology.list(type).length);
    },
  });
  const record = (url: string, method: string, status: number, seconds: number): void => {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const route = path.startsWith(basePath) ? routeLabel(path.slice(basePath.length), method) : 'other';
    requests.record(route, status, seconds);
  };
  return { registry, record };
}
