/**
 * The Docker image, as the Dockerfile lays it out, builds and serves. A Docker daemon and the node base image are not
 * at hand where the tests run, so the test reads the Dockerfile and does what it says with the files it names: the
 * build stage's COPYs into an empty folder, its `npm run …` steps there (on the project's installed node_modules
 * instead of `npm ci`), the final stage's COPYs (from the build stage and from the project) into another, and then
 * the final stage's ENV and CMD there. A file the build or the server needs that the Dockerfile does not copy fails it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/free-port';
import { signToken } from '../../src/auth/dev-token';
import { FSIII } from '../support/catalogs';
import { assertCiSuite } from '../support/ci-only';
import { readyPort } from '../support/server-process';

const ROOT = path.resolve(__dirname, '..', '..');

interface Stage {
  name: string;
  workdir: string;
  copies: { from?: string; sources: string[]; dest: string }[];
  runs: string[];
  env: Record<string, string>;
  cmd: string[];
  /** HEALTHCHECK's command (its shell form), when the stage has one. */
  healthcheck?: string;
}

/** The Dockerfile's stages: FROM, WORKDIR, COPY, RUN, ENV and CMD (continuation lines joined, comments left out). */
function dockerfileStages(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = line.slice(instruction.length).trim();
    const stage = stages[stages.length - 1];
    switch (instruction.toUpperCase()) {
      case 'FROM':
        stages.push({ name: /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length), workdir: '/', copies: [], runs: [], env: {}, cmd: [] });
        break;
      case 'WORKDIR':
        stage!.workdir = args;
        break;
      case 'COPY': {
        const from = rest.find((a) => a.startsWith('--from='))?.slice('--from='.length);
        const paths = rest.filter((a) => !a.startsWith('--'));
        stage!.copies.push({ from, sources: paths.slice(0, -1), dest: paths[paths.length - 1]! });
        break;
      }
      case 'RUN':
        stage!.runs.push(args);
        break;
      case 'ENV':
        for (const m of args.matchAll(/(\w+)=(\S+)/g)) stage!.env[m[1]!] = m[2]!;
        break;
      case 'CMD':
        stage!.cmd = JSON.parse(args) as string[];
        break;
      case 'HEALTHCHECK':
        stage!.healthcheck = /\bCMD\s+(.+)$/.exec(args)?.[1];
        break;
    }
  }
  return stages;
}

/** A path inside the image, relative to the stage's WORKDIR, as a path below `root`. */
function inImage(root: string, stage: Stage, p: string): string {
  return path.join(root, path.posix.isAbsolute(p) ? path.posix.relative(stage.workdir, p) : p);
}

/**
 * COPY src… dest: a source folder's content goes into dest; node_modules is linked, not copied. `source` gives where a
 * source is: in the project, or (COPY --from) in another stage's folder.
 */
function copy(source: (p: string) => string, toRoot: string, stage: Stage, sources: string[], dest: string): void {
  for (const p of sources) {
    const from = source(p);
    const to = sources.length > 1 || dest.endsWith('/') ? path.join(inImage(toRoot, stage, dest), path.basename(p)) : inImage(toRoot, stage, dest);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (path.basename(p) === 'node_modules') productionModules(fs.realpathSync(from), to);
    else fs.cpSync(from, to, { recursive: true, dereference: true });
  }
}

/**
 * What `npm prune --omit=dev` leaves of node_modules, as links: the packages `npm ls --omit=dev` lists, so that a
 * package the server needs but package.json lists among the devDependencies is missing here as in the image.
 */
function productionModules(installed: string, to: string): void {
  const listed = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' });
  fs.mkdirSync(to, { recursive: true });
  for (const line of listed.split('\n')) {
    const rel = path.relative(installed, line.trim());
    if (rel.startsWith('..') || !/^(@[^/]+\/)?[^/@][^/]*$/.test(rel)) continue; // the project itself, and packages nested in others
    fs.mkdirSync(path.dirname(path.join(to, rel)), { recursive: true });
    fs.symlinkSync(path.join(installed, rel), path.join(to, rel), 'dir');
  }
}

let buildDir: string;
let imageDir: string;
let server: ChildProcess | undefined;
let log = '';
const JWT_SECRET = 'x'.repeat(32) + '-image-test-secret';

beforeAll(() => {
  assertCiSuite('a build of the whole project');
  buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-image-build-'));
  imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-image-'));
});

afterAll(() => {
  server?.kill('SIGKILL');
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.rmSync(imageDir, { recursive: true, force: true });
});

describe('the Docker image', () => {
  const stages = dockerfileStages(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
  const build = stages[0]!;
  const final = stages[stages.length - 1]!;
  let dataDir: string;
  let imagePort: number;
  // the image's environment; a production server wants a secret of its own, and the port and data folder are the
  // test's: PORT=0, so that the system gives it a port no other test's server holds, named in its log
  const imageEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? '', ...final.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, JWT_SECRET });

  /** Starts the final stage's CMD in the image's folder; its port. */
  async function startImageServer(): Promise<number> {
    log = '';
    server = spawn(final.cmd[0] === 'node' ? process.execPath : final.cmd[0]!, final.cmd.slice(1), { cwd: imageDir, env: imageEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    imagePort = await readyPort(server, () => log, 60_000);
    return imagePort;
  }

  /** A tool of the image (`node dist/scripts/….js`), run as `docker exec` runs it: in the image's folder, with its environment. */
  function imageTool(script: string, ...args: string[]): string {
    return execFileSync(process.execPath, [path.join('dist', 'scripts', script), ...args], { cwd: imageDir, env: imageEnv(), encoding: 'utf8', stdio: 'pipe', timeout: 60_000 });
  }

  it('has a build stage and a final stage that starts the server', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build.runs.join(' ')).toMatch(/npm ci/);
    expect(final.cmd[0]).toBe('node');
    expect(final.env.NODE_ENV).toBe('production');
  });

  it('builds from the files the build stage copies', () => {
    for (const c of build.copies) copy((p) => path.join(ROOT, p), buildDir, build, c.sources, c.dest);
    // `npm ci` installs what package-lock.json says: the project's node_modules, installed the same way
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
    const npmRuns = build.runs.flatMap((r) => r.split('&&').map((c) => c.trim())).filter((c) => /^npm run\b/.test(c));
    expect(npmRuns).toContain('npm run build');
    for (const c of npmRuns) {
      try {
        execFileSync('npm', c.split(/\s+/).slice(1), { cwd: buildDir, stdio: 'pipe', timeout: 300_000 });
      } catch (e) {
        const err = e as { stdout?: Buffer; stderr?: Buffer };
        throw new Error(`${c} failed in the build stage: ${String(err.stdout ?? '').slice(-2000)}${String(err.stderr ?? '').slice(-2000)}`);
      }
    }
  }, 360_000);

  it('serves the catalogs from what the final stage copies, with its ENV and CMD', async () => {
    const stageNamed = (name: string) => stages.find((st) => st.name === name) ?? stages[Number(name)]!;
    for (const c of final.copies) {
      const source = c.from ? (p: string) => inImage(buildDir, stageNamed(c.from!), p) : (p: string) => path.join(ROOT, p);
      copy(source, imageDir, final, c.sources, c.dest);
    }
    dataDir = fs.mkdtempSync(path.join(imageDir, 'data-'));
    const port = await startImageServer();
    const base = `http://127.0.0.1:${port}`;
    const lookup = await fetch(`${base}/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=6eddbaf7-2a73-49d4-91e7-6138d419f58c`);
    expect(lookup.status).toBe(200);
    expect(JSON.stringify(await lookup.json())).toContain('Afklarende samtale');
    // the web page the build wrote
    const page = await fetch(`${base}/app/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);
    // the image's health check, run as Docker runs it (a shell in the container, with its environment): healthy
    expect(final.healthcheck).toBeDefined();
    const check = (env: Record<string, string>) => {
      try {
        execFileSync('sh', ['-c', final.healthcheck!.replace(/^node\b/, JSON.stringify(process.execPath))], { cwd: imageDir, env: { PATH: process.env.PATH ?? '', ...final.env, ...env }, stdio: 'pipe', timeout: 10_000 });
        return 0;
      } catch (e) {
        return (e as { status?: number }).status ?? -1;
      }
    };
    expect(check({ PORT: String(port) })).toBe(0);
    // and unhealthy where nothing answers (a port just free)
    expect(check({ PORT: String(await freePort()) })).not.toBe(0);
  }, 90_000);

  it("backs up the running server's store with the image's tool, as README's docker exec does, and restores it with the server stopped", async () => {
    expect(server?.exitCode).toBeNull();
    const base = `http://127.0.0.1:${imagePort}`;
    const token = await signToken({ kind: 'secret', secret: new TextEncoder().encode(JWT_SECRET), algorithms: ['HS256'], development: false }, { scopes: ['admin'] });
    const url = `${base}/fhir/CodeSystem/backup-check`;
    const write = (title: string) => fetch(url, {
      method: 'PUT', headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${token}` },
      body: JSON.stringify({ resourceType: 'CodeSystem', id: 'backup-check', url: 'http://example.org/backup-check', title, status: 'active', content: 'complete', concept: [{ code: 'a' }] }),
    });
    expect((await write('Før backuppen')).status).toBe(201);
    const backups = path.join(dataDir, 'backups');
    fs.mkdirSync(backups);
    expect(imageTool('backup.js', backups)).toMatch(/^backed up .* 1 resource \(1 version\)/);
    const [file] = fs.readdirSync(backups);
    expect((await write('Efter backuppen')).status).toBe(200);
    // a restore refuses while the server runs
    expect(() => imageTool('restore.js', path.join(backups, file!))).toThrow(/uses the data folder/);
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server!.kill('SIGTERM');
    await exited;
    expect(imageTool('restore.js', path.join(backups, file!))).toMatch(/^restored .* 1 resource \(1 version\)/);
    const port = await startImageServer();
    const read = await fetch(`http://127.0.0.1:${port}/fhir/CodeSystem/backup-check`);
    expect(read.status).toBe(200);
    expect(((await read.json()) as { title?: string }).title).toBe('Før backuppen');
  }, 120_000);
});
