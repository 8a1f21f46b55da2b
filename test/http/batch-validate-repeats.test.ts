import type { OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { jsonBytes, SerializedResource, serializeResource, serializedParameters } from '../../src/fhir/serialized';
import { valueSetValidateCodeOperation } from '../../src/operations/validate-code';
import { FSIII, testApp } from '../support/app';

const CATALOG_119 = 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119';
const IN_119 = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const NOT_IN_119 = '2abe20c7-5f0d-4bc4-9c5d-f1f2d5ba1ef0';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const coding = (code: string, extra: Record<string, unknown> = {}): ParametersParameter => ({
  name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code, ...extra } }] } as Parameters,
});

function post(path: string, parameter: ParametersParameter[]) {
  return request(app).post(`/fhir/${path}`).set('Content-Type', 'application/fhir+json').send({ resourceType: 'Parameters', parameter });
}

describe('$batch-validate-code with repeated entries (validated once, answered for each)', () => {
  it('answers every entry, in order, exactly as $validate-code answers it on its own', async () => {
    const entries = [coding(IN_119), coding(NOT_IN_119), coding(IN_119), coding('nope'), coding(NOT_IN_119), coding(IN_119, { display: 'Forkert' })];
    const res = await post('ValueSet/$batch-validate-code', [{ name: 'url', valueUri: CATALOG_119 }, ...entries]).expect(200);
    const results = (res.body as Parameters).parameter!.filter((p) => p.name === 'validation').map((p) => p.resource);
    expect(results).toHaveLength(entries.length);
    for (const [i, entry] of entries.entries()) {
      const single = await post('ValueSet/$validate-code', [
        { name: 'url', valueUri: CATALOG_119 }, ...((entry.resource as Parameters).parameter ?? []),
      ]).expect(200);
      expect(results[i]).toEqual(single.body);
    }
  });

  it('validates each distinct entry once, whether repeats come as the same text or written differently', async () => {
    const handle = jest.spyOn(valueSetValidateCodeOperation, 'handle');
    try {
      // the same text (one object once parsed) 50 times, and the same coding with its keys in another order
      const same = JSON.stringify({ name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code: IN_119 } }] } });
      const reordered = JSON.stringify({ name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { code: IN_119, system: FSIII } }] } });
      const other = JSON.stringify(coding(NOT_IN_119));
      const body = `{"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"${CATALOG_119}"},${[...Array(50).fill(same), reordered, other, same].join(',')}]}`;
      const res = await request(app).post('/fhir/ValueSet/$batch-validate-code').set('Content-Type', 'application/fhir+json').send(body).expect(200);
      const results = (res.body as Parameters).parameter!.map((p) => p.resource as Parameters);
      expect(results).toHaveLength(53);
      expect(handle).toHaveBeenCalledTimes(2);
      expect(results[50]).toEqual(results[0]);
      expect(results[52]).toEqual(results[0]);
      expect(results[51]).not.toEqual(results[0]);
    } finally {
      handle.mockRestore();
    }
  });

  it('tells entries apart that differ only in a detail of the coding, or in extra parameters', async () => {
    const res = await post('ValueSet/$batch-validate-code', [
      { name: 'url', valueUri: CATALOG_119 },
      coding(IN_119),
      coding(IN_119, { version: '20240530' }),
      coding(IN_119, { version: 'no-such-version' }),
      { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code: IN_119 } }, { name: 'abstract', valueBoolean: false }] } as Parameters },
    ]).expect(200);
    const results = (res.body as Parameters).parameter!.map((p) => p.resource as Parameters);
    const result = (p: Parameters) => p.parameter?.find((x) => x.name === 'result')?.valueBoolean;
    expect(result(results[0]!)).toBe(true);
    expect(result(results[1]!)).toBe(true);
    expect(result(results[2]!)).toBe(false);
    expect(results[3]).toBeDefined();
  });
});

describe('$batch-validate-code with a large answer (written in chunks)', () => {
  it('answers byte for byte the Parameters of the entries\' answers, whatever the whitespace of the request', async () => {
    const distinct = [coding(IN_119), coding(NOT_IN_119), coding('nope'), coding(IN_119, { display: 'Forkert "æøå"' })];
    const small = await post('ValueSet/$batch-validate-code', [{ name: 'url', valueUri: CATALOG_119 }, ...distinct]).expect(200);
    const answers = (small.body as Parameters).parameter!;
    expect(answers).toHaveLength(distinct.length);

    const entries = Array.from({ length: 2000 }, (_, i) => distinct[(i * 7) % distinct.length]!);
    const expected = JSON.stringify({ resourceType: 'Parameters', parameter: entries.map((_, i) => answers[(i * 7) % distinct.length]) });
    expect(Buffer.byteLength(expected)).toBeGreaterThan(512 * 1024);
    for (const space of [undefined, 2]) {
      const res = await request(app).post('/fhir/ValueSet/$batch-validate-code').set('Content-Type', 'application/fhir+json')
        .send(JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: CATALOG_119 }, ...entries] }, null, space))
        .buffer(true).parse((r, done) => {
          const parts: Buffer[] = [];
          r.on('data', (c: Buffer) => parts.push(c));
          r.on('end', () => done(null, Buffer.concat(parts)));
        })
        .expect(200);
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      expect(res.headers['content-length']).toBe(String(Buffer.byteLength(expected)));
      expect((res.body as Buffer).toString('utf8')).toBe(expected);
    }
  });

  it('answers the same whatever the Content-Type parameters (other ones than a UTF-8 charset go through express.json)', async () => {
    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: CATALOG_119 }, coding(IN_119), coding('nope'), coding(IN_119)] });
    const answers: string[] = [];
    for (const type of ['application/fhir+json', 'application/fhir+json; charset=UTF-8', 'application/json;charset="utf-8"', 'application/fhir+json; fhirVersion=4.0']) {
      const res = await request(app).post('/fhir/ValueSet/$batch-validate-code').set('Content-Type', type).send(body).expect(200);
      answers.push(res.text);
    }
    expect(new Set(answers).size).toBe(1);
  });

  it('refuses a batch nested deeper than the limit inside an entry, and one that is not valid JSON', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 130; i++) deep = [deep];
    const entry = { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code: IN_119 }, extension: deep }] } };
    const tooDeep = await request(app).post('/fhir/ValueSet/$batch-validate-code').set('Content-Type', 'application/fhir+json')
      .send({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: CATALOG_119 }, entry, entry] }).expect(400);
    expect(tooDeep.body.issue[0].details.text).toMatch(/nested deeper than 128 levels/);

    const body = JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: CATALOG_119 }, coding(IN_119), coding(IN_119)] });
    const broken = `${body.slice(0, -3)},]}`;
    const bad = await request(app).post('/fhir/ValueSet/$batch-validate-code').set('Content-Type', 'application/fhir+json').send(broken).expect(400);
    let message = '';
    try {
      JSON.parse(broken);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(bad.body.issue[0].details.text).toBe(`The request body is not valid JSON: ${message}`);
  });
});

describe('SerializedResource', () => {
  it('serializes Parameters assembled from parts byte for byte as JSON.stringify does, and reads as the resource', () => {
    const parameter: ParametersParameter[] = [
      { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: true }] } as Parameters },
      { name: 'validation', resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 'æøå "x"' } }] } as OperationOutcome },
    ];
    const built: Parameters = { resourceType: 'Parameters', parameter };
    const serialized = serializedParameters(parameter.map((p) => jsonBytes(p)));
    expect(serialized).toBeInstanceOf(SerializedResource);
    expect(Buffer.concat(serialized.chunks).toString()).toBe(JSON.stringify(built));
    expect(serialized.byteLength).toBe(Buffer.byteLength(JSON.stringify(built)));
    expect(serializeResource(serialized).toString()).toBe(JSON.stringify(built));
    expect(serializedParameters([]).bytes.toString()).toBe(JSON.stringify({ resourceType: 'Parameters', parameter: [] }));
    expect(JSON.stringify({ wrapped: serialized })).toBe(JSON.stringify({ wrapped: built }));
    expect(serialized.resourceType).toBe('Parameters');
    expect(serialized.parameter).toEqual(parameter);
    expect(serializeResource(built)).toBe(JSON.stringify(built));
  });
});
