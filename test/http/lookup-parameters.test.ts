import type { CodeSystem, OperationOutcome, Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { FSIII, publishedCatalogs, testApp } from '../support/app';
import { CODES } from '../support/local';
import { param, parametersOf, valueOf } from '../support/parameters';
import { issueTranslated } from '../support/translation';

/**
 * $lookup's parameters that name the same thing twice: `system` and the coding's system, `version` and the coding's
 * version.
 */
const URL = 'http://example.org/fhir/CodeSystem/lookup-test';
const DANISH = 'da-DK,da;q=0.9,en;q=0.5';

/** Two versions of one url under two ids. */
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
