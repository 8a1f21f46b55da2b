import type { Bundle } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { loadVersionHistory, operationLabel, versionChanges, versionsWithAuthors } from '../../web/src/history-model';
import { testApp } from '../support/app';
import { CODES, sampleCatalog, tokenFor } from '../support/local';

/** The web page's history of a resource: versions from _history, authors from the audit log, the differences in Danish. */
let app: App;

beforeAll(async () => {
  app = await testApp();
});

it('shows each version with its author and what changed from the version before', async () => {
  const anna = `Bearer ${await tokenFor({ kommunekode: '101', sub: 'anna' })}`;
  const bo = `Bearer ${await tokenFor({ kommunekode: '101', sub: 'bo' })}`;
  const { codeSystem, conceptMap } = sampleCatalog('101');
  await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', anna).type('application/fhir+json').send(codeSystem).expect(201);
  const v2 = structuredClone(codeSystem);
  v2.version = '1.1.0';
  v2.concept = v2.concept!.filter((c) => c.code !== '101-NY').map((c) => (c.code === '101-BOLD' ? { ...c, display: 'Boldspil for alle' } : c));
  v2.concept.push({ ...v2.concept[0]!, code: '101-SVOEM', display: 'Svømning' });
  await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', bo).type('application/fhir+json').send(v2).expect(200);
  await request(app).put(`/fhir/ConceptMap/${conceptMap.id}`).set('Authorization', anna).type('application/fhir+json').send(conceptMap).expect(201);
  const map2 = structuredClone(conceptMap);
  map2.group![0]!.element = map2.group![0]!.element!.map((el) => (el.code === '101-BOLD' ? { ...el, target: [{ code: CODES.mentalHaandtering, display: 'Mental håndtering', equivalence: 'inexact' as const, comment: 'Del af et tilbud' }] } : el));
  await request(app).put(`/fhir/ConceptMap/${conceptMap.id}`).set('Authorization', bo).type('application/fhir+json').send(map2).expect(200);

  const history = (await request(app).get(`/fhir/CodeSystem/${codeSystem.id}/_history`).expect(200)).body as Bundle;
  const audit = (await request(app).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${codeSystem.id}` }).set('Authorization', anna).expect(200)).body as Bundle;
  const versions = versionsWithAuthors(history, audit, 'CodeSystem', codeSystem.id!);
  expect(versions.map((v) => [v.versionId, v.author, v.kommunekode, v.method])).toEqual([['2', 'bo', '101', 'update'], ['1', 'anna', '101', 'create']]);
  expect(versionChanges(versions[1]!.resource, versions[0]!.resource).map((c) => c.text)).toEqual([
    'Version 1.0.0 → 1.1.0',
    'Titel på 101-BOLD: «Boldspil» → «Boldspil for alle»',
    'Ny kode 101-SVOEM «Svømning»',
    'Kode 101-NY «Endnu ikke koblet» fjernet',
  ]);
  // without the audit log (no token) the versions are there, without authors
  expect(versionsWithAuthors(history, undefined, 'CodeSystem', codeSystem.id!).map((v) => v.author)).toEqual([undefined, undefined]);

  const mapHistory = (await request(app).get(`/fhir/ConceptMap/${conceptMap.id}/_history`).expect(200)).body as Bundle;
  const mapVersions = versionsWithAuthors(mapHistory, undefined, 'ConceptMap', conceptMap.id!);
  expect(versionChanges(mapVersions[1]!.resource, mapVersions[0]!.resource).map((c) => c.kind + ' ' + c.code)).toEqual(['ændret 101-BOLD']);
});

it('names how a version was written in Danish, for every operation the audit log records', async () => {
  const token = `Bearer ${await tokenFor({ kommunekode: '102', sub: 'carl' })}`;
  const csv = ['kode;titel;type;maal', `102-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`].join('\n');
  await request(app).post('/fhir/CodeSystem/$import-local').set('Authorization', token).type('application/fhir+json')
    .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }).expect(200);
  const id = 'kommune-102-lokale-indsatser';
  const history = (await request(app).get(`/fhir/CodeSystem/${id}/_history`).expect(200)).body as Bundle;
  const audit = (await request(app).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${id}` }).set('Authorization', token).expect(200)).body as Bundle;
  const [imported] = versionsWithAuthors(history, audit, 'CodeSystem', id);
  expect(operationLabel(imported!.operation)).toBe('CSV-import');
  expect(['transaction', '$load-package', '$unload-package'].map(operationLabel)).toEqual(['redigering', 'indlæsning af pakke', 'fjernelse af pakke']);
  expect(['create', 'update', 'delete', undefined].map(operationLabel)).toEqual([undefined, undefined, undefined, undefined]);
});

it('follows the pages of the history and of the audit log, says when older versions are left out, and skips refused writes', async () => {
  const anna = `Bearer ${await tokenFor({ kommunekode: '103', sub: 'anna' })}`;
  const bo = `Bearer ${await tokenFor({ kommunekode: '103', sub: 'bo' })}`;
  const { codeSystem } = sampleCatalog('103');
  const url = `/fhir/CodeSystem/${codeSystem.id}`;
  for (let v = 1; v <= 8; v++) {
    await request(app).put(url).set('Authorization', v % 2 === 1 ? anna : bo).type('application/fhir+json')
      .send({ ...codeSystem, version: `1.0.${v}` }).expect(v === 1 ? 201 : 200);
    // a refused write between each: an AuditEvent of the resource without a version, which takes room on the audit's pages
    await request(app).put(url).set('Authorization', anna).set('If-Match', 'W/"999"').type('application/fhir+json').send(codeSystem).expect(412);
  }
  const asked: string[] = [];
  const fetcher = (auth?: string) => async (pathOrUrl: string): Promise<Bundle> => {
    asked.push(pathOrUrl);
    const path = /^https?:/.test(pathOrUrl) ? pathOrUrl.slice(new URL(pathOrUrl).origin.length) : `/fhir/${pathOrUrl}`;
    const req = request(app).get(path);
    if (auth) void req.set('Authorization', auth);
    return (await req.expect(200)).body as Bundle;
  };
  const authors = ['bo', 'anna', 'bo', 'anna', 'bo', 'anna', 'bo', 'anna'];

  // Pages of 3: the versions' three pages, and the audit's successes only (8 of its 16 events), three pages too.
  const all = await loadVersionHistory('CodeSystem', codeSystem.id!, fetcher(), fetcher(anna), { page: 3 });
  expect(all.cut).toBe(false);
  expect(all.versions.map((v) => [v.versionId, v.author])).toEqual(authors.map((a, i) => [String(8 - i), a]));
  expect(asked.filter((u) => u.includes('_history')).length).toBe(3);
  expect(asked.filter((u) => u.includes('AuditEvent')).length).toBe(3);

  // At most 5: the newest five, the rest said to be left out; the audit is read only as far as those five need.
  asked.length = 0;
  const newest = await loadVersionHistory('CodeSystem', codeSystem.id!, fetcher(), fetcher(anna), { page: 3, most: 5 });
  expect(newest.cut).toBe(true);
  expect(newest.versions.map((v) => [v.versionId, v.author])).toEqual(authors.slice(0, 5).map((a, i) => [String(8 - i), a]));
  expect(asked.filter((u) => u.includes('AuditEvent')).length).toBeLessThan(6);

  // Without the audit log's token: the versions without authors.
  const anonymous = await loadVersionHistory('CodeSystem', codeSystem.id!, fetcher(), undefined, { page: 3 });
  expect(anonymous.versions.map((v) => v.author)).toEqual(Array(8).fill(undefined));
});
