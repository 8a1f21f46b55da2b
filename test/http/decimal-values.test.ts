/**
 * A number in a body whose value JSON.parse would change (more significant digits than a double holds, or nearer to
 * zero than it holds) is refused with 422 naming the number, where it is and what it would have become, in Danish too,
 * and nothing is written: the server would otherwise store and serve another value than the one sent. One beyond a
 * double's range is the schema's to refuse. A number it keeps is written as before; trailing zeros are not kept (1.50
 * is served as 1.5, the same value).
 */
import type { Bundle, CodeSystem, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { appWithToken } from '../support/app';
import { localCodeSystem } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
let app: App;
let auth: string;

beforeAll(async () => {
  ({ app, auth } = await appWithToken({ kommunekode: '101' }));
});

/** Municipality 101's catalog with a decimal property, its second concept's value written as `number` in the JSON text. */
function catalogText(name: string, number: string): { cs: CodeSystem; text: string } {
  const cs = localCodeSystem('101', name, [{ code: '101-A', display: 'A', type: 'indsats' }, { code: '101-B', display: 'B', type: 'indsats' }]);
  cs.property!.push({ code: 'varighed', type: 'decimal', description: 'Timer pr. uge' });
  cs.concept![1]!.property!.push({ code: 'varighed', valueDecimal: 7.25 });
  return { cs, text: JSON.stringify(cs).replace('"valueDecimal":7.25', `"valueDecimal":${number}`) };
}

const put = (cs: CodeSystem, text: string, lang = 'en') =>
  request(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', auth).set('Accept-Language', lang).type(JSON_TYPE).send(text);

const issuesOf = (res: request.Response) => (res.body as OperationOutcome).issue;

describe('a number whose value would not be kept', () => {
  it.each([
    ['12345678901234567890.10', 'has more significant digits than this server keeps exactly (15): it would be stored as 12345678901234567000'],
    ['0.10000000000000000555', 'has more significant digits than this server keeps exactly (15): it would be stored as 0.1'],
    ['1e-400', 'is nearer to zero than the numbers this server keeps: it would be stored as 0'],
  ])('a write of %s: 422 at the element, naming the value it would become, in Danish too, and nothing is stored', async (number, why) => {
    const { cs, text } = catalogText(`tal-${number.replace(/\W/g, '')}`, number);
    const res = await put(cs, text).expect(422);
    expect(issuesOf(res)).toEqual([expect.objectContaining({
      severity: 'error', code: 'not-supported', expression: ['CodeSystem.concept[1].property[2].valueDecimal'],
    })]);
    expect(issuesOf(res)[0]!.details!.text).toBe(`The request body cannot be kept as sent: the number ${number} at CodeSystem.concept[1].property[2].valueDecimal ` +
      `${why}. Send the value with at most 15 significant digits`);
    expect(issuesOf(await put(cs, text, 'da').expect(422))[0]!.details!.text)
      .toMatch(new RegExp(`^Forespørgslens krop kan ikke gemmes, som den er sendt: tallet ${number.replace('.', '\\.')} ved CodeSystem\\.concept\\[1\\]`));
    await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });

  it('in a transaction: at its entry, and no entry is written', async () => {
    const first = catalogText('tal-transaktion-a', '1.5');
    const second = catalogText('tal-transaktion-b', '9007199254740993');
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [first.cs, second.cs].map((cs) => ({
      resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` },
    })) };
    const text = JSON.stringify(bundle).replace('"valueDecimal":7.25', '"valueDecimal":1.5').replace('"valueDecimal":7.25', '"valueDecimal":9007199254740993');
    const res = await request(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send(text).expect(422);
    expect(issuesOf(res)[0]).toMatchObject({ code: 'not-supported', expression: ['Bundle.entry[1].resource.concept[1].property[2].valueDecimal'] });
    await request(app).get(`/fhir/CodeSystem/${first.cs.id}`).expect(404);
  });

  it('one beyond the largest number is refused by the schema at the element, as before', async () => {
    const { cs, text } = catalogText('tal-uendelig', '1e400');
    const res = await put(cs, text).expect(422);
    expect(issuesOf(res)[0]).toMatchObject({ code: 'structure', expression: ['CodeSystem.concept[1].property[2].valueDecimal'] });
    await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
  });

  it('a number it keeps is written, and served as the same value', async () => {
    const { cs, text } = catalogText('tal-bevaret', '1.50');
    await put(cs, text).expect(201);
    const read = (await request(app).get(`/fhir/CodeSystem/${cs.id}`).expect(200)).body as CodeSystem;
    expect(read.concept![1]!.property!.find((p) => p.code === 'varighed')).toEqual({ code: 'varighed', valueDecimal: 1.5 });
    const lookup = await request(app).get('/fhir/CodeSystem/$lookup').query({ system: cs.url, code: '101-B', property: 'varighed' }).expect(200);
    expect(lookup.text).toContain('{"name":"value","valueDecimal":1.5}');
  });
});

describe('an operation\'s Parameters', () => {
  it('is read as its values, whatever the order of its members: a tx-resource\'s number is not checked', async () => {
    const cs = { resourceType: 'CodeSystem', url: 'http://example.org/tal', status: 'active', content: 'complete', concept: [{ code: 'a', display: 'A' }] };
    const parameters = [{ name: 'system', valueUri: cs.url }, { name: 'code', valueCode: 'a' }, { name: 'tx-resource', resource: { ...cs, count: 1 } }];
    const inexact = (text: string) => text.replace('"count":1', '"count":1.00000000000000000001');
    for (const text of [JSON.stringify({ resourceType: 'Parameters', parameter: parameters }), JSON.stringify({ parameter: parameters, resourceType: 'Parameters' })]) {
      const res = await request(app).post('/fhir/CodeSystem/$lookup').type(JSON_TYPE).send(inexact(text)).expect(200);
      expect(res.body).toMatchObject({ resourceType: 'Parameters' });
    }
  });
});
