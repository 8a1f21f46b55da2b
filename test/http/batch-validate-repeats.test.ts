import type { Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { jsonBytes, SerializedResource, serializeResource, serializedParameters } from '../../src/fhir/serialized';
import { jsonDepth } from '../../src/http/fhir-json';
import { FSIII, testApp } from '../support/app';

const CATALOG_119 = 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119';
const IN_119 = '6d24992e-e0a2-43e7-bc27-0234622a8655';
const NOT_IN_119 = '2abe20c7-5f0d-4bc4-9c5d-f1f2d5ba1ef0';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const coding = (code: string, extra: Record<string, unknown> = {}): ParametersParameter => ({
  name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code, ...extra } }] },
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

  it('tells entries apart that differ only in a detail of the coding, or in extra parameters', async () => {
    const res = await post('ValueSet/$batch-validate-code', [
      { name: 'url', valueUri: CATALOG_119 },
      coding(IN_119),
      coding(IN_119, { version: '20240530' }),
      coding(IN_119, { version: 'no-such-version' }),
      { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code: IN_119 } }, { name: 'abstract', valueBoolean: false }] } },
    ]).expect(200);
    const results = (res.body as Parameters).parameter!.map((p) => p.resource as Parameters);
    const result = (p: Parameters) => p.parameter?.find((x) => x.name === 'result')?.valueBoolean;
    expect(result(results[0]!)).toBe(true);
    expect(result(results[1]!)).toBe(true);
    expect(result(results[2]!)).toBe(false);
    expect(results[3]).toBeDefined();
  });
});

describe('SerializedResource', () => {
  it('serializes Parameters assembled from parts byte for byte as JSON.stringify does, and reads as the resource', () => {
    const parameter: ParametersParameter[] = [
      { name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'result', valueBoolean: true }] } },
      { name: 'validation', resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 'æøå "x"' } }] } },
    ];
    const built: Parameters = { resourceType: 'Parameters', parameter };
    const serialized = serializedParameters(parameter.map((p) => jsonBytes(p)));
    expect(serialized).toBeInstanceOf(SerializedResource);
    expect(serializeResource(serialized).toString()).toBe(JSON.stringify(built));
    expect(serializedParameters([]).bytes.toString()).toBe(JSON.stringify({ resourceType: 'Parameters', parameter: [] }));
    expect(JSON.stringify({ wrapped: serialized })).toBe(JSON.stringify({ wrapped: built }));
    expect(serialized.resourceType).toBe('Parameters');
    expect(serialized.parameter).toEqual(parameter);
    expect(serializeResource(built)).toBe(JSON.stringify(built));
  });
});

describe('jsonDepth', () => {
  it('measures nesting of objects and arrays, and stops just past the limit', () => {
    expect(jsonDepth('x', 5)).toBe(0);
    expect(jsonDepth({}, 5)).toBe(1);
    expect(jsonDepth({ a: [1, { b: null }], c: 'x' }, 5)).toBe(3);
    expect(jsonDepth([[], [[[]]], {}], 10)).toBe(4);
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { next: [deep] };
    expect(jsonDepth(deep, 128)).toBe(129);
  });
});
