import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { TerminologyRegistry } from '../terminology/registry';
import { OPERATION_PATH } from './operation-route';

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
  middleware: (req: Request, res: Response, next: NextFunction) => void;
}

/** Prometheus metrics of one app instance (its own registry, no process-wide state). */
export function createMetrics(terminology: TerminologyRegistry, basePath: string): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'faelles_tx_requests_total', help: 'HTTP requests by operation and status',
    labelNames: ['route', 'status'], registers: [registry],
  });
  const latency = new Histogram({
    name: 'faelles_tx_request_duration_seconds', help: 'Request latency by operation',
    labelNames: ['route'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'faelles_tx_catalog_resources', help: 'Terminology resources served, by type',
    labelNames: ['type'], registers: [registry],
    collect() {
      for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap'] as const) this.set({ type }, terminology.list(type).length);
    },
  });
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const path = req.originalUrl.split('?')[0]!;
      const route = path.startsWith(basePath) ? routeLabel(path.slice(basePath.length), req.method) : 'other';
      requests.inc({ route, status: String(res.statusCode) });
      latency.observe({ route }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
  return { registry, middleware };
}
