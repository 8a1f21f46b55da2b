import type { Bundle, CapabilityStatement, CodeSystem, OperationOutcome, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { startServer, type RunningServer } from '../support/server';

const SYSTEM = 'http://example.org/fhir/CodeSystem/colours';
const VALUE_SET = 'http://example.org/fhir/ValueSet/warm-colours';

const colours = (codes: string[]): CodeSystem => ({
  resourceType: 'CodeSystem', url: SYSTEM, version: '1.0.0', status: 'active', content: 'complete',
  concept: codes.map((code) => ({ code, display: code.toUpperCase() })),
});
const warm: ValueSet = {
  resourceType: 'ValueSet', url: VALUE_SET, version: '1.0.0', status: 'active',
  compose: { include: [{ system: SYSTEM, concept: [{ code: 'red' }, { code: 'orange' }] }] },
};

let app: App;
beforeAll(async () => {
  app = await testApp();
});

function post(path: string, parameter: ParametersParameter[], cacheId?: string) {
  const r = request(app).post(`/fhir/${path}`).set('Content-Type', 'application/fhir+json');
  if (cacheId !== undefined) r.set('X-Cache-Id', cacheId);
  return r.send({ resourceType: 'Parameters', parameter });
}

async function start(...resources: (CodeSystem | ValueSet)[]): Promise<string> {
  const res = await post('$cache-control', [{ name: 'mode', valueCode: 'start' }, ...resources.map((resource) => ({ name: 'tx-resource', resource }))]).expect(200);
  const id = (res.body as Parameters).parameter!.find((p) => p.name === 'cache-id')!.valueId!;
  expect(res.headers['x-cache-id']).toBe(id);
  return id;
}

const result = (body: Parameters): boolean | undefined => body.parameter?.find((p) => p.name === 'result')?.valueBoolean;
const txIssueTypes = (body: OperationOutcome): string[] => body.issue.flatMap((i) => i.details?.coding?.map((c) => c.code ?? '') ?? []);

describe('$cache-control (HL7 terminology cache)', () => {
  it('is listed at system level in the CapabilityStatement, with its OperationDefinition', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const listed = cs.rest![0]!.operation!.find((o) => o.name === 'cache-control');
    expect(listed).toBeDefined();
    const def = await request(app).get('/fhir/OperationDefinition/Resource-cache-control').expect(200);
    expect(def.body).toMatchObject({ resourceType: 'OperationDefinition', code: 'cache-control', system: true, type: false, instance: false, affectsState: true });
    expect(def.body.parameter.map((p: { name: string; use: string }) => `${p.use}:${p.name}`)).toEqual(
      expect.arrayContaining(['in:mode', 'in:tx-resource', 'in:sealed', 'out:cache-id']),
    );
  });

  it('lets requests naming the cache by X-Cache-Id use its resources as if they sent them', async () => {
    const id = await start(colours(['red', 'orange', 'blue']), warm);
    const inCache = await request(app).get(`/fhir/ValueSet/$validate-code?url=${encodeURIComponent(VALUE_SET)}&system=${encodeURIComponent(SYSTEM)}&code=red`)
      .set('X-Cache-Id', id).expect(200);
    expect(result(inCache.body)).toBe(true);
    const notInVs = await request(app).get(`/fhir/ValueSet/$validate-code?url=${encodeURIComponent(VALUE_SET)}&system=${encodeURIComponent(SYSTEM)}&code=blue`)
      .set('X-Cache-Id', id).expect(200);
    expect(result(notInVs.body)).toBe(false);
    const expanded = await post('ValueSet/$expand', [{ name: 'url', valueUri: VALUE_SET }], id).expect(200);
    expect((expanded.body as ValueSet).expansion!.contains!.map((c) => c.code).sort()).toEqual(['orange', 'red']);
    const looked = await post('CodeSystem/$lookup', [{ name: 'system', valueUri: SYSTEM }, { name: 'code', valueCode: 'blue' }], id).expect(200);
    expect((looked.body as Parameters).parameter!.find((p) => p.name === 'display')!.valueString).toBe('BLUE');
    // without the header the server does not know them: they were never stored
    await request(app).get(`/fhir/ValueSet/$validate-code?url=${encodeURIComponent(VALUE_SET)}&system=${encodeURIComponent(SYSTEM)}&code=red`).expect(404);
    expect((await request(app).get(`/fhir/CodeSystem?url=${encodeURIComponent(SYSTEM)}`).expect(200)).body.total).toBe(0);
  });

  it("takes a request's own tx-resource over the cache's of the same url and version", async () => {
    const id = await start(colours(['red', 'orange']), warm);
    const own = await post('ValueSet/$expand', [
      { name: 'url', valueUri: VALUE_SET },
      { name: 'tx-resource', resource: { ...warm, compose: { include: [{ system: SYSTEM, concept: [{ code: 'red' }] }] } } as ValueSet },
    ], id).expect(200);
    expect((own.body as ValueSet).expansion!.contains!.map((c) => c.code)).toEqual(['red']);
    const cached = await post('ValueSet/$expand', [{ name: 'url', valueUri: VALUE_SET }], id).expect(200);
    expect((cached.body as ValueSet).expansion!.contains).toHaveLength(2);
  });

  it('answers a request naming a cache it does not hold 404 with the tx-issue-type cache-id-unknown, in Danish when asked', async () => {
    const res = await post('ValueSet/$expand', [{ name: 'url', valueUri: VALUE_SET }], 'no-such-cache').expect(404);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(txIssueTypes(res.body)).toContain('cache-id-unknown');
    const da = await request(app).get('/fhir/CodeSystem/$lookup?system=urn:oid:1.2.208.176.2.21&code=x').set('X-Cache-Id', 'no-such-cache')
      .set('Accept-Language', 'da').expect(404);
    expect(txIssueTypes(da.body)).toContain('cache-id-unknown');
    expect(da.body.issue[0].details.text).toContain('kendes ikke');
  });

  it('ends a cache (200, also when it was not held), after which it is unknown; check says whether it is held', async () => {
    const id = await start(colours(['red']));
    const checked = await post('$cache-control', [{ name: 'mode', valueCode: 'check' }], id).expect(200);
    expect((checked.body as Parameters).parameter).toEqual(expect.arrayContaining([{ name: 'cache-id', valueId: id }]));
    await post('$cache-control', [{ name: 'mode', valueCode: 'end' }], id).expect(200);
    const gone = await request(app).get(`/fhir/CodeSystem/$validate-code?url=${encodeURIComponent(SYSTEM)}&code=red`).set('X-Cache-Id', id).expect(404);
    expect(txIssueTypes(gone.body)).toContain('cache-id-unknown');
    expect(txIssueTypes((await post('$cache-control', [{ name: 'mode', valueCode: 'check' }], id).expect(404)).body)).toContain('cache-id-unknown');
    await post('$cache-control', [{ name: 'mode', valueCode: 'end' }], id).expect(200);
  });

  it('refuses what it cannot do: no or another mode, a resource not of terminology, end without X-Cache-Id, GET', async () => {
    expect((await post('$cache-control', []).expect(400)).body.issue[0].expression).toEqual(['mode']);
    expect((await post('$cache-control', [{ name: 'mode', valueCode: 'grow' }]).expect(400)).body.issue[0].details.text).toContain("'grow'");
    const patient = await post('$cache-control', [{ name: 'mode', valueCode: 'start' }, { name: 'tx-resource', resource: { resourceType: 'Patient' } as never }]).expect(400);
    expect(patient.body.issue[0].details.text).toContain('Patient');
    expect((await post('$cache-control', [{ name: 'mode', valueCode: 'end' }]).expect(400)).body.issue[0].details.text).toContain('X-Cache-Id');
    await request(app).get('/fhir/$cache-control?mode=start').expect(405);
  });

  it('gives its resources only to the operations that take tx-resource, and answers any operation naming a cache it does not hold 404', async () => {
    const v1 = colours(['red']);
    const id = await start(v1, { ...v1, version: '2.0.0', concept: [{ code: 'red' }, { code: 'blue' }] });
    const diff = `/fhir/CodeSystem/$diff?url=${encodeURIComponent(SYSTEM)}&from=1.0.0&to=2.0.0`;
    // $diff takes no tx-resource: the code systems of the cache are not among those it compares
    expect((await request(app).get(diff).set('X-Cache-Id', id).expect(404)).body.issue[0].details.text).not.toContain('X-Cache-Id');
    expect(txIssueTypes((await request(app).get(diff).set('X-Cache-Id', 'gone').expect(404)).body)).toContain('cache-id-unknown');
    // also when the answer would be a table
    const published = `/fhir/CodeSystem/$diff?url=${encodeURIComponent('urn:oid:1.2.208.176.2.21')}&from=20240530&to=20240530&_format=csv`;
    await request(app).get(published).expect(200);
    expect(txIssueTypes((await request(app).get(published).set('X-Cache-Id', 'gone').expect(404)).body)).toContain('cache-id-unknown');
    await request(app).get('/fhir/$versions').set('X-Cache-Id', id).expect(200);
    expect(txIssueTypes((await request(app).get('/fhir/$versions').set('X-Cache-Id', 'gone').expect(404)).body)).toContain('cache-id-unknown');
  });

  describe('an unsealed cache (sealed=false)', () => {
    async function startUnsealed(...resources: (CodeSystem | ValueSet)[]): Promise<string> {
      const res = await post('$cache-control', [
        { name: 'mode', valueCode: 'start' }, { name: 'sealed', valueBoolean: false }, ...resources.map((resource) => ({ name: 'tx-resource', resource })),
      ]).expect(200);
      expect((res.body as Parameters).parameter).toContainEqual({ name: 'sealed', valueBoolean: false });
      return res.headers['x-cache-id'] as string;
    }
    const expandByUrl = (id: string) => post('ValueSet/$expand', [{ name: 'url', valueUri: VALUE_SET }], id);

    it('takes the resources a request supplies, as tx-resource or as its own value set, for the requests after it', async () => {
      const id = await startUnsealed(colours(['red', 'orange']));
      await expandByUrl(id).expect(404);
      // supplied once as tx-resource (by a request that fails for its own reason: the code is not known), then named by url
      await post('CodeSystem/$lookup', [{ name: 'system', valueUri: SYSTEM }, { name: 'code', valueCode: 'green' }, { name: 'tx-resource', resource: warm }], id).expect(404);
      expect((await expandByUrl(id).expect(200)).body.expansion.contains).toHaveLength(2);
      const other = await startUnsealed(colours(['red', 'orange']));
      await post('ValueSet/$expand', [{ name: 'valueSet', resource: warm }], other).expect(200);
      expect((await expandByUrl(other).expect(200)).body.expansion.contains).toHaveLength(2);
      const check = await post('$cache-control', [{ name: 'mode', valueCode: 'check' }], other).expect(200);
      expect((check.body as Parameters).parameter).toContainEqual({ name: 'sealed', valueBoolean: false });
    });

    it('takes nothing from the operations that ignore tx-resource, on their own or in a batch: a value set given to $validate is what it checks', async () => {
      const id = await startUnsealed(colours(['red', 'orange']));
      await request(app).post('/fhir/ValueSet/$validate').set('Content-Type', 'application/fhir+json').set('X-Cache-Id', id).send(warm).expect(200);
      const bundle: Bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: 'ValueSet/$validate' }, resource: warm }] };
      await request(app).post('/fhir').set('Content-Type', 'application/fhir+json').set('X-Cache-Id', id).send(bundle).expect(200);
      await expandByUrl(id).expect(404);
    });

    it('a sealed cache takes nothing from the requests naming it', async () => {
      const id = await start(colours(['red', 'orange']));
      await post('ValueSet/$expand', [{ name: 'url', valueUri: VALUE_SET }, { name: 'tx-resource', resource: warm }], id).expect(200);
      await expandByUrl(id).expect(404);
    });

    it("takes what every entry of a batch supplies before answering any, so an entry may name another's resource", async () => {
      const id = await startUnsealed(colours(['red', 'orange']));
      const bundle: Bundle = {
        resourceType: 'Bundle', type: 'batch', entry: [
          { request: { method: 'GET', url: `ValueSet/$validate-code?url=${encodeURIComponent(VALUE_SET)}&system=${encodeURIComponent(SYSTEM)}&code=orange` } },
          {
            request: { method: 'POST', url: 'ValueSet/$expand' },
            resource: { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: warm }] } as Parameters,
          },
        ],
      };
      const res = await request(app).post('/fhir').set('Content-Type', 'application/fhir+json').set('X-Cache-Id', id).send(bundle).expect(200);
      const entries = (res.body as Bundle).entry!;
      expect(entries.map((e) => e.response!.status)).toEqual(['200 OK', '200 OK']);
      expect(result(entries[0]!.resource as Parameters)).toBe(true);
    });

    it('takes what every validation of a $batch-validate-code supplies before checking any', async () => {
      const id = await startUnsealed(colours(['red', 'orange']));
      const validation = (extra: ParametersParameter[]): ParametersParameter => ({
        name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VALUE_SET }, { name: 'coding', valueCoding: { system: SYSTEM, code: 'red' } }, ...extra] } as Parameters,
      });
      const res = await post('ValueSet/$batch-validate-code', [validation([]), validation([{ name: 'tx-resource', resource: warm }])], id).expect(200);
      const results = (res.body as Parameters).parameter!.map((p) => result(p.resource as Parameters));
      expect(results).toEqual([true, true]);
    });
  });

  it("uses the cache for every entry of a batch Bundle sent with the header", async () => {
    const id = await start(colours(['red', 'orange']), warm);
    const bundle: Bundle = {
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: `ValueSet/$validate-code?url=${encodeURIComponent(VALUE_SET)}&system=${encodeURIComponent(SYSTEM)}&code=orange` } },
        { request: { method: 'GET', url: `CodeSystem/$lookup?system=${encodeURIComponent(SYSTEM)}&code=red` } },
      ],
    };
    const res = await request(app).post('/fhir').set('Content-Type', 'application/fhir+json').set('X-Cache-Id', id).send(bundle).expect(200);
    const entries = (res.body as Bundle).entry!;
    expect(entries.map((e) => e.response!.status)).toEqual(['200 OK', '200 OK']);
    expect(result(entries[0]!.resource as Parameters)).toBe(true);
  });
});

describe("$cache-control within the operator's bounds (CLIENT_CACHES, CLIENT_CACHE_MB)", () => {
  it('lets the least recently used cache go past CLIENT_CACHES, and refuses a cache larger than CLIENT_CACHE_MB', async () => {
    const bounded = await testApp({ clientCacheLimits: { caches: 2, bytes: 4096, idleMs: 60_000 } });
    const startOn = (...resources: CodeSystem[]) => request(bounded).post('/fhir/$cache-control').set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'start' }, ...resources.map((resource) => ({ name: 'tx-resource', resource }))] });
    const ids: string[] = [];
    for (const c of ['a', 'b']) ids.push((await startOn(colours([c])).expect(200)).headers['x-cache-id'] as string);
    await startOn(colours(['c'])).expect(200);
    const lookup = (id: string) => request(bounded).get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(SYSTEM)}&code=a`).set('X-Cache-Id', id);
    expect(txIssueTypes((await lookup(ids[0]!).expect(404)).body)).toContain('cache-id-unknown');
    await lookup(ids[1]!).expect(404); // held, but its code system has no 'a'
    const big = await startOn(colours(Array.from({ length: 200 }, (_, i) => `code-${i}`))).expect(422);
    expect(big.body.issue[0].code).toBe('too-costly');
  });

  it('weighs a cache by the memory its concepts take, not by its JSON: one of many tiny concepts is refused under a bound its JSON is within', async () => {
    const bound = 1024 * 1024;
    const bounded = await testApp({ clientCacheLimits: { caches: 10, bytes: bound, idleMs: 60_000 } });
    const tiny: CodeSystem = { ...colours([]), concept: Array.from({ length: 20_000 }, (_, i) => ({ code: `c${i}` })) };
    expect(Buffer.byteLength(JSON.stringify(tiny))).toBeLessThan(bound / 2);
    const refused = await request(bounded).post('/fhir/$cache-control').set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'start' }, { name: 'tx-resource', resource: tiny }] }).expect(422);
    expect(refused.body.issue[0].code).toBe('too-costly');
    expect(refused.body.issue[0].diagnostics ?? refused.body.issue[0].details?.text).toMatch(/memory/);
  });
});

describe('$cache-control through fhir-kit-client, as a terminology client uses it', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  it('starts a cache, validates against it with X-Cache-Id, and ends it', async () => {
    const started = await server.client.operation({
      name: 'cache-control', method: 'POST',
      input: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'start' }, { name: 'tx-resource', resource: colours(['red']) }, { name: 'tx-resource', resource: warm }] },
    }) as Parameters;
    const id = started.parameter!.find((p) => p.name === 'cache-id')!.valueId!;
    const options = { headers: { 'X-Cache-Id': id } };
    const valid = await server.client.operation({
      name: 'validate-code', resourceType: 'ValueSet', method: 'GET', input: { url: VALUE_SET, system: SYSTEM, code: 'red' }, options,
    }) as Parameters;
    expect(result(valid)).toBe(true);
    await server.client.operation({ name: 'cache-control', method: 'POST', input: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'end' }] }, options });
    await expect(server.client.operation({
      name: 'validate-code', resourceType: 'ValueSet', method: 'GET', input: { url: VALUE_SET, system: SYSTEM, code: 'red' }, options,
    })).rejects.toMatchObject({ response: { status: 404 } });
  });

  it('answers each cache from its own resources, also the same GET asked again (never from the response cache)', async () => {
    const started = async (codes: string[]) => ((await server.client.operation({
      name: 'cache-control', method: 'POST',
      input: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'start' }, { name: 'tx-resource', resource: colours(codes) }] },
    })) as Parameters).parameter!.find((p) => p.name === 'cache-id')!.valueId!;
    const one = await started(['red']);
    const other = await started(['blue']);
    const validate = async (id: string) => result(await server.client.operation({
      name: 'validate-code', resourceType: 'CodeSystem', method: 'GET', input: { url: SYSTEM, code: 'red' }, options: { headers: { 'X-Cache-Id': id } },
    }) as Parameters);
    for (let i = 0; i < 3; i++) {
      expect(await validate(one)).toBe(true);
      expect(await validate(other)).toBe(false);
    }
  });
});
