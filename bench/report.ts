/** Result types of a bench run, the bar of the performance issue, and the Markdown summary. */
import { SAME_MIX } from './same-mix';
import type { BarKind } from './scenarios';

export interface RunStats {
  rps: number;
  requests: number;
  /** CPU time (user + system) of the answering process per request, from /proc. */
  cpuUsPerRequest: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface ScenarioResult {
  id: string;
  title: string;
  /** `default` is the server as configured; the others are diagnostic runs with parts switched off. */
  variant: string;
  bar: BarKind;
  status: 'ok' | 'skipped' | 'failed';
  reason?: string;
  note?: string;
  meanBytes?: number;
  /**
   * The untimed first pass over the scenario's distinct requests, before its rounds: what the server computes once
   * (a municipality's pick lists, evaluated value sets, cached answers) and the rounds then find ready.
   */
  firstPass?: { requests: number; seconds: number; cpuUsPerRequest: number };
  /** The distinct requests it asks for (a load's paths, a batch Bundle's entry URLs). */
  distinctRequests?: number;
  rps?: number;
  baselineRps?: number;
  ratio?: number;
  p50?: number;
  p99?: number;
  baselineP99?: number;
  cpuUsPerRequest?: number;
  baselineCpuUsPerRequest?: number;
  /** The server's RSS right after this scenario. */
  rssAfterMb?: number;
  msPerRequest?: number;
  errors?: number;
  non2xx?: number;
  rounds?: { server: RunStats; baseline: RunStats }[];
}

export interface DatasetResult {
  name: string;
  generatedBytes?: number;
  /** The generated 98-municipality dataset: judged against the embedded dataset's rates, with its own start-up limit. */
  scaled?: boolean;
  startupMs: number[];
  startupMedianMs: number;
  /** From spawn to /ready answering 200, per start-up (absent in older results). */
  readyMs?: number[];
  readyMedianMs?: number;
  rss: { afterStartMb?: number; afterLoadMb?: number; peakMb?: number };
  scenarios: ScenarioResult[];
}

export interface BenchResult {
  date: string;
  revision?: string;
  node: string;
  cpus: number;
  loadAverageBefore: number[];
  loadAverageAfter: number[];
  durationSeconds: number;
  rounds: number;
  connections: number;
  /** The store of the servers measured (--store); absent in results from before the option. */
  store?: string;
  datasets: DatasetResult[];
}

export const LIMITS = {
  ratioHot: 0.5, ratioExpand: 0.25,
  /** Varied traffic with the response cache off (issue 15): $lookup and $translate, and typeahead $expand. */
  ratioVaried: 0.65, ratioTypeahead: 0.4, p99Ms: 10, batchMs: 50, startupMs: 1500, rssMb: 150,
  /** With the 98 municipalities loaded: each scenario's rate against its rate without them, and start-up. */
  scaledRatio: 0.9, scaledStartupMs: 5000,
};

/**
 * A scenario's rate: against the baseline measured alongside it where there is one (the datasets run minutes apart,
 * and the machine's speed moves in between; the baseline moves with it), else a batch's requests per second.
 */
function rateOf(s: ScenarioResult): number | undefined {
  if (s.status !== 'ok') return undefined;
  return s.msPerRequest !== undefined ? 1000 / s.msPerRequest : s.ratio;
}

/**
 * The rate of a scenario of the scaled dataset against the same scenario and variant without the municipalities (a
 * "same mix" row against the scenario's default row there, whose number of distinct requests it took).
 */
export function rateAgainst(s: ScenarioResult, reference: DatasetResult | undefined): number | undefined {
  const variant = s.variant === SAME_MIX ? 'default' : s.variant;
  const same = reference?.scenarios.find((r) => r.id === s.id && r.variant === variant);
  const a = rateOf(s);
  const b = same && rateOf(same);
  return a !== undefined && b !== undefined && b > 0 ? a / b : undefined;
}

/** Whether a scenario meets its line of the bar: true, false, or undefined when there is nothing to judge. */
export function meetsBar(s: ScenarioResult): boolean | undefined {
  if (s.status !== 'ok') return undefined;
  switch (s.bar) {
    case 'ratio-0.5': return s.ratio! >= LIMITS.ratioHot && s.p99! < LIMITS.p99Ms;
    case 'ratio-0.25': return s.ratio! >= LIMITS.ratioExpand;
    case 'ratio-0.65': return s.ratio! >= LIMITS.ratioVaried;
    case 'ratio-0.4': return s.ratio! >= LIMITS.ratioTypeahead;
    case 'batch-50ms': return s.msPerRequest! < LIMITS.batchMs;
    default: return undefined;
  }
}

function barText(bar: BarKind): string {
  switch (bar) {
    case 'ratio-0.5': return `≥ ${LIMITS.ratioHot}×, p99 < ${LIMITS.p99Ms} ms`;
    case 'ratio-0.25': return `≥ ${LIMITS.ratioExpand}×`;
    case 'ratio-0.65': return `≥ ${LIMITS.ratioVaried}×`;
    case 'ratio-0.4': return `≥ ${LIMITS.ratioTypeahead}×`;
    case 'batch-50ms': return `< ${LIMITS.batchMs} ms/request`;
    default: return '';
  }
}

const f0 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(0));
const f2 = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(2));
const mark = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'yes' : '**no**');

export function renderMarkdown(r: BenchResult): string {
  const lines: string[] = [];
  lines.push(`# faelles-tx bench ${r.date}`);
  lines.push('');
  lines.push(`Revision ${r.revision ?? '?'}, Node ${r.node}, ${r.cpus} CPUs, load average ${r.loadAverageBefore.map((l) => l.toFixed(2)).join('/')} before, ` +
    `${r.loadAverageAfter.map((l) => l.toFixed(2)).join('/')} after; ${r.rounds} rounds × ${r.durationSeconds} s per scenario, ${r.connections} connections` +
    `${r.store ? `, ${r.store} store` : ''}. ` +
    'Ratios compare with the bare node:http baseline measured in alternation in this run.');
  const reference = r.datasets.find((d) => !d.scaled);
  for (const d of r.datasets) {
    const scaled = d.scaled === true && reference !== undefined;
    lines.push('');
    lines.push(`## ${d.name}${d.generatedBytes ? ` (${(d.generatedBytes / 1e6).toFixed(0)} MB generated)` : ''}`);
    lines.push('');
    if (scaled) lines.push(`The bar here: every scenario at ≥ ${LIMITS.scaledRatio}× of its rate on the ${reference.name} dataset (column "vs ${reference.name}": ratios to the baseline compared, the batch's times), start-up < ${LIMITS.scaledStartupMs} ms. ` +
      `A "${SAME_MIX}" row is its scenario asking for only as many distinct requests as on the ${reference.name} dataset (bench/same-mix.ts), for comparison.`, '');
    const vs = scaled ? ` vs ${reference.name} |` : '';
    lines.push(`| scenario | variant | req/s | baseline req/s | ratio | p50 ms | p99 ms | CPU µs/req (baseline) |${vs} bar | meets bar |`);
    lines.push(`|---|---|---:|---:|---:|---:|---:|---:|${scaled ? '---:|' : ''}---|---|`);
    for (const s of d.scenarios) {
      const compared = scaled && s.bar !== 'grows-with-data';
      const against = compared ? rateAgainst(s, reference) : undefined;
      const vsCell = scaled ? ` ${f2(against)} |` : '';
      const diagnostic = s.variant === SAME_MIX;
      const bar = diagnostic ? `none (as many distinct requests as ${reference?.name})`
        : compared ? `≥ ${LIMITS.scaledRatio}× of ${reference.name}` : scaled ? 'none (the work grows with the data)' : barText(s.bar);
      const meets = diagnostic ? undefined : compared ? (against === undefined ? undefined : against >= LIMITS.scaledRatio) : scaled ? undefined : meetsBar(s);
      if (s.status !== 'ok') {
        lines.push(`| ${s.title} | ${s.variant} | ${s.status}: ${s.reason ?? ''} | | | | | |${vsCell} ${bar} | |`);
      } else if (s.msPerRequest !== undefined) {
        lines.push(`| ${s.title} | ${s.variant} | ${f0(s.msPerRequest)} ms/request | | | ${f2(s.p50)} | ${f2(s.p99)} (max) | |${vsCell} ${bar} | ${mark(meets)} |`);
      } else {
        const bad = (s.non2xx ?? 0) + (s.errors ?? 0) > 0 ? ` (${s.non2xx} non-2xx, ${s.errors} errors)` : '';
        lines.push(`| ${s.title} | ${s.variant} | ${f0(s.rps)}${bad} | ${f0(s.baselineRps)} | ${f2(s.ratio)} | ${f2(s.p50)} | ${f2(s.p99)} | ` +
          `${f0(s.cpuUsPerRequest)} (${f0(s.baselineCpuUsPerRequest)}) |${vsCell} ${bar} | ${mark(meets)} |`);
      }
    }
    const empty = scaled ? ' |' : '';
    const startLimit = scaled ? LIMITS.scaledStartupMs : LIMITS.startupMs;
    const startOk = d.startupMedianMs < startLimit;
    const rssOk = (d.rss.afterLoadMb ?? Infinity) < LIMITS.rssMb;
    lines.push(`| start-up to first answer (median of ${d.startupMs.length}: ${d.startupMs.map((m) => m.toFixed(0)).join(', ')} ms) | | ${f0(d.startupMedianMs)} ms | | | | | |${empty} < ${startLimit} ms | ${mark(startOk)} |`);
    if (d.readyMs && d.readyMedianMs !== undefined) {
      lines.push(`| start-up to /ready (median of ${d.readyMs.length}: ${d.readyMs.map((m) => m.toFixed(0)).join(', ')} ms) | | ${f0(d.readyMedianMs)} ms | | | | | |${empty} ${scaled ? `< ${startLimit} ms` : ''} | ${scaled ? mark(d.readyMedianMs < startLimit) : ''} |`);
    }
    lines.push(`| RSS after start / after load (peak) | | ${f0(d.rss.afterStartMb)} / ${f0(d.rss.afterLoadMb)} (${f0(d.rss.peakMb)}) MB | | | | | |${empty} ${scaled ? '' : `< ${LIMITS.rssMb} MB`} | ${scaled ? '' : mark(rssOk)} |`);
    const notes = d.scenarios.filter((s) => s.note && s.variant === 'default')
      .map((s) => `- ${s.id}: ${s.note}${s.meanBytes ? `; mean response ${s.meanBytes} bytes` : ''}${s.firstPass ? `; first pass over its ${s.firstPass.requests} distinct requests ${s.firstPass.seconds.toFixed(1)} s (${s.firstPass.cpuUsPerRequest.toFixed(0)} µs CPU/request)` : ''}${s.rssAfterMb ? `; RSS after it ${s.rssAfterMb.toFixed(0)} MB` : ''}`);
    if (notes.length > 0) {
      lines.push('');
      lines.push(...notes);
    }
  }
  lines.push('');
  return lines.join('\n');
}
