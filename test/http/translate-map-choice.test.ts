import type { ConceptMap, Parameters, ParametersParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { tokenFor } from '../support/local';
import { param, part, parametersOf } from '../support/parameters';

/**
 * Which maps, of which version, and which of their groups answer a $translate: a map that names another for what it
 * does not map (group.unmapped mode other-map), and the request's `source`/`target` with a map it names.
 */
const JSON_TYPE = 'application/fhir+json';
const S3 = 'http://ex/s3';
const T3 = 'http://ex/t3';
const CM3 = 'http://ex.org/cm3';
const CM4 = 'http://ex.org/cm4';

const cm3: ConceptMap = {
  resourceType: 'ConceptMap', url: CM3, version: '1', status: 'active',
  group: [{ source: S3, target: T3, element: [{ code: 'm', target: [{ code: 'M', equivalence: 'equivalent' }] }], unmapped: { mode: 'other-map', url: CM4 } }],
};

function cm4(version: string, target: string, date?: string): ConceptMap {
  return {
    resourceType: 'ConceptMap', url: CM4, version, status: 'active', ...(date ? { date } : {}),
    group: [{ source: S3, target: T3, element: [{ code: 'n', target: [{ code: target, equivalence: 'equivalent' }] }] }],
  };
}

/** cm4 in three versions: 3 comes into use only in 2099. */
const CM4_VERSIONS = [cm4('1', 'N'), cm4('2', 'N2'), cm4('3', 'N3', '2099-01-01')];

let app: App;
beforeAll(async () => {
  app = await testApp();
});

async function translate(maps: ConceptMap[], ...parameter: ParametersParameter[]): Promise<Parameters> {
  const body = parametersOf(...maps.map((resource) => ({ name: 'tx-resource', resource })), ...parameter);
  return (await request(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE).send(body).expect(200)).body as Parameters;
}

/** Each match as concept code and originMap. */
const matches = (p: Parameters): string[] => (p.parameter ?? []).filter((x) => x.name === 'match')
  .map((m) => `${part(m, 'concept')?.valueCoding?.code} ${part(m, 'originMap')?.valueCanonical}`);
const n: ParametersParameter[] = [{ name: 'system', valueUri: S3 }, { name: 'code', valueCode: 'n' }];
const today = new Date().toISOString().slice(0, 10);

describe('a map that names another for what it does not map (unmapped other-map)', () => {
  it("credits the chained map's matches to the map that states them", async () => {
    expect(matches(await translate([cm3, ...CM4_VERSIONS], { name: 'url', valueUri: CM3 }, ...n))).toEqual([`N3 ${CM4}|3`]);
    // what the first map states itself stays its own
    expect(matches(await translate([cm3, ...CM4_VERSIONS], { name: 'url', valueUri: CM3 }, { name: 'system', valueUri: S3 }, { name: 'code', valueCode: 'm' })))
      .toEqual([`M ${CM3}|1`]);
  });

  it('takes the chained map in its version in force on the date', async () => {
    expect(matches(await translate([cm3, ...CM4_VERSIONS], { name: 'url', valueUri: CM3 }, { name: 'date', valueDateTime: today }, ...n)))
      .toEqual([`N2 ${CM4}|2`]);
    // without url: every map, the chained one too, in its version of then
    expect(matches(await translate([cm3, ...CM4_VERSIONS], { name: 'date', valueDateTime: today }, ...n))).toEqual([`N2 ${CM4}|2`]);
    // no version of the chained map in force yet: it answers nothing, as a map of the request not in use yet
    const early = { ...cm3, date: '2000-01-01', group: [{ ...cm3.group![0]!, unmapped: { mode: 'other-map' as const, url: CM4 } }] };
    const later = [cm4('1', 'N', '2010-01-01')];
    const before = await translate([early, ...later], { name: 'url', valueUri: CM3 }, { name: 'date', valueDateTime: '2005' }, ...n);
    expect([param(before, 'result')?.valueBoolean, matches(before)]).toEqual([false, []]);
  });

  it('takes a stored chained map deleted since in its version of the date, as it takes the map named (and none after the delete)', async () => {
    const app = await testApp();
    const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    const first = { ...cm3, id: 'cm3', date: '2019-01-01' };
    const chained = { ...cm4('1', 'N', '2020-01-01'), id: 'cm4' };
    for (const map of [first, chained]) {
      await request(app).put(`/fhir/ConceptMap/${map.id}`).set('Authorization', admin).type(JSON_TYPE).send(map).expect((r) => expect(r.status).toBeLessThan(300));
    }
    const onDate = async (date: string) => matches((await request(app).get('/fhir/ConceptMap/$translate')
      .query({ url: CM3, system: S3, code: 'n', date }).expect(200)).body as Parameters);
    expect(await onDate('2021')).toEqual([`N ${CM4}|1`]);
    await request(app).delete('/fhir/ConceptMap/cm4').set('Authorization', admin).expect(200);
    expect(await onDate('2021')).toEqual([`N ${CM4}|1`]);
    expect(await onDate(String(new Date().getUTCFullYear() + 1))).toEqual([]);
  });

  it('takes the version the reference names (url|version), whatever the date or conceptMapVersion', async () => {
    const pinned = { ...cm3, group: [{ ...cm3.group![0]!, unmapped: { mode: 'other-map' as const, url: `${CM4}|1` } }] };
    expect(matches(await translate([pinned, ...CM4_VERSIONS], { name: 'url', valueUri: CM3 }, ...n))).toEqual([`N ${CM4}|1`]);
    expect(matches(await translate([pinned, ...CM4_VERSIONS], { name: 'url', valueUri: CM3 }, { name: 'date', valueDateTime: today }, ...n)))
      .toEqual([`N ${CM4}|1`]);
  });

  it('under conceptMapVersion without a map, the chained map is taken by its own reference (the newest), each match credited to its map', async () => {
    expect(matches(await translate([cm3, ...CM4_VERSIONS], { name: 'conceptMapVersion', valueString: '1' }, ...n)).sort())
      .toEqual([`N ${CM4}|1`, `N3 ${CM4}|3`]);
    const pinned = { ...cm3, group: [{ ...cm3.group![0]!, unmapped: { mode: 'other-map' as const, url: `${CM4}|2` } }] };
    expect(matches(await translate([pinned, ...CM4_VERSIONS], { name: 'conceptMapVersion', valueString: '1' }, ...n)).sort())
      .toEqual([`N ${CM4}|1`, `N2 ${CM4}|2`]);
  });
});

/** A map of one source system to two target systems, with the target value set it states. */
const TWO_TARGETS: ConceptMap = {
  resourceType: 'ConceptMap', url: 'http://ex.org/two', version: '1', status: 'active',
  sourceUri: 'http://ex/vs/s', targetUri: 'http://ex/vs/t',
  group: [
    { source: S3, target: 'http://ex/t1', element: [{ code: 'n', target: [{ code: 'A', equivalence: 'equivalent' }] }] },
    { source: S3, target: 'http://ex/t2', element: [{ code: 'n', target: [{ code: 'B', equivalence: 'equivalent' }] }] },
  ],
};
const message = (p: Parameters) => param(p, 'message')?.valueString;

describe("the request's source and target with a map it names (url, instance, conceptMap)", () => {
  const byUrl = { name: 'url', valueUri: TWO_TARGETS.url };
  const inline = { name: 'conceptMap', resource: TWO_TARGETS };

  it('must hold: a map whose scope does not match answers result=false, saying so', async () => {
    for (const named of [[[TWO_TARGETS], byUrl], [[], inline]] as [ConceptMap[], ParametersParameter][]) {
      const otherTarget = await translate(named[0], named[1], ...n, { name: 'target', valueUri: 'http://ex/vs/other' });
      expect([param(otherTarget, 'result')?.valueBoolean, matches(otherTarget)]).toEqual([false, []]);
      expect(message(otherTarget)).toBe(`No translation for ${S3}#n: the scope of ConceptMap http://ex.org/two|1 does not match the request's target http://ex/vs/other`);
      const otherSource = await translate(named[0], named[1], ...n, { name: 'source', valueUri: 'http://ex/vs/other' });
      expect([param(otherSource, 'result')?.valueBoolean, matches(otherSource)]).toEqual([false, []]);
      expect(message(otherSource)).toMatch(/does not match the request's source http:\/\/ex\/vs\/other$/);
      // the map's own value sets, or its source system, fit
      const fitting = await translate(named[0], named[1], ...n, { name: 'source', valueUri: S3 }, { name: 'target', valueUri: 'http://ex/vs/t' });
      expect(matches(fitting)).toEqual(['A http://ex.org/two|1', 'B http://ex.org/two|1']);
    }
  });

  it('holds at instance level, in Danish to a caller who asks', async () => {
    const legacy = 'ConceptMap/fsiii-legacy-keys/$translate';
    const res = await request(app).get(`/fhir/${legacy}`).set('Accept-Language', 'da')
      .query({ system: 'urn:oid:1.2.208.176.2.21', code: 'H1.1', target: 'http://ex/vs/other' }).expect(200);
    expect(param(res.body as Parameters, 'result')?.valueBoolean).toBe(false);
    expect(message(res.body as Parameters)).toMatch(/fsiii-legacy-keys\|1\.0\.0 dækker ikke forespørgslens target http:\/\/ex\/vs\/other$/);
    const fitting = await request(app).get(`/fhir/${legacy}`).query({ system: 'urn:oid:1.2.208.176.2.21', code: 'H1.1', target: 'urn:oid:1.2.208.176.2.21' }).expect(200);
    expect(param(fitting.body as Parameters, 'result')?.valueBoolean).toBe(true);
  });

  it('a target naming a code system leaves only the groups of that system, with a map named or not', async () => {
    for (const named of [[[TWO_TARGETS], byUrl], [[], inline], [[TWO_TARGETS]]] as [ConceptMap[], ParametersParameter?][]) {
      const named1 = named[1] ? [named[1]] : [];
      expect(matches(await translate(named[0], ...named1, ...n, { name: 'target', valueUri: 'http://ex/t2' }))).toEqual(['B http://ex.org/two|1']);
      expect(matches(await translate(named[0], ...named1, ...n, { name: 'targetScope', valueUri: 'http://ex/t1' }))).toEqual(['A http://ex.org/two|1']);
    }
    // reverse: the target side is the one given
    const back = await translate([TWO_TARGETS], byUrl, { name: 'system', valueUri: 'http://ex/t2' }, { name: 'code', valueCode: 'B' },
      { name: 'reverse', valueBoolean: true }, { name: 'target', valueUri: 'http://ex/t1' });
    expect(param(back, 'result')?.valueBoolean).toBe(false);
  });
});

describe("the request's kommunekode with a map it names", () => {
  const LOCAL_MAP = 'http://faelles-tx.dk/fhir/kommune/370/ConceptMap/lokale-indsatser';
  const GATEWAY = 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions';

  it("must hold: another municipality's map answers result=false, saying whose it is; its own municipality's answers", async () => {
    const res = await request(app).get('/fhir/ConceptMap/$translate').set('Accept-Language', 'da')
      .query({ url: LOCAL_MAP, system: GATEWAY, code: '370-BOLDSPIL', kommunekode: '101' }).expect(200);
    // 101 has no local code 370-BOLDSPIL either: that is said too, as without a url
    expect(param(res.body as Parameters, 'result')?.valueBoolean).toBe(false);
    expect(message(res.body as Parameters)).toMatch(/ConceptMap http:\/\/faelles-tx\.dk\/fhir\/kommune\/370\/ConceptMap\/lokale-indsatser\|[^ ]+ er en mapning fra kommune 370, ikke fra kommune 101/);
    const own = await request(app).get('/fhir/ConceptMap/$translate').query({ url: LOCAL_MAP, system: GATEWAY, code: '370-BOLDSPIL', kommunekode: '370' }).expect(200);
    expect(param(own.body as Parameters, 'result')?.valueBoolean).toBe(true);
  });

  it("takes a map of no municipality, such as the caller's own inline one, as nobody else's", async () => {
    const mine: ConceptMap = {
      resourceType: 'ConceptMap', url: 'http://example.org/my-map', status: 'active',
      group: [{ source: 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser', target: 'urn:oid:1.2.208.176.2.21',
        element: [{ code: '370-BOLDSPIL', target: [{ code: 'x-target', equivalence: 'equivalent' }] }] }],
    };
    const body = (await request(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE).send(parametersOf({ name: 'conceptMap', resource: mine },
      { name: 'system', valueUri: GATEWAY }, { name: 'code', valueCode: '370-BOLDSPIL' }, { name: 'kommunekode', valueCode: '370' })).expect(200)).body as Parameters;
    expect(matches(body)).toEqual(['x-target http://example.org/my-map']);
  });
});

describe("the request's own maps on a date", () => {
  it('takes a tx-resource map without a url as it is (it has no other versions)', async () => {
    const noUrl: ConceptMap = {
      resourceType: 'ConceptMap', status: 'active', date: '2020-01-01',
      group: [{ source: 'http://example.org/cs', target: 'http://example.org/t', element: [{ code: 'a', target: [{ code: 'b1', equivalence: 'equivalent' }] }] }],
    };
    const body = await translate([noUrl], { name: 'system', valueUri: 'http://example.org/cs' }, { name: 'code', valueCode: 'a' }, { name: 'date', valueDateTime: '2024-01-01' });
    expect(param(body, 'result')?.valueBoolean).toBe(true);
    expect(matches(body).map((m) => m.split(' ')[0])).toEqual(['b1']);
  });
});

describe('a map given inline with neither url nor id', () => {
  const anonymous: ConceptMap = {
    resourceType: 'ConceptMap', status: 'active',
    group: [{ source: S3, target: T3, element: [{ code: 'm', target: [{ code: 'M', equivalence: 'equivalent' }] }] }],
  };
  const post = (code: string, language: string) => request(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE).set('Accept-Language', language)
    .send(parametersOf({ name: 'conceptMap', resource: anonymous }, { name: 'system', valueUri: S3 }, { name: 'code', valueCode: code })).expect(200);

  it('is named as the map in the request, in either language, and its matches name no originMap', async () => {
    const english = (await post('x', 'en')).body as Parameters;
    expect(param(english, 'result')?.valueBoolean).toBe(false);
    expect(param(english, 'message')?.valueString).toContain('no mapping in the ConceptMap given in the request');
    const danish = (await post('x', 'da')).body as Parameters;
    expect(param(danish, 'message')?.valueString).toContain("ingen mapning i ConceptMap'en i forespørgslen");
    for (const text of [JSON.stringify(english), JSON.stringify(danish)]) expect(text).not.toContain('undefined');

    const found = (await post('m', 'en')).body as Parameters;
    expect(param(found, 'result')?.valueBoolean).toBe(true);
    const match = param(found, 'match')!;
    expect(part(match, 'concept')?.valueCoding).toMatchObject({ system: T3, code: 'M' });
    expect(part(match, 'originMap')).toBeUndefined();
  });
});

describe("versions by the server's one version rule (terminology/versions.ts), as $lookup and $validate-code take them", () => {
  /** A map from a code system in version 1.0.2 to one in 2.1.0, of the value sets in 5.0.0, itself in version 1.0.3. */
  const VERSIONED: ConceptMap = {
    resourceType: 'ConceptMap', url: 'http://ex.org/versioned', version: '1.0.3', status: 'active',
    sourceCanonical: 'http://ex/vs/s|5.0.0', targetCanonical: 'http://ex/vs/t|5.0.0',
    group: [{ source: S3, sourceVersion: '1.0.2', target: T3, targetVersion: '2.1.0', element: [{ code: 'n', target: [{ code: 'N', equivalence: 'equivalent' }] }] }],
  };
  const coded = (version: string) => [{ name: 'system', valueUri: S3 }, { name: 'version', valueString: version }, { name: 'code', valueCode: 'n' }];
  const at = `http://ex.org/versioned|1.0.3`;

  it("a coding's version matches the group's source version by its leading parts, and not another", async () => {
    expect(matches(await translate([VERSIONED], ...coded('1.0')))).toEqual([`N ${at}`]);
    expect(matches(await translate([VERSIONED], ...coded('1.x')))).toEqual([`N ${at}`]);
    expect(matches(await translate([VERSIONED], ...coded('1.0.2')))).toEqual([`N ${at}`]);
    expect(matches(await translate([VERSIONED], ...coded('1.1')))).toEqual([]);
    expect(matches(await translate([VERSIONED], ...coded('1.0.20')))).toEqual([]);
  });

  it("reverse, the coding's version matches the group's target version the same way", async () => {
    const back = (version: string) => translate([VERSIONED], { name: 'system', valueUri: T3 }, { name: 'version', valueString: version },
      { name: 'code', valueCode: 'N' }, { name: 'reverse', valueBoolean: true });
    expect(matches(await back('2.1'))).toEqual([`n ${at}`]);
    expect(matches(await back('2.2'))).toEqual([]);
  });

  it("the request's source and target scopes match the map's value sets with their versions the same way", async () => {
    const scoped = (source: string, target: string) => translate([VERSIONED], { name: 'url', valueUri: VERSIONED.url }, ...coded('1.0.2'),
      { name: 'source', valueUri: source }, { name: 'target', valueUri: target });
    expect(matches(await scoped('http://ex/vs/s|5.0', 'http://ex/vs/t|5.0'))).toEqual([`N ${at}`]);
    expect(matches(await scoped('http://ex/vs/s', 'http://ex/vs/t|5.0.0'))).toEqual([`N ${at}`]);
    expect(matches(await scoped('http://ex/vs/s|4.0', 'http://ex/vs/t'))).toEqual([]);
  });

  it('conceptMapVersion and url|version find a map of the request as they find a stored one', async () => {
    expect(matches(await translate([VERSIONED], { name: 'conceptMapVersion', valueString: '1.0' }, ...coded('1.0.2')))).toEqual([`N ${at}`]);
    expect(matches(await translate([VERSIONED], { name: 'url', valueUri: `${VERSIONED.url}|1.0` }, ...coded('1.0.2')))).toEqual([`N ${at}`]);
    const none = await request(app).post('/fhir/ConceptMap/$translate').type(JSON_TYPE)
      .send(parametersOf({ name: 'tx-resource', resource: VERSIONED }, { name: 'url', valueUri: `${VERSIONED.url}|1.1` }, ...coded('1.0.2')));
    expect(none.status).toBe(404);
  });
});
