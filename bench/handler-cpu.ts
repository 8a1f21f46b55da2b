/**
 * `npm run bench:handlers`: CPU per call of the operations behind the varied-traffic scenarios, without HTTP.
 *
 * Starts the app in this process (embedded catalogs with the examples, as `npm run bench` does), prepares the
 * scenarios' request pools through HTTP, then calls the one invoker (response cache off) for every request of a
 * pool, a few passes, and reports the process CPU per call. It also prints a hash of every answer (an expansion's
 * identifier and timestamp left out), so a change can show its answers are byte for byte the same.
 *
 * Options: --passes N (default 3), --only id,id (scenario ids: the varied-traffic ones by default; any GET scenario of
 * `npm run bench` can be named), --dump DIR (write each pool's answers there), --profile DIR (a CPU profile of each
 * pool's timed passes, for Chrome DevTools), --scaled (the 98 municipalities' dataset of `npm run bench`, generated
 * into a temporary folder and removed at the end).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import querystring from 'node:querystring';
import pino from 'pino';
import { createApp } from '../src/app';
import { loadConfig, projectRoot } from '../src/config';
import { createInvoker, OPERATION_PATH, type BytesAnswer, type OperationCall } from '../src/operations/invoke';
import type { OperationContext } from '../src/operations/context';
import { MemoryStore } from '../src/store/memory-store';
import { loadTerminology } from '../src/terminology/loader';
import { listOf, parseCommandLine, wholeNumber } from '../scripts/command-line';
import { closeClient } from './client';
import { createScaledDataset, type ScaledDataset } from './dataset';
import { discover, localMapsOf, SCENARIOS, type ScenarioContext } from './scenarios';
import { VARIED_SCENARIOS } from './varied-scenarios';

const USAGE = 'usage: npm run bench:handlers -- [--passes N] [--only id,…] [--dump DIR] [--profile DIR] [--scaled]';
const { values: given } = parseCommandLine({
  options: {
    passes: { type: 'string' }, only: { type: 'string' }, dump: { type: 'string' }, profile: { type: 'string' },
    scaled: { type: 'boolean', default: false },
  },
}, USAGE);
const PASSES = wholeNumber(given.passes, '--passes', { fallback: 3, min: 1, max: 1000 }, USAGE);
const ONLY = listOf(given.only ?? '', '--only', [...new Set([...VARIED_SCENARIOS, ...SCENARIOS].map((s) => s.id))], USAGE);
const DUMP = given.dump ?? '';
const PROFILE = given.profile ?? '';
const SCALED = given.scaled;
const BASE = '/fhir';

function callOf(p: string, context: OperationContext): OperationCall {
  const [pathname, search = ''] = p.slice(BASE.length).split('?', 2) as [string, string?];
  const m = OPERATION_PATH.exec(pathname);
  if (!m) throw new Error(`not an operation path: ${p}`);
  return {
    type: m[1] ?? '', id: m[2], name: m[3]!, method: 'GET', strict: false, context,
    input: { query: querystring.parse(search) as Record<string, unknown>, search },
  };
}

/** The answer's text, with an expansion's identifier and timestamp (new on every answer) left out. */
function comparable(a: BytesAnswer): string {
  const text = Buffer.concat(a.chunks as Buffer[]).toString('utf8');
  return `${a.status} ${text.replace(/"identifier":"urn:uuid:[0-9a-f-]+","timestamp":"[^"]+"/, '"identifier":…,"timestamp":…')}`;
}

async function startApp(terminologyDir: string) {
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', TERMINOLOGY_DIR: terminologyDir, LOAD_EXAMPLES: 'true' }), responseCacheEntries: 0 };
  const published = loadTerminology(config.terminologyDir, { includeExamples: true });
  const app = await createApp({ config, store: new MemoryStore(), logger: pino({ level: 'silent' }), published });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { app, server, port: (server.address() as AddressInfo).port, config };
}

async function main(): Promise<void> {
  const root = projectRoot();
  let scaled: ScaledDataset | undefined;
  if (SCALED) {
    const probe = await startApp(path.join(root, 'terminology'));
    const targets = (await discover(probe.port, BASE)).interventions;
    probe.server.close();
    scaled = createScaledDataset(path.join(root, 'terminology'), targets);
    process.on('exit', () => scaled?.remove());
  }
  const { app, server, port, config } = await startApp(scaled?.dir ?? path.join(root, 'terminology'));
  const found = await discover(port, BASE);
  const ctx: ScenarioContext = { ...found, port, base: BASE, localMaps: scaled ? localMapsOf(scaled.municipalities) : found.example370 ? [found.example370] : [] };
  const invoker = createInvoker({ registry: app.registry, cacheEntries: 0 });
  const context: OperationContext = {
    registry: app.registry, acceptLanguages: [], limits: { maxExpansionSize: config.maxExpansionSize, timeBudgetMs: config.operationTimeBudgetMs },
    baseUrl: `http://127.0.0.1:${port}${BASE}`,
  };
  if (DUMP) fs.mkdirSync(DUMP, { recursive: true });
  // every pool first: the timed passes keep the event loop busy, and the HTTP client's idle connections with it
  const pools: { id: string; calls: OperationCall[] }[] = [];
  const scenarios = ONLY.length === 0 ? VARIED_SCENARIOS : [...VARIED_SCENARIOS, ...SCENARIOS].filter((s, i, all) => ONLY.includes(s.id) && all.indexOf(s) === i);
  for (const scenario of scenarios) {
    const prepared = await scenario.prepare(ctx);
    if (prepared.kind === 'load') pools.push({ id: scenario.id, calls: prepared.paths.map((p) => callOf(p, context)) });
  }
  closeClient();
  for (const { id, calls } of pools) {
    const hash = createHash('sha256');
    const answers: string[] = [];
    for (const call of calls) {
      const a = (await invoker.invoke(call)) as BytesAnswer;
      const text = comparable(a);
      hash.update(text).update('\n');
      if (DUMP) answers.push(text);
    }
    if (DUMP) fs.writeFileSync(path.join(DUMP, `${id}.txt`), answers.join('\n'));
    // a pass is at least ~5,000 calls (small pools are gone through several times)
    const repeats = Math.ceil(5000 / calls.length);
    const perCall: number[] = [];
    // the answer's bytes are asked for, as the HTTP edge asks for them
    let bytes = 0;
    const session = PROFILE ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
    }
    for (let pass = 0; pass < PASSES; pass++) {
      const before = process.cpuUsage();
      for (let r = 0; r < repeats; r++) for (const call of calls) bytes += ((await invoker.invoke(call)) as BytesAnswer).byteLength;
      const used = process.cpuUsage(before);
      perCall.push((used.user + used.system) / (calls.length * repeats));
    }
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      fs.mkdirSync(PROFILE, { recursive: true });
      fs.writeFileSync(path.join(PROFILE, `${id}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    }
    if (bytes === 0) throw new Error('no answer');
    perCall.sort((a, b) => a - b);
    console.log(`${id.padEnd(22)} ${calls.length} calls  CPU per call: best ${perCall[0]!.toFixed(1)} µs, median ${perCall[Math.floor(perCall.length / 2)]!.toFixed(1)} µs  answers ${hash.digest('hex').slice(0, 16)}`);
  }
  server.close();
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
