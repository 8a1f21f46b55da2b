import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { CodeSystem, ConceptMap } from 'fhir/r4';
import { generateCsv } from '../../bench/import-local';
import { issueText } from '../../src/errors/issue';
import { parseLocalCsv } from '../../src/municipal/csv-import';
import { formatMessage } from '../../src/municipal/csv-records';
import { importLocalCsv, type ImportOptions } from '../../src/write/import-runner';
import { claimDataDir } from '../../src/store/data-dir-lock';
import { SqliteStore } from '../../src/store/sqlite-store';
import { publishedCatalogs, ROOT, TERMINOLOGY_DIR, testApp } from '../support/app';
import { CODES, KOL_TARGETS, tokenFor } from '../support/local';
import { temporaryFolders } from '../support/temporary-folders';

const freshDir = temporaryFolders('faelles-tx-import-');

function embedded(dataDir: string, content: string | Buffer, extra: Partial<ImportOptions> = {}): Promise<ReturnType<typeof importLocalCsv> extends Promise<infer T> ? T : never> {
  return importLocalCsv({
    content, kommunekode: '101', target: { kind: 'embedded', dataDir }, terminologyDir: TERMINOLOGY_DIR, includeExamples: true,
    published: publishedCatalogs(), ...extra,
  });
}

async function stored(dataDir: string): Promise<{ cs?: CodeSystem; cm?: ConceptMap }> {
  const store = SqliteStore.open(dataDir);
  try {
    return {
      cs: await store.read('CodeSystem', 'kommune-101-lokale-indsatser') as CodeSystem | undefined,
      cm: await store.read('ConceptMap', 'kommune-101-lokale-indsatser') as ConceptMap | undefined,
    };
  } finally {
    await store.close();
  }
}

const KOL = KOL_TARGETS.join(';');
const SAMPLE = [
  'kode,titel,type,maal,definition',
  `101-KOL,KOL-rehabilitering,tilbud,"${KOL}",Lokalt tilbud`,
  '101-BOLD,Boldspil,indsats,ab87c0b5-40be-4e0a-b749-d9f833bfed2d,',
  '101-KOST,Kostrådgivning,indsats,Kostvejledning,Titel i stedet for kode',
  '101-AKU,Akupunktur,indsats,Manuel behandling,',
].join('\n');

describe('reading the CSV', () => {
  it('reads comma- and semicolon-separated files, with and without BOM, and quoted fields', async () => {
    const semi = `\uFEFFkode;titel;type;maal\r\nA;"Titel; med semikolon";indsats;"x;y"\r\n`;
    const { rows, messages } = await parseLocalCsv(Buffer.from(semi, 'utf8'));
    expect(messages).toEqual([]);
    expect(rows).toEqual([{ line: 2, kode: 'A', titel: 'Titel; med semikolon', type: 'indsats', maal: 'x;y', definition: undefined, status: undefined }]);
    expect((await parseLocalCsv(SAMPLE)).rows).toHaveLength(4);
  });

  it('names the line of every malformed row and the missing columns', async () => {
    expect((await parseLocalCsv('kode,titel,type\nA,B,indsats\n')).messages[0]).toMatchObject({ severity: 'error', code: 'invalid', line: 1, text: { en: expect.stringMatching(/lacks the column maal/) } });
    const bad = await parseLocalCsv('kode,titel,type,maal\nA,B,indsats,x\nC,D,indsats\nE,F,tilbud,y,z\n');
    expect(bad.messages.map((m) => formatMessage(m))).toEqual(['line 3: The row has 3 fields; the header has 4', 'line 4: The row has 5 fields; the header has 4']);
    expect(issueText((await parseLocalCsv(Buffer.from([0x6b, 0x6f, 0x64, 0x65, 0xff, 0xfe]))).messages[0]!)).toMatch(/not UTF-8/);
    expect(issueText((await parseLocalCsv('kode,titel,type,maal\n"A,B,indsats,x\n')).messages[0]!)).toMatch(/not valid CSV/);
  });
  it('refuses a header that gives a column twice (maal and mål, kode and code), which would lose one column\'s values', async () => {
    for (const header of ['kode;titel;type;maal;mål', 'kode;code;titel;type;maal', 'kode;titel;title;type;maal', 'kode;titel;type;maal;maal']) {
      const width = header.split(';').length;
      const { rows, messages } = await parseLocalCsv(`${header}\n${Array.from({ length: width }, (_, i) => `v${i}`).join(';')}\n`);
      expect(rows).toEqual([]);
      expect(messages).toEqual([expect.objectContaining({ severity: 'error', line: 1, text: { en: expect.stringMatching(/gives a column twice/), da: expect.stringMatching(/har en kolonne to gange/) } })]);
    }
    // a column that is not read may be there twice: it is only said not to be used
    const unused = await parseLocalCsv('kode;titel;type;maal;note;note\nA;B;indsats;x;1;2\n');
    expect(unused.rows).toHaveLength(1);
    expect(unused.messages.every((m) => m.severity === 'warning')).toBe(true);
  });

  it("reads a file whose lines end in CR alone (Excel's \"CSV (Macintosh)\") as one ending in CRLF", async () => {
    const lines = ['kode;titel;type;maal;definition', ...Array.from({ length: 30 }, (_, i) => `101-CR${i};T ${i};indsats;x;a, b, c, d, e, f, g, h, i, j`)];
    const cr = await parseLocalCsv(Buffer.from(`${lines.join('\r')}\r`, 'utf8'));
    expect(cr.messages).toEqual([]);
    expect(cr).toEqual(await parseLocalCsv(Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8')));
    expect(cr.rows).toHaveLength(30);
    expect(cr.rows[29]).toMatchObject({ line: 31, kode: '101-CR29', definition: 'a, b, c, d, e, f, g, h, i, j' });
  });
});

describe('importing into the embedded store', () => {
  it('creates the municipality\'s CodeSystem and ConceptMap, resolving codes and exact titles', async () => {
    const dir = freshDir();
    const outcome = await embedded(dir, SAMPLE);
    expect(outcome.messages.filter((m) => m.severity === 'error')).toEqual([]);
    expect(outcome.ok).toBe(true);
    const { cs, cm } = await stored(dir);
    expect(cs).toMatchObject({ id: 'kommune-101-lokale-indsatser', count: 4, identifier: [{ value: '101' }], meta: { versionId: '1' } });
    expect(cs!.concept!.find((c) => c.code === '101-KOL')).toMatchObject({ definition: 'Lokalt tilbud', property: [{ code: 'type', valueCode: 'tilbud' }, { code: 'status', valueCode: 'active' }] });
    const targets = Object.fromEntries(cm!.group![0]!.element.map((e) => [e.code, e.target!.map((t) => t.code)]));
    expect(targets['101-KOL']).toEqual(KOL_TARGETS);
    expect(targets['101-KOST']).toEqual([CODES.kostvejledning]);
    expect(targets['101-AKU']).toEqual(['f8ac963c-6ec5-4ec5-bd90-a22fea4e2d16']);
    expect(cm!.group![0]!.element.find((e) => e.code === '101-KOL')!.target!.every((t) => t.equivalence === 'inexact')).toBe(true);
  });

  it("run as root into a new data folder of the server's user, leaves the data file and the lock file that user's", async () => {
    const dir = freshDir();
    const asRoot = process.getuid?.() === 0;
    if (asRoot) fs.chownSync(dir, 4321, 4321);
    expect((await embedded(dir, SAMPLE)).ok).toBe(true);
    const owners = ['faelles-tx.sqlite', 'server.lock'].map((f) => fs.statSync(path.join(dir, f)).uid);
    expect(owners).toEqual(asRoot ? [4321, 4321] : [process.getuid!(), process.getuid!()]);
  });

  it('updates on a second import (new version, metadata kept) and the result serves $translate', async () => {
    const dir = freshDir();
    await embedded(dir, SAMPLE);
    // the title of 101-NFD as pasted from a PDF or typed on a Mac: å as a and a combining ring
    const second = await embedded(dir, `${SAMPLE}\n101-NY,Ny indsats,indsats,Mental håndtering,\n101-NFD,Også ny,indsats,${'Mental håndtering'.normalize('NFD')},`);
    expect(second.ok).toBe(true);
    expect(second.written).toEqual({ codeSystem: 'CodeSystem/kommune-101-lokale-indsatser/_history/2', conceptMap: 'ConceptMap/kommune-101-lokale-indsatser/_history/2', version: '1.0.1' });
    const store = SqliteStore.open(dir);
    const app = await testApp({ dataDir: dir }, { store });
    try {
      const request = (await import('supertest')).default;
      const res = await request(app).get('/fhir/ConceptMap/$translate')
        .query({ system: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser', code: '101-NY' }).expect(200);
      expect(res.body.parameter.find((p: { name: string }) => p.name === 'match').part.find((p: { name: string }) => p.name === 'concept').valueCoding.code)
        .toBe(CODES.mentalHaandtering);
      const nfd = await request(app).get('/fhir/ConceptMap/$translate')
        .query({ system: 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser', code: '101-NFD' }).expect(200);
      expect(nfd.body.parameter.find((p: { name: string }) => p.name === 'match').part.find((p: { name: string }) => p.name === 'concept').valueCoding.code)
        .toBe(CODES.mentalHaandtering);
    } finally {
      await store.close();
    }
  });

  it('rejects a title that names several common concepts and lists the candidates, by line', async () => {
    const dir = freshDir();
    const outcome = await embedded(dir, 'kode;titel;type;maal\nA;Træning;indsats;Fysisk træning\n');
    expect(outcome.ok).toBe(false);
    const error = outcome.messages.find((m) => m.severity === 'error')!;
    expect(error.line).toBe(2);
    expect(issueText(error)).toMatch(/'Fysisk træning' names 2 common concepts/);
    expect(issueText(error)).toContain(CODES.fysiskTraening119);
    expect(issueText(error)).toContain(CODES.fysiskTraening140);
    expect(await stored(dir)).toEqual({ cs: undefined, cm: undefined });
  });

  it('imports nothing from a 2,000-row file with one bad row, and names that row', async () => {
    const dir = freshDir();
    const lines = generateCsv(2000, ROOT).split('\n');
    lines[1234] = 'B-BAD;Forkert;indsats;Ingen sådan indsats;';
    const outcome = await embedded(dir, lines.join('\n'));
    expect(outcome.ok).toBe(false);
    expect(outcome.messages.filter((m) => m.severity === 'error')).toEqual([
      {
        severity: 'error', code: 'invalid', line: 1235, text: {
          en: expect.stringMatching(/'Ingen sådan indsats' is neither an FSIII\/FFB code nor the exact title/),
          da: expect.stringMatching(/'Ingen sådan indsats' er hverken en FSIII\/FFB-kode eller den nøjagtige titel/),
        },
      },
    ]);
    expect(await stored(dir)).toEqual({ cs: undefined, cm: undefined });
  });

  it('names the row of a problem the write validation finds, and imports nothing', async () => {
    const dir = freshDir();
    await embedded(dir, SAMPLE);
    const outcome = await embedded(dir, `${SAMPLE}\n101-TO,To mål,indsats,"${CODES.fysiskTraening119};${CODES.fysiskTraening140}",\n101-INGEN,Uden mål,tilbud,,`);
    expect(outcome.ok).toBe(false);
    expect(outcome.messages.filter((m) => m.severity === 'error').map((m) => formatMessage(m))).toEqual([
      expect.stringMatching(/^line 6: Local intervention '101-TO' has 2 targets/),
      expect.stringMatching(/^line 7: Offer '101-INGEN' has no target/),
    ]);
    expect((await stored(dir)).cs?.meta?.versionId).toBe('1');
  });

  it('reports warnings (retired targets) by line and still imports', async () => {
    const dir = freshDir();
    const outcome = await embedded(dir, `kode,titel,type,maal\nT,Rygestop,indsats,${CODES.tobaksafvaenningRetired}\n`);
    expect(outcome.ok).toBe(true);
    expect(outcome.messages.map((m) => formatMessage(m))).toEqual([expect.stringMatching(new RegExp(`^line 2: warning: .* is retired; it is replaced by ${CODES.nikotin}`))]);
  });

  it('holds the data folder while it writes: a server cannot start on it meanwhile, and can once it is done', async () => {
    const dir = freshDir();
    const open = SqliteStore.open.bind(SqliteStore);
    let startedMeanwhile: unknown;
    const spy = jest.spyOn(SqliteStore, 'open').mockImplementation((...args) => {
      try {
        claimDataDir(dir)();
      } catch (e) {
        startedMeanwhile = e;
      }
      return open(...args);
    });
    try {
      expect((await embedded(dir, SAMPLE)).ok).toBe(true);
    } finally {
      spy.mockRestore();
    }
    expect(String(startedMeanwhile)).toContain(`Another process (a server, or an import into the embedded store) uses the data folder ${dir}`);
    claimDataDir(dir)();
  });

  it('refuses to write under a running server and checks its arguments', async () => {
    const dir = freshDir();
    const release = claimDataDir(dir);
    try {
      const outcome = await embedded(dir, SAMPLE);
      expect(issueText(outcome.messages[0]!)).toMatch(new RegExp(`A server \\(pid ${process.pid}\\) is using .*--server URL --token`));
    } finally {
      release();
    }
    expect(issueText((await embedded(freshDir(), SAMPLE, { kommunekode: '1010' })).messages[0]!)).toMatch(/three digits/);
    expect(issueText((await embedded(freshDir(), SAMPLE, { name: 'not/valid' })).messages[0]!)).toMatch(/name 'not\/valid'/);
  });
});

describe('importing through a running server', () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    const app = await testApp();
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('writes through the server\'s transaction endpoint, all or nothing', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const target = { kind: 'server' as const, baseUrl, token };
    const ok = await importLocalCsv({ content: SAMPLE, kommunekode: '101', target, terminologyDir: TERMINOLOGY_DIR, includeExamples: true, published: publishedCatalogs() });
    expect(ok).toMatchObject({ ok: true, written: { codeSystem: 'CodeSystem/kommune-101-lokale-indsatser/_history/1' } });
    const bad = await importLocalCsv({
      content: `${SAMPLE}\n101-TO,To mål,indsats,"${CODES.fysiskTraening119};${CODES.fysiskTraening140}",`,
      kommunekode: '101', target, terminologyDir: TERMINOLOGY_DIR, includeExamples: true, published: publishedCatalogs(),
    });
    expect(bad.ok).toBe(false);
    expect(bad.messages.filter((m) => m.severity === 'error').map((m) => formatMessage(m))).toEqual([expect.stringMatching(/^line 6: Local intervention '101-TO' has 2 targets/)]);
    const cs = await (await fetch(`${baseUrl}/CodeSystem/kommune-101-lokale-indsatser`)).json() as CodeSystem;
    expect(cs.meta?.versionId).toBe('1');
    const other = await importLocalCsv({ content: SAMPLE, kommunekode: '147', target, terminologyDir: TERMINOLOGY_DIR, includeExamples: true, published: publishedCatalogs() });
    expect(other.ok).toBe(false);
    expect(issueText(other.messages[0]!)).toMatch(/token may write only Københavns Kommune's resources/);
  });

  it('gives a catalog deleted and imported again its own id back, and a new one when another catalog holds it', async () => {
    const token = await tokenFor({ kommunekode: '103' });
    const target = { kind: 'server' as const, baseUrl, token };
    const run = (name: string) => importLocalCsv({
      content: SAMPLE.replace(/101-/g, '103-'), kommunekode: '103', name, target, terminologyDir: TERMINOLOGY_DIR, includeExamples: true, published: publishedCatalogs(),
    });
    expect((await run('igen')).written?.codeSystem).toBe('CodeSystem/kommune-103-igen/_history/1');
    for (const type of ['CodeSystem', 'ConceptMap']) {
      expect((await fetch(`${baseUrl}/${type}/kommune-103-igen`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    }
    expect((await run('igen')).written?.codeSystem).toBe('CodeSystem/kommune-103-igen/_history/3');
    const holder = { ...(await (await fetch(`${baseUrl}/CodeSystem/kommune-103-igen`)).json() as CodeSystem), url: 'http://faelles-tx.dk/fhir/kommune/103/CodeSystem/holder', meta: undefined };
    for (const type of ['CodeSystem', 'ConceptMap']) await fetch(`${baseUrl}/${type}/kommune-103-igen`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    const put = await fetch(`${baseUrl}/CodeSystem/kommune-103-holdt`, {
      method: 'PUT', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ ...holder, id: 'kommune-103-holdt' }),
    });
    expect(put.status).toBe(201);
    const moved = await run('holdt');
    expect(moved.ok).toBe(true);
    expect(moved.written?.codeSystem).not.toMatch(/^CodeSystem\/kommune-103-holdt\//);
    expect(moved.written?.conceptMap).toBe('ConceptMap/kommune-103-holdt/_history/1');
  });
});
