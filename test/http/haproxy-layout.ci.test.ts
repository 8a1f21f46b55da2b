/**
 * The production layout's load balancer (deploy/haproxy.cfg) in front of two servers: HAProxy run with that file, its
 * replicas' addresses made local. Needs the haproxy binary (Debian's package); skipped without it, unless CI=true
 * (.ci/run installs it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Parameters } from 'fhir/r4';
import { describeNeeding } from '../support/ci-only';
import { startServer, type RunningServer } from '../support/server';

const CONFIG = path.resolve(__dirname, '..', '..', 'deploy', 'haproxy.cfg');
const installed = spawnSync('haproxy', ['-v']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });
}

/** deploy/haproxy.cfg with its listening port and its replicas' addresses local (no Docker DNS), the rest as it is. */
function localConfig(listen: number, replicas: number[]): string {
  const text = fs.readFileSync(CONFIG, 'utf8');
  const local = text
    .replace(/^resolvers docker\n(?:[ \t]+.*\n)*/m, '')
    .replace(/ resolvers docker init-addr [^\n]*/g, '')
    .replace(/^(\s*)bind :8080$/m, `$1bind 127.0.0.1:${listen}`)
    .replace(/replica(\d):8080/g, (_, n: string) => `127.0.0.1:${replicas[Number(n) - 1]}`);
  for (const removed of ['resolvers docker', 'bind :8080', 'replica1:8080', 'replica2:8080']) {
    if (local.includes(removed)) throw new Error(`deploy/haproxy.cfg changed shape: '${removed}' is still in the local copy`);
  }
  return local;
}

async function untilServing(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

describeNeeding('HAProxy', installed ? undefined : 'No haproxy binary: apt-get install -y haproxy', 'the production layout\'s HAProxy (deploy/haproxy.cfg)', () => {
  let replicas: RunningServer[];
  let haproxy: ChildProcess;
  let dir: string;
  let base: string;

  beforeAll(async () => {
    replicas = [await startServer(), await startServer()];
    const port = await freePort();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-haproxy-'));
    const file = path.join(dir, 'haproxy.cfg');
    fs.writeFileSync(file, localConfig(port, replicas.map((r) => Number(new URL(r.baseUrl).port))));
    haproxy = spawn('haproxy', ['-db', '-f', file], { stdio: 'ignore' });
    base = `http://127.0.0.1:${port}/fhir`;
    await untilServing(`${base}/metadata`, 15_000);
  }, 30_000);

  afterAll(async () => {
    haproxy?.kill('SIGKILL');
    await Promise.all((replicas ?? []).map((r) => r.close()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startCache(): Promise<string> {
    const res = await fetch(`${base}/$cache-control`, {
      method: 'POST', headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [
        { name: 'mode', valueCode: 'start' },
        { name: 'tx-resource', resource: { resourceType: 'CodeSystem', url: 'http://example.org/cs', version: '1', status: 'active', content: 'complete', concept: [{ code: 'a' }] } },
      ] }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as Parameters).parameter!.find((p) => p.name === 'cache-id')!.valueId!;
  }

  it('spreads requests over both replicas, and sends every request naming a terminology cache to the replica holding it', async () => {
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await startCache());
    // the caches were started on both replicas (the balancer spreads requests without a cache)
    const holds = async (replica: RunningServer, id: string) => (await fetch(`${replica.baseUrl}/$cache-control`, {
      method: 'POST', headers: { 'Content-Type': 'application/fhir+json', 'X-Cache-Id': id },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'check' }] }),
    })).status === 200;
    const held = [0, 0];
    for (const id of ids) for (const [n, r] of replicas.entries()) if (await holds(r, id)) held[n]!++;
    expect(held[0]! + held[1]!).toBe(ids.length);
    expect(held[0]).toBeGreaterThan(0);
    expect(held[1]).toBeGreaterThan(0);
    for (const id of ids) {
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${base}/CodeSystem/$validate-code?url=${encodeURIComponent('http://example.org/cs')}&code=a`, { headers: { 'X-Cache-Id': id } });
        expect(res.status).toBe(200);
        expect(((await res.json()) as Parameters).parameter!.find((p) => p.name === 'result')!.valueBoolean).toBe(true);
      }
    }
  });
  it('tags an answer alike on both replicas and compressed by the balancer, and answers a revalidation through it 304', async () => {
    const pickList = '/ValueSet/KLInterventionsFSIII/$expand';
    const tags = await Promise.all(replicas.map(async (r) => {
      const res = await fetch(`${r.baseUrl}${pickList}`, { headers: { 'Accept-Encoding': 'identity' } });
      await res.arrayBuffer();
      return res.headers.get('etag');
    }));
    expect(tags[0]).toMatch(/^W\/"sha256-/);
    expect(tags[1]).toBe(tags[0]);
    const compressed = await fetch(`${base}${pickList}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(compressed.status).toBe(200);
    expect(compressed.headers.get('content-encoding')).toBe('gzip');
    expect(compressed.headers.get('etag')).toBe(tags[0]);
    await compressed.arrayBuffer();
    // the balancer sends them to either replica
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${base}${pickList}`, { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': tags[0]! } });
      expect(res.status).toBe(304);
      expect(res.headers.get('etag')).toBe(tags[0]);
    }
  });
});
