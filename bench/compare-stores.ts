/**
 * `npm run bench:stores`: the read scenarios against a server on the embedded SQLite store and one on the
 * PostgreSQL store, side by side. Both servers run at once and the load runs alternate between them, round after
 * round, so both see the same machine load; the result per scenario is PostgreSQL's req/s and CPU time per request
 * relative to SQLite's. The bar: PostgreSQL ≥ 0.9 × SQLite in req/s (exit status 1 otherwise).
 *
 * Before measuring, a municipal catalog (CodeSystem and ConceptMap) is written into each server's store through the
 * API, so the written layer each store fills is part of what is read.
 *
 * Options: --rounds N (BENCH_ROUNDS, 6), --duration S (BENCH_DURATION, 3), --connections N (32), --only id,id (BENCH_ONLY),
 * --database-url URL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../src/auth/auth-config';
import { projectRoot } from '../src/config';
import { listOf, parseCommandLine, wholeNumber } from '../scripts/command-line';
import { freePort } from '../scripts/free-port';
import { closeClient, get, request } from './client';
import { discover, SCENARIOS, type ScenarioContext } from './scenarios';
import { benchStore, type BenchStore } from './store-option';

const USAGE = 'usage: npm run bench:stores -- [--rounds N] [--duration S] [--connections N] [--only id,…] [--database-url URL]';
const { values: given } = parseCommandLine({
  options: {
    rounds: { type: 'string' }, duration: { type: 'string' }, connections: { type: 'string' }, only: { type: 'string' },
    'database-url': { type: 'string' },
  },
}, USAGE);
const ROUNDS = wholeNumber(given.rounds ?? process.env.BENCH_ROUNDS, '--rounds', { fallback: 6, min: 1, max: 100 }, USAGE);
const DURATION = wholeNumber(given.duration ?? process.env.BENCH_DURATION, '--duration', { fallback: 3, min: 1, max: 3600 }, USAGE);
const CONNECTIONS = wholeNumber(given.connections ?? process.env.BENCH_CONNECTIONS, '--connections', { fallback: 32, min: 1, max: 10_000 }, USAGE);
const DATABASE_URL = given['database-url'] ?? process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ONLY = listOf(given.only ?? process.env.BENCH_ONLY ?? '', '--only', SCENARIOS.map((s) => s.id), USAGE);
const BAR = 0.9;
const BASE = '/fhir';
const SERVER_ENTRY = path.join(__dirname, '..', 'src', 'index.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  name: string;
  child: ChildProcess;
  port: number;
  dataDir: string;
}

async function start(name: string, store: BenchStore): Promise<Server> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-stores-'));
  const log: string[] = [];
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOAD_EXAMPLES: 'true', NODE_ENV: 'development',
      TERMINOLOGY_DIR: path.join(projectRoot(), 'terminology'),
      ...store.env(),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => log.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => log.push(c.toString()));
  for (let waited = 0; ; waited += 50) {
    if (child.exitCode !== null) throw new Error(`${name} server exited: ${log.join('').slice(-2000)}`);
    try {
      if ((await get(port, '/ready')).status === 200) break;
    } catch {
      // starting
    }
    if (waited > 120_000) throw new Error(`${name} server not ready in 120 s`);
    await sleep(50);
  }
  return { name, child, port, dataDir };
}

async function stop(s: Server): Promise<void> {
  if (s.child.exitCode === null) {
    const exited = new Promise((r) => s.child.once('exit', r));
    s.child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  fs.rmSync(s.dataDir, { recursive: true, force: true });
}

/** A municipality's catalog and map, written through the API (municipality 101). */
async function seed(s: Server, fsiiiCode: string): Promise<void> {
  const token = await new SignJWT({ kommunekode: '101' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h')
    .sign(new TextEncoder().encode(DEV_JWT_SECRET));
  const k = 'http://faelles-tx.dk/fhir/kommune/101';
  const identifier = [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '101' }];
  const codes = Array.from({ length: 200 }, (_, i) => `101-B${String(i).padStart(3, '0')}`);
  const cs = {
    resourceType: 'CodeSystem', url: `${k}/CodeSystem/bench`, identifier, version: '1.0.0', name: 'Kommune101Bench', status: 'active',
    content: 'complete', caseSensitive: true,
    property: [{ code: 'type', uri: 'http://faelles-tx.dk/fhir/CodeSystem/lokal-type', type: 'code' }],
    concept: codes.map((code) => ({ code, display: `Lokal indsats ${code}`, property: [{ code: 'type', valueCode: 'indsats' }] })),
  };
  const cm = {
    resourceType: 'ConceptMap', url: `${k}/ConceptMap/bench`, identifier: identifier[0], version: '1.0.0', name: 'Kommune101BenchMap', status: 'active',
    sourceUri: cs.url,
    group: [{
      source: cs.url, sourceVersion: '1.0.0', target: 'urn:oid:1.2.208.176.2.21',
      element: codes.map((code) => ({ code, target: [{ code: fsiiiCode, equivalence: 'subsumes' }] })),
    }],
  };
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' };
  for (const r of [cs, cm]) {
    const a = await request(s.port, 'POST', `${BASE}/${r.resourceType}`, JSON.stringify(r), headers);
    if (a.status !== 201) throw new Error(`seeding ${s.name}: ${r.resourceType} answered ${a.status}: ${a.body.slice(0, 500)}`);
  }
}

async function cannon(port: number, paths: string[], seconds: number): Promise<number> {
  let i = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]! }) }],
    }, (err, res) => (err ? reject(err) : resolve(res)));
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return result.requests.total / result.duration;
}

function cpuMs(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`no compiled server at ${SERVER_ENTRY}; run through \`npm run bench:stores\``);
  const pg = benchStore('postgres', DATABASE_URL);
  const servers: Server[] = [];
  let failed = false;
  try {
    servers.push(await start('sqlite', benchStore('sqlite', DATABASE_URL)));
    servers.push(await start('postgres', pg));
    const [sqlite, postgres] = servers as [Server, Server];
    const ctxBase = await discover(sqlite.port, BASE);
    for (const s of servers) await seed(s, ctxBase.interventions[0]!.code);
    const ctx: ScenarioContext = {
      ...ctxBase,
      localMaps: [
        ...(ctxBase.example370 ? [ctxBase.example370] : []),
        { codeSystemUrl: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/bench', conceptMapUrl: 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/bench',
          codes: Array.from({ length: 200 }, (_, i) => `101-B${String(i).padStart(3, '0')}`) },
      ],
    };
    console.log(`stores: ${ROUNDS} alternating rounds × ${DURATION} s per scenario and store, ${CONNECTIONS} connections, ${os.cpus().length} CPUs, ` +
      `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log('| scenario | SQLite req/s | PostgreSQL req/s | ratio | CPU µs/req SQLite | CPU µs/req PostgreSQL | ≥ 0.9 |');
    console.log('|---|---:|---:|---:|---:|---:|---|');
    for (const scenario of SCENARIOS) {
      const prepared = await scenario.prepare(ctx);
      if (prepared.kind !== 'load' || (ONLY.length > 0 && !ONLY.includes(scenario.id))) continue;
      await cannon(sqlite.port, prepared.paths, 1);
      await cannon(postgres.port, prepared.paths, 1);
      const rps: Record<string, number[]> = { sqlite: [], postgres: [] };
      const cpu: Record<string, number[]> = { sqlite: [], postgres: [] };
      const ratios: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        // Alternate which goes first, so neither always runs on the warmer (or busier) half of a round.
        const order = r % 2 === 0 ? [sqlite, postgres] : [postgres, sqlite];
        const round: Record<string, number> = {};
        for (const s of order) {
          const before = cpuMs(s.child.pid);
          const value = await cannon(s.port, prepared.paths, DURATION);
          cpu[s.name]!.push(((cpuMs(s.child.pid) - before) * 1000) / (value * DURATION));
          rps[s.name]!.push(value);
          round[s.name] = value;
        }
        ratios.push(round.postgres! / round.sqlite!);
        if (process.env.BENCH_VERBOSE === '1') console.log(`  ${scenario.id} round ${r + 1}: sqlite ${round.sqlite!.toFixed(0)}, postgres ${round.postgres!.toFixed(0)} req/s`);
      }
      const ratio = median(ratios);
      if (ratio < BAR) failed = true;
      console.log(`| ${scenario.id} | ${median(rps.sqlite!).toFixed(0)} | ${median(rps.postgres!).toFixed(0)} | ${ratio.toFixed(2)} | ` +
        `${median(cpu.sqlite!).toFixed(0)} | ${median(cpu.postgres!).toFixed(0)} | ${ratio >= BAR ? 'yes' : 'NO'} |`);
    }
  } finally {
    for (const s of servers) await stop(s);
    closeClient();
    await pg.cleanup();
  }
  if (failed) {
    console.log(`PostgreSQL read throughput below ${BAR} × SQLite's in at least one scenario (median of the per-round ratios)`);
    process.exit(1);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
