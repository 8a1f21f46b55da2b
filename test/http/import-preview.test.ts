import type { Bundle, CodeSystem, ConceptMap, OperationOutcome, Parameters } from 'fhir/r4';
import { inEnglish } from '../support/english';
import { type App } from '../../src/app';
import { CODES, tokenFor } from '../support/local';
import { testApp } from '../support/app';
import { newCodeSystem, newConceptMap } from '../../web/src/local-model';

/** CodeSystem/$import-local with preview=true (plan, nothing written) and mode=merge (add and update only). */

const JSON_TYPE = 'application/fhir+json';
let app: App;
let token: string;

beforeAll(async () => {
  app = await testApp();
  token = await tokenFor({ kommunekode: '240' });
});

function post(csv: string, extra: Parameters['parameter'] = []) {
  return inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({
    resourceType: 'Parameters',
    parameter: [{ name: 'csv', valueString: csv }, ...extra],
  });
}

const codesOf = (p: Parameters, name: string) => (p.parameter ?? []).filter((x) => x.name === name)
  .map((x) => x.part?.find((y) => y.name === 'code')?.valueCode);

async function storedCodes(): Promise<string[]> {
  const res = await inEnglish(app).get('/fhir/CodeSystem').query({ identifier: '240' }).expect(200);
  const cs = (res.body as Bundle).entry?.[0]?.resource as CodeSystem | undefined;
  return cs?.concept?.map((c) => c.code) ?? [];
}

const FIRST = ['kode;titel;type;maal', `240-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, `240-KOST;Kost;indsats;${CODES.kostvejledning}`].join('\n');
const SECOND = ['kode;titel;type;maal', `240-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, `240-NY;Ny;indsats;${CODES.fysiskTraening140}`].join('\n');

describe('CodeSystem/$import-local preview and merge', () => {
  it('previews a first import: everything added, nothing written', async () => {
    const res = await post(FIRST, [{ name: 'preview', valueBoolean: true }]).expect(200);
    const plan = res.body as Parameters;
    expect(plan.resourceType).toBe('Parameters');
    expect(codesOf(plan, 'added')).toEqual(['240-BOLD', '240-KOST']);
    expect(plan.parameter?.find((p) => p.name === 'mode')?.valueCode).toBe('replace');
    expect(await storedCodes()).toEqual([]);
    await post(FIRST).expect(200);
    expect(await storedCodes()).toEqual(['240-BOLD', '240-KOST']);
    // the new catalog and its map are titled with the municipality's name, as the web page's editor titles them
    const cs = (await inEnglish(app).get('/fhir/CodeSystem/kommune-240-lokale-indsatser').expect(200)).body as CodeSystem;
    expect([cs.title, cs.publisher]).toEqual(['Egedal Kommune – lokale indsatser og tilbud (lokale-indsatser)', 'Egedal Kommune']);
    const cm = (await inEnglish(app).get('/fhir/ConceptMap/kommune-240-lokale-indsatser').expect(200)).body as ConceptMap;
    expect([cm.title, cm.publisher]).toEqual(['Egedal Kommune – lokale indsatser og tilbud til fælleskommunale indsatser (lokale-indsatser)', 'Egedal Kommune']);
    expect(newCodeSystem('240', 'lokale-indsatser').title).toBe(cs.title);
    expect(newConceptMap('240', 'lokale-indsatser', cs).title).toBe(cm.title);
  });

  it('previews a replace: names the code that would be removed, and writes nothing', async () => {
    const plan = (await post(SECOND, [{ name: 'preview', valueBoolean: true }, { name: 'mode', valueCode: 'replace' }]).expect(200)).body as Parameters;
    expect(codesOf(plan, 'removed')).toEqual(['240-KOST']);
    // KOST came by the import: not flagged as made elsewhere
    expect(plan.parameter?.find((p) => p.name === 'removed')?.part?.some((p) => p.name === 'madeOutsideImport')).toBe(false);
    expect(codesOf(plan, 'added')).toEqual(['240-NY']);
    expect(plan.parameter?.find((p) => p.name === 'unchanged')?.valueInteger).toBe(1);
    expect(await storedCodes()).toEqual(['240-BOLD', '240-KOST']);
  });

  it('merges: adds and updates, keeps the codes the file does not name', async () => {
    const plan = (await post(SECOND, [{ name: 'preview', valueBoolean: true }, { name: 'mode', valueCode: 'merge' }]).expect(200)).body as Parameters;
    expect(codesOf(plan, 'removed')).toEqual([]);
    expect(plan.parameter?.find((p) => p.name === 'kept')?.valueInteger).toBe(1);
    const done = (await post(SECOND, [{ name: 'mode', valueCode: 'merge' }]).expect(200)).body as OperationOutcome;
    expect(done.issue[0]?.details?.text).toContain('added 1, changed 0, removed 0, unchanged 1, kept 1');
    expect(await storedCodes()).toEqual(['240-BOLD', '240-NY', '240-KOST']);
    const t = (await inEnglish(app).get('/fhir/ConceptMap/$translate')
      .query({ system: 'http://faelles-tx.dk/fhir/kommune/240/CodeSystem/lokale-indsatser', code: '240-KOST' }).expect(200)).body as Parameters;
    expect(t.parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(true);
  });

  it('a preview carries the warnings the import would give (a retired target) and an error file is 422 as without preview', async () => {
    const retired = `kode;titel;type;maal\n240-RYG;Rygestop;indsats;${CODES.tobaksafvaenningRetired}`;
    const plan = (await post(retired, [{ name: 'preview', valueBoolean: true }, { name: 'mode', valueCode: 'merge' }]).expect(200)).body as Parameters;
    const issues = plan.parameter?.find((p) => p.name === 'issues')?.resource as OperationOutcome;
    expect(issues.issue.some((i) => i.severity === 'warning')).toBe(true);
    await post('kode;titel;type;maal\n240-X;X;forløb;Kostvejledning', [{ name: 'preview', valueBoolean: true }]).expect(422);
    expect(await storedCodes()).toEqual(['240-BOLD', '240-NY', '240-KOST']);
  });

  it('creates a catalog under a new id when another of the municipality\'s catalogs holds kommune-{kode}-{name}', async () => {
    const other = { ...newCodeSystem('240', 'andet'), id: 'kommune-240-holdt' };
    await inEnglish(app).put('/fhir/CodeSystem/kommune-240-holdt').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(other).expect(201);
    const named = [{ name: 'name', valueString: 'holdt' }];
    // a preview and the import itself (before, both 412 "changed during the import", however often tried)
    expect(codesOf((await post(FIRST, [...named, { name: 'preview', valueBoolean: true }]).expect(200)).body as Parameters, 'added')).toEqual(['240-BOLD', '240-KOST']);
    await post(FIRST, named).expect(200);
    const url = 'http://faelles-tx.dk/fhir/kommune/240/CodeSystem/holdt';
    const found = ((await inEnglish(app).get('/fhir/CodeSystem').query({ url }).expect(200)).body as Bundle).entry ?? [];
    expect(found).toHaveLength(1);
    expect(found[0]!.resource!.id).not.toBe('kommune-240-holdt');
    expect((found[0]!.resource as CodeSystem).concept?.map((c) => c.code)).toEqual(['240-BOLD', '240-KOST']);
    expect(((await inEnglish(app).get('/fhir/CodeSystem/kommune-240-holdt').expect(200)).body as CodeSystem).url).toBe(other.url);
    // the next import finds the catalog by its url, under the id it was given
    await post(SECOND, [...named, { name: 'mode', valueCode: 'merge' }]).expect(200);
    expect(((await inEnglish(app).get(`/fhir/CodeSystem/${found[0]!.resource!.id}`).expect(200)).body as CodeSystem).concept?.map((c) => c.code).sort())
      .toEqual(['240-BOLD', '240-KOST', '240-NY']);
  });

  it('gives a catalog deleted and imported again its own id back', async () => {
    const named = [{ name: 'name', valueString: 'tilbage' }];
    await post(FIRST, named).expect(200);
    for (const type of ['CodeSystem', 'ConceptMap']) {
      await inEnglish(app).delete(`/fhir/${type}/kommune-240-tilbage`).set('Authorization', `Bearer ${token}`).expect(200);
    }
    await post(SECOND, named).expect(200);
    const cs = (await inEnglish(app).get('/fhir/CodeSystem/kommune-240-tilbage').expect(200)).body as CodeSystem;
    expect(cs.concept?.map((c) => c.code).sort()).toEqual(['240-BOLD', '240-NY']);
    await inEnglish(app).get('/fhir/ConceptMap/kommune-240-tilbage').expect(200);
  });

  it('records a refused import of a catalog under a new id against that id', async () => {
    const id = ((await inEnglish(app).get('/fhir/CodeSystem').query({ url: 'http://faelles-tx.dk/fhir/kommune/240/CodeSystem/holdt' }).expect(200)).body as Bundle).entry![0]!.resource!.id!;
    await post('kode;titel;type;maal\n240-X;X;forkert;x\n', [{ name: 'name', valueString: 'holdt' }]).expect(422);
    const admin = `Bearer ${await tokenFor({ scope: 'admin' })}`;
    const events = (await inEnglish(app).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${id}` }).set('Authorization', admin).expect(200)).body as Bundle;
    expect(events.entry?.some((e) => (e.resource as { outcome?: string }).outcome !== '0')).toBe(true);
    const holder = (await inEnglish(app).get('/fhir/AuditEvent').query({ entity: 'CodeSystem/kommune-240-holdt' }).set('Authorization', admin).expect(200)).body as Bundle;
    expect(holder.entry?.every((e) => (e.resource as { outcome?: string }).outcome === '0')).toBe(true);
  });

  it("takes a status by its Danish name, as the web page shows it, in any case; another word is an error naming both languages' names", async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '241' })}`;
    const target = CODES.fysiskTraening119;
    const csv = ['kode;titel;type;maal;status', `241-A;A;indsats;${target};Aktiv`, `241-B;B;indsats;${target};udgået`,
      `241-C;C;indsats;${target};på vej ud`, `241-D;D;indsats;${target};UDGÅENDE`, `241-E;E;indsats;${target};kladde`, `241-F;F;indsats;${target};retired`].join('\n');
    const send = (text: string) => inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', auth).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: text }] });
    await send(csv).expect(200);
    const res = await inEnglish(app).get('/fhir/CodeSystem').query({ identifier: '241' }).expect(200);
    const cs = (res.body as Bundle).entry![0]!.resource as CodeSystem;
    expect(cs.concept!.map((c) => [c.code, c.property!.find((p) => p.code === 'status')!.valueCode])).toEqual([
      ['241-A', 'active'], ['241-B', 'retired'], ['241-C', 'deprecated'], ['241-D', 'deprecated'], ['241-E', 'draft'], ['241-F', 'retired'],
    ]);
    const refused = await send(`kode;titel;type;maal;status\n241-A;A;indsats;${target};gammel`).expect(422);
    expect(JSON.stringify(refused.body)).toContain("status 'gammel' must be one of active, draft, retired, deprecated (or its Danish name: aktiv, kladde, udgået, udgående)");
  });

  it('answers an unknown mode with 400', async () => {
    const res = await post(FIRST, [{ name: 'mode', valueCode: 'flet' }]).expect(400);
    expect((res.body as OperationOutcome).issue[0]?.expression).toEqual(['mode']);
  });

  it('flags a code that would be removed and was made by another write than an import (the editor)', async () => {
    const token250 = await tokenFor({ kommunekode: '250' });
    const send = (csv: string, extra: Parameters['parameter'] = []) => inEnglish(app).post('/fhir/CodeSystem/$import-local')
      .set('Authorization', `Bearer ${token250}`).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }, ...extra] });
    await send(`kode;titel;type;maal\n250-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}\n250-KOST;Kost;indsats;${CODES.kostvejledning}`).expect(200);
    const cs = (await inEnglish(app).get('/fhir/CodeSystem/kommune-250-lokale-indsatser').expect(200)).body as CodeSystem;
    expect(cs.meta?.tag?.map((t) => t.code)).toEqual(['import-local']);
    // what the web page's editor sends: the code system without the server's meta
    const edited = { ...cs, meta: undefined, concept: [...cs.concept!, { code: '250-EDITOR', display: 'Lavet i redigeringen', property: [{ code: 'type', valueCode: 'indsats' }] }] };
    await inEnglish(app).put('/fhir/CodeSystem/kommune-250-lokale-indsatser').set('Authorization', `Bearer ${token250}`).type(JSON_TYPE).send(edited).expect(200);
    const plan = (await send(`kode;titel;type;maal\n250-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, [{ name: 'preview', valueBoolean: true }]).expect(200)).body as Parameters;
    const removed = (plan.parameter ?? []).filter((p) => p.name === 'removed').map((p) => [
      p.part?.find((x) => x.name === 'code')?.valueCode, p.part?.find((x) => x.name === 'madeOutsideImport')?.valueBoolean === true]);
    expect(removed).toEqual([['250-KOST', false], ['250-EDITOR', true]]);
  });

  it('an import confirmed from a preview is refused (412) when the catalog changed since, and writes nothing', async () => {
    const token260 = await tokenFor({ kommunekode: '260' });
    const send = (csv: string, extra: Parameters['parameter'] = []) => inEnglish(app).post('/fhir/CodeSystem/$import-local')
      .set('Authorization', `Bearer ${token260}`).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }, ...extra] });
    const csv = `kode;titel;type;maal\n260-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`;
    const first = (await send(csv, [{ name: 'preview', valueBoolean: true }]).expect(200)).body as Parameters;
    expect(first.parameter?.find((p) => p.name === 'basedOn')?.valueString).toBe('0');
    await send(csv, [{ name: 'basedOn', valueString: '0' }]).expect(200);
    const plan = (await send(csv, [{ name: 'preview', valueBoolean: true }, { name: 'mode', valueCode: 'replace' }]).expect(200)).body as Parameters;
    const basedOn = plan.parameter?.find((p) => p.name === 'basedOn')?.valueString;
    expect(basedOn).toBe('1');
    // someone imports (or edits) in between
    await send(`${csv}\n260-NY;Ny;indsats;${CODES.kostvejledning}`).expect(200);
    const refused = await send(csv, [{ name: 'mode', valueCode: 'replace' }, { name: 'basedOn', valueString: basedOn! }]).expect(412);
    expect((refused.body as OperationOutcome).issue[0]?.code).toBe('conflict');
    const cs = (await inEnglish(app).get('/fhir/CodeSystem/kommune-260-lokale-indsatser').expect(200)).body as CodeSystem;
    expect(cs.concept?.map((c) => c.code)).toEqual(['260-BOLD', '260-NY']);
  });
});

describe('a file with problems of both kinds', () => {
  it("is refused with its rows' problems and the write rules' problems of the other rows at once, each line said once", async () => {
    const csv = ['kode;titel;type;maal',
      '240-A;A;indsats;findes-ikke', // line 2: a target that is not a common code or title
      `240-B;B;indsats;${CODES.fysiskTraening119};${CODES.kostvejledning}`, // line 3: an intervention mapped twice
      `240-C;C;indsats;${CODES.kostvejledning}`,
      '240-D;D;tilbud;', // line 5: an offer without a target
    ].map((l, i) => (i === 2 ? l.replace(/;([^;]+;[^;]+)$/, ';"$1"') : l)).join('\n');
    for (const extra of [[{ name: 'preview', valueBoolean: true }], []] as Parameters['parameter'][]) {
      const res = await post(csv, extra).expect(422);
      const lines = (res.body as OperationOutcome).issue.filter((i) => i.severity === 'error')
        .map((i) => i.extension?.find((e) => e.url.endsWith('operationoutcome-issue-line'))?.valueInteger);
      expect(lines).toEqual([2, 3, 5]);
    }
    expect(await storedCodes()).not.toContain('240-C');
  });
});
