import type { OperationOutcome, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, testApp } from '../support/app';

/**
 * A Parameters body gives a boolean, integer or dateTime parameter in the value[x] of its type, as HAPI requires:
 * another is 400 naming the parameter, the type sent and the type expected, not read as the value it resembles. The
 * text types (code, uri, canonical, string) take any text value[x], as clients send them, and no other.
 */
const VS = 'http://fhir.kl.dk/term/ValueSet/KLInterventionsFSIII';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const post = (path: string, parameter: ParametersParameter[], language = 'en') =>
  request(app).post(`/fhir/${path}`).type('application/fhir+json').set('Accept-Language', language).send({ resourceType: 'Parameters', parameter });
const expand = (extra: ParametersParameter) => post('ValueSet/$expand', [{ name: 'url', valueUri: VS }, { name: 'count', valueInteger: 1 }, extra]);

describe('a Parameters body must give a non-text parameter in the value[x] of its type', () => {
  it.each([
    [{ name: 'includeDefinition', valueUri: 'true' }, 'boolean', 'valueBoolean', 'valueUri'],
    [{ name: 'includeDefinition', valueString: 'true' }, 'boolean', 'valueBoolean', 'valueString'],
    [{ name: 'excludeNested', valueCode: 'false' }, 'boolean', 'valueBoolean', 'valueCode'],
    [{ name: 'offset', valueDecimal: 2.0 }, 'integer', 'valueInteger or valuePositiveInt or valueUnsignedInt', 'valueDecimal'],
    [{ name: 'offset', valueString: '2' }, 'integer', 'valueInteger or valuePositiveInt or valueUnsignedInt', 'valueString'],
    [{ name: 'date', valueString: '2025-01-01' }, 'dateTime', 'valueDateTime or valueDate or valueInstant', 'valueString'],
  ])('$expand with %j is 400 naming the parameter, the type sent and the type expected', async (parameter, type, expected, sent) => {
    const res = await expand(parameter as ParametersParameter).expect(400);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({
      code: 'invalid', expression: ['Parameters.parameter[2]'],
      details: { text: `Parameter '${parameter.name}' is of type ${type}: send it as ${expected}, not ${sent}` },
    });
  });

  it('count as valueDecimal is refused, not taken as its integer value', async () => {
    const res = await post('ValueSet/$expand', [{ name: 'url', valueUri: VS }, { name: 'count', valueDecimal: 2 }]).expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details!.text).toBe("Parameter 'count' is of type integer: send it as valueInteger or valuePositiveInt or valueUnsignedInt, not valueDecimal");
  });

  it('in Danish to a caller who asks for it', async () => {
    const res = await post('ValueSet/$expand', [{ name: 'url', valueUri: VS }, { name: 'includeDefinition', valueUri: 'true' }], 'da').expect(400);
    expect((res.body as OperationOutcome).issue[0]!.details!.text).toBe("Parameteren 'includeDefinition' er af typen boolean: send den som valueBoolean, ikke valueUri");
  });

  it('the value[x] of the type is taken: valueBoolean, valueInteger (and its positive and unsigned kinds), valueDateTime or valueDate', async () => {
    for (const parameter of [{ name: 'includeDefinition', valueBoolean: true }, { name: 'offset', valuePositiveInt: 1 }, { name: 'offset', valueUnsignedInt: 0 },
      { name: 'date', valueDateTime: '2025-01-01T00:00:00Z' }, { name: 'date', valueDate: '2025-01-01' }]) {
      const res = await expand(parameter).expect(200);
      expect([parameter, (res.body as ValueSet).resourceType]).toEqual([parameter, 'ValueSet']);
    }
  });

  it('a text parameter takes any text value[x] (a url as valueUri, valueCanonical, valueUrl or valueString; a code as valueString)', async () => {
    for (const url of [{ valueUri: VS }, { valueCanonical: VS }, { valueUrl: VS }, { valueString: VS }]) {
      await post('ValueSet/$expand', [{ name: 'url', ...url }, { name: 'count', valueInteger: 1 }]).expect(200);
    }
    const lookup = await post('CodeSystem/$lookup', [{ name: 'system', valueUri: FSIII }, { name: 'code', valueString: '6d24992e-e0a2-43e7-bc27-0234622a8655' }]).expect(200);
    expect((lookup.body as Parameters).resourceType).toBe('Parameters');
  });

  it('a text parameter given as a date, an instant or a number is 400, not taken as its text', async () => {
    for (const [parameter, sent] of [[{ name: 'url', valueDateTime: '2025-01-01' }, 'valueDateTime'], [{ name: 'url', valueInstant: '2025-01-01T00:00:00Z' }, 'valueInstant'],
      [{ name: 'url', valueInteger: 5 }, 'valueInteger']] as const) {
      const res = await post('ValueSet/$expand', [parameter as ParametersParameter, { name: 'count', valueInteger: 1 }]).expect(400);
      expect((res.body as OperationOutcome).issue[0]!.details!.text).toBe(`Parameter 'url' is of type uri: send it as a text value[x] such as valueString, not ${sent}`);
    }
  });
});
