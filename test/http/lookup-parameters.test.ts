import type { CodeSystem, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, publishedCatalogs, testApp } from '../support/app';
import { CODES } from '../support/local';
import { param, params, part, parametersOf, valueOf } from '../support/parameters';
import { issueTranslated } from '../support/translation';

/**
 * $lookup's parameters that name the same thing twice (`system` and the coding's system, `version` and the coding's
 * version) or the code system a second time at instance level, and `property=lang.X`.
 */
const URL = 'http://example.org/fhir/CodeSystem/lookup-test';
const DANISH = 'da-DK,da;q=0.9,en;q=0.5';

/** Two versions of one url under two ids; 1.0.0 has designations in several languages. */
function version(id: string, v: string, display: string): CodeSystem {
  return {
    resourceType: 'CodeSystem', id, url: URL, version: v, name: 'LookupTest', status: 'active', content: 'complete', language: 'en',
    concept: [{
      code: 'C', display,
      designation: [
        { language: 'da', value: 'Rygestop' },
        { language: 'da-DK', use: { system: 'http://snomed.info/sct', code: '900000000000013009' }, value: 'Rygeophør' },
        { language: 'de', value: 'Raucherentwöhnung' },
        { language: 'en-GB', value: 'Stopping smoking' },
        { value: 'smoking cessation (no language)' },
      ],
    }],
  };
}

let app: App;

beforeAll(async () => {
  const published = publishedCatalogs();
  app = await testApp({}, {
    published: { ...published, resources: [...published.resources, version('lookup-test-1', '1.0.0', 'Smoking cessation'), version('lookup-test-2', '2.0.0', 'Smoking cessation, 2')] },
  });
});

const lookup = (path: string) => request(app).get(`/fhir/CodeSystem/${path}$lookup`);
const post = (path: string, ...parameter: ParametersParameter[]) =>
  request(app).post(`/fhir/CodeSystem/${path}$lookup`).type('application/fhir+json').send(parametersOf(...parameter));
const text = (body: OperationOutcome) => body.issue[0]!.details!.text;
const versionOf = (body: Parameters) => valueOf(param(body, 'version'));

describe('a coding of another code system on an instance', () => {
  it('is a 400, as a system parameter naming another code system is', async () => {
    const res = await lookup('lookup-test-1/').query({ coding: `${FSIII}|${CODES.kostvejledning}` }).expect(400);
    expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid', expression: ['coding.system'] });
    expect(text(res.body)).toBe(`'coding.system' is '${FSIII}', but CodeSystem/lookup-test-1 has the url '${URL}': ` +
      'called on an instance, the operation works on that instance');
    const da = await lookup('lookup-test-1/').query({ coding: `${FSIII}|${CODES.kostvejledning}` }).set('Accept-Language', DANISH).expect(400);
    expect(issueTranslated(da.body.issue[0])).toMatchObject({
      text: `'coding.system' er '${FSIII}', men CodeSystem/lookup-test-1 har url'en '${URL}': kaldt på en bestemt ressource arbejder operationen på den`,
      translation: text(res.body),
    });
  });

  it('is looked up in the instance when it is of its url, or has no system', async () => {
    for (const coding of [`${URL}|C`, 'C']) {
      const res = await lookup('lookup-test-1/').query({ coding }).expect(200);
      expect(versionOf(res.body)).toBe('1.0.0');
    }
  });
});

describe('system and version given both alone and in the coding', () => {
  it('is a 400 naming both systems when they differ, at type and at instance level', async () => {
    for (const path of ['', 'lookup-test-1/']) {
      const res = await lookup(path).query({ system: URL, coding: `${FSIII}|${CODES.kostvejledning}` }).expect(400);
      expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid', expression: ['system', 'coding.system'] });
      expect(text(res.body)).toBe(`'system' is '${URL}' and 'coding.system' is '${FSIII}': give one of them, or the same in both`);
    }
    const da = await lookup('').query({ system: URL, coding: `${FSIII}|${CODES.kostvejledning}` }).set('Accept-Language', DANISH).expect(400);
    expect(issueTranslated(da.body.issue[0]).text).toBe(`'system' er '${URL}' og 'coding.system' er '${FSIII}': giv én af dem, eller samme værdi i begge`);
  });

  it('is a 400 naming both versions when they differ', async () => {
    for (const path of ['', 'lookup-test-1/']) {
      const res = await post(path, { name: 'version', valueString: '1.0.0' }, { name: 'coding', valueCoding: { system: URL, version: '2.0.0', code: 'C' } }).expect(400);
      expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['version', 'coding.version'] });
      expect(text(res.body)).toBe("'version' is '1.0.0' and 'coding.version' is '2.0.0': give one of them, or the same in both");
    }
  });

  it('answers as with one of them when they agree', async () => {
    const bySystem = await lookup('').query({ system: URL, coding: `${URL}|C` }).expect(200);
    expect(versionOf(bySystem.body)).toBe('2.0.0');
    const byVersion = await post('', { name: 'version', valueString: '1.0.0' }, { name: 'coding', valueCoding: { system: URL, version: '1.0.0', code: 'C' } }).expect(200);
    expect(versionOf(byVersion.body)).toBe('1.0.0');
    expect(valueOf(param(byVersion.body, 'display'))).toBe('Smoking cessation');
  });
});

describe('a version named on an instance', () => {
  it("is the instance when it is the instance's version, and that version of its url otherwise, as for $validate-code", async () => {
    expect(versionOf((await lookup('lookup-test-1/').query({ code: 'C', version: '1.0.0' }).expect(200)).body)).toBe('1.0.0');
    expect(versionOf((await lookup('lookup-test-1/').query({ code: 'C' }).expect(200)).body)).toBe('1.0.0');
    expect(versionOf((await lookup('lookup-test-1/').query({ code: 'C', version: '2.0.0' }).expect(200)).body)).toBe('2.0.0');
    const coding = await post('lookup-test-1/', { name: 'coding', valueCoding: { version: '2.0.0', code: 'C' } }).expect(200);
    expect(versionOf(coding.body)).toBe('2.0.0');
  });

  it("is a 404 at the parameter that names it, naming the instance's version, when its url has no such version", async () => {
    const res = await lookup('lookup-test-1/').query({ code: 'C', version: '9.9.9' }).expect(404);
    expect(res.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['version'] });
    expect(text(res.body)).toBe(`A definition for CodeSystem '${URL}' version '9.9.9' could not be found (CodeSystem/lookup-test-1 is version '1.0.0')`);
    const coding = await post('lookup-test-1/', { name: 'coding', valueCoding: { system: URL, version: '9.9.9', code: 'C' } }).expect(404);
    expect(coding.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['coding.version'] });
  });
});

describe('property=lang.X', () => {
  const designations = (body: Parameters) => params(body, 'designation').map((d) => [valueOf(part(d, 'language')), valueOf(part(d, 'value'))]);

  it('returns the designations in that language and its regional variants, as the designation parameter writes them, and nothing else', async () => {
    const res = await lookup('').query({ system: URL, version: '1.0.0', code: 'C', property: 'lang.da' }).expect(200);
    expect(designations(res.body)).toEqual([['da', 'Rygestop'], ['da-DK', 'Rygeophør']]);
    expect(part(params(res.body, 'designation')[1], 'use')?.valueCoding?.code).toBe('900000000000013009');
    expect(params(res.body, 'property')).toEqual([]);
    expect(param(res.body, 'definition')).toBeUndefined();
  });

  it("includes the display as the designation in the code system's language, and takes several languages", async () => {
    const res = await lookup('').query({ system: URL, version: '1.0.0', code: 'C', property: ['lang.en', 'lang.de'] }).expect(200);
    expect(designations(res.body)).toEqual([['en', 'Smoking cessation'], ['de', 'Raucherentwöhnung'], ['en-GB', 'Stopping smoking']]);
  });

  it('matches a regional tag to the designations of its language without a region, as displayLanguage does', async () => {
    const res = await lookup('').query({ system: URL, version: '1.0.0', code: 'C', property: 'lang.da-DK' }).expect(200);
    expect(designations(res.body)).toEqual([['da', 'Rygestop'], ['da-DK', 'Rygeophør']]);
    const none = await lookup('').query({ system: URL, version: '1.0.0', code: 'C', property: 'lang.fr' }).expect(200);
    expect(designations(none.body)).toEqual([]);
  });

  it('adds nothing to property=designation, which has them all', async () => {
    const all = await lookup('').query({ system: URL, version: '1.0.0', code: 'C', property: 'designation' }).expect(200);
    const both = await lookup('').query({ system: URL, version: '1.0.0', code: 'C', property: ['designation', 'lang.da'] }).expect(200);
    expect(designations(both.body)).toEqual(designations(all.body));
    expect(designations(all.body)).toHaveLength(6);
  });
});
