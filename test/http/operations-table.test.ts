import type { CapabilityStatement, OperationDefinition, Parameters } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { OPERATIONS } from '../../src/operations';
import type { OperationHandler } from '../../src/operations/context';
import { FSIII, testApp } from '../support/app';

const JSON_TYPE = 'application/fhir+json';

/** An operation that is only an entry of the table (as a new one would be), echoing its parameters. */
const echoOperation: OperationHandler = {
  spec: { name: 'echo-test', params: [{ name: 'text', type: 'string' }, { name: 'n', type: 'integer' }] },
  resourceType: 'CodeSystem',
  levels: ['type', 'instance'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/CodeSystem-echo-test',
  documentation: { description: 'Echoes its parameters', outputs: [] },
  cache: 'answer',
  handle: (input, _ctx, target) => ({
    resourceType: 'Parameters',
    parameter: [
      { name: 'text', valueString: input.string('text') ?? '' },
      { name: 'n', valueInteger: input.integer('n') ?? 0 },
      ...(target ? [{ name: 'target', valueString: target.id }] : []),
    ],
  }),
};

describe.each([
  ['the lean adapter', {}],
  ['Express only (FAST_PATH=false)', { fastPath: false }],
])('an operation added to OPERATIONS (%s)', (_name, overrides) => {
  let app: App;
  beforeAll(async () => {
    OPERATIONS.push(echoOperation);
    app = await testApp(overrides);
  });
  afterAll(() => {
    OPERATIONS.splice(OPERATIONS.indexOf(echoOperation), 1);
  });

  it('answers GET and POST at its levels, with parameters parsed and typed from its spec', async () => {
    const get = await request(app).get('/fhir/CodeSystem/$echo-test?text=hej&n=3').expect(200);
    expect((get.body as Parameters).parameter).toEqual([{ name: 'text', valueString: 'hej' }, { name: 'n', valueInteger: 3 }]);
    const post = await request(app).post('/fhir/CodeSystem/FSIII/$echo-test').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'text', valueString: 'hej' }] }).expect(200);
    expect((post.body as Parameters).parameter).toContainEqual({ name: 'target', valueString: 'FSIII' });
    const bad = await request(app).get('/fhir/CodeSystem/$echo-test?n=tre').expect(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
    await request(app).get('/fhir/ValueSet/$echo-test').expect(404);
  });

  it('is answered from the response cache on a repeated GET', async () => {
    const path = '/fhir/CodeSystem/$echo-test?text=igen';
    await request(app).get(path).set('Host', 'tx.example').expect(200);
    const hits = app.responseCache.hits;
    await request(app).get(path).set('Host', 'tx.example').expect(200);
    expect(app.responseCache.hits).toBe(hits + 1);
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const ops = cs.rest![0]!.resource!.find((r) => r.type === 'CodeSystem')!.operation!.map((o) => o.name);
    expect(ops).toContain('echo-test');
  });
});

describe('the operations beyond terminology are entries of the table', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });

  it('lists $import-local under CodeSystem and serves its OperationDefinition', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const listed = cs.rest![0]!.resource!.find((r) => r.type === 'CodeSystem')!.operation!.find((o) => o.name === 'import-local');
    expect(listed?.definition).toBe('http://faelles-tx.dk/fhir/OperationDefinition/CodeSystem-import-local');
    const def = (await request(app).get('/fhir/OperationDefinition/CodeSystem-import-local').expect(200)).body as OperationDefinition;
    expect(def).toMatchObject({ code: 'import-local', affectsState: true, type: true, instance: false, system: false, url: listed!.definition });
    expect(def.parameter!.filter((p) => p.use === 'in').map((p) => p.name)).toEqual(['csv', 'kommunekode', 'name', 'version', 'mode', 'preview', 'basedOn']);
  });

  // opd-0 and opd-1 of every OperationDefinition: test/http/operation-definitions.test.ts
  it('serves the OperationDefinition of every operation it lists under its own url', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const listed = [...cs.rest![0]!.operation!, ...cs.rest![0]!.resource!.flatMap((r) => r.operation ?? [])];
    expect(listed.filter((o) => !o.definition.startsWith('http://faelles-tx.dk/fhir/OperationDefinition/'))).toEqual([]);
    expect(listed.map((o) => o.name)).toEqual(expect.arrayContaining(['batch-validate-code', 'import-local', 'translate', 'lookup', 'expand', 'versions']));
    for (const o of listed) {
      const id = o.definition.slice(o.definition.lastIndexOf('/') + 1);
      const def = (await request(app).get(`/fhir/OperationDefinition/${id}`).expect(200)).body as OperationDefinition;
      expect([def.url, def.code]).toEqual([o.definition, o.name]);
    }
  });

  it('answers $import-local without a token 401 with a Bearer challenge, and GET 405 with Allow: POST', async () => {
    const csv = { resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: 'a;b\n' }] };
    const res = await request(app).post('/fhir/CodeSystem/$import-local').type(JSON_TYPE).send(csv).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    const get = await request(app).get('/fhir/CodeSystem/$import-local').expect(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('lists $versions and $validate at system level, and answers $versions by GET and POST', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    expect(cs.rest![0]!.operation!.map((o) => o.name)).toEqual(['closure', 'versions', 'cache-control', 'validate', 'packages', 'unload-package', 'load-package', 'package']);
    const get = await request(app).get('/fhir/$versions').expect(200);
    const post = await request(app).post('/fhir/$versions').type(JSON_TYPE).send({ resourceType: 'Parameters' }).expect(200);
    expect(post.body).toEqual(get.body);
  });

  it('lists $validate on every type it lists, each of which answers it; R4\'s other types answer it under the system-level listing', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const resources = cs.rest![0]!.resource!;
    expect(resources.map((r) => r.type)).toEqual(expect.arrayContaining(['CodeSystem', 'ValueSet', 'ConceptMap', 'AuditEvent', 'StructureDefinition', 'OperationDefinition', 'Bundle', 'CarePlan']));
    for (const r of resources) {
      expect([r.type, r.operation?.filter((o) => o.name === 'validate')]).toEqual([r.type, [{ name: 'validate', definition: 'http://faelles-tx.dk/fhir/OperationDefinition/Resource-validate' }]]);
      const res = await request(app).post(`/fhir/${r.type}/$validate`).type(JSON_TYPE).send({ resourceType: r.type });
      expect([r.type, res.status, (res.body as { resourceType: string }).resourceType]).toEqual([r.type, 200, 'OperationOutcome']);
    }
    expect(resources.find((r) => r.type === 'Patient')).toBeUndefined();
    await request(app).post('/fhir/Patient/$validate').type(JSON_TYPE).send({ resourceType: 'Patient' }).expect(200);
  });

  it('applies tx-resource for every operation that takes it', async () => {
    const cs = { resourceType: 'CodeSystem', url: 'http://example.org/cs', version: '1', status: 'active', content: 'complete', concept: [{ code: 'a', display: 'A' }] };
    const res = await request(app).post('/fhir/CodeSystem/$lookup').type(JSON_TYPE).send({
      resourceType: 'Parameters',
      parameter: [{ name: 'system', valueUri: 'http://example.org/cs' }, { name: 'code', valueCode: 'a' }, { name: 'tx-resource', resource: cs }],
    }).expect(200);
    expect((res.body as Parameters).parameter).toContainEqual({ name: 'display', valueString: 'A' });
    await request(app).get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=nope`).expect(404);
  });
});

describe("an operation's Allow header", () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp();
  });

  /** Every operation at its first level, with those the package routes answer beside the table. */
  const addresses = (): string[] => [
    ...OPERATIONS.map((op) => {
      const type = op.resourceType === 'Resource' ? 'Patient' : op.resourceType;
      return op.levels[0] === 'system' ? `$${op.spec.name}` : op.levels[0] === 'type' ? `${type}/$${op.spec.name}` : `${type}/no-such/$${op.spec.name}`;
    }),
    '$load-package', '$package',
  ];

  it('names every method the operation answers, HEAD wherever GET is, and only those', async () => {
    for (const path of addresses()) {
      const refused = await request(app).put(`/fhir/${path}`).type(JSON_TYPE).send({ resourceType: 'Parameters' });
      expect([path, refused.status]).toEqual([path, 405]);
      const allow = String(refused.headers.allow).split(', ');
      expect([path, allow.includes('HEAD')]).toEqual([path, allow.includes('GET')]);
      for (const method of allow) {
        const res = method === 'POST' ? await request(app).post(`/fhir/${path}`).type(JSON_TYPE).send({ resourceType: 'Parameters' })
          : await request(app)[method === 'HEAD' ? 'head' : 'get'](`/fhir/${path}`);
        expect([path, method, res.status]).not.toEqual([path, method, 405]);
      }
    }
  });
});
