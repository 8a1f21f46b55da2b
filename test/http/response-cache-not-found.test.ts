import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { localCodeSystem, sampleCatalog, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
const enc = encodeURIComponent;
const LOCAL_SYSTEM = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/cache-prove';

let app: App;

beforeAll(async () => {
  app = await testApp();
});

/** A GET with a fixed Host: the base URL is part of the cache key. */
function get(path: string, language = 'en') {
  return request(app).get(path).set('Host', 'tx.example').set('Accept-Language', language);
}

describe('a not-found answer is kept while what its lookup read is unchanged', () => {
  it('answers a repeated 404 for an unknown code system from the cache, the same bytes, until the code system is written', async () => {
    const path = `/fhir/CodeSystem/$lookup?system=${enc(LOCAL_SYSTEM)}&code=CP-1`;
    const cache = app.responseCache;
    const first = await get(path).expect(404);
    expect(first.body.resourceType).toBe('OperationOutcome');
    const hits = cache.hits;
    const again = await get(path).expect(404);
    expect(cache.hits).toBe(hits + 1);
    expect(again.text).toBe(first.text);

    const token = await tokenFor({ kommunekode: '101' });
    const cs = localCodeSystem('101', 'cache-prove', [{ code: 'CP-1', display: 'Prøveindsats', type: 'indsats' }]);
    await request(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(cs).expect(201);

    const found = await get(path).expect(200);
    expect(found.body.parameter.find((p: { name: string }) => p.name === 'display')?.valueString).toBe('Prøveindsats');
  });

  it("answers a municipality's pick list once its catalog is written, after a 404 for it was kept", async () => {
    const path = `/fhir/ValueSet/$expand?url=${enc('http://faelles-tx.dk/fhir/kommune/147/ValueSet/indsatsvaelger')}`;
    const cache = app.responseCache;
    await get(path).expect(404);
    const hits = cache.hits;
    await get(path).expect(404);
    expect(cache.hits).toBe(hits + 1);

    const token = await tokenFor({ kommunekode: '147' });
    const { codeSystem, conceptMap } = sampleCatalog('147');
    await request(app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(codeSystem).expect(201);
    await request(app).post('/fhir/ConceptMap').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(conceptMap).expect(201);

    const picker = await get(path).expect(200);
    expect(picker.body.expansion.contains.length).toBeGreaterThan(0);
  });

  it('keeps the answer per language', async () => {
    const path = `/fhir/ValueSet/$expand?url=${enc('http://faelles-tx.dk/fhir/ValueSet/findes-ikke')}`;
    const en = await get(path).expect(404);
    const da = await get(path, 'da').expect(404);
    expect(da.text).not.toBe(en.text);
    expect((await get(path, 'da').expect(404)).text).toBe(da.text);
    expect((await get(path).expect(404)).text).toBe(en.text);
  });

  it('does not keep other errors (a bad parameter is computed again)', async () => {
    const path = `/fhir/ValueSet/$expand?url=${enc('http://fhir.kl.dk/term/ValueSet/KLInterventions')}&count=-1`;
    const cache = app.responseCache;
    await get(path).expect(400);
    const hits = cache.hits;
    await get(path).expect(400);
    expect(cache.hits).toBe(hits);
  });
});
