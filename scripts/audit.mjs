#!/usr/bin/env node
// Dependency audit for CI: `npm audit --audit-level=high`. Fails when npm reports high or critical advisories;
// when the advisory endpoint cannot be reached (no network, a registry mirror without the audit API), it says so
// and does not fail, so CI does not depend on the network for this check.
import { spawnSync } from 'node:child_process';

const run = spawnSync('npm', ['audit', '--audit-level=high', '--json'], { encoding: 'utf8', shell: process.platform === 'win32', timeout: 120_000 });
let report;
try {
  report = JSON.parse(run.stdout ?? '');
} catch {
  report = undefined;
}

const counts = report?.metadata?.vulnerabilities;
if (!counts) {
  const why = report?.message ?? report?.error?.summary ?? run.error?.message ?? (run.stderr || '').trim().split('\n').pop() ?? 'no answer';
  console.log(`audit: the npm advisory endpoint could not be reached (${why}); dependency audit skipped`);
  process.exit(0);
}

const high = (counts.high ?? 0) + (counts.critical ?? 0);
const summary = Object.entries(counts).filter(([k]) => k !== 'total').map(([k, n]) => `${k} ${n}`).join(', ');
if (high > 0) {
  console.error(`audit: ${high} high or critical advisories (${summary}); run npm audit for details`);
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
    if (v.severity === 'high' || v.severity === 'critical') console.error(`  ${name} (${v.severity}) ${v.range ?? ''}`);
  }
  process.exit(1);
}
console.log(`audit: no high or critical advisories (${summary})`);
