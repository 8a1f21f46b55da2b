/**
 * Municipality isolation, tried as an attacker would: no token can take an id or a canonical another owner is
 * entitled to — not a `kommune-{kode}-…` id of another municipality, not an id another owner used before it was
 * deleted, not a published catalog's canonical (KL's or ours) — by PUT, POST, transaction or $import-local.
 * Every refused write leaves the store as it was.
 */
import type { Bundle, CodeSystem, OperationOutcome, Parameters, ValueSet } from 'fhir/r4';
import { Writable } from 'node:stream';
import pino from 'pino';
import { inEnglish } from '../support/english';
import { type App } from '../../src/app';
import { MemoryStore } from '../../src/store/memory-store';
import type { StoredVersion } from '../../src/store/store';
import type { TerminologyType } from '../../src/terminology/resource-set';
import { FSIII, testApp } from '../support/app';
import { CODES, localCodeSystem, localConceptMap, sampleCatalog, tokenFor } from '../support/local';

const JSON_TYPE = 'application/fhir+json';
const FSIII_CODE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c';

let app: App;
let store: MemoryStore;
let token101: string;
let token147: string;
let token370: string;
let adminToken: string;

beforeAll(async () => {
  store = new MemoryStore();
  app = await testApp({}, { store });
  token101 = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
  token147 = `Bearer ${await tokenFor({ kommunekode: '147' })}`;
  token370 = `Bearer ${await tokenFor({ kommunekode: '370' })}`;
  adminToken = `Bearer ${await tokenFor({ scope: 'openid admin' })}`;
});

const put = (path: string, auth: string, body: unknown) => inEnglish(app).put(`/fhir/${path}`).set('Authorization', auth).type(JSON_TYPE).send(body as object);
const post = (path: string, auth: string, body: unknown) => inEnglish(app).post(`/fhir/${path}`).set('Authorization', auth).type(JSON_TYPE).send(body as object);
const historyLength = async (type: 'CodeSystem' | 'ValueSet' | 'ConceptMap', id: string) => (await store.history(type, id)).length;
const texts = (body: OperationOutcome) => body.issue.map((i) => i.details?.text ?? '');

function transaction(entries: { method: 'POST' | 'PUT' | 'DELETE'; url: string; resource?: object }[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry: entries.map((e) => ({ resource: e.resource as CodeSystem, request: { method: e.method, url: e.url } })) };
}

function csvParameters(csv: string, extra: Parameters['parameter'] = []): Parameters {
  return { resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }, ...extra] };
}

/** 101's own catalog (url and identifier of 101), placed under another id. */
function own101(name: string, id: string): CodeSystem {
  return { ...localCodeSystem('101', name, [{ code: '101-X', display: 'X', type: 'indsats' }]), id };
}

describe('1. a kommune-{kode}-… id holds only resources of {kode}', () => {
  const squatted = 'kommune-147-lokale-indsatser';

  it("refuses another municipality's PUT of its own content into the id (403), and 147 can then import its catalog", async () => {
    const res = await put(`CodeSystem/${squatted}`, token101, own101('squat', squatted)).expect(403);
    expect(res.body.issue[0]).toMatchObject({ code: 'forbidden' });
    expect(texts(res.body)[0]).toMatch(/CodeSystem\/kommune-147-lokale-indsatser belongs to municipality 147; the token may write only Københavns Kommune's/);
    await put(`ConceptMap/${squatted}`, token101, { ...localConceptMap('101', 'squat', [{ code: '101-X', targets: [CODES.nikotin] }]), id: squatted }).expect(403);
    expect(await historyLength('CodeSystem', squatted)).toBe(0);
    expect(await historyLength('ConceptMap', squatted)).toBe(0);

    const csv = `kode;titel;type;maal\n147-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}\n`;
    const imported = await post('CodeSystem/$import-local', token147, csvParameters(csv)).expect(200);
    expect(texts(imported.body)[0]).toContain('Imported 1 row for kommunekode 147');
    const cs = (await inEnglish(app).get(`/fhir/CodeSystem/${squatted}`).expect(200)).body as CodeSystem;
    expect(cs.url).toBe('http://faelles-tx.dk/fhir/kommune/147/CodeSystem/lokale-indsatser');
  });

  it('refuses the same through a transaction, and nothing of the transaction is written', async () => {
    const id = 'kommune-147-via-bundle';
    const own = localCodeSystem('101', 'bundle-own', [{ code: '101-B', display: 'B', type: 'indsats' }]);
    const res = await post('', token101, transaction([
      { method: 'PUT', url: `CodeSystem/${own.id}`, resource: own },
      { method: 'PUT', url: `CodeSystem/${id}`, resource: own101('bundle-squat', id) },
    ])).expect(403);
    expect(texts(res.body)[0]).toMatch(/kommune-147-via-bundle belongs to municipality 147/);
    expect(await historyLength('CodeSystem', id)).toBe(0);
    expect(await historyLength('CodeSystem', own.id!)).toBe(0);
  });

  it("refuses a POST whose url names another municipality than its identifier, and assigns no id of either", async () => {
    const mixed = { ...localCodeSystem('147', 'mixed', [{ code: 'M', display: 'M', type: 'indsats' }]), id: undefined, identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '101' }] };
    await post('CodeSystem', token101, mixed).expect(403);
    const asAdmin = await post('CodeSystem', adminToken, mixed).expect(422);
    expect(texts(asAdmin.body).join('\n')).toMatch(/does not match the municipality 147/);
    expect(await historyLength('CodeSystem', 'kommune-147-mixed')).toBe(0);
    expect(await historyLength('CodeSystem', 'kommune-101-mixed')).toBe(0);
  });

  it('refuses content of another owner in a reserved id for the admin scope too (422 business-rule), also common content', async () => {
    const id = 'kommune-147-admin-put';
    const res = await put(`CodeSystem/${id}`, adminToken, own101('admin-put', id)).expect(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['CodeSystem.id'] });
    expect(texts(res.body)[0]).toMatch(/reserved for Frederiksberg Kommune's resources.*belongs to municipality 101/s);
    const danish = await put(`CodeSystem/${id}`, adminToken, own101('admin-put', id)).set('Accept-Language', 'da').expect(422);
    expect(texts(danish.body)[0]).toMatch(/forbeholdt Frederiksberg Kommunes ressourcer.*tilhører kommune 101/s);
    const common = { resourceType: 'CodeSystem', id, url: 'http://faelles-tx.dk/fhir/CodeSystem/admin-common', status: 'draft', content: 'complete', concept: [{ code: 'a' }] };
    const res2 = await put(`CodeSystem/${id}`, adminToken, common).expect(422);
    expect(texts(res2.body)[0]).toMatch(/belongs to the common catalogs/);
    // The rule is the id's form, whatever its case.
    await put('CodeSystem/KOMMUNE-147-upper', adminToken, own101('upper', 'KOMMUNE-147-upper')).expect(422);
    expect(await historyLength('CodeSystem', id)).toBe(0);
    // The owner's own content is fine, for the admin scope as for the municipality.
    await put(`CodeSystem/${id}`, adminToken, localCodeSystem('147', 'admin-put', [{ code: 'A', display: 'A', type: 'indsats' }])).expect(201);
  });

  it('refuses a transaction that writes one resource twice (400), so no entry can change its owner in passing', async () => {
    const id = 'shared-twice';
    const res = await post('', adminToken, transaction([
      { method: 'PUT', url: `CodeSystem/${id}`, resource: own101('twice', id) },
      { method: 'PUT', url: `CodeSystem/${id}`, resource: { ...localCodeSystem('147', 'twice', [{ code: 'T', display: 'T', type: 'indsats' }]), id } },
    ])).expect(400);
    expect(texts(res.body)[0]).toMatch(/Bundle.entry\[1\] writes CodeSystem\/shared-twice.*writes each resource once/);
    expect(await historyLength('CodeSystem', id)).toBe(0);
  });
});

describe("2. a deleted id keeps its owner", () => {
  const id = 'x';
  const of147 = () => ({ ...localCodeSystem('147', 'x', [{ code: '147-X', display: 'X', type: 'indsats' }]), id });

  beforeAll(async () => {
    await put(`CodeSystem/${id}`, token147, of147()).expect(201);
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set('Authorization', token147).expect(200);
  });

  it("refuses another municipality's PUT into the deleted id (403), by PUT and by transaction, and the history stays 147's", async () => {
    const res = await put(`CodeSystem/${id}`, token101, own101('x', id)).expect(403);
    expect(texts(res.body)[0]).toMatch(/CodeSystem\/x belongs to municipality 147; the token may write only Københavns Kommune's/);
    await post('', token101, transaction([{ method: 'PUT', url: `CodeSystem/${id}`, resource: own101('x', id) }])).expect(403);
    await inEnglish(app).delete(`/fhir/CodeSystem/${id}`).set('Authorization', token101).expect(403);
    const history = await store.history('CodeSystem', id);
    expect(history.map((v) => v.method)).toEqual(['delete', 'create']);
  });

  it('refuses another owner in the deleted id for the admin scope too (422 business-rule)', async () => {
    const res = await put(`CodeSystem/${id}`, adminToken, own101('x', id)).expect(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['CodeSystem.id'] });
    expect(texts(res.body)[0]).toMatch(/CodeSystem\/x belongs to municipality 147 \(version 1\).*an id keeps its owner/s);
    const danish = await put(`CodeSystem/${id}`, adminToken, own101('x', id)).set('Accept-Language', 'da').expect(422);
    expect(texts(danish.body)[0]).toMatch(/CodeSystem\/x tilhører kommune 147 \(version 1\).*skifter ikke ejer/s);
    const common = { resourceType: 'CodeSystem', id, url: 'http://faelles-tx.dk/fhir/CodeSystem/x', status: 'draft', content: 'complete', concept: [{ code: 'a' }] };
    await put(`CodeSystem/${id}`, adminToken, common).expect(422);
    expect(await historyLength('CodeSystem', id)).toBe(2);
  });

  it('lets the owner bring it back', async () => {
    const back = await put(`CodeSystem/${id}`, token147, of147()).expect(201);
    expect(back.body.meta.versionId).toBe('3');
  });

  it('keeps the owner of a live id too: the admin scope cannot hand it to another owner', async () => {
    const res = await put(`CodeSystem/${id}`, adminToken, own101('x', id)).expect(422);
    expect(texts(res.body)[0]).toMatch(/belongs to municipality 147 \(version 3\)/);
    const common = { resourceType: 'CodeSystem', id: 'common-keeps', url: 'http://faelles-tx.dk/fhir/CodeSystem/common-keeps', status: 'draft', content: 'complete', concept: [{ code: 'a' }] };
    await put('CodeSystem/common-keeps', adminToken, common).expect(201);
    await inEnglish(app).delete('/fhir/CodeSystem/common-keeps').set('Authorization', adminToken).expect(200);
    const taken = await put('CodeSystem/common-keeps', adminToken, own101('common-keeps', 'common-keeps')).expect(422);
    expect(texts(taken.body)[0]).toMatch(/belongs to the common catalogs \(version 1\)/);
    await put('CodeSystem/common-keeps', token101, own101('common-keeps', 'common-keeps')).expect(403);
  });
});

describe('3. the published catalogs change only when they are published', () => {
  const fsiii99: CodeSystem = {
    resourceType: 'CodeSystem', url: FSIII, version: '99', name: 'FSIII', status: 'active', content: 'complete', concept: [{ code: 'x', display: 'X' }],
  };

  it('refuses a new version of FSIII for the admin scope (422 naming the rule), and $lookup without a version still answers', async () => {
    const res = await post('CodeSystem', adminToken, fsiii99).expect(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['CodeSystem.url'] });
    expect(texts(res.body)[0]).toMatch(/urn:oid:1\.2\.208\.176\.2\.21 .*KL's published catalogs.*never through the write API/s);
    const danish = await post('CodeSystem', adminToken, fsiii99).set('Accept-Language', 'da').expect(422);
    expect(texts(danish.body)[0]).toMatch(/urn:oid:1\.2\.208\.176\.2\.21 .*KL's publicerede kataloger.*skrive-API/s);
    await put('CodeSystem/fsiii-99', adminToken, { ...fsiii99, id: 'fsiii-99' }).expect(422);
    await post('', adminToken, transaction([{ method: 'POST', url: 'CodeSystem', resource: fsiii99 }])).expect(422);
    const lookup = await inEnglish(app).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: FSIII_CODE }).expect(200);
    expect((lookup.body as Parameters).parameter?.find((p) => p.name === 'version')?.valueString).toBe('20240530');
    expect(await historyLength('CodeSystem', 'fsiii-99')).toBe(0);
  });

  it("refuses any version of KL's value sets, of any canonical in KL's OID arc or domain, and of our published catalogs", async () => {
    const vs = (url: string, version = '9.9.9'): ValueSet => ({ resourceType: 'ValueSet', url, version, status: 'active', compose: { include: [{ system: FSIII }] } });
    const published = (await inEnglish(app).get('/fhir/ValueSet').query({ url: 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119' }).expect(200)).body as Bundle;
    expect(published.total).toBe(1);
    for (const url of [
      'http://fhir.kl.dk/term/ValueSet/KLConditionCodes',
      'http://fhir.kl.dk/term/ValueSet/SomethingKlHasNotPublishedYet',
      'urn:oid:1.2.208.176.2.99',
      'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119',
    ]) {
      const res = await post('ValueSet', adminToken, vs(url)).expect(422);
      expect(res.body.issue[0]).toMatchObject({ code: 'business-rule' });
    }
    // A ValueSet cannot take a published CodeSystem's canonical either.
    await post('ValueSet', adminToken, vs(FSIII)).expect(422);
    await post('ValueSet', adminToken, vs('http://faelles-tx.dk/fhir/CodeSystem/fsiii-status')).expect(422);
  });

  it("refuses a new version of the published example's catalog to its own municipality", async () => {
    const example = (await inEnglish(app).get('/fhir/CodeSystem/kommune-370-lokale-indsatser').expect(200)).body as CodeSystem;
    const res = await post('CodeSystem', token370, { ...example, id: undefined, version: '2.0.0' }).expect(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'business-rule' });
  });

  it('still lets a municipality and the admin scope write their own canonicals', async () => {
    const { codeSystem } = sampleCatalog('101', 'own-canonical');
    await post('CodeSystem', token101, { ...codeSystem, id: undefined }).expect(201);
    const common = { resourceType: 'CodeSystem', url: 'http://faelles-tx.dk/fhir/CodeSystem/new-common', version: '1.0.0', status: 'draft', content: 'complete', concept: [{ code: 'a' }] };
    await post('CodeSystem', adminToken, common).expect(201);
  });
});

describe('4. a municipality supplements only its own catalogs', () => {
  const LANG_PACK = { url: 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type', valueCode: 'lang-pack' };
  const EXAMPLE_370 = 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser';

  /** 101's language pack (English displays) for the code system `supplements`, each code shown as `display`. */
  function langPack(name: string, supplements: string, code: string, display: string): CodeSystem {
    const cs = localCodeSystem('101', name, [{ code, display, type: 'indsats' }]);
    return { ...cs, language: 'en', content: 'supplement', supplements, extension: [LANG_PACK] };
  }
  const lookupEn = (system: string, code: string) => inEnglish(app).get('/fhir/CodeSystem/$lookup').query({ system, code });

  it.each([
    ['FSIII', FSIII, FSIII_CODE, 'is not a catalog of municipality 101'],
    ["the published example's catalog of 370", EXAMPLE_370, '370-KOL-REHAB', 'is a catalog of municipality 370'],
  ])("refuses a language pack for %s (422 at CodeSystem.supplements), and every caller's display stays", async (_what, system, code, reason) => {
    const before = (await lookupEn(system, code).expect(200)).body as Parameters;
    const pack = langPack('engelsk', system, code, 'WRITTEN BY 101');
    const res = await put(`CodeSystem/${pack.id}`, token101, pack).expect(422);
    expect(res.body.issue[0]).toMatchObject({ code: 'business-rule', expression: ['CodeSystem.supplements'] });
    expect(texts(res.body).join()).toContain(reason);
    expect(await historyLength('CodeSystem', pack.id!)).toBe(0);
    expect((await lookupEn(system, code).expect(200)).body).toEqual(before);
    const validated = await inEnglish(app).get('/fhir/CodeSystem/$validate-code').query({ url: system, code, display: 'WRITTEN BY 101' }).expect(200);
    expect((validated.body as Parameters).parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(false);
  });

  it('refuses it through a transaction too, and nothing of the transaction is written', async () => {
    const pack = langPack('engelsk-2', FSIII, FSIII_CODE, 'WRITTEN BY 101');
    const own = own101('med-tillaeg', 'kommune-101-med-tillaeg');
    await post('', token101, transaction([
      { method: 'PUT', url: `CodeSystem/${own.id}`, resource: own },
      { method: 'PUT', url: `CodeSystem/${pack.id}`, resource: pack },
    ])).expect(422);
    expect(await historyLength('CodeSystem', own.id!)).toBe(0);
    expect(await historyLength('CodeSystem', pack.id!)).toBe(0);
  });

  it('writes a language pack for its own catalog, which then gives that catalog its English displays', async () => {
    const own = own101('med-engelsk', 'kommune-101-med-engelsk');
    await put(`CodeSystem/${own.id}`, token101, own).expect(201);
    const pack = langPack('engelsk-egen', own.url!, '101-X', 'X in English');
    await put(`CodeSystem/${pack.id}`, token101, pack).expect(201);
    const res = await lookupEn(own.url!, '101-X').expect(200);
    expect((res.body as Parameters).parameter?.find((p) => p.name === 'display')?.valueString).toBe('X in English');
  });
});

describe('two servers on one store', () => {
  /** A store whose history answers only once both servers have asked: both see the id as never written. */
  class RacingStore extends MemoryStore {
    private waiting: (() => void)[] = [];
    racing = true;
    override async history(type: TerminologyType, id: string): Promise<StoredVersion[]> {
      const answer = await super.history(type, id);
      if (this.racing) await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.waiting.length === 2) for (const go of this.waiting.splice(0)) go();
      });
      return answer;
    }
  }

  it('let only one owner create a new id when both PUT it at once; the other gets 409 and the history one owner', async () => {
    const shared = new RacingStore();
    const make = () => testApp({}, { store: shared });
    const [a, b] = [await make(), await make()];
    const id = 'raced';
    const answers = await Promise.all([
      inEnglish(a).put(`/fhir/CodeSystem/${id}`).set('Authorization', token147).type(JSON_TYPE).send({ ...localCodeSystem('147', 'raced', [{ code: 'A', display: 'A', type: 'indsats' }]), id }),
      inEnglish(b).put(`/fhir/CodeSystem/${id}`).set('Authorization', token101).type(JSON_TYPE).send(own101('raced', id)),
    ]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
    shared.racing = false;
    const history = await shared.history('CodeSystem', id);
    expect(history).toHaveLength(1);
  });
});

describe('a store written before these rules', () => {
  it('starts, names what breaks them, serves the published catalog instead of a written version of it, and lets the owners clean up', async () => {
    const old = new MemoryStore();
    const fsiii99: CodeSystem = { resourceType: 'CodeSystem', id: 'fsiii-99', url: FSIII, version: '99', status: 'active', content: 'complete', concept: [{ code: 'x' }] };
    const pack: CodeSystem = {
      ...localCodeSystem('101', 'engelsk', [{ code: FSIII_CODE, display: 'WRITTEN BY 101', type: 'indsats' }]),
      language: 'en', content: 'supplement', supplements: FSIII,
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type', valueCode: 'lang-pack' }],
    };
    await old.apply([{ kind: 'create', resource: fsiii99 }, { kind: 'create', resource: own101('squat', 'kommune-147-lokale-indsatser') }, { kind: 'create', resource: pack }]);
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const legacy = await testApp({}, { store: old, logger: pino({ level: 'warn' }, sink) });
    const warnings = lines.map((l) => JSON.parse(l).msg as string).filter((m) => m.startsWith('written resource against the write rules'));
    expect(warnings).toEqual([
      expect.stringMatching(/CodeSystem\/fsiii-99 is not served: urn:oid:1\.2\.208\.176\.2\.21 is a canonical of KL's published catalogs/),
      expect.stringMatching(/CodeSystem\/kommune-147-lokale-indsatser: The id kommune-147-lokale-indsatser is reserved for Frederiksberg Kommune's resources/),
      expect.stringMatching(/CodeSystem\/kommune-101-engelsk is not served: A municipality supplements only its own catalogs/),
    ]);
    const lookup = await inEnglish(legacy).get('/fhir/CodeSystem/$lookup').query({ system: FSIII, code: FSIII_CODE }).expect(200);
    expect(JSON.stringify(lookup.body)).not.toContain('WRITTEN BY 101');
    expect((lookup.body as Parameters).parameter?.find((p) => p.name === 'version')?.valueString).toBe('20240530');
    await inEnglish(legacy).get('/fhir/CodeSystem/kommune-147-lokale-indsatser').expect(200);
    await inEnglish(legacy).delete('/fhir/CodeSystem/kommune-147-lokale-indsatser').set('Authorization', token101).expect(403);
    await inEnglish(legacy).put('/fhir/CodeSystem/kommune-147-lokale-indsatser').set('Authorization', token147).type(JSON_TYPE)
      .send(localCodeSystem('147', 'lokale-indsatser', [{ code: '147-A', display: 'A', type: 'indsats' }])).expect(200);
    await inEnglish(legacy).delete('/fhir/CodeSystem/fsiii-99').set('Authorization', adminToken).expect(200);
    expect((await old.history('CodeSystem', 'fsiii-99')).map((v) => v.method)).toEqual(['delete', 'create']);
  });
});
