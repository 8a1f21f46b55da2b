/**
 * A municipality's package ($package?kommunekode=…) loads where it is taken: it depends on the package serving the FSIII
 * release its maps are made for, and what would refuse it at its load (a code system or value set nothing can bring
 * with it) refuses it already at the export, naming the resource and why.
 */
import type { OperationOutcome, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { kommunekodeIdentifier, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { readPackageTarball } from '../../src/packages/package-reader';
import { writePackageTarball } from '../../src/packages/package-writer';
import { testApp } from '../support/app';
import { inEnglish } from '../support/english';
import { localCodeSystem, localConceptMap, sampleCatalog, tokenFor } from '../support/local';
import { NEXT, NEXT_VERSION, nextFsiiiRelease } from '../support/next-release';

const JSON_TYPE = 'application/fhir+json';
const RELEASE = { name: 'kl.test.fsiii', version: '2025.1.1' };

let admin: string;

beforeAll(async () => {
  admin = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
});

const releaseArchive = () => writePackageTarball(RELEASE, [nextFsiiiRelease()]);

function load(app: App, archive: Buffer) {
  return inEnglish(app).post('/fhir/$load-package').set('Authorization', admin).type('application/gzip').send(archive);
}

async function exported(app: App, kommunekode: string): Promise<request.Response> {
  return inEnglish(app).get(`/fhir/$package?kommunekode=${kommunekode}`).buffer(true).parse((r, cb) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => cb(null, Buffer.concat(chunks)));
  });
}

const texts = (body: unknown) => (JSON.parse((body as Buffer).toString('utf8')) as OperationOutcome).issue.map((i) => i.details?.text ?? '');

describe("a municipality's package, exported and loaded into a fresh server", () => {
  it('depends on the package serving the FSIII release its map is made for, and loads once that package is loaded', async () => {
    const app = await testApp();
    await load(app, await releaseArchive()).expect(200);
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const catalog = localCodeSystem('101', 'naeste', [{ code: '101-NY', display: 'Ny indsats', type: 'indsats' }]);
    const map = localConceptMap('101', 'naeste', [{ code: '101-NY', targets: [NEXT.added] }]);
    map.group![0]!.targetVersion = NEXT_VERSION;
    await request(app).put(`/fhir/CodeSystem/${catalog.id}`).set('Authorization', auth).type(JSON_TYPE).send(catalog).expect(201);
    await request(app).put(`/fhir/ConceptMap/${map.id}`).set('Authorization', auth).type(JSON_TYPE).send(map).expect(201);

    const res = await exported(app, '101');
    expect(res.status).toBe(200);
    const archive = res.body as Buffer;
    expect((await readPackageTarball(archive, 'p')).manifest).toMatchObject({ dependencies: { 'faelles-tx.catalogs': '0.1.0', [RELEASE.name]: RELEASE.version } });

    const fresh = await testApp();
    const refused = await load(fresh, archive).expect(422);
    expect(texts(Buffer.from(JSON.stringify(refused.body)))[0]).toMatch(`depends on ${RELEASE.name}#${RELEASE.version}, which is not loaded`);
    await load(fresh, await releaseArchive()).expect(200);
    await load(fresh, archive).expect(200);
  });

  it('is refused (422), naming the value set, while a value set of it uses a code system nothing serves', async () => {
    const app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '102' })}`;
    const valueSet: ValueSet = {
      resourceType: 'ValueSet', id: municipalId('102', 'ukendt'), url: municipalUrl('102', 'ValueSet', 'ukendt'), version: '1.0.0', status: 'active',
      identifier: [kommunekodeIdentifier('102')],
      compose: { include: [{ system: 'http://example.org/CodeSystem/unknown' }] },
    };
    const written = await request(app).put(`/fhir/ValueSet/${valueSet.id}`).set('Authorization', auth).type(JSON_TYPE).send(valueSet);
    // written, with a warning that the code system is not known
    expect(written.status).toBe(201);
    const res = await exported(app, '102');
    expect(res.status).toBe(422);
    expect(texts(res.body)[0]).toBe(`faelles-tx.kommune-102: ValueSet ${valueSet.url}|1.0.0 (ValueSet.compose.include[0].system) uses the code system http://example.org/CodeSystem/unknown, ` +
      `which is neither in the package nor served here as a package can bring it (a catalog deleted, or never written), so the package would be refused where it is loaded; correct or delete ValueSet ${valueSet.url}|1.0.0 first`);
  });

  it('is refused (422), naming the map, while a map of it is for a catalog that was deleted; once the map is deleted too, it loads', async () => {
    const app = await testApp();
    const auth = `Bearer ${await tokenFor({ kommunekode: '103' })}`;
    const { codeSystem, conceptMap } = sampleCatalog('103');
    const other = localCodeSystem('103', 'andet', [{ code: '103-A', display: 'Andet', type: 'indsats' }]);
    for (const r of [codeSystem, conceptMap, other]) await request(app).put(`/fhir/${r.resourceType}/${r.id}`).set('Authorization', auth).type(JSON_TYPE).send(r).expect(201);
    await request(app).delete(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', auth).expect(200);
    const res = await exported(app, '103');
    expect(res.status).toBe(422);
    expect(texts(res.body)[0]).toMatch(new RegExp(`^faelles-tx\\.kommune-103: ConceptMap ${conceptMap.url}\\|1\\.0\\.0 \\(ConceptMap\\.group\\[0\\]\\.source\\) uses the code system ${codeSystem.url}\\|1\\.0\\.0, which is neither`));
    await request(app).delete(`/fhir/ConceptMap/${conceptMap.id}`).set('Authorization', auth).expect(200);
    const archive = (await exported(app, '103').then((r) => r.status === 200 ? r : Promise.reject(new Error(String(r.status))))).body as Buffer;
    await load(await testApp(), archive).expect(200);
  });
});
