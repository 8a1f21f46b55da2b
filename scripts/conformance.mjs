#!/usr/bin/env node
// Runs HL7's tx-ecosystem conformance tests against a freshly started server and checks the pass count
// against the floor recorded in conformance/floor.json. Usage: node scripts/conformance.mjs [--json out.json]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sharedDir = process.env.SHARED_DIR ?? path.resolve(root, '..', 'shared');
const runnerPath = path.join(sharedDir, 'tx-ecosystem', 'run.mjs');
// the runner only runs when started by its real path (it compares argv[1] with its own module URL)
const runner = fs.existsSync(runnerPath) ? fs.realpathSync(runnerPath) : runnerPath;
const floorFile = path.join(root, 'conformance', 'floor.json');
const required = process.env.CI === 'true';

if (!fs.existsSync(runner)) {
  const msg = `conformance: the tx-ecosystem runner is not at ${runner} (set SHARED_DIR)`;
  if (required) {
    console.error(`${msg}; it is required when CI=true`);
    process.exit(1);
  }
  console.log(`${msg}; skipped`);
  process.exit(0);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
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

const port = await freePort();
const server = spawn(process.execPath, [path.join(root, 'dist', 'src', 'index.js')], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', DATA_DIR: fs.mkdtempSync('/tmp/faelles-tx-conf-') },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let exitCode = 1;
try {
  await waitFor(`http://127.0.0.1:${port}/fhir/metadata`, 60000);
  const args = [runner, '--server', `http://127.0.0.1:${port}/fhir`, ...process.argv.slice(2)];
  const out = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => { text += d; });
    child.on('close', () => resolve(text));
  });
  const outputFile = path.join(root, '.tx-output', 'conformance.txt');
  fs.mkdirSync(path.dirname(outputFile), { recursive: true });
  fs.writeFileSync(outputFile, out);
  const lines = out.trim().split('\n');
  const summary = lines.filter((l) => /^\d+ passed, \d+ failed/.test(l)).pop();
  // print the per-suite table and the summary; the failures are in .tx-output/conformance.txt
  const tableStart = lines.findIndex((l) => /^suite\b/i.test(l.trim()));
  console.log(tableStart >= 0 ? lines.slice(tableStart).join('\n') : lines.slice(-40).join('\n'));
  if (!summary) throw new Error('the runner printed no summary line');
  const passed = Number(/^(\d+) passed/.exec(summary)[1]);
  const floor = JSON.parse(fs.readFileSync(floorFile, 'utf8')).passed;
  console.log(`conformance: ${passed} passed (floor ${floor})`);
  exitCode = passed >= floor ? 0 : 1;
  if (exitCode !== 0) console.error(`conformance: pass count ${passed} dropped below the floor ${floor}`);
} catch (e) {
  console.error(`conformance: ${e.message}`);
} finally {
  server.kill('SIGKILL');
}
process.exit(exitCode);
