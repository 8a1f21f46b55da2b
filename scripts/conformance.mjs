#!/usr/bin/env node
// Runs HL7's tx-ecosystem conformance tests against a freshly started server, in each mode below, and checks each
// mode's pass count against its floor in conformance/floor.json. Usage: node scripts/conformance.mjs [--mode NAME]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = process.env.SHARED_DIR ?? path.resolve(root, '..', 'shared');
const runnerPath = path.join(sharedDir, 'tx-ecosystem', 'run.mjs');
// the runner only runs when started by its real path (it compares argv[1] with its own module URL)
const runner = fs.existsSync(runnerPath) ? fs.realpathSync(runnerPath) : runnerPath;
const floorFile = path.join(root, 'conformance', 'floor.json');
const required = process.env.CI === 'true';

/**
 * The runs: general mode (every suite that needs no particular server), and tx.fhir.org mode for the suites of it
 * that need no licensed terminology ($compare, UCUM, BCP-47, ISO 3166, error handling; `bugs` also holds SNOMED CT,
 * CPT and NDC cases, which fail here and are not counted on). The runner sends each suite's resources once, with
 * $cache-control, to a server that lists it, as this one does; general mode runs again with every resource sent as
 * tx-resource on each request, as clients that do not use the cache send them.
 */
const RUNS = [
  { mode: 'general', args: [] },
  { mode: 'general-inline', args: ['--no-cache-control'] },
  { mode: 'tx.fhir.org', args: ['--mode', '!general,tx.fhir.org', '--suite', 'compare,related2,UCUM,langcodes,bugs'] },
];
const USAGE = `usage: node scripts/conformance.mjs [--mode ${RUNS.map((r) => r.mode).join('|')}]`;

// the tools' one command-line reader (scripts/command-line.ts), from the build this script runs the server of
const { parseCommandLine } = createRequire(import.meta.url)(path.join(root, 'dist', 'scripts', 'command-line.js'));
const onlyMode = parseCommandLine({ options: { mode: { type: 'string' } } }, USAGE).values.mode;
if (onlyMode !== undefined && !RUNS.some((r) => r.mode === onlyMode)) {
  console.error(`No mode '${onlyMode}'\n${USAGE}`);
  process.exit(2);
}

if (!fs.existsSync(runner)) {
  const msg = `conformance: the tx-ecosystem runner is not at ${runner} (set SHARED_DIR)`;
  if (required) {
    console.error(`${msg}; it is required when CI=true`);
    process.exit(1);
  }
  console.log(`${msg}; skipped`);
  process.exit(0);
}

async function waitFor(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not answer ${url} within ${ms} ms`);
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-conf-'));
// PORT=0: the system gives the server a port no other process holds (CI runs other servers beside this one); the
// server's log line at level info says which
const server = spawn(process.execPath, [path.join(root, 'dist', 'src', 'index.js')], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let port;
const listening = new Promise((resolve, reject) => {
  let log = '';
  server.stdout.on('data', (d) => {
    if (port !== undefined) return;
    log += d;
    const m = /"port":(\d+),[^\n]*"msg":"faelles-tx listening on /.exec(log);
    if (m) {
      port = Number(m[1]);
      resolve();
    }
  });
  server.once('exit', (code, signal) => reject(new Error(`the server exited with ${code ?? signal} before it listened`)));
});
function runRunner(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runner, '--server', `http://127.0.0.1:${port}/fhir`, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.on('close', () => resolve(text));
  });
}

/** Runs one mode; returns whether its pass count is at least its floor. */
async function runMode({ mode, args }, floors) {
  const out = await runRunner(args);
  const outputFile = path.join(root, '.tx-output', `conformance-${mode}.txt`);
  fs.mkdirSync(path.dirname(outputFile), { recursive: true });
  fs.writeFileSync(outputFile, out);
  const lines = out.trim().split('\n');
  const summary = lines.filter((l) => /^\d+ passed, \d+ failed/.test(l)).pop();
  // print the per-suite table and the summary; the failures are in .tx-output/conformance-<mode>.txt
  const tableStart = lines.findIndex((l) => /^suite\b/i.test(l.trim()));
  console.log(`--- ${mode} mode`);
  console.log(tableStart >= 0 ? lines.slice(tableStart).join('\n') : lines.slice(-40).join('\n'));
  if (!summary) throw new Error(`the runner printed no summary line in ${mode} mode`);
  const passed = Number(/^(\d+) passed/.exec(summary)[1]);
  const floor = floors[mode];
  if (typeof floor !== 'number') throw new Error(`conformance/floor.json has no floor for the ${mode} mode`);
  console.log(`conformance (${mode}): ${passed} passed (floor ${floor})`);
  if (passed < floor) console.error(`conformance: the ${mode} pass count ${passed} dropped below the floor ${floor}`);
  return passed >= floor;
}

let exitCode = 1;
try {
  await Promise.race([listening, new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not listen within 60 s')), 60000).unref())]);
  await waitFor(`http://127.0.0.1:${port}/fhir/metadata`, 60000);
  const floors = JSON.parse(fs.readFileSync(floorFile, 'utf8'));
  let ok = true;
  for (const run of RUNS) {
    if (onlyMode && run.mode !== onlyMode) continue;
    if (!(await runMode(run, floors))) ok = false;
  }
  exitCode = ok ? 0 : 1;
} catch (e) {
  console.error(`conformance: ${e.message}`);
} finally {
  server.kill('SIGKILL');
  // the server's data folder (its SQLite file), once the process is gone
  await new Promise((resolve) => (server.exitCode !== null || server.signalCode !== null ? resolve() : server.once('exit', resolve)));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
