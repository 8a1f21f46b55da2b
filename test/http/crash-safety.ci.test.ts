/**
 * Crash safety of the embedded store: a real server process takes a loop of writes (transactions writing a catalog
 * and its map together, and single updates) from several clients at once and is killed with SIGKILL in the middle
 * of it, three times. After each restart on the same data folder every acknowledged write is there, and no write
 * is there in part: a catalog and its map always carry the same generation, and every history is whole.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, CodeSystem, ConceptMap, Parameters } from 'fhir/r4';
import { TERMINOLOGY_DIR } from '../support/catalogs';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';
import { compileServer, startServerProcess, type ServerProcess } from '../support/server-process';

const FHIR_JSON = 'application/fhir+json';
const WRITERS = 4;
/** Acknowledged writes per life of the server before it is killed. */
const ACKS_PER_LIFE = 30;
const LIVES = 3;

let compiled: ReturnType<typeof compileServer> | undefined;
let dataDir: string;
let server: ServerProcess | undefined;
let token: string;

beforeAll(async () => {
  compiled = compileServer();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-crash-'));
  token = await tokenFor({ kommunekode: '101' });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  compiled?.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start(): Promise<ServerProcess> {
  return startServerProcess(compiled!.entry, { DATA_DIR: dataDir, TERMINOLOGY_DIR, LOAD_EXAMPLES: 'true', STORE: 'sqlite', NODE_ENV: 'test' });
}

const pairName = (w: number) => `crash-${w}`;
const soloName = (w: number) => `solo-${w}`;

/** Generation g of writer w's catalog and map: two interventions named after the generation, both mapped. */
function pair(w: number, g: number): { cs: CodeSystem; cm: ConceptMap } {
  const codes = [1, 2].map((k) => `101-W${w}-G${g}-${k}`);
  return {
    cs: { ...localCodeSystem('101', pairName(w), codes.map((code) => ({ code, display: `Indsats ${code}`, type: 'indsats' as const }))), title: `generation ${g}` },
    cm: { ...localConceptMap('101', pairName(w), codes.map((code) => ({ code, targets: [CODES.fysiskTraening119] }))), title: `generation ${g}` },
  };
}

function solo(w: number, g: number): CodeSystem {
  return { ...localCodeSystem('101', soloName(w), [{ code: `S${w}`, display: 'Solo', type: 'indsats' }]), title: `generation ${g}` };
}

async function send(s: ServerProcess, method: string, p: string, body: unknown): Promise<number> {
  const res = await fetch(`${s.baseUrl}${p}`, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': FHIR_JSON, Accept: FHIR_JSON }, body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

async function get<T>(s: ServerProcess, p: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${s.baseUrl}${p}`, { headers: { Accept: FHIR_JSON } });
  return { status: res.status, body: (await res.json()) as T };
}

/** What the clients know: the last generation acknowledged and the last one sent (maybe cut off by the kill). */
interface Known {
  acked: number;
  sent: number;
}
const pairs: Known[] = Array.from({ length: WRITERS }, () => ({ acked: -1, sent: -1 }));
const solos: Known[] = Array.from({ length: WRITERS }, () => ({ acked: -1, sent: -1 }));

/** Writes until ACKS_PER_LIFE writes are acknowledged, then kills the server with SIGKILL while writes are in flight. */
async function writeAndKill(s: ServerProcess): Promise<void> {
  let acks = 0;
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    s.child.kill('SIGKILL');
  };
  const writer = async (w: number): Promise<void> => {
    for (let op = 0; !killed; op++) {
      const transaction = op % 3 !== 2;
      const known = transaction ? pairs[w]! : solos[w]!;
      const g = known.sent + 1;
      known.sent = g;
      let status: number;
      try {
        if (transaction) {
          const { cs, cm } = pair(w, g);
          const bundle: Bundle = {
            resourceType: 'Bundle', type: 'transaction',
            entry: [
              { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } },
              { resource: cm, request: { method: 'PUT', url: `ConceptMap/${cm.id}` } },
            ],
          };
          status = await send(s, 'POST', '', bundle);
        } else {
          const cs = solo(w, g);
          status = await send(s, 'PUT', `/CodeSystem/${cs.id}`, cs);
        }
      } catch {
        return; // the connection died with the server: this write is not acknowledged
      }
      if (killed) return; // answered after the kill was decided: counted as not acknowledged (it may be there)
      expect([200, 201]).toContain(status);
      known.acked = g;
      if (++acks >= ACKS_PER_LIFE) kill();
    }
  };
  const exited = new Promise((r) => s.child.once('exit', r));
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  await exited;
  expect(s.child.signalCode).toBe('SIGKILL');
}

/** The generation a resource carries (its title), checking that its content is of that generation throughout. */
function generationOf(r: CodeSystem | ConceptMap): number {
  const g = Number(/^generation (\d+)$/.exec(r.title ?? '')?.[1]);
  expect(Number.isInteger(g)).toBe(true);
  return g;
}

async function verify(s: ServerProcess): Promise<void> {
  for (let w = 0; w < WRITERS; w++) {
    const p = pairs[w]!;
    const cs = await get<CodeSystem>(s, `/CodeSystem/kommune-101-${pairName(w)}`);
    const cm = await get<ConceptMap>(s, `/ConceptMap/kommune-101-${pairName(w)}`);
    if (p.acked < 0 && cs.status === 404) {
      expect(cm.status).toBe(404); // never acknowledged and not there: neither half
    } else {
      expect(cs.status).toBe(200);
      expect(cm.status).toBe(200);
      const g = generationOf(cs.body);
      expect(generationOf(cm.body)).toBe(g); // the transaction is there whole, never one resource of it
      expect(g).toBeGreaterThanOrEqual(p.acked); // every acknowledged write survived
      expect(g).toBeLessThanOrEqual(p.sent);
      expect(cs.body.concept!.map((c) => c.code)).toEqual(pair(w, g).cs.concept!.map((c) => c.code));
      expect(cm.body.group![0]!.element!.map((e) => e.code)).toEqual(pair(w, g).cs.concept!.map((c) => c.code));
      // one version per generation written, history complete
      expect(cs.body.meta?.versionId).toBe(String(g + 1));
      expect(cm.body.meta?.versionId).toBe(String(g + 1));
      const history = await get<Bundle>(s, `/CodeSystem/kommune-101-${pairName(w)}/_history`);
      expect(history.body.total).toBe(g + 1);
      p.acked = g; // what survived is now the base: the next life goes on from it
      p.sent = g;
    }
    const q = solos[w]!;
    const one = await get<CodeSystem>(s, `/CodeSystem/kommune-101-${soloName(w)}`);
    if (q.acked < 0 && one.status === 404) continue;
    expect(one.status).toBe(200);
    const g = generationOf(one.body);
    expect(g).toBeGreaterThanOrEqual(q.acked);
    expect(g).toBeLessThanOrEqual(q.sent);
    expect(one.body.meta?.versionId).toBe(String(g + 1));
    q.acked = g;
    q.sent = g;
  }
  // every catalog has its map (the solo catalogs have none, one code each): nothing half-written anywhere
  let soloCodes = 0;
  for (let w = 0; w < WRITERS; w++) if ((await get<CodeSystem>(s, `/CodeSystem/kommune-101-${soloName(w)}`)).status === 200) soloCodes++;
  const coverage = await get<Parameters>(s, '/ConceptMap/$coverage?kommunekode=101');
  expect(coverage.status).toBe(200);
  const summary = coverage.body.parameter?.find((x) => x.name === 'summary')?.part ?? [];
  expect(summary.find((x) => x.name === 'unmappedLocalCodes')?.valueInteger).toBe(soloCodes);
}

describe('SIGKILL in the middle of a write loop', () => {
  it(`keeps every acknowledged write and no partial one, over ${LIVES} kills and restarts`, async () => {
    for (let life = 0; life < LIVES; life++) {
      server = await start();
      if (life > 0) await verify(server); // the state the last kill left, before anything new is written
      await writeAndKill(server);
    }
    server = await start();
    await verify(server);
    expect(pairs.every((p) => p.acked >= 0) && solos.every((p) => p.acked >= 0)).toBe(true);
    // the restarted server takes writes as usual
    const next = solo(0, solos[0]!.acked + 1);
    expect(await send(server, 'PUT', `/CodeSystem/${next.id}`, next)).toBe(200);
  }, 240_000);
});
