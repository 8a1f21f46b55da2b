/**
 * `npm run bench`: the server against the bare-Node limit, measured in the same run.
 *
 * For each dataset (the embedded catalogs, then the same plus 98 generated municipalities × 2,000 local codes and
 * maps) it measures start-up to the first answered request, then runs every scenario with autocannon, alternating
 * between a baseline node:http server (fixed body of the scenario's mean response size) and the server, and
 * reports req/s, p50/p99 latency and the ratio to the baseline. On a scaled dataset, a scenario that asks for many more
 * distinct requests than on the embedded one is measured again asking for as many (its "same-mix" row,
 * bench/same-mix.ts). Results go to bench/results/ (JSON + Markdown).
 *
 * Options (flags or environment): --duration S (BENCH_DURATION, default 4), --rounds N (BENCH_ROUNDS, 2),
 * --connections N (BENCH_CONNECTIONS, 32), --startups N (BENCH_STARTUPS, 3), --only id,id (BENCH_ONLY),
 * --variants name,name (BENCH_VARIANTS), --datasets name,name (BENCH_DATASETS), --store sqlite|postgres (BENCH_STORE),
 * --database-url URL (BENCH_DATABASE_URL), --no-scaled (BENCH_SCALED=0), --no-diagnostics (BENCH_DIAGNOSTICS=0),
 * --quick (1 s × 1 round, for trying the harness). An option or a name it does not know is refused (exit status 2).
 */
import autocannon from 'autocannon';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../src/config';
import { listOf, parseCommandLine, wholeNumber } from '../scripts/command-line';
import { freePort } from '../scripts/free-port';
import { closeClient, get, request } from './client';
import { createScaledDataset, type ScaledDataset } from './dataset';
import { createVersionedDataset } from './versioned-dataset';
import { renderMarkdown, type BenchResult, type DatasetResult, type ScenarioResult, type RunStats } from './report';
import { discover, EOJ_SCENARIOS, localMapsOf, SCENARIOS, VARIED_SCENARIO_IDS, type Prepared, type ScenarioContext } from './scenarios';
import { benchStore } from './store-option';
import { distinctRequests, narrowed, SAME_MIX, type Measured } from './same-mix';

const USAGE = 'usage: npm run bench -- [--duration S] [--rounds N] [--connections N] [--startups N] [--only id,…] ' +
  '[--variants default,no-cache,express] [--datasets embedded,scaled,versioned] [--store sqlite|postgres] [--database-url URL] ' +
  '[--no-scaled] [--no-diagnostics] [--quick]';
/** The variants of the server main() runs (default; no-cache and express as diagnostics). */
const VARIANT_NAMES = ['default', 'no-cache', 'express'];
const DATASET_NAMES = ['embedded', 'scaled', 'versioned'];

const { values: given } = parseCommandLine({
  options: {
    duration: { type: 'string' }, rounds: { type: 'string' }, connections: { type: 'string' }, startups: { type: 'string' },
    only: { type: 'string' }, variants: { type: 'string' }, datasets: { type: 'string' }, store: { type: 'string' }, 'database-url': { type: 'string' },
    'no-scaled': { type: 'boolean', default: false }, 'no-diagnostics': { type: 'boolean', default: false }, quick: { type: 'boolean', default: false },
  },
}, USAGE);
/** A command-line option, else its environment variable. */
function option(name: 'duration' | 'rounds' | 'connections' | 'startups' | 'only' | 'variants' | 'datasets' | 'store' | 'database-url', env: string): string | undefined {
  return given[name] ?? process.env[env];
}
const whole = (name: 'duration' | 'rounds' | 'connections' | 'startups', env: string, fallback: number, max: number) =>
  wholeNumber(option(name, env), `--${name}`, { fallback, min: 1, max }, USAGE);

const quick = given.quick;
const DURATION = whole('duration', 'BENCH_DURATION', quick ? 1 : 4, 3600);
const ROUNDS = whole('rounds', 'BENCH_ROUNDS', quick ? 1 : 2, 100);
const CONNECTIONS = whole('connections', 'BENCH_CONNECTIONS', 32, 10_000);
const ONLY = listOf(option('only', 'BENCH_ONLY') ?? '', '--only', SCENARIOS.map((s) => s.id), USAGE);
/** --variants default,no-cache (BENCH_VARIANTS): run only these variants of the server. */
const VARIANTS = listOf(option('variants', 'BENCH_VARIANTS') ?? '', '--variants', VARIANT_NAMES, USAGE);
const SCALED = !given['no-scaled'] && process.env.BENCH_SCALED !== '0';
/** --datasets embedded,scaled,versioned (BENCH_DATASETS): the datasets to run (embedded always runs: the others are judged against it). */
const DATASETS = listOf(option('datasets', 'BENCH_DATASETS') ?? (SCALED ? 'embedded,scaled' : 'embedded'), '--datasets', DATASET_NAMES, USAGE);
const DIAGNOSTICS = !given['no-diagnostics'] && process.env.BENCH_DIAGNOSTICS !== '0';
const STARTUPS = whole('startups', 'BENCH_STARTUPS', quick ? 1 : 3, 20);
/** --store sqlite|postgres (BENCH_STORE): the store of every server started; see bench/store-option.ts. */
const STORE = benchStore(option('store', 'BENCH_STORE') ?? 'sqlite',
  option('database-url', 'BENCH_DATABASE_URL') ?? 'postgres://postgres@127.0.0.1:5432/test');
const BASE = '/fhir';

const ROOT = projectRoot();
const SERVER_ENTRY = path.join(__dirname, '..', 'src', 'index.js');
/** Node flags of the server, as the Dockerfile and `npm start` run it (BENCH_NODE_FLAGS replaces them). */
const SERVER_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=8 --expose-gc').split(' ').filter(Boolean);
const BASELINE_ENTRY = path.join(__dirname, 'baseline-server.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  child: ChildProcess;
  port: number;
  startupMs: number;
  /** From spawn to /ready answering 200 (the validation profiles loaded in the background too). */
  readyMs: number;
  stderr: string[];
  dataDir: string;
}

/** Starts the server and measures the time from spawn to the first answered terminology request. */
async function startServer(terminologyDir: string, env: Record<string, string> = {}, dataTemplate?: string): Promise<Server> {
  const port = await freePort();
  const stderr: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-bench-data-'));
  if (dataTemplate) fs.cpSync(dataTemplate, dataDir, { recursive: true });
  // BENCH_SERVER_OUT=PREFIX: the server's stdout (its access log, and what BENCH_NODE_FLAGS such as --trace-gc-nvp print) in PREFIX-PORT.log
  const stdout = process.env.BENCH_SERVER_OUT ? fs.openSync(`${process.env.BENCH_SERVER_OUT}-${port}.log`, 'w') : 'ignore';
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, SERVER_ENTRY], {
    env: {
      ...process.env,
      PORT: String(port), HOST: '127.0.0.1', TERMINOLOGY_DIR: terminologyDir, LOAD_EXAMPLES: 'true',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', DATA_DIR: dataDir,
      ...STORE.env(),
      ...env,
    },
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (typeof stdout === 'number') fs.closeSync(stdout);
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  const probe = `${BASE}/CodeSystem/$lookup?system=${encodeURIComponent('urn:oid:1.2.208.176.2.21')}&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c`;
  for (;;) {
    if (exited) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`the server ${exited}: ${stderr.join('').slice(-2000)}`);
    }
    try {
      const a = await get(port, probe);
      if (a.status === 200) break;
      throw new Error(`start-up probe answered ${a.status}: ${a.body.slice(0, 300)}`);
    } catch (e) {
      if (!/ECONNREFUSED|ECONNRESET|socket hang up/.test(String((e as Error).message))) throw e;
    }
    if (Number(process.hrtime.bigint() - started) > 120e9) throw new Error('the server did not start within 120 s');
    await sleep(5);
  }
  const startupMs = Number(process.hrtime.bigint() - started) / 1e6;
  while ((await get(port, '/ready')).status !== 200) {
    if (Number(process.hrtime.bigint() - started) > 120e9) throw new Error('the server was not ready within 120 s');
    await sleep(5);
  }
  return { child, port, startupMs, readyMs: Number(process.hrtime.bigint() - started) / 1e6, stderr, dataDir };
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([done, sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

async function stop(server: Server): Promise<void> {
  await stopProcess(server.child);
  fs.rmSync(server.dataDir, { recursive: true, force: true });
}

function rssMb(pid: number | undefined): { rss: number; peak: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

interface Baseline {
  child: ChildProcess;
  port: number;
}

async function startBaseline(): Promise<Baseline> {
  const child = fork(BASELINE_ENTRY, ['0'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
  });
  return { child, port };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** The server's garbage collections so far by kind (major, minor, incremental, weakcb): count and main-thread pause in ms, from /metrics. */
async function gcTotals(port: number): Promise<Map<string, { count: number; ms: number }>> {
  const totals = new Map<string, { count: number; ms: number }>();
  try {
    const text = (await get(port, '/metrics')).body;
    for (const m of text.matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{kind="(\w+)"\} ([\d.e+-]+)$/gm)) {
      const t = totals.get(m[2]!) ?? { count: 0, ms: 0 };
      if (m[1] === 'count') t.count = Number(m[3]);
      else t.ms = Number(m[3]) * 1000;
      totals.set(m[2]!, t);
    }
  } catch {
    // a server without /metrics: no figures
  }
  return totals;
}

/** The collections between two readings, e.g. "major 2 (310 ms), minor 95 (120 ms)"; the pauses, not the concurrent marking. */
function gcBetween(before: Map<string, { count: number; ms: number }>, after: Map<string, { count: number; ms: number }>): string {
  return [...after].map(([kind, t]) => ({ kind, count: t.count - (before.get(kind)?.count ?? 0), ms: t.ms - (before.get(kind)?.ms ?? 0) }))
    .filter((t) => t.count > 0).map((t) => `${t.kind} ${t.count} (${t.ms.toFixed(0)} ms)`).join(', ') || 'none';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** One autocannon run over a pool of paths (cycled), latencies recorded at full resolution. */
async function cannon(port: number, pid: number | undefined, paths: string[], seconds: number, connections = CONNECTIONS): Promise<RunStats> {
  let i = 0;
  const cpuBefore = cpuMs(pid);
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`,
      connections,
      duration: seconds,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
    }, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client, _status, _bytes, ms) => {
      latencies.push(ms);
    });
  });
  latencies.sort((a, b) => a - b);
  const total = result.requests.total;
  return {
    rps: total / result.duration,
    requests: total,
    cpuUsPerRequest: ((cpuMs(pid) - cpuBefore) * 1000) / total,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Each distinct request of a scenario once, untimed, before its rounds: a round of a few seconds would otherwise
 * measure how fast the server fills what it computes once (98 municipalities' pick lists take ~15 s) instead of its
 * rate. The pass is reported beside the scenario, so that the cold cost stays in view.
 */
async function firstPass(port: number, pid: number | undefined, paths: string[]): Promise<NonNullable<ScenarioResult['firstPass']>> {
  const distinct = [...new Set(paths)];
  const cpuBefore = cpuMs(pid);
  const started = process.hrtime.bigint();
  let i = 0;
  // the time to the last answer: autocannon itself ends at its next whole-second tick
  let lastAnswer = started;
  let cpuAtLastAnswer = cpuBefore;
  await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({
      url: `http://127.0.0.1:${port}`, connections: Math.min(CONNECTIONS, distinct.length), amount: distinct.length, timeout: 60,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: distinct[i++ % distinct.length]! }) }],
    }, (err, res) => (err ? reject(err) : resolve(res)));
    let answered = 0;
    instance.on('response', () => {
      lastAnswer = process.hrtime.bigint();
      if (++answered === distinct.length) cpuAtLastAnswer = cpuMs(pid);
    });
  });
  if (cpuAtLastAnswer === cpuBefore) cpuAtLastAnswer = cpuMs(pid);
  const seconds = Number(lastAnswer - started) / 1e9;
  return { requests: distinct.length, seconds, cpuUsPerRequest: ((cpuAtLastAnswer - cpuBefore) * 1000) / distinct.length };
}

/**
 * The baseline's body for a scenario: of its own answers (the first 60 distinct requests, as its mean size is
 * measured), the one nearest the mean size, repeated or cut (at a character) to exactly that size. The client's work
 * per answer depends on what the bytes are, not only on how many: autocannon adds each chunk of a body to a string,
 * and a body with one letter outside ASCII (æ, ø, å) is decoded as UTF-8 into a two-byte string, about three times the
 * client's CPU of an ASCII body of the same size (a 238 KB pick list: ~470 against ~160 µs per answer). Against a
 * body of ASCII padding, a server answering with Danish text was measured by its client's slowness.
 */
async function representativeBody(server: Server, baseline: Baseline, prepared: Extract<Prepared, { kind: 'load' }>, name: string): Promise<string> {
  const size = prepared.meanBytes;
  let nearest: Buffer | undefined;
  for (const p of [...new Set(prepared.paths)].slice(0, 60)) {
    const res = await fetch(`http://127.0.0.1:${server.port}${p}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (!nearest || Math.abs(body.length - size) < Math.abs(nearest.length - size)) nearest = body;
  }
  if (!nearest || nearest.length === 0) return `/size/${size}`;
  let body = Buffer.concat(Array.from({ length: Math.ceil(size / nearest.length) }, () => nearest!));
  let end = size;
  while (end > 0 && (body[end]! & 0xc0) === 0x80) end--; // not inside a character's bytes
  body = Buffer.concat([body.subarray(0, end), Buffer.alloc(size - end, 0x20)]);
  const put = await fetch(`http://127.0.0.1:${baseline.port}/body/${name}`, { method: 'PUT', body });
  if (put.status !== 204) throw new Error(`baseline: PUT /body/${name} answered ${put.status}`);
  return `/body/${name}`;
}

async function loadScenario(server: Server, baseline: Baseline, prepared: Extract<Prepared, { kind: 'load' }>, name: string): Promise<Omit<ScenarioResult, 'id' | 'title' | 'variant' | 'bar'>> {
  const serverPid = server.child.pid;
  const baselinePid = baseline.child.pid;
  const first = await firstPass(server.port, serverPid, prepared.paths);
  process.stdout.write(`    first pass: ${first.requests} distinct requests in ${first.seconds.toFixed(1)} s (${first.cpuUsPerRequest.toFixed(0)} µs CPU/request)\n`);
  const baselinePaths = [await representativeBody(server, baseline, prepared, name)];
  await cannon(server.port, serverPid, prepared.paths, Math.min(2, DURATION)); // warm-up: JIT
  await cannon(baseline.port, baselinePid, baselinePaths, 1);
  const rounds: { server: RunStats; baseline: RunStats }[] = [];
  let during: string | undefined;
  const gcs: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const b = await cannon(baseline.port, baselinePid, baselinePaths, DURATION);
    await prepared.during?.start();
    const gcBefore = await gcTotals(server.port);
    const s = await cannon(server.port, serverPid, prepared.paths, DURATION);
    gcs.push(gcBetween(gcBefore, await gcTotals(server.port)));
    if (prepared.during) during = await prepared.during.stop();
    rounds.push({ server: s, baseline: b });
    process.stdout.write(`    round ${r + 1}: server ${s.rps.toFixed(0)} req/s (p99 ${s.p99.toFixed(2)} ms, ${s.cpuUsPerRequest.toFixed(0)} µs CPU/request; ` +
      `collections ${gcs[r]}), baseline ${b.rps.toFixed(0)} req/s (${b.cpuUsPerRequest.toFixed(0)} µs CPU/request)${during ? `; ${during}` : ''}\n`);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rps = mean(rounds.map((r) => r.server.rps));
  const baselineRps = mean(rounds.map((r) => r.baseline.rps));
  const sortedP50 = rounds.map((r) => r.server.p50).sort((a, b) => a - b);
  return {
    status: 'ok',
    note: `${during ? `${prepared.note}; last round: ${during}` : prepared.note}; collections in the rounds: ${gcs.join(' / ')}`,
    meanBytes: prepared.meanBytes,
    firstPass: first,
    rps,
    baselineRps,
    ratio: rps / baselineRps,
    p50: sortedP50[Math.floor(sortedP50.length / 2)]!,
    p99: Math.max(...rounds.map((r) => r.server.p99)),
    cpuUsPerRequest: mean(rounds.map((r) => r.server.cpuUsPerRequest)),
    baselineCpuUsPerRequest: mean(rounds.map((r) => r.baseline.cpuUsPerRequest)),
    baselineP99: Math.max(...rounds.map((r) => r.baseline.p99)),
    errors: rounds.reduce((n, r) => n + r.server.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.server.non2xx, 0),
    rounds,
  };
}

async function batchScenario(server: Server, prepared: Extract<Prepared, { kind: 'batch' }>): Promise<Omit<ScenarioResult, 'id' | 'title' | 'variant' | 'bar'>> {
  const times: number[] = [];
  let non2xx = 0;
  let bytes = 0;
  // encoded once, as autocannon sends its requests: the client's encoding of 2 MB is not the server's time
  const body = prepared.body === undefined ? undefined : Buffer.from(prepared.body, 'utf8');
  for (let i = 0; i < 3; i++) await request(server.port, prepared.method, prepared.path, body); // warm-up
  const iterations = quick ? 5 : 30;
  for (let i = 0; i < iterations; i++) {
    const a = await request(server.port, prepared.method, prepared.path, body);
    if (a.status !== 200) non2xx++;
    bytes = a.bytes;
    times.push(a.ms);
  }
  times.sort((a, b) => a - b);
  return {
    status: 'ok',
    note: `${prepared.note ?? ''}; ${iterations} sequential requests, request ${(Buffer.byteLength(prepared.body ?? '') / 1e6).toFixed(1)} MB, response ${(bytes / 1e6).toFixed(1)} MB`,
    meanBytes: bytes,
    msPerRequest: times.reduce((a, b) => a + b, 0) / times.length,
    p50: percentile(times, 50),
    p99: times[times.length - 1],
    errors: 0,
    non2xx,
  };
}

interface Variant {
  name: string;
  env: Record<string, string>;
  scenarios: string[];
  description: string;
}

/** A load or batch scenario measured. */
async function measure(server: Server, baseline: Baseline, prepared: Measured, name: string): Promise<Omit<ScenarioResult, 'id' | 'title' | 'variant' | 'bar'>> {
  const measured = prepared.kind === 'load' ? await loadScenario(server, baseline, prepared, name) : await batchScenario(server, prepared);
  if (prepared.kind === 'batch') console.log(`    ${measured.msPerRequest!.toFixed(1)} ms per request (p50 ${measured.p50!.toFixed(1)} ms)`);
  return { ...measured, distinctRequests: distinctRequests(prepared), rssAfterMb: rssMb(server.child.pid).rss };
}

/**
 * One dataset's start-ups and scenarios. `reference`: the embedded dataset's results, when this one is scaled: a
 * scenario asking for at least twice as many distinct requests as it did there is also measured asking for only as
 * many (a "same mix" row, bench/same-mix.ts).
 */
async function runDataset(name: string, terminologyDir: string, baseline: Baseline, scaled: ScaledDataset | undefined, variants: Variant[], reference?: DatasetResult): Promise<DatasetResult> {
  console.log(`\n== dataset: ${name}`);
  const startups: number[] = [];
  const readies: number[] = [];
  for (let i = 0; i < STARTUPS; i++) {
    const s = await startServer(terminologyDir, scaled?.env, scaled?.dataTemplate);
    startups.push(s.startupMs);
    readies.push(s.readyMs);
    await stop(s);
    console.log(`  start-up ${i + 1}: ${s.startupMs.toFixed(0)} ms to the first answer, ${s.readyMs.toFixed(0)} ms to /ready`);
  }
  const result: DatasetResult = {
    name,
    generatedBytes: scaled?.bytes,
    scaled: scaled !== undefined,
    startupMs: startups,
    startupMedianMs: [...startups].sort((a, b) => a - b)[Math.floor(startups.length / 2)]!,
    readyMs: readies,
    readyMedianMs: [...readies].sort((a, b) => a - b)[Math.floor(readies.length / 2)]!,
    scenarios: [],
    rss: {},
  };
  for (const variant of variants) {
    const server = await startServer(terminologyDir, { ...scaled?.env, ...variant.env }, scaled?.dataTemplate);
    try {
      const ctxBase = await discover(server.port, BASE);
      const ctx: ScenarioContext = {
        ...ctxBase,
        localMaps: scaled ? localMapsOf(scaled.municipalities) : ctxBase.example370 ? [ctxBase.example370] : [],
      };
      const idle = rssMb(server.child.pid);
      if (variant.name === 'default') result.rss.afterStartMb = idle.rss;
      console.log(`  variant ${variant.name}: ${variant.description}; RSS after start ${idle.rss.toFixed(0)} MB`);
      for (const scenario of SCENARIOS) {
        if (!variant.scenarios.includes(scenario.id)) continue;
        if (ONLY.length > 0 && !ONLY.includes(scenario.id)) continue;
        process.stdout.write(`  ${scenario.id} [${variant.name}]\n`);
        const bar = variant.name === 'default' ? scenario.bar : variant.name === 'no-cache' ? scenario.noCacheBar ?? 'none' : 'none';
        const head = { id: scenario.id, title: scenario.title, variant: variant.name, bar };
        let prepared: Prepared;
        try {
          prepared = await scenario.prepare(ctx);
        } catch (e) {
          console.log(`    failed: ${(e as Error).message}`);
          result.scenarios.push({ ...head, status: 'failed', reason: (e as Error).message });
          continue;
        }
        if (prepared.kind === 'skipped') {
          console.log(`    skipped: ${prepared.reason}`);
          result.scenarios.push({ ...head, status: 'skipped', reason: prepared.reason });
          continue;
        }
        result.scenarios.push({ ...head, ...await measure(server, baseline, prepared, `${scenario.id}-${variant.name}`) });
        const asked = variant.name === 'default' ? reference?.scenarios.find((r) => r.id === scenario.id && r.variant === 'default')?.distinctRequests : undefined;
        const sameMix = asked === undefined ? undefined : narrowed(prepared, asked);
        if (sameMix) {
          process.stdout.write(`  ${scenario.id} [${SAME_MIX}: ${asked} distinct request${asked === 1 ? '' : 's'}, as on ${reference!.name}]\n`);
          result.scenarios.push({ ...head, variant: SAME_MIX, ...await measure(server, baseline, sameMix, `${scenario.id}-${SAME_MIX}`) });
        }
      }
      if (variant.name === 'default') {
        const after = rssMb(server.child.pid);
        result.rss.afterLoadMb = after.rss;
        result.rss.peakMb = after.peak;
        console.log(`  RSS after load ${after.rss.toFixed(0)} MB (peak ${after.peak.toFixed(0)} MB)`);
      }
    } finally {
      await stop(server);
    }
  }
  return result;
}

function gitRevision(): string | undefined {
  try {
    const head = fs.readFileSync(path.join(ROOT, '.git', 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head.slice(0, 12);
    return fs.readFileSync(path.join(ROOT, '.git', head.slice(5)), 'utf8').trim().slice(0, 12);
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`no compiled server at ${SERVER_ENTRY}; run through \`npm run bench\``);
  const terminologyDir = path.join(ROOT, 'terminology');
  const load = os.loadavg();
  console.log(`faelles-tx bench: ${DURATION} s × ${ROUNDS} rounds per scenario, ${CONNECTIONS} connections, ${os.cpus().length} CPUs, load average ${load.map((l) => l.toFixed(2)).join(' ')}, store ${STORE.name}`);
  const baseline = await startBaseline();
  const all = SCENARIOS.map((s) => s.id);
  const variants: Variant[] = [{ name: 'default', env: {}, scenarios: all, description: 'as configured by default' }];
  if (DIAGNOSTICS) {
    variants.push({
      name: 'no-cache', env: { RESPONSE_CACHE_ENTRIES: '0' }, scenarios: ['validate-code', 'lookup', 'translate', 'expand-filter', ...EOJ_SCENARIOS, ...VARIED_SCENARIO_IDS],
      description: 'response cache off: every request runs its handler',
    });
    variants.push({
      name: 'express', env: { RESPONSE_CACHE_ENTRIES: '0', FAST_PATH: 'false' }, scenarios: ['validate-code'],
      description: 'response cache and lean dispatcher off: every request goes through the Express stack',
    });
  }
  if (VARIANTS.length > 0) variants.splice(0, variants.length, ...variants.filter((v) => VARIANTS.includes(v.name)));
  const started = new Date();
  const datasets: DatasetResult[] = [];
  let scaled: ScaledDataset | undefined;
  let versioned: ScaledDataset | undefined;
  try {
    datasets.push(await runDataset('embedded', terminologyDir, baseline, undefined, variants));
    if (DATASETS.includes('scaled') || DATASETS.includes('versioned')) {
      const probe = await startServer(terminologyDir);
      let targets;
      try {
        targets = (await discover(probe.port, BASE)).interventions;
      } finally {
        await stop(probe);
      }
      const scaledVariants = variants.map((v) => (v.name === 'default' ? v : { ...v, scenarios: v.scenarios.filter((s) => s !== 'lookup') }))
        .filter((v) => v.name !== 'express');
      if (DATASETS.includes('scaled')) {
        scaled = createScaledDataset(terminologyDir, targets);
        console.log(`\ngenerated ${scaled.municipalities.length} municipalities × ${scaled.municipalities[0]?.codes.length} codes (${(scaled.bytes / 1e6).toFixed(0)} MB) in ${scaled.dir}`);
        datasets.push(await runDataset('98 municipalities', scaled.dir, baseline, scaled, scaledVariants, datasets[0]));
        if (process.env.BENCH_KEEP !== '1') scaled.remove();
        scaled = undefined;
      }
      if (DATASETS.includes('versioned')) {
        const writing = Date.now();
        versioned = await createVersionedDataset(terminologyDir, targets, STORE);
        console.log(`\nwrote ${versioned.municipalities.length} municipalities × ${versioned.municipalities[0]?.codes.length} codes × 3 versions into a store ` +
          `(${(versioned.bytes / 1e6).toFixed(0)} MB, ${((Date.now() - writing) / 1000).toFixed(0)} s, not timed) in ${versioned.dataTemplate ?? versioned.env?.DATABASE_SCHEMA}; ${versioned.env?.PACKAGES}`);
        datasets.push(await runDataset('98 municipalities × 3 versions + FSIII next release', versioned.dir, baseline, versioned, scaledVariants, datasets[0]));
      }
    }
  } finally {
    await stopProcess(baseline.child);
    closeClient();
    if (scaled && process.env.BENCH_KEEP !== '1') scaled.remove();
    if (versioned && process.env.BENCH_KEEP !== '1') versioned.remove();
    await STORE.cleanup();
  }
  const result: BenchResult = {
    date: started.toISOString(),
    revision: gitRevision(),
    node: process.version,
    cpus: os.cpus().length,
    loadAverageBefore: load,
    loadAverageAfter: os.loadavg(),
    durationSeconds: DURATION,
    rounds: ROUNDS,
    connections: CONNECTIONS,
    store: STORE.name,
    datasets,
  };
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stamp = `${started.toISOString().replace(/[:.]/g, '-')}${STORE.name === 'sqlite' ? '' : `-${STORE.name}`}`;
  const markdown = renderMarkdown(result);
  fs.writeFileSync(path.join(dir, `bench-${stamp}.json`), JSON.stringify(result, null, 2));
  fs.writeFileSync(path.join(dir, `bench-${stamp}.md`), markdown);
  const latest = STORE.name === 'sqlite' ? 'latest' : `latest-${STORE.name}`;
  fs.writeFileSync(path.join(dir, `${latest}.json`), JSON.stringify(result, null, 2));
  fs.writeFileSync(path.join(dir, `${latest}.md`), markdown);
  console.log(`\n${markdown}`);
  console.log(`written: bench/results/bench-${stamp}.{json,md} (and ${latest}.*)`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
