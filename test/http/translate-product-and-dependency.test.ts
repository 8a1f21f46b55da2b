import type { ConceptMap, Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';

const FHIR_JSON = 'application/fhir+json';
const SOURCE = 'http://example.org/fhir/CodeSystem/kilde';
const TARGET = 'http://example.org/fhir/CodeSystem/maal';
const SIDE = 'http://example.org/fhir/StructureDefinition/omfang';

/** A map whose target for `x` depends on another element (omfang): y1 when it is `lille`, y2 when `stor`, y3 always. */
const map: ConceptMap = {
  resourceType: 'ConceptMap', url: 'http://example.org/fhir/ConceptMap/afhaengig', version: '1', status: 'active',
  group: [{
    source: SOURCE, target: TARGET,
    element: [{
      code: 'x',
      target: [
        { code: 'y1', equivalence: 'equivalent', dependsOn: [{ property: SIDE, system: 'urn:omfang', value: 'lille' }],
          product: [{ property: 'http://example.org/fhir/StructureDefinition/enhed', system: 'urn:enhed', value: 'time', display: 'Time' }] },
        { code: 'y2', equivalence: 'equivalent', dependsOn: [{ property: SIDE, value: 'stor' }] },
        { code: 'y3', equivalence: 'wider' },
      ],
    }],
  }],
};

let app: App;
beforeAll(async () => {
  app = await testApp();
});

async function translate(...extra: ParametersParameter[]): Promise<Parameters> {
  const body: Parameters = {
    resourceType: 'Parameters',
    parameter: [{ name: 'conceptMap', resource: map }, { name: 'system', valueUri: SOURCE }, { name: 'code', valueCode: 'x' }, ...extra],
  };
  return (await request(app).post('/fhir/ConceptMap/$translate').set('Content-Type', FHIR_JSON).send(JSON.stringify(body)).expect(200)).body as Parameters;
}

const matches = (p: Parameters) => (p.parameter ?? []).filter((x) => x.name === 'match');
const conceptCode = (m: ParametersParameter) => m.part?.find((x) => x.name === 'concept')?.valueCoding?.code;
const dependency = (code: string, system?: string): ParametersParameter => ({
  name: 'dependency', part: [{ name: 'element', valueUri: SIDE }, { name: 'concept', valueCodeableConcept: { coding: [{ ...(system ? { system } : {}), code }] } }],
});

describe('$translate with products and dependencies (R4 match.product, dependency)', () => {
  it('answers every target when the request states nothing of the elements they depend on, each with its products', async () => {
    const answer = await translate();
    expect(matches(answer).map(conceptCode)).toEqual(['y1', 'y2', 'y3']);
    const y1 = matches(answer)[0]!;
    expect(y1.part?.filter((x) => x.name === 'product')).toEqual([{
      name: 'product',
      part: [{ name: 'element', valueUri: 'http://example.org/fhir/StructureDefinition/enhed' }, { name: 'concept', valueCoding: { system: 'urn:enhed', code: 'time', display: 'Time' } }],
    }]);
    expect(matches(answer)[1]!.part?.some((x) => x.name === 'product')).toBe(false);
  });

  it('leaves out the targets whose dependsOn the request\'s dependency contradicts', async () => {
    expect(matches(await translate(dependency('lille', 'urn:omfang'))).map(conceptCode)).toEqual(['y1', 'y3']);
    expect(matches(await translate(dependency('stor'))).map(conceptCode)).toEqual(['y2', 'y3']);
    // the same value in another system is another value
    expect(matches(await translate(dependency('lille', 'urn:andet'))).map(conceptCode)).toEqual(['y3']);
  });

  it('keeps every target when the dependency names another element', async () => {
    const other: ParametersParameter = {
      name: 'dependency', part: [{ name: 'element', valueUri: 'http://example.org/andet' }, { name: 'concept', valueCodeableConcept: { coding: [{ code: 'z' }] } }],
    };
    expect(matches(await translate(other)).map(conceptCode)).toEqual(['y1', 'y2', 'y3']);
  });

  it('keeps every target when the dependency gives the element without a value (no concept, or codings without a code)', async () => {
    const element = { name: 'element', valueUri: SIDE };
    expect(matches(await translate({ name: 'dependency', part: [element] })).map(conceptCode)).toEqual(['y1', 'y2', 'y3']);
    const noCode: ParametersParameter = { name: 'dependency', part: [element, { name: 'concept', valueCodeableConcept: { coding: [{ system: 'urn:omfang' }] } }] };
    expect(matches(await translate(noCode)).map(conceptCode)).toEqual(['y1', 'y2', 'y3']);
    // beside a dependency that gives the element a value, that value decides
    expect(matches(await translate({ name: 'dependency', part: [element] }, dependency('stor'))).map(conceptCode)).toEqual(['y2', 'y3']);
  });
});
