/**
 * The server as a real process (node …/src/index.js), for tests that need several of them. The entry is compiled
 * from the current src/ with swc (as jest compiles the tests), into node_modules/.cache so that the compiled files
 * resolve the project's node_modules and project root; a stale dist/ can therefore never be what is tested.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { transformFileSync } from '@swc/core';
import { assertCiSuite } from './ci-only';

const ROOT = path.resolve(__dirname, '..', '..');

/** Compiles src/ to a folder of its own; returns the path of index.js and a function removing the folder. */
export function compileServer(): { entry: string; remove(): void } {
  assertCiSuite('server processes');
  const out = path.join(ROOT, 'node_modules', '.cache', `faelles-tx-test-server-${process.pid}-${Date.now().toString(36)}`);
  const walk = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        walk(child);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const { code } = transformFileSync(path.join(ROOT, child), {
          jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
          module: { type: 'commonjs' },
          sourceMaps: 'inline',
          swcrc: false,
        });
        const target = path.join(out, child.replace(/\.ts$/, '.js'));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, code);
      } else if (entry.name.endsWith('.json')) {
        // data the sources import (src/municipal/kommuner.json), as tsc's resolveJsonModule copies it into dist/
        const target = path.join(out, child);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(path.join(ROOT, child), target);
      }
    }
  };
  walk('src');
  return { entry: path.join(out, 'src', 'index.js'), remove: () => fs.rmSync(out, { recursive: true, force: true }) };
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  /** What the process wrote to stdout and stderr (its log). */
  output(): string;
  stop(): Promise<void>;
}

/** Who the process runs as, when not as the test (a test run as root checking what another user may not do). */
export interface ProcessUser {
  uid: number;
  gid: number;
}

/**
 * Spawns the server on PORT=0 unless env names a PORT: the system then gives it a port no other process holds. A port
 * picked beforehand can be taken by another test's server before this one listens, and that server would answer.
 */
function spawnServer(entry: string, env: Record<string, string>, user?: ProcessUser): { child: ChildProcess; log: string[] } {
  const log: string[] = [];
  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...user,
  });
  child.stdout!.on('data', (c: Buffer) => log.push(c.toString()));
  child.stderr!.on('data', (c: Buffer) => log.push(c.toString()));
  return { child, log };
}

const LISTENING = /"port":(\d+),[^\n]*"msg":"faelles-tx listening on /;

/** The port of the server's "listening" log line (at level info), once it has written it. */
function listeningPort(log: string): number | undefined {
  const m = LISTENING.exec(log);
  return m ? Number(m[1]) : undefined;
}

/**
 * The port a server process has said it listens on (its "listening" log line, at level info), once /ready answers
 * 200 there; throws when the process exits first or is not ready within `timeoutMs` (the process is left running).
 */
export async function readyPort(child: ChildProcess, output: () => string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  let port: number | undefined;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${output().slice(-3000)}`);
    port ??= listeningPort(output());
    if (port !== undefined) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/ready`);
        if (res.status === 200) return port;
      } catch {
        // not answering yet
      }
    }
    if (Date.now() - started > timeoutMs) throw new Error(`the server was not ready within ${timeoutMs} ms: ${output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a server that is expected not to start; resolves with its exit status and output once it has exited. */
export async function serverExit(entry: string, env: Record<string, string>, timeoutMs = 60_000, user?: ProcessUser): Promise<{ code: number | null; output: string }> {
  const { child, log } = spawnServer(entry, env, user);
  // 'close': the process has exited and its output has been read to the end.
  const exited = new Promise((r) => child.once('close', r));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
  return { code: child.exitCode, output: log.join('') };
}

/**
 * Starts the server with the environment given and waits until /ready answers 200 on the port it says it listens on
 * (its log line at level info: LOG_LEVEL is info unless env sets a level that still writes it).
 */
export async function startServerProcess(entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  if (env.LOG_LEVEL && !['info', 'debug', 'trace'].includes(env.LOG_LEVEL)) {
    throw new Error(`startServerProcess reads the port from the server's info log line; LOG_LEVEL ${env.LOG_LEVEL} does not write it`);
  }
  const { child, log } = spawnServer(entry, { LOG_LEVEL: 'info', ...env });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  let port: number;
  try {
    port = await readyPort(child, () => log.join(''), timeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }
  return { child, port, baseUrl: `http://127.0.0.1:${port}/fhir`, output: () => log.join(''), stop };
}
