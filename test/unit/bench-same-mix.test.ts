import { renderMarkdown, type BenchResult, type DatasetResult, type ScenarioResult } from '../../bench/report';
import { distinctRequests, narrowed, SAME_MIX } from '../../bench/same-mix';
import type { Prepared } from '../../bench/scenarios';

const load = (paths: string[]): Prepared => ({ kind: 'load', paths, meanBytes: 100, note: 'pool' });
const bundle = (urls: string[]): Prepared => ({
  kind: 'batch', method: 'POST', path: '/fhir', codings: urls.length,
  body: JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry: urls.map((url) => ({ request: { method: 'GET', url } })) }),
});

describe('the same-mix rows of a scaled dataset', () => {
  it('counts the distinct requests of a load pool and of a batch Bundle, not of another body', () => {
    expect(distinctRequests(load(['a', 'b', 'a', 'c', 'b']))).toBe(3);
    expect(distinctRequests(bundle(['x', 'y', 'x']))).toBe(2);
    expect(distinctRequests({ kind: 'batch', method: 'POST', path: '/p', codings: 1, body: '{"resourceType":"Parameters"}' })).toBeUndefined();
  });

  it('narrows a load pool to its first distinct requests, keeping its length', () => {
    const pool = ['p1', 'p2', 'p1', 'p3', 'p4', 'p2', 'p5', 'p6'];
    const out = narrowed(load(pool), 2);
    expect(out?.kind).toBe('load');
    const paths = (out as Extract<Prepared, { kind: 'load' }>).paths;
    expect(paths).toHaveLength(pool.length);
    expect(new Set(paths)).toEqual(new Set(['p1', 'p2']));
    expect(paths.slice(0, 4)).toEqual(['p1', 'p2', 'p1', 'p2']);
  });

  it('leaves a scenario alone that asks for fewer than twice as many distinct requests', () => {
    expect(narrowed(load(['a', 'b', 'c']), 2)).toBeUndefined();
    expect(narrowed(bundle(['a', 'b', 'c']), 2)).toBeUndefined();
    expect(narrowed(load(['a', 'b', 'c', 'd']), 0)).toBeUndefined();
  });

  it('narrows a batch Bundle to its first distinct entry URLs, keeping its entries and their other fields', () => {
    const out = narrowed(bundle(['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u1']), 3) as Extract<Prepared, { kind: 'batch' }>;
    const sent = JSON.parse(out.body!) as { type: string; entry: { request: { method: string; url: string } }[] };
    expect(sent.type).toBe('batch');
    expect(sent.entry.map((e) => e.request.url)).toEqual(['u1', 'u2', 'u3', 'u1', 'u2', 'u3', 'u1']);
    expect(sent.entry.every((e) => e.request.method === 'GET')).toBe(true);
    expect(distinctRequests(out)).toBe(3);
  });

  it('reports a same-mix row against the default row of the embedded dataset, without judging it', () => {
    const row = (id: string, variant: string, ratio: number): ScenarioResult => ({
      id, title: id, variant, bar: 'ratio-0.5', status: 'ok', rps: ratio * 1000, baselineRps: 1000, ratio, p99: 2,
    });
    const dataset = (name: string, scenarios: ScenarioResult[], scaled?: boolean): DatasetResult => ({
      name, scaled, startupMs: [400], startupMedianMs: 400, rss: {}, scenarios,
    });
    const result: BenchResult = {
      date: '2026-12-07', node: 'v20', cpus: 2, loadAverageBefore: [0, 0, 0], loadAverageAfter: [0, 0, 0], durationSeconds: 4, rounds: 2,
      connections: 32, datasets: [dataset('embedded', [row('translate', 'default', 0.6)]),
        dataset('versioned', [row('translate', 'default', 0.48), row('translate', SAME_MIX, 0.6)], true)],
    };
    const lines = renderMarkdown(result).split('## versioned')[1]!.split('\n');
    expect(lines.find((l) => l.startsWith('| translate | default'))).toMatch(/\| 0\.80 \| ≥ 0\.9× of embedded \| \*\*no\*\* \|$/);
    expect(lines.find((l) => l.startsWith(`| translate | ${SAME_MIX}`))).toMatch(/\| 1\.00 \| none \(as many distinct requests as embedded\) \|  \|$/);
  });
});
