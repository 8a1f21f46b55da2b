import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bundle, CodeSystem, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { inEnglish } from '../support/english';
import { type App } from '../../src/app';
import { ISSUE_LINE_EXTENSION } from '../../src/operations/import-local';
import { CODES, tokenFor } from '../support/local';
import { testApp } from '../support/app';

/** The web page's server side without a browser: the static route at /app, its session check and CodeSystem/$import-local. */

const JSON_TYPE = 'application/fhir+json';
let app: App;
let webDir: string;

beforeAll(async () => {
  webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-webdir-'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<html><head><meta name="fhir-base" content="{{FHIR_BASE}}"><script type="module" src="main.js"></script></head></html>');
  fs.writeFileSync(path.join(webDir, 'main.js'), 'console.log("page")');
  app = await testApp({}, { webDir });
});

afterAll(() => fs.rmSync(webDir, { recursive: true, force: true }));

function csvParameters(csv: string, extra: Parameters['parameter'] = []): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [{ name: 'csv', valueAttachment: { contentType: 'text/csv', data: Buffer.from(csv, 'utf8').toString('base64') } }, ...extra],
  };
}

describe('the page at /app', () => {
  it('redirects /app to /app/ and serves index.html with the FHIR base filled in', async () => {
    const redirect = await inEnglish(app).get('/app').expect(301);
    expect(redirect.headers.location).toBe('app/');
    const res = await inEnglish(app).get('/app/').expect(200).expect('Content-Type', /text\/html/);
    expect(res.text).toContain('<meta name="fhir-base" content="/fhir">');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it("serves the bundle under a self-only policy without upgrade-insecure-requests (the page works over an intranet's http)", async () => {
    const res = await inEnglish(app).get('/app/main.js').expect(200).expect('Content-Type', /javascript/);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).not.toContain('unsafe-inline');
  });

  it('answers 404 with an OperationOutcome for a file that is not there', async () => {
    const res = await inEnglish(app).get('/app/nothing.js').expect(404);
    expect((res.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  });

  it('says how to build the page when it has not been built', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-webdir-empty-'));
    try {
      const bare = await testApp({}, { webDir: empty });
      const res = await inEnglish(bare).get('/app/').expect(404);
      expect(JSON.stringify(res.body)).toContain('npm run build');
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('checks a token for the sign-in and names its municipality', async () => {
    await inEnglish(app).get('/app/api/session').expect(401).expect('WWW-Authenticate', /Bearer/);
    await inEnglish(app).get('/app/api/session').set('Authorization', 'Bearer not.a.token').expect(401);
    const expired = await tokenFor({ kommunekode: '101' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    await inEnglish(app).get('/app/api/session').set('Authorization', `Bearer ${expired}`).expect(401);
    const res = await inEnglish(app).get('/app/api/session').set('Authorization', `Bearer ${await tokenFor({ kommunekode: '101' })}`).expect(200);
    expect(res.body).toMatchObject({ kommunekode: '101', admin: false, bodyLimitBytes: 10 * 1024 * 1024 });
    await inEnglish(app).get('/app/api/other').expect(404);
  });
});

describe('CodeSystem/$import-local', () => {
  const good = ['kode;titel;type;maal', `230-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, `230-KOL;KOL-forløb;tilbud;"${CODES.sygdomshaandtering};Kostvejledning"`].join('\n');

  it('needs a token, and one of the municipality it imports for', async () => {
    await inEnglish(app).post('/fhir/CodeSystem/$import-local').type(JSON_TYPE).send(csvParameters(good)).expect(401);
    const other = await tokenFor({ kommunekode: '101' });
    const res = await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${other}`).type(JSON_TYPE)
      .send(csvParameters(good, [{ name: 'kommunekode', valueCode: '230' }])).expect(403);
    expect((res.body as OperationOutcome).issue[0]?.details?.text).toContain("Københavns Kommune's");
  });

  it('rejects a file with errors by line and writes nothing', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const csv = ['kode;titel;type;maal', `230-BOLD;Boldspil;indsats;${CODES.fysiskTraening119}`, '230-BOLD;Boldspil igen;indsats;Kostvejledning', '230-X;X;forløb;Kostvejledning'].join('\n');
    const res = await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send(csvParameters(csv)).expect(422);
    const outcome = res.body as OperationOutcome;
    const errors = outcome.issue.filter((i) => i.severity === 'error');
    const line = (i: OperationOutcome['issue'][number]) => i.extension?.find((e) => e.url === ISSUE_LINE_EXTENSION)?.valueInteger;
    expect(errors.map((i) => [line(i), i.details?.text])).toEqual([
      [3, "kode '230-BOLD' is already on line 2"],
      [4, "type 'forløb' must be indsats or tilbud"],
    ]);
    expect(errors[0]?.diagnostics).toBe("line 3: kode '230-BOLD' is already on line 2");
    // the same code with its å composed (one character) and decomposed (a and a combining ring) is one code
    const decomposed = ['kode;titel;type;maal', `230-SÅR;Sår;indsats;${CODES.fysiskTraening119}`, `230-SA\u030aR;Sår igen;indsats;${CODES.fysiskTraening119}`].join('\n');
    const twice = (await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send(csvParameters(decomposed)).expect(422)).body as OperationOutcome;
    expect(twice.issue.filter((i) => i.severity === 'error').map((i) => [line(i), i.details?.text])).toEqual([
      [3, "kode '230-SA\u030aR' is already on line 2 (the same letters, written with other Unicode characters)"],
    ]);
    const search = await inEnglish(app).get('/fhir/CodeSystem').query({ identifier: '230' }).expect(200);
    expect((search.body as Bundle).entry ?? []).toEqual([]);
  });

  it('imports a file, both resources, with the same rules as the command-line tool; $translate then answers', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const res = await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send(csvParameters(`\ufeff${good}`, [{ name: 'name', valueString: 'web-import' }])).expect(200);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ severity: 'information' });
    expect(outcome.issue[0]?.details?.text).toContain('Imported 2 rows for kommunekode 230');
    const cs = (await inEnglish(app).get('/fhir/CodeSystem/kommune-230-web-import').expect(200)).body as CodeSystem;
    expect(cs.concept?.map((c) => c.code)).toEqual(['230-BOLD', '230-KOL']);
    const t = (await inEnglish(app).get('/fhir/ConceptMap/$translate')
      .query({ system: 'http://faelles-tx.dk/fhir/kommune/230/CodeSystem/web-import', code: '230-KOL' }).expect(200)).body as Parameters;
    const targets = (t.parameter ?? []).filter((p) => p.name === 'match').map((m) => m.part?.find((x) => x.name === 'concept')?.valueCoding?.code);
    expect(targets.sort()).toEqual([CODES.kostvejledning, CODES.sygdomshaandtering].sort());
  });

  it("refuses to replace the published example's catalog, as the command-line tool does", async () => {
    const token = await tokenFor({ kommunekode: '370' });
    const res = await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send(csvParameters('kode;titel;type;maal\n370-NY;Ny;indsats;Kostvejledning\n')).expect(422);
    // its url is the published catalog's, under whatever id the import would write it
    expect(JSON.stringify(res.body)).toContain('http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser is a canonical of a published catalog');
    expect((await inEnglish(app).get('/fhir/CodeSystem').query({ url: 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser' }).expect(200)).body.total).toBe(1);
  });

  it('takes the file as a text/csv body, the other parameters in the URL, in the charset its Content-Type names', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const post = (query: string, type: string, body: string | Buffer) => inEnglish(app).post(`/fhir/CodeSystem/$import-local${query}`)
      .set('Authorization', `Bearer ${token}`).set('Content-Type', type).send(body);
    await inEnglish(app).post('/fhir/CodeSystem/$import-local?name=csv-body').set('Content-Type', 'text/csv').send(good).expect(401);
    const plan = (await post('?name=csv-body&preview=true', 'text/csv', good).expect(200)).body as Parameters;
    expect(plan.resourceType).toBe('Parameters');
    await inEnglish(app).get('/fhir/CodeSystem/kommune-230-csv-body').expect(404);
    // Excel's "CSV" on a Danish Windows: windows-1252, where ø is one byte
    const latin = Buffer.from(['kode;titel;type;maal', `230-LØB;Løb;indsats;${CODES.fysiskTraening119}`].join('\r\n'), 'latin1');
    const unnamed = (await post('?name=csv-body', 'text/csv', latin).expect(400)).body as OperationOutcome;
    expect(unnamed.issue[0]?.details?.text).toMatch(/^The CSV is not UTF-8 text; save it as UTF-8/);
    await inEnglish(app).get('/fhir/CodeSystem/kommune-230-csv-body').expect(404);
    const imported = (await post('?name=csv-body&version=2.0.0', 'text/csv; charset=windows-1252', latin).expect(200)).body as OperationOutcome;
    expect(imported.issue[0]?.details?.text).toContain('Imported 1 row for kommunekode 230');
    const cs = (await inEnglish(app).get('/fhir/CodeSystem/kommune-230-csv-body').expect(200)).body as CodeSystem;
    expect([cs.version, cs.concept?.map((c) => [c.code, c.display])]).toEqual(['2.0.0', [['230-LØB', 'Løb']]]);
    // the file once: in the body or as the parameter, not both
    await post(`?name=csv-body&csv=${encodeURIComponent(good)}`, 'text/csv', good).expect(400);
  });

  it("reads an attachment in the charset its contentType names, as a text/csv body in its Content-Type's; without one, as UTF-8", async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const latin = Buffer.from(['kode;titel;type;maal', `230-LØB;Løb;indsats;${CODES.fysiskTraening119}`].join('\r\n'), 'latin1');
    const post = (contentType: string, bytes: Buffer, name: string) => inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`)
      .type(JSON_TYPE).send({ resourceType: 'Parameters', parameter: [
        { name: 'csv', valueAttachment: { contentType, data: bytes.toString('base64') } }, { name: 'name', valueString: name }] });
    // unnamed: UTF-8, and the file is not
    const unnamed = (await post('text/csv', latin, 'attachment-charset').expect(422)).body as OperationOutcome;
    expect(unnamed.issue[0]?.details?.text).toBe('The file is not UTF-8 encoded; save it as UTF-8 (CSV UTF-8)');
    const imported = (await post('text/csv; charset=windows-1252', latin, 'attachment-charset').expect(200)).body as OperationOutcome;
    expect(imported.issue[0]?.details?.text).toContain('Imported 1 row for kommunekode 230');
    const cs = (await inEnglish(app).get('/fhir/CodeSystem/kommune-230-attachment-charset').expect(200)).body as CodeSystem;
    expect(cs.concept?.map((c) => [c.code, c.display])).toEqual([['230-LØB', 'Løb']]);
    // a charset named wrongly, or one the server does not read, is said of the attachment (400), nothing imported
    const wrong = (await post('text/csv; charset=utf-8', latin, 'attachment-wrong').expect(400)).body as OperationOutcome;
    expect(wrong.issue[0]?.details?.text).toBe('The CSV is not UTF-8 text; save it as UTF-8 (in Excel: "CSV UTF-8"), or name its charset in the attachment\'s contentType (text/csv; charset=windows-1252)');
    const unknown = (await post('text/csv; charset=x-nothing', latin, 'attachment-wrong').expect(400)).body as OperationOutcome;
    expect(unknown.issue[0]).toMatchObject({ code: 'invalid', expression: ['csv'] });
    expect(unknown.issue[0]?.details?.text).toBe('The charset x-nothing of the attachment is not one the server reads');
    await inEnglish(app).get('/fhir/CodeSystem/kommune-230-attachment-wrong').expect(404);
  });

  it('refuses attachment data that is not base64 (400), however long, in time proportional to it', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const post = (data: string) => inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`)
      .type(JSON_TYPE).send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueAttachment: { contentType: 'text/csv', data } }] });
    for (const data of ['!!!', `${' '.repeat(60_000)}!`]) {
      const started = Date.now();
      const res = (await post(data).expect(400)).body as OperationOutcome;
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.issue[0]?.details?.text).toBe("Parameter 'csv' needs valueAttachment.data (base64) or valueString");
    }
  });

  it('refuses a name that is not a local name saying what is wrong with it, in English and Danish', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const post = (name: string, language: string) => request(app).post(`/fhir/CodeSystem/$import-local?name=${encodeURIComponent(name)}`)
      .set('Authorization', `Bearer ${token}`).set('Accept-Language', language).set('Content-Type', 'text/csv').send(good);
    const rule = { en: "a name is 1–52 letters (a–z), digits, '-' or '.', starting with a letter or digit", da: "et navn er 1–52 bogstaver (a–z), tal, '-' eller '.', og det begynder med et bogstav eller tal." };
    for (const [name, en, da] of [
      ['..', "starts with '.'", "begynder med '.'"], ['-a', "starts with '-'", "begynder med '-'"], ['a b', "has the character ' '", "har tegnet ' '"],
      ['ø', "has the character 'ø'", "har tegnet 'ø'"], ['a'.repeat(53), 'is 53 characters long', 'er 53 tegn langt'],
    ]) {
      const english = (await post(name!, 'en').expect(422)).body as OperationOutcome;
      expect(english.issue[0]?.details?.text).toBe(`The name '${name}' ${en}; ${rule.en}`);
      const danish = (await post(name!, 'da').expect(422)).body as OperationOutcome;
      expect(danish.issue[0]?.details?.text).toBe(`Navnet '${name}' ${da}; ${rule.da}`);
    }
  });

  it('answers a body that is not Parameters with the file, 400', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send({ resourceType: 'Basic' }).expect(400);
    await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'x' }] }).expect(400);
  });
});
