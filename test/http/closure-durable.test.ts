import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ConceptMap, Parameters } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import { SqliteStore } from '../../src/store/sqlite-store';
import { FSIII, testApp } from '../support/app';

/** A closure table on the embedded SQLite store survives a restart of the server: versions and entries go on. */
const MENTAL = '3547a306-8623-4713-a8ce-db1e82839c50';
const EMOTIONEL = '525b5dd8-d62b-4efa-bf66-262ac47eca5b';
const KOGNITIV = '0520a107-2bb0-47b8-8856-c53e27607e51';

interface Running {
  server: Server;
  store: SqliteStore;
  client: Client;
}

async function start(dataDir: string): Promise<Running> {
  const store = SqliteStore.open(dataDir);
  const app = await testApp({ dataDir, store: 'sqlite' }, { store });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { server, store, client: new Client({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir` }) };
}

async function stop(r: Running): Promise<void> {
  r.server.closeAllConnections();
  await new Promise<void>((resolve) => r.server.close(() => resolve()));
  await r.store.close();
}

async function closure(r: Running, codes: string[], version?: string): Promise<ConceptMap> {
  const input: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'name', valueString: 'warehouse' },
      ...codes.map((code) => ({ name: 'concept', valueCoding: { system: FSIII, code } })),
      ...(version !== undefined ? [{ name: 'version', valueString: version }] : []),
    ],
  };
  return (await r.client.operation({ name: 'closure', method: 'POST', input: input as never })) as unknown as ConceptMap;
}

const pairs = (m: ConceptMap) => (m.group ?? []).flatMap((g) => g.element.flatMap((e) => (e.target ?? []).map((t) => `${e.code}<${t.code}`))).sort();

let dataDir: string;
beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-closure-'));
});
afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('keeps the table, its version and its entries across a restart', async () => {
  const first = await start(dataDir);
  try {
    await closure(first, []);
    expect(pairs(await closure(first, [MENTAL, EMOTIONEL]))).toEqual([`${EMOTIONEL}<${MENTAL}`]);
  } finally {
    await stop(first);
  }
  const second = await start(dataDir);
  try {
    // MENTAL is known to the table already: only KOGNITIV is new, related to it
    const next = await closure(second, [KOGNITIV, MENTAL]);
    expect(next.version).toBe('2');
    expect(pairs(next)).toEqual([`${KOGNITIV}<${MENTAL}`]);
    const all = await closure(second, [], '0');
    expect(all.version).toBe('2');
    expect(pairs(all)).toEqual([`${EMOTIONEL}<${MENTAL}`, `${KOGNITIV}<${MENTAL}`].sort());
  } finally {
    await stop(second);
  }
});
