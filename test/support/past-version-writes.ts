import type { OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { KOMMUNEKODE_SYSTEM, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { inEnglish } from './english';
import { FSIII } from './catalogs';
import { localCodeSystem, tokenFor } from './local';
import { param } from './parameters';

const JSON_TYPE = 'application/fhir+json';

/** Municipality 101's catalog `name`: 1.0.0 without 101-BOLDSPIL, 2.0.0 with it. */
function catalog(name: string, version: '1.0.0' | '2.0.0', codes = version === '1.0.0' ? ['101-MINDFULNESS', '101-SVOEMNING'] : ['101-MINDFULNESS', '101-SVOEMNING', '101-BOLDSPIL']) {
  return { ...localCodeSystem('101', name, codes.map((code) => ({ code, display: code.slice(4), type: 'indsats' as const }))), version };
}

/**
 * The write rule that keeps a past url|version answering what was written under it (README "Every written version
 * stays addressable"), through HTTP on the store `open` gives: a store's own app, fresh for the suite.
 */
export function pastVersionWriteTests(open: () => Promise<App>): void {
  let app: App;
  let auth: string;

  beforeAll(async () => {
    app = await open();
    auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
  });

  const put = (body: { resourceType: string; id?: string }, id = body.id) => inEnglish(app).put(`/fhir/${body.resourceType}/${id}`).set('Authorization', auth).type(JSON_TYPE).send(body);
  const post = (body: { resourceType: string }) => inEnglish(app).post(`/fhir/${body.resourceType}`).set('Authorization', auth).type(JSON_TYPE).send(body);
  /** Writes 1.0.0 and then 2.0.0 under the catalog's own id. */
  async function replaced(name: string): Promise<void> {
    await put(catalog(name, '1.0.0')).expect(201);
    await put(catalog(name, '2.0.0')).expect(200);
  }
  const lookup = (name: string, code: string) => request(app).get('/fhir/CodeSystem/$lookup')
    .query({ system: municipalUrl('101', 'CodeSystem', name), version: '1.0.0', code });
  const errors = (res: { body: unknown }) => (res.body as OperationOutcome).issue.filter((i) => i.severity === 'error');

  it('refuses a new resource (POST) with a url|version another resource wrote before a later version replaced it, and url|version keeps its content', async () => {
    await replaced('pv-post');
    expect((await lookup('pv-post', '101-BOLDSPIL')).status).toBe(404);
    const again = catalog('pv-post', '1.0.0', ['101-BOLDSPIL', '101-SVOEMNING']);
    delete again.id;
    const res = await post(again).expect(422);
    expect(errors(res).map((i) => [i.code, i.expression])).toEqual([['duplicate', ['CodeSystem.url']]]);
    expect(errors(res)[0]!.details?.text).toContain(`${again.url}|1.0.0 is already used by CodeSystem/${municipalId('101', 'pv-post')} (version 1)`);
    const danish = await request(app).post('/fhir/CodeSystem').set('Authorization', auth).type(JSON_TYPE).send(again).expect(422);
    expect(errors(danish)[0]!.details?.text).toContain(`bruges allerede af CodeSystem/${municipalId('101', 'pv-post')} (version 1)`);

    expect((await lookup('pv-post', '101-BOLDSPIL')).status).toBe(404);
    expect(param((await lookup('pv-post', '101-MINDFULNESS').expect(200)).body as Parameters, 'version')?.valueString).toBe('1.0.0');
    expect((await request(app).get('/fhir/CodeSystem').query({ url: again.url }).expect(200)).body.total).toBe(1);
  });

  it('refuses it as an update of another id and as a transaction entry too', async () => {
    await replaced('pv-other-id');
    const again = { ...catalog('pv-other-id', '1.0.0', ['101-BOLDSPIL']), id: 'pv-other-id-kopi' };
    expect(errors(await put(again).expect(422)).map((i) => i.code)).toEqual(['duplicate']);
    const tx = await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: catalog('pv-other-id-2', '1.0.0'), request: { method: 'PUT', url: `CodeSystem/${municipalId('101', 'pv-other-id-2')}` } },
        { resource: again, request: { method: 'POST', url: 'CodeSystem' } },
      ],
    }).expect(422);
    expect(errors(tx).map((i) => [i.code, i.expression])).toEqual([['duplicate', ['Bundle.entry[1].resource.url']]]);
    await request(app).get('/fhir/CodeSystem/pv-other-id-kopi').expect(404);
    await request(app).get(`/fhir/CodeSystem/${municipalId('101', 'pv-other-id-2')}`).expect(404);
    expect((await lookup('pv-other-id', '101-BOLDSPIL')).status).toBe(404);
  });

  it('refuses a past version of a value set the same way', async () => {
    const valueSet = (version: string, id = municipalId('101', 'pv-udvalgte')) => ({
      resourceType: 'ValueSet', id, url: municipalUrl('101', 'ValueSet', 'pv-udvalgte'), version,
      identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '101' }], name: 'Udvalgte', status: 'active', compose: { include: [{ system: FSIII }] },
    });
    await put(valueSet('1.0.0')).expect(201);
    await put(valueSet('2.0.0')).expect(200);
    const res = await put(valueSet('1.0.0', 'pv-udvalgte-kopi')).expect(422);
    expect(errors(res)[0]!.details?.text).toContain(`is already used by ValueSet/${municipalId('101', 'pv-udvalgte')} (version 1)`);
  });

  it('lets the resource that wrote a version write it again (an update of its own id)', async () => {
    await replaced('pv-same-id');
    await put(catalog('pv-same-id', '1.0.0')).expect(200);
  });

  it("frees a deleted resource's versions, as its current version: another resource may write them", async () => {
    await replaced('pv-deleted');
    await inEnglish(app).delete(`/fhir/CodeSystem/${municipalId('101', 'pv-deleted')}`).set('Authorization', auth).expect(200);
    const again = catalog('pv-deleted', '1.0.0', ['101-BOLDSPIL']);
    delete again.id;
    await post(again).expect(201);
    expect((await lookup('pv-deleted', '101-BOLDSPIL')).status).toBe(200);
  });

  it('lets a transaction that deletes the resource give its past version to another', async () => {
    await replaced('pv-taken-over');
    const again = { ...catalog('pv-taken-over', '1.0.0', ['101-BOLDSPIL']), id: 'pv-taken-over-ny' };
    await inEnglish(app).post('/fhir').set('Authorization', auth).type(JSON_TYPE).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { request: { method: 'DELETE', url: `CodeSystem/${municipalId('101', 'pv-taken-over')}` } },
        { resource: again, request: { method: 'PUT', url: `CodeSystem/${again.id}` } },
      ],
    }).expect(200);
    expect((await lookup('pv-taken-over', '101-BOLDSPIL')).status).toBe(200);
  });
}
