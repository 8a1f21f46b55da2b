import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

describe('reads of the published catalogs carry an ETag, and If-None-Match is answered 304', () => {
  it('tags a published CodeSystem by its content: the same tag on every read, another for another resource', async () => {
    const first = await request(app).get('/fhir/CodeSystem/FSIII').expect(200);
    const tag = first.headers.etag as string;
    expect(tag).toMatch(/^W\/"sha256-[A-Za-z0-9_-]{22}"$/);
    // kept by a cache only to be asked again before use: a new release is never hidden behind a stored copy
    expect(first.headers['cache-control']).toBe('no-cache');
    expect((await request(app).get('/fhir/CodeSystem/FSIII').expect(200)).headers.etag).toBe(tag);
    const other = (await request(app).get('/fhir/ValueSet/KLInterventionsFSIII').expect(200)).headers.etag;
    expect(other).toMatch(/^W\/"sha256-/);
    expect(other).not.toBe(tag);
  });

  it('answers 304 without a body to the tag it gave (weak or strong form, or *), and 200 to another', async () => {
    const tag = (await request(app).get('/fhir/CodeSystem/FSIII').expect(200)).headers.etag as string;
    for (const asked of [tag, tag.replace(/^W\//, ''), `"other", ${tag}`, '*']) {
      const res = await request(app).get('/fhir/CodeSystem/FSIII').set('If-None-Match', asked).expect(304);
      expect(res.headers.etag).toBe(tag);
      expect(res.text ?? '').toBe('');
    }
    const changed = await request(app).get('/fhir/CodeSystem/FSIII').set('If-None-Match', 'W/"sha256-somethingelse"').expect(200);
    expect(changed.body).toMatchObject({ resourceType: 'CodeSystem', id: 'FSIII' });
  });
});
