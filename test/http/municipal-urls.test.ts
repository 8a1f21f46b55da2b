/**
 * A url under the municipal base (http://faelles-tx.dk/fhir/kommune/) is a municipality's, of the form
 * {base}{kommunekode}/{type}/{name}: one not of that form names no municipality, so its write is refused for its url
 * (422 at the url, saying the form), whoever writes it, not as another municipality's resource (403).
 */
import type { CodeSystem, OperationOutcome } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { KOMMUNE_BASE } from '../../src/municipal/municipality';
import { testApp } from '../support/app';
import { localCodeSystem, tokenFor } from '../support/local';

let app: App;
let municipality: string;
let admin: string;
beforeAll(async () => {
  app = await testApp();
  municipality = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
  admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
});

const MALFORMED: [string, string][] = [
  [`${KOMMUNE_BASE}101%2fx/CodeSystem/a`, "has '101%2fx' where the kommunekode goes"],
  [`${KOMMUNE_BASE}0370/CodeSystem/a`, "has '0370' where the kommunekode goes"],
  [`${KOMMUNE_BASE}101/CodeSystem/a/b`, 'does not have that form'],
  [`${KOMMUNE_BASE}101/ValueSet/a`, "names the type 'ValueSet'"],
  [`${KOMMUNE_BASE}101/CodeSystem/.a`, "has a name that starts with '.'"],
];

const catalog = (url: string, identifier: boolean): CodeSystem => {
  const cs = localCodeSystem('101', 'url-form', [{ code: 'A', display: 'A', type: 'indsats' }]);
  return { ...cs, url, ...(identifier ? {} : { identifier: undefined }) };
};

describe.each(MALFORMED)('a CodeSystem with the url %s', (url, fault) => {
  it('is refused 422 at its url, saying the form, for a municipality with its identifier or without, and for an administrator', async () => {
    for (const [auth, identifier] of [[municipality, true], [municipality, false], [admin, true], [admin, false]] as const) {
      const res = await request(app).put('/fhir/CodeSystem/kommune-101-url-form').set('Authorization', auth).set('Accept-Language', 'en')
        .type('application/fhir+json').send(catalog(url, identifier));
      expect([res.status, (res.body as OperationOutcome).issue[0]?.expression]).toEqual([422, ['CodeSystem.url']]);
      expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe(`A url under ${KOMMUNE_BASE} is a municipality's, of the form ${KOMMUNE_BASE}{kommunekode}/CodeSystem/{name} ` +
        `({kommunekode} three digits, {name} 1–52 letters (a–z), digits, '-' or '.', starting with a letter or digit); '${url}' ${fault}`);
    }
    await request(app).get('/fhir/CodeSystem/kommune-101-url-form').expect(404);
  });
});

it('the refusal is in Danish to a caller who asks for it', async () => {
  const url = `${KOMMUNE_BASE}0370/CodeSystem/a`;
  const res = await request(app).put('/fhir/CodeSystem/kommune-101-url-form').set('Authorization', municipality).set('Accept-Language', 'da')
    .type('application/fhir+json').send(catalog(url, true)).expect(422);
  expect((res.body as OperationOutcome).issue[0]?.details?.text).toBe(`En url under ${KOMMUNE_BASE} er en kommunes og har formen ${KOMMUNE_BASE}{kommunekode}/CodeSystem/{name} ` +
    `({kommunekode} tre cifre, {name} 1–52 bogstaver (a–z), tal, '-' eller '.', og det begynder med et bogstav eller tal); '${url}' har '0370', hvor kommunekoden skal stå.`);
});

it("a well-formed url of another municipality is still that municipality's (403), and one's own is written", async () => {
  const other = await request(app).put('/fhir/CodeSystem/kommune-101-url-form').set('Authorization', municipality).set('Accept-Language', 'en')
    .type('application/fhir+json').send(catalog(`${KOMMUNE_BASE}370/CodeSystem/a`, false)).expect(403);
  expect((other.body as OperationOutcome).issue[0]?.details?.text).toMatch(/belongs to municipality 370/);
  await request(app).put('/fhir/CodeSystem/kommune-101-url-form').set('Authorization', municipality).type('application/fhir+json')
    .send(catalog(`${KOMMUNE_BASE}101/CodeSystem/url-form`, true)).expect(201);
});
