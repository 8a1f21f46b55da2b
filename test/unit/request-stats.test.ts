import { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS, RequestStats } from '../../src/http/request-stats';

/** Observations covering every bucket, both edges of a bound, and the overflow bucket. */
const OBSERVATIONS: [string, number, number][] = [
  ['ValueSet/$validate-code', 200, 0.0004],
  ['ValueSet/$validate-code', 200, 0.001],
  ['ValueSet/$validate-code', 200, 0.0010001],
  ['ValueSet/$validate-code', 404, 0.03],
  ['CodeSystem/$lookup', 200, 7],
  ['CodeSystem/$lookup', 200, 5],
  ['CodeSystem/$lookup', 500, 0.3],
  ['other', 404, 0],
  ...LATENCY_BUCKETS.map((b): [string, number, number] => ['ConceptMap/$translate', 200, b * 0.9]),
];

describe('request statistics', () => {
  it('are exposed exactly as prom-client Counter and Histogram expose the same observations', async () => {
    const ours = new Registry();
    const stats = new RequestStats();
    stats.registerOn(ours, 'x_');
    const theirs = new Registry();
    const counter = new Counter({ name: 'x_requests_total', help: 'HTTP requests by operation and status', labelNames: ['route', 'status'], registers: [theirs] });
    const histogram = new Histogram({ name: 'x_request_duration_seconds', help: 'Request latency by operation', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers: [theirs] });
    for (const [route, status, seconds] of OBSERVATIONS) {
      stats.record(route, status, seconds);
      counter.inc({ route, status: String(status) });
      histogram.observe({ route }, seconds);
    }
    const lines = (text: string) => text.split('\n').filter(Boolean).sort();
    expect(lines(await ours.metrics())).toEqual(lines(await theirs.metrics()));
    expect(await ours.metrics()).toContain('x_requests_total{route="CodeSystem/$lookup",status="500"} 1');
    expect(await ours.metrics()).toContain('x_request_duration_seconds_bucket{le="+Inf",route="CodeSystem/$lookup"} 3');
  });

  it('report nothing before the first request', async () => {
    const registry = new Registry();
    new RequestStats().registerOn(registry, 'y_');
    expect(await registry.metrics()).not.toMatch(/^y_requests_total\{/m);
  });
});
