import type { CodeSystem, ConceptMap, OperationOutcome, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { publishedCatalogs, testApp } from '../support/app';
import { param, valueOf } from '../support/parameters';
import { issueTranslated } from '../support/translation';

/**
 * A version named twice, in `url|version` and in the version parameter (`valueSetVersion`, `conceptMapVersion`,
 * `version`): the same version in both is that version, two different ones a 400 (as $lookup's `version` and
 * `coding.version`); and at instance level the url is the instance's own whether a version parameter is given or not.
 */
const CS = 'http://example.org/fhir/CodeSystem/versions-twice';
const TARGET = 'http://example.org/fhir/CodeSystem/versions-twice-target';
const VS = 'http://example.org/fhir/ValueSet/versions-twice';
const CM = 'http://example.org/fhir/ConceptMap/versions-twice';
const OTHER = 'http://example.org/fhir/ValueSet/another';

const codeSystem = (id: string, url: string, version: string, codes: string[]): CodeSystem => ({
  resourceType: 'CodeSystem', id, url, version, status: 'active', content: 'complete', concept: codes.map((code) => ({ code, display: code })),
});
const valueSet = (version: string): ValueSet => ({
  resourceType: 'ValueSet', id: `versions-twice-vs-${version[0]}`, url: VS, version, status: 'active', compose: { include: [{ system: CS }] },
});
const conceptMap = (version: string, target: string): ConceptMap => ({
  resourceType: 'ConceptMap', id: `versions-twice-cm-${version[0]}`, url: CM, version, status: 'active',
  group: [{ source: CS, target: TARGET, element: [{ code: 'A', target: [{ code: target, equivalence: 'equivalent' }] }] }],
});

let app: App;

beforeAll(async () => {
  const published = publishedCatalogs();
  app = await testApp({}, {
    published: {
      ...published,
      resources: [
        ...published.resources,
        codeSystem('versions-twice-1', CS, '1.0.0', ['A']), codeSystem('versions-twice-2', CS, '2.0.0', ['A', 'B']),
        codeSystem('versions-twice-target', TARGET, '1.0.0', ['X1', 'X2']),
        valueSet('1.0.0'), valueSet('2.0.0'), conceptMap('1.0.0', 'X1'), conceptMap('2.0.0', 'X2'),
      ],
    },
  });
});

const get = (path: string, query: Record<string, string>) => request(app).get(`/fhir/${path}`).query(query);
const text = (body: OperationOutcome) => body.issue[0]!.details!.text;

describe('url|version and valueSetVersion', () => {
  it('is a 400 naming both when they differ, for $expand and $validate-code, at type and at instance level', async () => {
    for (const op of ['$expand', '$validate-code']) {
      for (const path of [`ValueSet/${op}`, `ValueSet/versions-twice-vs-1/${op}`]) {
        const res = await get(path, { url: `${VS}|1.0.0`, valueSetVersion: '2.0.0', system: CS, code: 'A' }).expect(400);
        expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['valueSetVersion', 'url'] });
        expect(text(res.body)).toBe("'valueSetVersion' is '2.0.0' and the version in 'url' is '1.0.0': give one of them, or the same in both");
      }
    }
    const da = await get('ValueSet/$expand', { url: `${VS}|1.0.0`, valueSetVersion: '2.0.0' }).set('Accept-Language', 'da').expect(400);
    expect(issueTranslated(da.body.issue[0]).text).toBe("'valueSetVersion' er '2.0.0' og versionen i 'url' er '1.0.0': giv én af dem, eller samme værdi i begge");
  });

  it('is that version when they agree', async () => {
    for (const path of ['ValueSet/$expand', 'ValueSet/versions-twice-vs-1/$expand']) {
      const res = await get(path, { url: `${VS}|2.0.0`, valueSetVersion: '2.0.0' }).expect(200);
      expect((res.body as ValueSet).version).toBe('2.0.0');
    }
  });

  it('at instance level, refuses another url with a 400 also when valueSetVersion is given', async () => {
    for (const op of ['$expand', '$validate-code']) {
      const res = await get(`ValueSet/versions-twice-vs-1/${op}`, { url: OTHER, valueSetVersion: '2.0.0', system: CS, code: 'A' }).expect(400);
      expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['url'] });
      expect(text(res.body)).toContain(`ValueSet/versions-twice-vs-1 has the url '${VS}'`);
    }
  });
});

describe('url|version and conceptMapVersion', () => {
  const query = { system: CS, code: 'A' };

  it('is a 400 naming both when they differ, at type and at instance level', async () => {
    for (const path of ['ConceptMap/$translate', 'ConceptMap/versions-twice-cm-1/$translate']) {
      const res = await get(path, { ...query, url: `${CM}|1.0.0`, conceptMapVersion: '2.0.0' }).expect(400);
      expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['conceptMapVersion', 'url'] });
    }
  });

  it('translates with that version when they agree', async () => {
    const res = await get('ConceptMap/$translate', { ...query, url: `${CM}|2.0.0`, conceptMapVersion: '2.0.0' }).expect(200);
    const match = param(res.body, 'match')!.part!.find((p) => p.name === 'concept');
    expect((valueOf(match) as { code: string }).code).toBe('X2');
  });

  it('at instance level, refuses another url with a 400 also when conceptMapVersion is given', async () => {
    const res = await get('ConceptMap/versions-twice-cm-1/$translate', { ...query, url: OTHER, conceptMapVersion: '2.0.0' }).expect(400);
    expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['url'] });
  });
});

describe("a code system's url|version and version", () => {
  it('is a 400 naming both when they differ, for a coding too, at type and at instance level', async () => {
    for (const path of ['CodeSystem/$validate-code', 'CodeSystem/versions-twice-1/$validate-code']) {
      for (const coded of [{ code: 'B' }, { coding: `${CS}|B` }] as Record<string, string>[]) {
        const res = await get(path, { ...coded, url: `${CS}|1.0.0`, version: '2.0.0' }).expect(400);
        expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['version', 'url'] });
      }
    }
  });

  it('at instance level, refuses another url with a 400 also when version is given', async () => {
    const res = await get('CodeSystem/versions-twice-1/$validate-code', { code: 'A', url: TARGET, version: '1.0.0' }).expect(400);
    expect(res.body.issue[0]).toMatchObject({ code: 'invalid', expression: ['url'] });
  });
});
