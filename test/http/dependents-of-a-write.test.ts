/**
 * A write that deletes or shrinks a catalog other written resources use is made, and says so: a warning naming each
 * map and value set it breaks (in Danish to a Danish caller, as writes are answered to municipal staff), each as whose
 * it is to the writer (their own, a common catalog's, another municipality's), with what to do next when it is the
 * writer's to change. README "Local catalogs".
 */
import type { Bundle, CodeSystem, ConceptMap, OperationOutcome, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { municipalId, municipalUrl } from '../../src/municipal/municipality';
import { testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
const KOMMUNEKODE = 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode';

let app: App;
let auth101: string;
let auth370: string;

const catalog = (codes: string[]) => localCodeSystem('101', 'afhaengig', codes.map((code) => ({ code, display: code, type: 'indsats' as const })));
const map = localConceptMap('101', 'afhaengig', [{ code: '101-A', targets: [CODES.kostvejledning] }, { code: '101-B', targets: [CODES.fysiskTraening119] }]);
const valueSet = (k: string, name: string): ValueSet => ({
  resourceType: 'ValueSet', id: municipalId(k, name), url: municipalUrl(k, 'ValueSet', name), version: '1.0.0',
  identifier: [{ system: KOMMUNEKODE, value: k }], name: 'Udvalgte', status: 'active', compose: { include: [{ system: catalog([]).url }] },
});

const put = (auth: string, r: CodeSystem | ConceptMap | ValueSet, lang = 'da') => request(app).put(`/fhir/${r.resourceType}/${r.id}`)
  .set('Authorization', auth).set('Accept-Language', lang).set('Prefer', 'return=OperationOutcome').type(JSON_TYPE).send(r);
const warnings = (outcome: OperationOutcome) => outcome.issue.filter((i) => i.severity === 'warning').map((i) => i.details?.text ?? '');

beforeEach(async () => {
  app = await testApp();
  auth101 = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
  auth370 = `Bearer ${await tokenFor({ kommunekode: '370' })}`;
  await put(auth101, catalog(['101-A', '101-B'])).expect(201);
  await put(auth101, map).expect(201);
  await put(auth101, valueSet('101', 'afhaengig-alle')).expect(201);
});

describe('a write taking away what other written resources use', () => {
  it('a delete of a catalog is made, warning in Danish of the own map and value set that use it', async () => {
    const res = await request(app).delete(`/fhir/CodeSystem/${catalog([]).id}`).set('Authorization', auth101).set('Accept-Language', 'da').expect(200);
    expect(warnings(res.body as OperationOutcome)).toEqual([
      expect.stringMatching(new RegExp(`^Skrivningen sletter CodeSystem/${catalog([]).id}, som jeres ConceptMap/${map.id} \\(.*\\) bruger: .*Ret eller slet også ConceptMap/${map.id}\\.$`)),
      expect.stringMatching(new RegExp(`^Skrivningen sletter CodeSystem/${catalog([]).id}, som jeres ValueSet/kommune-101-afhaengig-alle \\(.*\\) bruger: det inkluderer '${catalog([]).url}', som skrivningen sletter: indtil det er tilbage, kan værdisættet ikke udfoldes \\(\\$expand svarer 404\\).*\\. Ret eller slet også`)),
    ]);
    await request(app).get(`/fhir/CodeSystem/${catalog([]).id}`).expect(410);
  });

  it('an update dropping a mapped code is made, warning of the map that maps it, naming the code', async () => {
    // a map naming the version it was made for keeps it (url|version stays): no warning
    expect(warnings((await put(auth101, { ...catalog(['101-A']), version: '1.1.0' }, 'en').expect(200)).body as OperationOutcome)).toEqual([]);
    // one that does not name it maps from the current version
    await put(auth101, { ...catalog(['101-A', '101-B']), version: '1.2.0' }).expect(200);
    const { sourceVersion: _pinned, ...group } = map.group![0]!;
    await put(auth101, { ...map, version: '1.1.0', group: [group] }).expect(200);
    const res = await put(auth101, { ...catalog(['101-A']), version: '1.3.0' }, 'en').expect(200);
    const said = warnings(res.body as OperationOutcome);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(new RegExp(`^The write changes CodeSystem/${catalog([]).id}, which your own ConceptMap/${map.id} .* uses: .*101-B.*\\. Change or delete ConceptMap/${map.id} too$`));
  });

  it('says the reason of the map it breaks inside its own sentence, in Danish too: one full stop', async () => {
    await put(auth101, { ...catalog(['101-A', '101-B']), version: '1.2.0' }).expect(200);
    const { sourceVersion: _pinned, ...group } = map.group![0]!;
    await put(auth101, { ...map, version: '1.1.0', group: [group] }).expect(200);
    const res = await put(auth101, { ...catalog(['101-A']), version: '1.3.0' }, 'da').expect(200);
    const said = warnings(res.body as OperationOutcome);
    expect(said).toEqual([expect.stringMatching(new RegExp(`^Skrivningen ændrer CodeSystem/${catalog([]).id}, som jeres ConceptMap/${map.id} .* bruger: Kildekoden '101-B' findes ikke i .*\\)\\. Ret eller slet også ConceptMap/${map.id}\\.$`))]);
    expect(said[0]).not.toContain('..');
  });

  it("another municipality's value set is named as that municipality's, without telling the writer to change it", async () => {
    await put(auth370, valueSet('370', 'naboens')).expect(201);
    const res = await request(app).delete(`/fhir/CodeSystem/${catalog([]).id}`).set('Authorization', auth101).set('Accept-Language', 'da').expect(200);
    expect(warnings(res.body as OperationOutcome)).toContainEqual(expect.stringMatching(/som Næstved Kommunes ValueSet\/kommune-370-naboens \(.*\) bruger: .*tilbage, kan værdisættet ikke udfoldes[^.]*\.$/));
  });

  it("names a common catalog's value set as such, to a municipality and to an admin (who is told to change it too), never as another municipality's", async () => {
    const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    const common = (id: string, system: string): ValueSet => ({ resourceType: 'ValueSet', id, url: `http://example.org/fhir/ValueSet/${id}`, status: 'active', compose: { include: [{ system }] } });
    // a common code system and a common value set including it, both an admin's: the admin deletes the code system
    const exDel: CodeSystem = { resourceType: 'CodeSystem', id: 'ex-del', url: 'http://example.org/fhir/CodeSystem/ex-del', status: 'active', content: 'complete', concept: [{ code: 'a', display: 'A' }] };
    await put(admin, exDel).expect(201);
    await put(admin, common('ex-del-vs', exDel.url!)).expect(201);
    const byAdmin = await request(app).delete('/fhir/CodeSystem/ex-del').set('Authorization', admin).set('Accept-Language', 'en').expect(200);
    expect(warnings(byAdmin.body as OperationOutcome)).toEqual([
      expect.stringMatching(/^The write deletes CodeSystem\/ex-del, which a common catalog's ValueSet\/ex-del-vs \(http:\/\/example\.org\/fhir\/ValueSet\/ex-del-vs\) uses: .*\. Change or delete ValueSet\/ex-del-vs too$/),
    ]);
    // a municipality deletes its catalog, which a common value set includes
    await put(admin, common('ex-uses-101', catalog([]).url!)).expect(201);
    const byMunicipality = await request(app).delete(`/fhir/CodeSystem/${catalog([]).id}`).set('Authorization', auth101).set('Accept-Language', 'da').expect(200);
    const toCommon = warnings(byMunicipality.body as OperationOutcome).filter((w) => w.includes('ex-uses-101'));
    expect(toCommon).toEqual([expect.stringMatching(/^Skrivningen sletter CodeSystem\/kommune-101-afhaengig, som et fælleskommunalt katalogs ValueSet\/ex-uses-101 \(.*\) bruger: /)]);
    expect(toCommon[0]).not.toContain('Ret eller slet');
    expect(JSON.stringify(byMunicipality.body)).not.toContain('anden kommune');
  });

  it('says nothing when the same transaction changes the map too, or when what is used stays', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle', type: 'transaction', entry: [
        { resource: { ...catalog(['101-A']), version: '1.1.0' } as CodeSystem, request: { method: 'PUT', url: `CodeSystem/${catalog([]).id}` } },
        { resource: { ...map, version: '1.1.0', group: [{ ...map.group![0]!, sourceVersion: '1.1.0', element: [map.group![0]!.element![0]!] }] } as ConceptMap, request: { method: 'PUT', url: `ConceptMap/${map.id}` } },
      ],
    };
    const res = await request(app).post('/fhir').set('Authorization', auth101).set('Prefer', 'return=OperationOutcome').type(JSON_TYPE).send(bundle).expect(200);
    const outcomes = ((res.body as Bundle).entry ?? []).map((e) => e.response?.outcome as OperationOutcome | undefined);
    expect(outcomes.flatMap((o) => (o ? warnings(o) : []))).toEqual([]);
    const kept = await put(auth101, { ...catalog(['101-A', '101-C']), version: '1.2.0' }, 'en').expect(200);
    expect(warnings(kept.body as OperationOutcome)).toEqual([]);
  });
});

describe('a value set naming what the server does not have', () => {
  it('is written, with a warning for each code system, code and value set it names that is not here', async () => {
    const vs: ValueSet = {
      ...valueSet('101', 'ukendte'),
      compose: {
        include: [
          { system: catalog([]).url, concept: [{ code: '101-A' }, { code: '101-FINDES-IKKE' }] },
          { system: 'http://example.org/CodeSystem/ukendt' },
          { valueSet: ['http://example.org/ValueSet/ukendt|2'] },
        ],
      },
    };
    const res = await put(auth101, vs).expect(201);
    expect((res.body as OperationOutcome).issue.filter((i) => i.severity === 'warning').map((i) => [i.expression, i.details?.text])).toEqual([
      [['ValueSet.compose.include[0].concept[1].code'], `Koden '101-FINDES-IKKE' findes ikke i kodesystemet '${catalog([]).url}': værdisættet har den ikke.`],
      [['ValueSet.compose.include[1].system'], "Kodesystemet 'http://example.org/CodeSystem/ukendt' kendes ikke af serveren: indtil det kendes, kan " +
        'værdisættet ikke udfoldes ($expand svarer 404), og $validate-code finder kun koderne fra dets andre includes.'],
      [['ValueSet.compose.include[2].valueSet[0]'], "Værdisættet 'http://example.org/ValueSet/ukendt|2' kendes ikke af serveren: indtil det kendes, kan " +
        'værdisættet ikke udfoldes ($expand svarer 404), og $validate-code finder ingen af dets koder.'],
    ]);
  });

  it('answers as the warnings say: an unknown code system, $expand 404 and the codes of its other includes valid', async () => {
    const vs: ValueSet = {
      ...valueSet('101', 'mangler'),
      compose: { include: [{ system: 'http://example.org/CodeSystem/ukendt' }, { system: catalog([]).url, concept: [{ code: '101-A' }] }] },
    };
    expect(warnings((await put(auth101, vs, 'en').expect(201)).body as OperationOutcome)).toEqual([
      "The code system 'http://example.org/CodeSystem/ukendt' is not known to this server: until it is, the value set cannot be expanded " +
        '($expand answers 404) and $validate-code finds only the codes of its other includes',
    ]);
    const expanded = await request(app).get(`/fhir/ValueSet/${vs.id}/$expand`).expect(404);
    expect(expanded.body.issue[0]).toMatchObject({ code: 'not-found' });
    const valid = await request(app).get(`/fhir/ValueSet/${vs.id}/$validate-code`).query({ system: catalog([]).url, code: '101-A' }).expect(200);
    expect(valid.body.parameter).toContainEqual({ name: 'result', valueBoolean: true });
  });

  it('answers as the warnings say: an unknown imported value set, $expand 404 and no code valid', async () => {
    const vs: ValueSet = {
      ...valueSet('101', 'mangler-vs'),
      compose: { include: [{ valueSet: ['http://example.org/ValueSet/ukendt'] }, { system: catalog([]).url, concept: [{ code: '101-A' }] }] },
    };
    expect(warnings((await put(auth101, vs, 'en').expect(201)).body as OperationOutcome)).toEqual([
      "The value set 'http://example.org/ValueSet/ukendt' is not known to this server: until it is, the value set cannot be expanded " +
        '($expand answers 404) and $validate-code finds none of its codes',
    ]);
    await request(app).get(`/fhir/ValueSet/${vs.id}/$expand`).expect(404);
    const valid = await request(app).get(`/fhir/ValueSet/${vs.id}/$validate-code`).query({ system: catalog([]).url, code: '101-A' }).expect(200);
    expect(valid.body.parameter).toContainEqual({ name: 'result', valueBoolean: false });
  });

  it('a delete of a code system a pick list includes beside common codes says the pick list cannot be expanded, as it then cannot', async () => {
    const picks: ValueSet = {
      ...valueSet('101', 'blandet'),
      compose: { include: [{ system: catalog([]).url }, { system: 'urn:oid:1.2.208.176.2.21', concept: [{ code: CODES.fysiskTraening119 }] }] },
    };
    await put(auth101, picks).expect(201);
    await request(app).get(`/fhir/ValueSet/${picks.id}/$expand`).expect(200);
    const res = await request(app).delete(`/fhir/CodeSystem/${catalog([]).id}`).set('Authorization', auth101).set('Accept-Language', 'en').expect(200);
    expect(warnings(res.body as OperationOutcome)).toContainEqual(
      `The write deletes CodeSystem/${catalog([]).id}, which your own ValueSet/${picks.id} (${picks.url}) uses: it includes '${catalog([]).url}', which the ` +
      'write deletes: until it is back, the value set cannot be expanded ($expand answers 404) and $validate-code finds only the codes of its other ' +
      `includes. Change or delete ValueSet/${picks.id} too`,
    );
    await request(app).get(`/fhir/ValueSet/${picks.id}/$expand`).expect(404);
  });
});
