/**
 * Scale-out: two server processes (replicas) on one PostgreSQL database. A write through one is answered by the
 * other within a second, and conflicting writes sent to both at once have exactly one winner.
 */
import type { CodeSystem } from 'fhir/r4';
import { TERMINOLOGY_DIR } from '../support/catalogs';
import { CODES, localCodeSystem, localConceptMap, sampleCatalog, tokenFor } from '../support/local';
import { describeWithPostgres, dropSchemas, TEST_DATABASE_URL, uniqueSchema } from '../support/postgres';
import { compileServer, startServerProcess, type ServerProcess } from '../support/server-process';

const FHIR_JSON = 'application/fhir+json';
const CS_ID = 'kommune-101-lokale-indsatser';
const CS_URL = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';

interface Answer {
  status: number;
  etag: string | null;
  body: Record<string, unknown>;
}

async function call(server: ServerProcess, method: string, path: string, init: { token?: string; body?: unknown; ifMatch?: string; ifNoneMatch?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { Accept: FHIR_JSON };
  if (init.token) headers.Authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['Content-Type'] = FHIR_JSON;
  if (init.ifMatch) headers['If-Match'] = init.ifMatch;
  if (init.ifNoneMatch) headers['If-None-Match'] = init.ifNoneMatch;
  const res = await fetch(`${server.baseUrl}${path}`, { method, headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON
  }
  return { status: res.status, etag: res.headers.get('etag'), body };
}

/** Polls until `check` holds; returns the milliseconds it took from `since`. */
async function within(ms: number, since: number, what: string, check: () => Promise<boolean>): Promise<number> {
  for (;;) {
    if (await check()) return Date.now() - since;
    if (Date.now() - since > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describeWithPostgres('two server processes on one PostgreSQL database', () => {
  const schema = uniqueSchema();
  let compiled: ReturnType<typeof compileServer> | undefined;
  let a: ServerProcess;
  let b: ServerProcess;
  let token: string;
  const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, TERMINOLOGY_DIR, LOAD_EXAMPLES: 'true', NODE_ENV: 'test' };

  beforeAll(async () => {
    compiled = compileServer();
    // The default poll (5 s) is far above the bar: a write reaches the other replica by NOTIFY.
    // Started together on an empty schema: the migration runs once, under the advisory lock.
    [a, b] = await Promise.all([startServerProcess(compiled.entry, env), startServerProcess(compiled.entry, env)]);
    token = await tokenFor({ kommunekode: '101' });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    compiled?.remove();
    await dropSchemas([schema]);
  }, 30_000);

  it('a write through one replica is answered by the other within 1 s, and the other way round', async () => {
    const { codeSystem } = sampleCatalog('101');
    const created = await call(a, 'POST', '/CodeSystem', { token, body: codeSystem });
    expect(created.status).toBe(201);
    const t0 = Date.now();
    // Read-your-writes on the replica that took the write: no waiting.
    expect((await call(a, 'GET', `/CodeSystem/${CS_ID}`)).etag).toBe('W/"1"');
    const lookup = `/CodeSystem/$lookup?system=${encodeURIComponent(CS_URL)}&code=101-BOLD`;
    const ms = await within(1000, t0, 'the create reaches replica B', async () => (await call(b, 'GET', lookup)).status === 200);
    expect(ms).toBeLessThan(1000);
    const read = await call(b, 'GET', `/CodeSystem/${CS_ID}`);
    expect(read.status).toBe(200);
    expect(read.etag).toBe('W/"1"');
    const lookupTag = (await call(b, 'GET', lookup)).etag;
    expect(lookupTag).toMatch(/^W\/"sha256-/);
    expect((await call(a, 'GET', lookup)).etag).toBe(lookupTag);

    // An update through B (display changed), answered by A's $lookup.
    const changed = localCodeSystem('101', 'lokale-indsatser', [
      { code: '101-KOL', display: 'KOL-rehabilitering', type: 'tilbud' },
      { code: '101-BOLD', display: 'Boldspil på hold', type: 'indsats' },
    ]);
    const updated = await call(b, 'PUT', `/CodeSystem/${CS_ID}`, { token, body: changed, ifMatch: 'W/"1"' });
    expect(updated.status).toBe(200);
    const t1 = Date.now();
    const displayOnA = async () => {
      const r = await call(a, 'GET', lookup);
      const display = (r.body.parameter as { name: string; valueString?: string }[] | undefined)?.find((p) => p.name === 'display')?.valueString;
      return display === 'Boldspil på hold';
    };
    expect(await within(1000, t1, 'the update reaches replica A', displayOnA)).toBeLessThan(1000);
    expect((await call(a, 'GET', `/CodeSystem/${CS_ID}`)).etag).toBe('W/"2"');
    // the $lookup answer is tagged alike by both replicas, and anew since the update
    const changedTag = (await call(a, 'GET', lookup)).etag;
    expect(changedTag).toMatch(/^W\/"sha256-/);
    expect(changedTag).not.toBe(lookupTag);
    expect(await within(1000, t1, 'replica B tags the changed answer alike', async () => (await call(b, 'GET', lookup)).etag === changedTag)).toBeLessThan(1000);
  });

  it('concurrent conflicting updates through both replicas: exactly one winner, the other 412; both then serve the winner', async () => {
    for (let round = 0; round < 5; round++) {
      const current = await call(a, 'GET', `/CodeSystem/${CS_ID}`);
      const version = current.etag!;
      const body = (title: string): CodeSystem => ({ ...(current.body as unknown as CodeSystem), title });
      const [ra, rb] = await Promise.all([
        call(a, 'PUT', `/CodeSystem/${CS_ID}`, { token, body: body(`from A ${round}`), ifMatch: version }),
        call(b, 'PUT', `/CodeSystem/${CS_ID}`, { token, body: body(`from B ${round}`), ifMatch: version }),
      ]);
      expect([ra.status, rb.status].sort()).toEqual([200, 412]);
      const winner = ra.status === 200 ? ra : rb;
      const loser = ra.status === 200 ? rb : ra;
      expect(loser.body.resourceType).toBe('OperationOutcome');
      const t0 = Date.now();
      await within(1000, t0, 'both replicas serve the winner', async () => {
        const [x, y] = await Promise.all([call(a, 'GET', `/CodeSystem/${CS_ID}`), call(b, 'GET', `/CodeSystem/${CS_ID}`)]);
        return x.etag === winner.etag && y.etag === winner.etag && x.body.title === winner.body.title && y.body.title === winner.body.title;
      });
    }
  });

  it('If-None-Match: * through both replicas at once, of a deleted id: exactly one creates it, the other 412', async () => {
    for (let round = 0; round < 5; round++) {
      const cs = localCodeSystem('101', `igen-${round}`, [{ code: '101-X', display: 'X', type: 'indsats' }]);
      expect((await call(a, 'PUT', `/CodeSystem/${cs.id}`, { token, body: cs })).status).toBe(201);
      expect((await call(a, 'DELETE', `/CodeSystem/${cs.id}`, { token })).status).toBe(200);
      await within(1000, Date.now(), 'the delete reaches the other replica', async () => (await call(b, 'GET', `/CodeSystem/${cs.id}`)).status === 410);
      const [ra, rb] = await Promise.all([
        call(a, 'PUT', `/CodeSystem/${cs.id}`, { token, body: { ...cs, title: 'A' }, ifNoneMatch: '*' }),
        call(b, 'PUT', `/CodeSystem/${cs.id}`, { token, body: { ...cs, title: 'B' }, ifNoneMatch: '*' }),
      ]);
      expect([ra.status, rb.status].sort()).toEqual([201, 412]);
    }
  });

  it('concurrent updates carrying the same meta.versionId, which R4 has the server ignore: both written, one version each', async () => {
    const current = await call(b, 'GET', `/CodeSystem/${CS_ID}`);
    const n = Number(/\d+/.exec(current.etag!)![0]);
    const body = (title: string): CodeSystem => ({ ...(current.body as unknown as CodeSystem), title });
    const [ra, rb] = await Promise.all([
      call(a, 'PUT', `/CodeSystem/${CS_ID}`, { token, body: body('meta A') }),
      call(b, 'PUT', `/CodeSystem/${CS_ID}`, { token, body: body('meta B') }),
    ]);
    expect([ra.status, rb.status]).toEqual([200, 200]);
    expect([ra.etag, rb.etag].sort()).toEqual([`W/"${n + 1}"`, `W/"${n + 2}"`]);
  });

  it('concurrent creates of one canonical through both replicas: exactly one winner', async () => {
    const cs = localCodeSystem('101', 'samtidig', [{ code: '101-X', display: 'X', type: 'indsats' }]);
    delete cs.id;
    const [ra, rb] = await Promise.all([call(a, 'POST', '/CodeSystem', { token, body: cs }), call(b, 'POST', '/CodeSystem', { token, body: cs })]);
    // The loser is refused by the transaction (409) when both were checked before either committed, or by the
    // validation (422: url|version already used) when its replica had caught up with the winner first.
    const statuses = [ra.status, rb.status].sort();
    expect(statuses[0]).toBe(201);
    expect([409, 422]).toContain(statuses[1]);
    const search = async (s: ServerProcess) => (await call(s, 'GET', `/CodeSystem?url=${encodeURIComponent(cs.url!)}`)).body.total;
    await within(1000, Date.now(), 'both replicas list one', async () => (await search(a)) === 1 && (await search(b)) === 1);
  });

  it('a version replaced through one replica stays addressable by url|version on the other, also when replaced at once', async () => {
    const url = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/versioner';
    const v1 = { ...localCodeSystem('101', 'versioner', [{ code: '101-GL', display: 'Gammel', type: 'indsats' }]), version: '1.0.0' };
    const v2 = { ...localCodeSystem('101', 'versioner', [{ code: '101-NY', display: 'Ny', type: 'indsats' }]), version: '2.0.0' };
    expect((await call(a, 'PUT', `/CodeSystem/${v1.id}`, { token, body: v1 })).status).toBe(201);
    expect((await call(a, 'PUT', `/CodeSystem/${v1.id}`, { token, body: v2 })).status).toBe(200);
    const t0 = Date.now();
    const old = `/CodeSystem/$lookup?system=${encodeURIComponent(url)}&version=1.0.0&code=101-GL`;
    const current = `/CodeSystem/$lookup?system=${encodeURIComponent(url)}&code=101-NY`;
    // Replica B may apply 1.0.0 and 2.0.0 in two steps; both must be there within the propagation time.
    const both = async () => (await call(b, 'GET', old)).status === 200 && (await call(b, 'GET', current)).status === 200;
    expect(await within(1000, t0, 'the replaced and the current version reach replica B', both)).toBeLessThan(1000);
    expect((await call(b, 'GET', `/CodeSystem/$lookup?system=${encodeURIComponent(url)}&code=101-GL`)).status).toBe(404);
    // a replica started after both writes finds 1.0.0 in the history, and reads it from the database when asked
    const c = await startServerProcess(compiled!.entry, env);
    try {
      const answer = await call(c, 'GET', old);
      expect(answer.status).toBe(200);
      expect((answer.body.parameter as { name: string; valueString?: string }[]).find((p) => p.name === 'display')?.valueString).toBe('Gammel');
    } finally {
      await c.stop();
    }
  }, 60_000);

  it("a map written through one replica moves the local code in the other's pick list, computed before the write", async () => {
    const picker = `/ValueSet/$expand?url=${encodeURIComponent('http://faelles-tx.dk/fhir/kommune/101/ValueSet/indsatsvaelger')}`;
    const codings = '/CodeSystem/$local-codings?kommunekode=101&code=101-PICK';
    /** The niveau-2 code the picker nests 101-PICK under, and the one $local-codings records it with. */
    const placeOnB = async () => {
      const parents: string[] = [];
      const walk = (list: { code?: string; contains?: unknown[] }[] | undefined, parent?: string) => {
        for (const c of list ?? []) {
          if (c.code === '101-PICK' && parent) parents.push(parent);
          walk(c.contains as { code?: string; contains?: unknown[] }[] | undefined, c.code);
        }
      };
      walk(((await call(b, 'GET', picker)).body.expansion as { contains?: { code?: string }[] } | undefined)?.contains);
      const recorded = (await call(b, 'GET', codings)).body.parameter as { name: string; valueCodeableConcept?: { coding?: { code?: string }[] } }[] | undefined;
      return { picker: parents, recorded: recorded?.find((p) => p.name === 'codeableConcept')?.valueCodeableConcept?.coding?.[0]?.code };
    };
    const map = (target: string) => localConceptMap('101', 'pickliste', [{ code: '101-PICK', display: 'Boldspil', targets: [target] }]);
    const cs = localCodeSystem('101', 'pickliste', [{ code: '101-PICK', display: 'Boldspil', type: 'indsats' }]);
    expect((await call(a, 'PUT', `/CodeSystem/${cs.id}`, { token, body: cs })).status).toBe(201);
    expect((await call(a, 'PUT', `/ConceptMap/${map(CODES.fysiskTraening119).id}`, { token, body: map(CODES.fysiskTraening119) })).status).toBe(201);
    const before = { picker: [CODES.fysiskTraening119], recorded: CODES.fysiskTraening119 };
    await within(1000, Date.now(), 'the map reaches replica B', async () => JSON.stringify(await placeOnB()) === JSON.stringify(before));
    const example370 = await call(b, 'GET', `/ValueSet/$expand?url=${encodeURIComponent('http://faelles-tx.dk/fhir/kommune/370/ValueSet/indsatsvaelger')}`);

    expect((await call(a, 'PUT', `/ConceptMap/${map(CODES.kostvejledning).id}`, { token, body: map(CODES.kostvejledning) })).status).toBe(200);
    const after = { picker: [CODES.kostvejledning], recorded: CODES.kostvejledning };
    expect(await within(1000, Date.now(), 'the changed map reaches the pick list on replica B', async () => JSON.stringify(await placeOnB()) === JSON.stringify(after)))
      .toBeLessThan(1000);
    // another municipality's picker answers as before
    const again370 = await call(b, 'GET', `/ValueSet/$expand?url=${encodeURIComponent('http://faelles-tx.dk/fhir/kommune/370/ValueSet/indsatsvaelger')}`);
    expect((again370.body.expansion as { contains?: unknown }).contains).toEqual((example370.body.expansion as { contains?: unknown }).contains);
  });

  it('parallel CSV merges through both replicas into a catalog that does not exist yet: every import lands, every code kept', async () => {
    const files = Array.from({ length: 12 }, (_, i) => Array.from({ length: 50 }, (_x, j) => `101-M${i}K${j}`));
    const answers = await Promise.all(files.map((codes, i) => call(i % 2 ? a : b, 'POST', '/CodeSystem/$import-local', {
      token, body: { resourceType: 'Parameters', parameter: [
        { name: 'csv', valueString: ['kode;titel;type;maal', ...codes.map((c) => `${c};${c};indsats;${CODES.fysiskTraening119}`)].join('\n') },
        { name: 'name', valueString: 'samtidige' }, { name: 'mode', valueCode: 'merge' },
      ] },
    })));
    expect(answers.map((r) => r.status)).toEqual(files.map(() => 200));
    // the last merge may have been written through the other replica: it reaches this one within a second
    await within(1000, Date.now(), 'the twelfth version reaches replica A', async () => (await call(a, 'GET', '/CodeSystem/kommune-101-samtidige')).etag === 'W/"12"');
    const read = await call(a, 'GET', '/CodeSystem/kommune-101-samtidige');
    expect(((read.body as unknown as CodeSystem).concept ?? []).map((c) => c.code).sort()).toEqual(files.flat().sort());
  });

  it('a delete through one replica is answered 410 by the other within 1 s', async () => {
    const current = await call(a, 'GET', `/CodeSystem/${CS_ID}`);
    const deleted = await call(a, 'DELETE', `/CodeSystem/${CS_ID}`, { token, ifMatch: current.etag! });
    expect(deleted.status).toBe(200);
    const t0 = Date.now();
    expect(await within(1000, t0, 'the delete reaches replica B', async () => (await call(b, 'GET', `/CodeSystem/${CS_ID}`)).status === 410))
      .toBeLessThan(1000);
    // history and vread read the database: the same on both.
    const [ha, hb] = await Promise.all([call(a, 'GET', `/CodeSystem/${CS_ID}/_history`), call(b, 'GET', `/CodeSystem/${CS_ID}/_history`)]);
    expect(ha.body.total).toBe(hb.body.total);
    // the delete ends the catalog's use on both, and on a replica started after it: on a date before it, the version of then
    const before = (current.body.meta as { lastUpdated: string }).lastUpdated;
    const lookupOn = (s: ServerProcess, date: string) => call(s, 'GET', `/CodeSystem/$lookup?system=${encodeURIComponent(CS_URL)}&code=${encodeURIComponent((current.body.concept as { code: string }[])[0]!.code)}&date=${encodeURIComponent(date)}`);
    const afterDelete = String(new Date().getUTCFullYear() + 1);
    const c = await startServerProcess(compiled!.entry, env);
    try {
      for (const s of [a, b, c]) {
        expect((await lookupOn(s, before)).status).toBe(200);
        expect((await lookupOn(s, afterDelete)).status).toBe(404);
      }
    } finally {
      await c.stop();
    }
  }, 60_000);
});
