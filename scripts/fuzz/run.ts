/**
 * The long fuzz run: `npm run fuzz -- [--count 10000] [--seed N] [--port P]`. Without --port it starts its own
 * server (embedded store in a temporary folder) in a child process, so a crash shows as a dead process. That server
 * has a short request timeout, and the run waits past it before the final health check, so that anything a request
 * left behind (a timer, a rejected promise) has fired by then and a late crash is counted too. Throughout the run a
 * second client asks `/health` every 250 ms: no request may hold the server so long that a probe waits over 1 s.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseCommandLine, wholeNumber } from '../command-line';
import { hostileRequest, prng } from './hostile-requests';
import { send } from './send';

const USAGE = 'usage: npm run fuzz -- [--count 10000] [--seed N] [--port P]';

/** The command line's options (else the usage, exit status 2). */
function options(): { count: number; seed: number; port: number } {
  const { values } = parseCommandLine({
    options: { count: { type: 'string' }, seed: { type: 'string' }, port: { type: 'string' } },
  }, USAGE);
  return {
    count: wholeNumber(values.count, '--count', { fallback: 10_000, min: 1, max: 10_000_000 }, USAGE),
    seed: wholeNumber(values.seed, '--seed', { fallback: 20261123, min: 0, max: 0xffffffff }, USAGE),
    port: wholeNumber(values.port, '--port', { fallback: 0, min: 1, max: 65535 }, USAGE),
  };
}

async function waitUp(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const a = await send(port, { kind: 'up', method: 'GET', path: '/health', headers: {} });
      if (a.status === 200) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

/** Longest a /health probe may wait while the hostile requests run. */
const HEALTH_PROBE_LIMIT_MS = 1000;

/** Asks /health every `everyMs` until stopped; records how long each answer took (a failed probe counts as slow). */
interface ProbeReport {
  probes: number;
  maxMs: number;
  slow: number;
  /** The slowest probes: when each started and how long it took. */
  slowest: { startedAt: number; ms: number }[];
}

/**
 * Asks /health every `everyMs` from a worker thread until stopped, recording how long each answer took (a failed probe
 * counts as slow). The worker has an event loop of its own, so building the next large hostile body here does not
 * delay a probe and count against the server.
 */
function probeHealth(port: number, everyMs: number): { stop(): Promise<ProbeReport> } {
  const worker = new Worker(`
    const http = require('node:http');
    const { parentPort, workerData } = require('node:worker_threads');
    const { port, everyMs, limitMs } = workerData;
    let running = true;
    const report = { probes: 0, maxMs: 0, slow: 0, slowest: [] };
    parentPort.on('message', () => { running = false; });
    const probe = () => new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health' }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode === 200)); });
      req.on('error', () => resolve(false));
      req.setTimeout(30000, () => req.destroy());
    });
    (async () => {
      while (running) {
        const startedAt = Date.now();
        const ok = await probe();
        const ms = ok ? Date.now() - startedAt : Infinity;
        report.probes++;
        if (ms > report.maxMs) report.maxMs = ms;
        if (ms > limitMs) report.slow++;
        report.slowest.push({ startedAt, ms });
        report.slowest.sort((a, b) => b.ms - a.ms).splice(5);
        await new Promise((r) => setTimeout(r, everyMs));
      }
      parentPort.postMessage(report);
    })();
  `, { eval: true, workerData: { port, everyMs, limitMs: HEALTH_PROBE_LIMIT_MS } });
  const done = new Promise<ProbeReport>((resolve, reject) => {
    worker.once('message', (report: ProbeReport) => resolve(report));
    worker.once('error', reject);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const report = await done;
      await worker.terminate();
      return report;
    },
  };
}

async function main(): Promise<void> {
  const given = options();
  const { count, seed } = given;
  let port = given.port;
  let child: ReturnType<typeof spawn> | undefined;
  let crashed = false;
  const requestTimeoutMs = 5000;
  // below the probe limit, so the probes check that the budget bounds every operation (writes and imports are bounded
  // by MAX_TRANSACTION_ENTRIES and MAX_IMPORT_ROWS)
  const operationTimeBudgetMs = 500;
  if (!port) {
    port = 20000 + Math.floor(Math.random() * 20000);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-fuzz-'));
    child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'src', 'index.js')], {
      env: {
        ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: dataDir, BODY_LIMIT_BYTES: String(1024 * 1024),
        REQUEST_TIMEOUT_MS: String(requestTimeoutMs), OPERATION_TIME_BUDGET_MS: String(operationTimeBudgetMs),
      },
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => {
      if (code !== 0 || signal) crashed = true;
    });
    await waitUp(port);
  }
  const random = prng(seed);
  const byStatus = new Map<number, number>();
  const fiveHundreds: string[] = [];
  let transportErrors = 0;
  const start = Date.now();
  // when each request was sent, to name the one in flight during a slow probe
  const sent: { at: number; what: string }[] = [];
  const inFlightAt = (at: number): string => [...sent].reverse().find((s) => s.at <= at)?.what ?? '(before the first request)';
  const prober = probeHealth(port, 250);
  for (let i = 0; i < count; i++) {
    const req = hostileRequest(random);
    sent.push({ at: Date.now(), what: `#${i} ${req.kind} ${req.method} ${req.path.slice(0, 100)} (${req.body?.length ?? 0} bytes)` });
    try {
      const a = await send(port, req);
      byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      if (a.status >= 500) fiveHundreds.push(`#${i} ${req.kind} ${req.method} ${req.path.slice(0, 100)} → ${a.status}`);
    } catch (e) {
      transportErrors++;
      if (crashed) break;
      void e;
    }
    if ((i + 1) % 2000 === 0) console.log(`${i + 1}/${count} requests`);
  }
  const health = await prober.stop();
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  if (child) await new Promise((r) => setTimeout(r, requestTimeoutMs + 1000)); // let what the requests left behind fire
  const after = crashed ? undefined : await send(port, { kind: 'health', method: 'GET', path: '/health', headers: {} }).catch(() => undefined);
  child?.removeAllListeners('exit');
  child?.kill('SIGTERM');
  const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
  console.log(`seed ${seed}, ${count} requests in ${seconds} s; statuses ${statuses}`);
  console.log(`5xx: ${fiveHundreds.length}, crashes: ${crashed ? 1 : 0}, transport errors: ${transportErrors}, healthy afterwards: ${after?.status === 200}`);
  console.log(`/health probes during the run: ${health.probes}, slowest ${health.maxMs} ms, over ${HEALTH_PROBE_LIMIT_MS} ms: ${health.slow}`);
  for (const p of health.slowest) console.log(`  /health ${p.ms} ms, sent during ${inFlightAt(p.startedAt)}`);
  for (const f of fiveHundreds.slice(0, 20)) console.log(`  ${f}`);
  process.exit(fiveHundreds.length === 0 && !crashed && after?.status === 200 && health.slow === 0 ? 0 : 1);
}

void main();
