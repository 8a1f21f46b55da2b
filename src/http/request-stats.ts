import type { Registry } from 'prom-client';

/** Latency buckets in seconds (upper bounds, as Prometheus histograms have them). */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

interface RouteStats {
  byStatus: Map<number, number>;
  /** Observations per bucket (not cumulative; +Inf last). */
  buckets: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Request counts by route and status, and a latency histogram by route, kept as plain numbers and turned into
 * Prometheus metrics when scraped. Every request is counted, and prom-client's Counter and Histogram validate and hash
 * their labels on every call: more work than answering a cached terminology request. What the registry reports is
 * what prom-client's own Counter and Histogram would.
 */
export class RequestStats {
  private readonly routes = new Map<string, RouteStats>();

  record(route: string, status: number, seconds: number): void {
    let stats = this.routes.get(route);
    if (!stats) {
      stats = { byStatus: new Map(), buckets: new Array<number>(LATENCY_BUCKETS.length + 1).fill(0), sum: 0, count: 0 };
      this.routes.set(route, stats);
    }
    stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[i]!) i++;
    stats.buckets[i]!++;
    stats.sum += seconds;
    stats.count++;
  }

  /** Registers `{prefix}requests_total` and `{prefix}request_duration_seconds` on the registry. */
  registerOn(registry: Registry, prefix: string): void {
    const counter = {
      name: `${prefix}requests_total`, help: 'HTTP requests by operation and status', type: 'counter', aggregator: 'sum',
      get: () => {
        const values: MetricValue[] = [];
        for (const [route, stats] of this.routes) {
          for (const [status, n] of stats.byStatus) values.push({ value: n, labels: { route, status: String(status) } });
        }
        return Promise.resolve({ name: counter.name, help: counter.help, type: counter.type, aggregator: counter.aggregator, values });
      },
    };
    const histogram = {
      name: `${prefix}request_duration_seconds`, help: 'Request latency by operation', type: 'histogram', aggregator: 'sum',
      get: () => {
        const values: MetricValue[] = [];
        for (const [route, stats] of this.routes) {
          let cumulative = 0;
          for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
            cumulative += stats.buckets[i]!;
            const le = i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf';
            values.push({ value: cumulative, labels: { le, route }, metricName: `${histogram.name}_bucket` });
          }
          values.push({ value: stats.sum, labels: { route }, metricName: `${histogram.name}_sum` });
          values.push({ value: stats.count, labels: { route }, metricName: `${histogram.name}_count` });
        }
        return Promise.resolve({ name: histogram.name, help: histogram.help, type: histogram.type, aggregator: histogram.aggregator, values });
      },
    };
    // prom-client reads registered metrics through `get()` only
    registry.registerMetric(counter as unknown as Parameters<Registry['registerMetric']>[0]);
    registry.registerMetric(histogram as unknown as Parameters<Registry['registerMetric']>[0]);
  }
}
