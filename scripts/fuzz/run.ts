/**
 * The long fuzz run: `npm run fuzz -- [--count 10000] [--seed N] [--port P]`. Without --port it starts its own
 * server (embedded store in a temporary folder) in a child process, so a crash shows as a dead process. That server
 * has a short request timeout, and the run waits past it before the final health check, so that anything a request
 * left behind (a timer, a rejected promise) has fired by then and a late crash is counted too.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostileRequest, prng } from './hostile-requests';
import { send } from './send';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
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

async function main(): Promise<void> {
  const count = arg('count', 10_000);
  const seed = arg('seed', 20261123);
  let port = arg('port', 0);
  let child: ReturnType<typeof spawn> | undefined;
  let crashed = false;
  const requestTimeoutMs = 5000;
  if (!port) {
    port = 20000 + Math.floor(Math.random() * 20000);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-fuzz-'));
    child = spawn(process.execPath, [path.join(__dirname, '..', '..', 'src', 'index.js')], {
      env: {
        ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', DATA_DIR: dataDir, BODY_LIMIT_BYTES: String(1024 * 1024),
        REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
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
  for (let i = 0; i < count; i++) {
    const req = hostileRequest(random);
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
  const seconds = ((Date.now() - start) / 1000).toFixed(1);
  if (child) await new Promise((r) => setTimeout(r, requestTimeoutMs + 1000)); // let what the requests left behind fire
  const health = crashed ? undefined : await send(port, { kind: 'health', method: 'GET', path: '/health', headers: {} }).catch(() => undefined);
  child?.removeAllListeners('exit');
  child?.kill('SIGTERM');
  const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ');
  console.log(`seed ${seed}, ${count} requests in ${seconds} s; statuses ${statuses}`);
  console.log(`5xx: ${fiveHundreds.length}, crashes: ${crashed ? 1 : 0}, transport errors: ${transportErrors}, healthy afterwards: ${health?.status === 200}`);
  for (const f of fiveHundreds.slice(0, 20)) console.log(`  ${f}`);
  process.exit(fiveHundreds.length === 0 && !crashed && health?.status === 200 ? 0 : 1);
}

void main();
