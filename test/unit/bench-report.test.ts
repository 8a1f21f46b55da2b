import { rateAgainst, renderMarkdown, type BenchResult, type DatasetResult, type ScenarioResult } from '../../bench/report';

const scenario = (id: string, over: Partial<ScenarioResult>): ScenarioResult => ({
  id, title: id, variant: 'default', bar: id === 'batch' ? 'batch-50ms' : 'ratio-0.5', status: 'ok', ...over,
});
const dataset = (name: string, scenarios: ScenarioResult[], startupMedianMs: number, scaled?: boolean): DatasetResult => ({
  name, scaled, startupMs: [startupMedianMs], startupMedianMs, rss: { afterStartMb: 90, afterLoadMb: 120, peakMb: 130 }, scenarios,
});

describe('the bench report', () => {
  const embedded = dataset('embedded', [
    scenario('lookup', { rps: 1000, baselineRps: 1800, ratio: 1000 / 1800, p99: 4 }),
    scenario('batch', { msPerRequest: 40 }),
  ], 500);

  it('judges the scaled dataset by its rate against the same scenario without the municipalities', () => {
    const fast = scenario('lookup', { rps: 950, baselineRps: 1800, ratio: 950 / 1800, p99: 4 });
    const slow = scenario('lookup', { rps: 850, baselineRps: 1800, ratio: 850 / 1800, p99: 4 });
    expect(rateAgainst(fast, embedded)).toBeCloseTo(0.95);
    expect(rateAgainst(slow, embedded)).toBeCloseTo(0.85);
    // the machine slowed down between the datasets: the baseline measured alongside shows it
    const slowerMachine = scenario('lookup', { rps: 760, baselineRps: 1440, ratio: 760 / 1440, p99: 4 });
    expect(rateAgainst(slowerMachine, embedded)).toBeCloseTo(0.95);
    expect(rateAgainst(scenario('batch', { msPerRequest: 50 }), embedded)).toBeCloseTo(0.8); // 40 ms → 50 ms
    expect(rateAgainst(scenario('other', { rps: 1 }), embedded)).toBeUndefined();
  });

  it('marks each line of the bar: the embedded limits there, 0.9× and 5 s with the municipalities', () => {
    const scaled = dataset('98 municipalities', [
      scenario('lookup', { rps: 850, baselineRps: 1800, ratio: 850 / 1800, p99: 4 }),
      scenario('batch', { msPerRequest: 41 }),
    ], 4000, true);
    const result: BenchResult = {
      date: '2026-11-23', node: 'v20', cpus: 2, loadAverageBefore: [0, 0, 0], loadAverageAfter: [0, 0, 0], durationSeconds: 4, rounds: 2,
      connections: 32, datasets: [embedded, scaled],
    };
    const [head, tail] = renderMarkdown(result).split('## 98 municipalities');
    const row = (text: string, start: string) => text!.split('\n').find((l) => l.startsWith(`| ${start}`))!;
    expect(row(head!, 'lookup')).toMatch(/\| ≥ 0\.5×, p99 < 10 ms \| yes \|$/);
    expect(row(head!, 'start-up')).toMatch(/< 1500 ms \| yes \|$/);
    expect(row(tail!, 'lookup')).toMatch(/\| 0\.85 \| ≥ 0\.9× of embedded \| \*\*no\*\* \|$/);
    expect(row(tail!, 'batch')).toMatch(/\| 0\.98 \| ≥ 0\.9× of embedded \| yes \|$/);
    expect(row(tail!, 'start-up')).toMatch(/< 5000 ms \| yes \|$/);
  });

  it("states each scenario's untimed first pass over its distinct requests beside its rate", () => {
    const picker = scenario('picker', {
      rps: 600, baselineRps: 2000, ratio: 0.3, p99: 50, note: '98 municipalities', meanBytes: 245000,
      firstPass: { requests: 1412, seconds: 17.4, cpuUsPerRequest: 9908 },
    });
    const result: BenchResult = {
      date: '2026-12-03', node: 'v20', cpus: 2, loadAverageBefore: [0, 0, 0], loadAverageAfter: [0, 0, 0], durationSeconds: 4, rounds: 2,
      connections: 32, datasets: [dataset('embedded', [picker], 500)],
    };
    const note = renderMarkdown(result).split('\n').find((l) => l.startsWith('- picker:'));
    expect(note).toBe('- picker: 98 municipalities; mean response 245000 bytes; first pass over its 1412 distinct requests 17.4 s (9908 µs CPU/request)');
  });
});
