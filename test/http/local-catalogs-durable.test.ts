import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, CodeSystem, ConceptMap, Parameters } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import { SqliteStore } from '../../src/store/sqlite-store';
import { FSIII, testApp } from '../support/app';
import { CODES, KOL_TARGETS, sampleCatalog, tokenFor } from '../support/local';
import { clientBody } from '../support/server';

/**
 * The bar for local catalogs through a FHIR client (fhir-kit-client) against a listening server on the embedded
 * SQLite store: write, translate both ways, 403 and 412 change nothing, and a restart keeps every acknowledged write.
 */
interface Running {
  server: Server;
  store: SqliteStore;
  baseUrl: string;
}

async function start(dataDir: string): Promise<Running> {
  const store = SqliteStore.open(dataDir);
  const app = await testApp({ dataDir }, { store });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { server, store, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir` };
}

async function stop(r: Running): Promise<void> {
  r.server.closeAllConnections();
  await new Promise<void>((resolve) => r.server.close(() => resolve()));
  await r.store.close();
}

async function failure(call: Promise<unknown>): Promise<{ status: number; data: unknown }> {
  try {
    await call;
  } catch (e) {
    const response = (e as { response?: { status: number; data: unknown } }).response;
    if (response) return response;
    throw e;
  }
  throw new Error('the request succeeded, but it should have failed');
}

function matchCodes(p: Parameters): string[] {
  return (p.parameter ?? []).filter((x) => x.name === 'match').map((m) => m.part!.find((x) => x.name === 'concept')!.valueCoding!.code!);
}

const CS_ID = 'kommune-101-lokale-indsatser';
const CM_ID = 'kommune-101-lokale-indsatser';
const CS_URL = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';

let dataDir: string;
let running: Running;
let client101: Client;
let client147: Client;
let anonymous: Client;

function clients(baseUrl: string, t101: string, t147: string): void {
  client101 = new Client({ baseUrl, bearerToken: t101 });
  client147 = new Client({ baseUrl, bearerToken: t147 });
  anonymous = new Client({ baseUrl });
}

let t101: string;
let t147: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-durable-'));
  running = await start(dataDir);
  t101 = await tokenFor({ kommunekode: '101' });
  t147 = await tokenFor({ kommunekode: '147' });
  clients(running.baseUrl, t101, t147);
});

afterAll(async () => {
  await stop(running);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('local catalogs through a FHIR client on the embedded store', () => {
  it('a municipality writes its catalog and map', async () => {
    const { codeSystem, conceptMap } = sampleCatalog('101');
    const cs = (await client101.create({ resourceType: 'CodeSystem', body: clientBody(codeSystem) })) as unknown as CodeSystem;
    expect(cs).toMatchObject({ id: CS_ID, meta: { versionId: '1' } });
    const cm = (await client101.update({ resourceType: 'ConceptMap', id: CM_ID, body: clientBody(conceptMap) })) as unknown as ConceptMap;
    expect(cm.meta?.versionId).toBe('1');
    expect(((await anonymous.read({ resourceType: 'ConceptMap', id: CM_ID })) as unknown as ConceptMap).url).toBe(conceptMap.url);
  });

  it('$translate forward and reverse return the expected codes; the offer its six targets', async () => {
    const forward = (await anonymous.operation({ resourceType: 'ConceptMap', name: '$translate', method: 'GET', input: { system: CS_URL, code: '101-BOLD' } })) as Parameters;
    expect(matchCodes(forward)).toEqual([CODES.fysiskTraening119]);
    const offer = (await anonymous.operation({ resourceType: 'ConceptMap', name: '$translate', method: 'GET', input: { system: CS_URL, code: '101-KOL' } })) as Parameters;
    expect(matchCodes(offer)).toEqual(KOL_TARGETS);
    const reverse = (await anonymous.operation({
      resourceType: 'ConceptMap', name: '$translate', method: 'POST',
      input: { resourceType: 'Parameters', parameter: [
        { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: CODES.fysiskTraening140 },
        { name: 'reverse', valueBoolean: true }, { name: 'kommunekode', valueCode: '101' },
      ] },
    })) as Parameters;
    expect(matchCodes(reverse)).toEqual(['101-BALANCE']);
  });

  it('a write with another municipality\'s token is 403 and changes nothing', async () => {
    const before = (await anonymous.read({ resourceType: 'CodeSystem', id: CS_ID })) as unknown as CodeSystem;
    const res = await failure(client147.update({ resourceType: 'CodeSystem', id: CS_ID, body: { ...before, title: 'taken over' } }));
    expect(res.status).toBe(403);
    expect(res.data).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    expect((await failure(client147.delete({ resourceType: 'ConceptMap', id: CM_ID }))).status).toBe(403);
    expect(await anonymous.read({ resourceType: 'CodeSystem', id: CS_ID })).toEqual(before);
    expect((await failure(anonymous.create({ resourceType: 'CodeSystem', body: clientBody(sampleCatalog('101', 'x').codeSystem) }))).status).toBe(401);
  });

  it('a stale If-Match is 412 and changes nothing', async () => {
    const v1 = (await anonymous.read({ resourceType: 'CodeSystem', id: CS_ID })) as unknown as CodeSystem;
    const v2 = (await client101.update({ resourceType: 'CodeSystem', id: CS_ID, body: { ...v1, title: 'second' }, options: { headers: { 'If-Match': 'W/"1"' } } })) as unknown as CodeSystem;
    expect(v2.meta?.versionId).toBe('2');
    const res = await failure(client101.update({ resourceType: 'CodeSystem', id: CS_ID, body: { ...v1, title: 'stale' }, options: { headers: { 'If-Match': 'W/"1"' } } }));
    expect(res.status).toBe(412);
    const now = (await anonymous.read({ resourceType: 'CodeSystem', id: CS_ID })) as unknown as CodeSystem;
    expect(now).toMatchObject({ title: 'second', meta: { versionId: '2' } });
    const history = (await anonymous.history({ resourceType: 'CodeSystem', id: CS_ID })) as unknown as Bundle;
    expect(history.total).toBe(2);
  });

  it('a restart on the same DATA_DIR keeps every acknowledged write', async () => {
    const extra = sampleCatalog('101', 'slettes').codeSystem;
    await client101.create({ resourceType: 'CodeSystem', body: clientBody(extra) });
    await client101.delete({ resourceType: 'CodeSystem', id: extra.id! });
    const before = {
      cs: await anonymous.read({ resourceType: 'CodeSystem', id: CS_ID }),
      cm: await anonymous.read({ resourceType: 'ConceptMap', id: CM_ID }),
      history: ((await anonymous.history({ resourceType: 'CodeSystem', id: CS_ID })) as unknown as Bundle).entry?.map((e) => e.response?.etag),
    };

    await stop(running);
    running = await start(dataDir);
    clients(running.baseUrl, t101, t147);

    expect(await anonymous.read({ resourceType: 'CodeSystem', id: CS_ID })).toEqual(before.cs);
    expect(await anonymous.read({ resourceType: 'ConceptMap', id: CM_ID })).toEqual(before.cm);
    expect(((await anonymous.history({ resourceType: 'CodeSystem', id: CS_ID })) as unknown as Bundle).entry?.map((e) => e.response?.etag)).toEqual(before.history);
    expect((await failure(anonymous.read({ resourceType: 'CodeSystem', id: extra.id! }))).status).toBe(410);
    const offer = (await anonymous.operation({ resourceType: 'ConceptMap', name: '$translate', method: 'GET', input: { system: CS_URL, code: '101-KOL' } })) as Parameters;
    expect(matchCodes(offer)).toEqual(KOL_TARGETS);
    const changed = { ...clientBody(before.cs), title: 'third' };
    const v3 = (await client101.update({ resourceType: 'CodeSystem', id: CS_ID, body: changed, options: { headers: { 'If-Match': 'W/"2"' } } })) as unknown as CodeSystem;
    expect(v3.meta?.versionId).toBe('3');
  });
});
