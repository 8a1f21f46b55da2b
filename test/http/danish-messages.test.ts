import type { Bundle, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { type App } from '../../src/app';
import { KOMMUNEKODE_SYSTEM, municipalId, municipalUrl } from '../../src/municipal/municipality';
import { CODES, sampleCatalog, tokenFor } from '../support/local';
import { FSIII, testApp } from '../support/app';
import { issueTranslated } from '../support/translation';

/**
 * The server's write, sign-in, conflict and import messages in Danish for a caller that asks for Danish
 * (Accept-Language: da, as the web page does), with the English text as a translation; English otherwise.
 */
const JSON_TYPE = 'application/fhir+json';
let app: App;

beforeAll(async () => {
  app = await testApp();
});

/** An issue's text and the English it carries as a translation (undefined when it has none). */
function textOf(issue: OperationOutcome['issue'][number] | undefined): { text?: string; translation?: string } {
  const { text, translation } = issueTranslated(issue);
  return { text, translation };
}

function first(outcome: OperationOutcome): { text?: string; translation?: string } {
  return textOf(outcome.issue[0]);
}

function csvParameters(csv: Buffer | string): Parameters {
  const data = (typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv).toString('base64');
  return { resourceType: 'Parameters', parameter: [{ name: 'csv', valueAttachment: { contentType: 'text/csv', data } }] };
}

describe('messages for a caller that asks for Danish', () => {
  it("the page's sign-in names the municipality from the list of kommunekoder, and says an expired token in Danish", async () => {
    const res = await request(app).get('/app/api/session').set('Authorization', `Bearer ${await tokenFor({ kommunekode: '751' })}`).expect(200);
    expect(res.body).toMatchObject({ kommunekode: '751', kommunenavn: 'Aarhus Kommune' });
    const expired = await tokenFor({ kommunekode: '751' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const refused = await request(app).get('/app/api/session').set('Authorization', `Bearer ${expired}`).set('Accept-Language', 'da').expect(401);
    expect(first(refused.body).text).toBe('Dit login er udløbet. Log ind igen med et nyt token.');
  });

  it('an expired token on a write: Danish unless English is asked for (municipal staff read it)', async () => {
    const token = await tokenFor({ kommunekode: '101' }, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    const { codeSystem } = sampleCatalog('101');
    const da = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE).set('Accept-Language', 'da')
      .set('Authorization', `Bearer ${token}`).send(codeSystem).expect(401);
    expect(first(da.body)).toEqual({ text: 'Dit login er udløbet. Log ind igen med et nyt token.', translation: 'The token has expired' });
    const en = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE).set('Accept-Language', 'en')
      .set('Authorization', `Bearer ${token}`).send(codeSystem).expect(401);
    expect(first(en.body)).toEqual({ text: 'The token has expired', translation: undefined });
    const unsaid = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE)
      .set('Authorization', `Bearer ${token}`).send(codeSystem).expect(401);
    expect(first(unsaid.body)).toEqual(first(da.body));
    // The challenge header stays ASCII English (RFC 6750).
    expect(da.headers['www-authenticate']).toContain('error_description="The token has expired"');
  });

  it('an If-Match version conflict names the versions in Danish', async () => {
    const token = await tokenFor({ kommunekode: '102' });
    const { codeSystem } = sampleCatalog('102');
    await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`).send(codeSystem).expect(201);
    await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('If-Match', 'W/"1"').send({ ...codeSystem, title: 'Ændret' }).expect(200);
    const res = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da-DK, en;q=0.5').set('If-Match', 'W/"1"').send({ ...codeSystem, title: 'Igen' }).expect(412);
    const m = first(res.body);
    expect(m.text).toBe(`CodeSystem/${codeSystem.id} er nu i version 2, ikke 1, som du hentede (If-Match): en anden har ændret den i mellemtiden.`);
    expect(m.translation).toContain('is at version 2, not 1 (If-Match)');
  });

  it('a PUT on a type without a search (400), a conditional delete that finds nothing and a delete of an id never written say so in Danish, and in English to a caller asking for English', async () => {
    const token = await tokenFor({ kommunekode: '151' });
    const { codeSystem } = sampleCatalog('151');
    const update = await request(app).put('/fhir/CodeSystem').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(codeSystem).expect(400);
    expect(first(update.body)).toEqual({
      text: 'PUT angiver ressourcen med dens id (PUT [type]/[id]) eller med en søgning (PUT [type]?[søgeparametre])',
      translation: 'PUT names its resource by id (PUT [type]/[id]) or by a search (PUT [type]?[search parameters])',
    });
    const del = await request(app).delete('/fhir/CodeSystem').query({ url: codeSystem.url }).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'en').expect(200);
    expect(first(del.body)).toEqual({ text: `No CodeSystem matches the search 'url=${codeSystem.url}'; nothing was deleted` });
    const never = await request(app).delete(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'da').expect(200);
    expect(first(never.body)).toEqual({ text: `CodeSystem/${codeSystem.id} findes ikke; intet er slettet`, translation: `CodeSystem/${codeSystem.id} does not exist; nothing was deleted` });
  });

  it("a write's own answer (a delete, Prefer: return=OperationOutcome) in Danish", async () => {
    const token = await tokenFor({ kommunekode: '153' });
    const { codeSystem } = sampleCatalog('153');
    const saved = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').set('Prefer', 'return=OperationOutcome').send(codeSystem).expect(201);
    expect(first(saved.body)).toEqual({ text: `Oprettet: CodeSystem/${codeSystem.id} (version 1)`, translation: `Created CodeSystem/${codeSystem.id} (version 1)` });
    const deleted = await request(app).delete(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'da').expect(200);
    expect(first(deleted.body)).toEqual({ text: `Slettet: CodeSystem/${codeSystem.id} (version 2)`, translation: `Deleted CodeSystem/${codeSystem.id} (version 2)` });
    const again = await request(app).delete(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'en').expect(200);
    expect(first(again.body)).toEqual({ text: `CodeSystem/${codeSystem.id} was already deleted` });
    const unsaid = await request(app).delete(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(first(unsaid.body)).toEqual({ text: `CodeSystem/${codeSystem.id} var allerede slettet`, translation: `CodeSystem/${codeSystem.id} was already deleted` });
  });

  it("another municipality's catalog is refused in Danish", async () => {
    const token = await tokenFor({ kommunekode: '103' });
    const { codeSystem } = sampleCatalog('104');
    const res = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(codeSystem).expect(403);
    expect(first(res.body).text).toMatch(/tilhører kommune 104; dit token må kun ændre kommune 103's kataloger/);
  });

  it("names whose catalogs a token may change by the municipality's name, in the genitive (Frederiksberg Kommunes)", async () => {
    const { codeSystem } = sampleCatalog('101');
    const put = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Content-Type', JSON_TYPE)
      .set('Authorization', `Bearer ${await tokenFor({ kommunekode: '147' })}`).set('Accept-Language', 'da').send(codeSystem).expect(403);
    expect(first(put.body).text).toMatch(/dit token må kun ændre Frederiksberg Kommunes kataloger\.$/);
    const imported = await request(app).post('/fhir/CodeSystem/$import-local?kommunekode=147').set('Content-Type', JSON_TYPE)
      .set('Authorization', `Bearer ${await tokenFor({ kommunekode: '101' })}`).set('Accept-Language', 'da')
      .send(csvParameters('kode;titel;type;maal\n147-A;Gåtur;indsats;Fysisk træning\n')).expect(403);
    expect(first(imported.body)).toEqual({
      text: 'Dit token må kun ændre Københavns Kommunes kataloger, ikke Frederiksberg Kommunes.',
      translation: "The token may write only Københavns Kommune's resources, not Frederiksberg Kommune's",
    });
  });

  it('CSV import: a control character in a title is one issue on its line, though the catalog and its map both hold the title', async () => {
    const token = await tokenFor({ kommunekode: '108' });
    const res = await request(app).post('/fhir/CodeSystem/$import-local').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(csvParameters(`kode;titel;type;maal\n108-A;Gå\u0007tur;indsats;${CODES.fysiskTraening119}\n`)).expect(422);
    const errors = (res.body as OperationOutcome).issue.filter((i) => i.severity === 'error');
    expect(errors.map((i) => [i.extension?.find((e) => e.url.endsWith('operationoutcome-issue-line'))?.valueInteger, textOf(i).text])).toEqual([
      [2, 'Ikke gyldig FHIR R4: værdien indeholder et kontroltegn (kun tabulator, linjeskift og vognretur er tilladt i FHIR-tekst)'],
    ]);
    expect((res.body as OperationOutcome).issue.map((i) => i.details?.text)).toContain('Ikke importeret: 1 fejl; intet blev gemt.');
  });

  it('CSV import: wrong encoding and an ambiguous title in Danish, with the line', async () => {
    const token = await tokenFor({ kommunekode: '105' });
    const latin1 = Buffer.from('kode;titel;type;maal\n105-A;Gåtur;indsats;Fysisk træning\n', 'latin1');
    const enc = await request(app).post('/fhir/CodeSystem/$import-local').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(csvParameters(latin1)).expect(422);
    expect(first(enc.body).text).toMatch(/^Filen er ikke gemt som UTF-8/);
    expect(first(enc.body).translation).toBe('The file is not UTF-8 encoded; save it as UTF-8 (CSV UTF-8)');
    const outcome = enc.body as OperationOutcome;
    expect(outcome.issue.at(-1)?.details?.text).toBe('Ikke importeret: 1 fejl; intet blev gemt.');

    const ambiguous = await request(app).post('/fhir/CodeSystem/$import-local').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(csvParameters('kode;titel;type;maal\n105-A;Gåtur;indsats;Fysisk træning\n')).expect(422);
    const issue = (ambiguous.body as OperationOutcome).issue[0]!;
    expect(issue.details?.text).toMatch(/^maal: 'Fysisk træning' er titlen på 2 fælleskommunale begreber; skriv koden i stedet: /);
    expect(issue.extension?.[0]?.valueInteger).toBe(2);
    // The command line's English stays in diagnostics.
    expect(issue.diagnostics).toMatch(/^line 2: maal 'Fysisk træning' names 2 common concepts/);
  });
});

describe('CSV files the parser refuses: Danish only, on the line a reader sees', () => {
  const TARGET = CODES.fysiskTraening119;
  const importCsv = async (csv: string, lang?: string) => {
    const token = await tokenFor({ kommunekode: '155' });
    const req = request(app).post('/fhir/CodeSystem/$import-local').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`);
    if (lang) req.set('Accept-Language', lang);
    const issue = ((await req.send(csvParameters(csv)).expect(422)).body as OperationOutcome).issue[0]!;
    return { ...textOf(issue), line: issue.extension?.[0]?.valueInteger, diagnostics: issue.diagnostics };
  };

  it.each([
    ['a quote not closed', `kode,titel,type,maal\n155-A,A,indsats,"${TARGET}\n`, 2, 'Filen er ikke gyldig CSV: et anførselstegn i linje 2 lukkes ikke.'],
    ['a quote inside an unquoted field', `kode,titel,type,maal\r\n155-A,"to\r\nlinjer",indsats,${TARGET}\r\n155-B,B,ind"sats,${TARGET}\r\n`, 4,
      'Filen er ikke gyldig CSV: linje 4 har et anførselstegn inde i et felt, der ikke begynder med et; sæt hele feltet i anførselstegn, og skriv anførselstegnene i det dobbelt ("").'],
    ['text after a closing quote', `kode,titel,type,maal\r\n155-A,"B\r\n""x"" y" z,indsats,${TARGET}\r\n`, 3,
      'Filen er ikke gyldig CSV: i linje 3 fortsætter et felt efter sit afsluttende anførselstegn; skriv anførselstegnene inde i feltet dobbelt ("").'],
  ])('%s: in Danish words, the English as its translation and in diagnostics', async (_what, csv, line, da) => {
    const danish = await importCsv(csv, 'da');
    expect(danish.text).toBe(da);
    expect(danish.line).toBe(line);
    expect(danish.translation).toMatch(new RegExp(`^The file is not valid CSV: .*line ${line}`));
    expect(danish.diagnostics).toBe(`line ${line}: ${danish.translation}`);
    const english = await importCsv(csv, 'en');
    expect(english.text).toBe(danish.translation);
    expect(await importCsv(csv)).toEqual(danish);
  });

  it('a row is reported on its line whether lines end in CRLF, LF or CR, a line break inside a quoted field counted once', async () => {
    const rows = ['kode,titel,type,maal', `155-A,"to{nl}linjer",indsats,${TARGET}`, '155-B,B,indsats,ukendt-kode', ''];
    for (const nl of ['\r\n', '\n', '\r']) {
      const unknown = await importCsv(rows.join(nl).replace('{nl}', nl));
      expect(unknown.line).toBe(4);
      expect(unknown.diagnostics).toMatch(/^line 4: /);
    }
  });
});

describe('write validation in Danish', () => {
  it("a local intervention with two targets is refused in Danish, and a retired target's warning names the replacement in Danish", async () => {
    const token = await tokenFor({ kommunekode: '106' });
    const { codeSystem, conceptMap } = sampleCatalog('106');
    const two = structuredClone(conceptMap);
    two.group![0]!.element!.find((e) => e.code === '106-BOLD')!.target!.push({ code: CODES.kostvejledning, equivalence: 'subsumes' });
    const bundle = (cm: typeof conceptMap) => ({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } },
        { resource: cm, request: { method: 'PUT', url: `ConceptMap/${cm.id}` } },
      ],
    });
    const refused = await request(app).post('/fhir').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(bundle(two)).expect(422);
    const texts = (refused.body as OperationOutcome).issue.map((i) => i.details?.text);
    expect(texts).toContain(`Den lokale indsats '106-BOLD' er koblet til 2 begreber (${CODES.fysiskTraening119}, ${CODES.kostvejledning}); ` +
      'en lokal indsats kobles til præcis én fælleskommunal indsats (niveau 2).');

    const retired = structuredClone(conceptMap);
    retired.group![0]!.element!.find((e) => e.code === '106-BOLD')!.target = [{ code: CODES.tobaksafvaenningRetired, equivalence: 'subsumes' }];
    const saved = await request(app).post('/fhir').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(bundle(retired)).expect(200);
    const warnings = ((saved.body as Bundle).entry ?? []).flatMap((e) => (e.response?.outcome as OperationOutcome | undefined)?.issue ?? [])
      .filter((i) => i.severity === 'warning').map((i) => i.details?.text);
    expect(warnings).toContain(`Målet '${CODES.tobaksafvaenningRetired}' (Tobaksafvænning) for '106-BOLD' er udgået; ` +
      `brug i stedet ${CODES.nikotin} (Nikotin- og tobaksafvænning).`);
  });
});

describe('the reason a map\'s own target value set cannot be evaluated', () => {
  it('is given in Danish to a Danish caller, not as the English of the error, which the English text keeps', async () => {
    const token = await tokenFor({ kommunekode: '107' });
    const { codeSystem, conceptMap } = sampleCatalog('107');
    const unknown = 'http://example.org/fhir/ValueSet/not-known';
    const scope = {
      resourceType: 'ValueSet', id: municipalId('107', 'maal'), url: municipalUrl('107', 'ValueSet', 'maal'), version: '1.0.0', status: 'active',
      identifier: [{ system: KOMMUNEKODE_SYSTEM, value: '107' }], compose: { include: [{ valueSet: [unknown] }] },
    };
    const map = { ...structuredClone(conceptMap), targetUri: scope.url };
    const bundle = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: codeSystem, request: { method: 'PUT', url: `CodeSystem/${codeSystem.id}` } },
        { resource: scope, request: { method: 'PUT', url: `ValueSet/${scope.id}` } },
        { resource: map, request: { method: 'PUT', url: `ConceptMap/${map.id}` } },
      ],
    };
    const saved = await request(app).post('/fhir').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(bundle).expect(200);
    const warning = ((saved.body as Bundle).entry ?? []).flatMap((e) => (e.response?.outcome as OperationOutcome | undefined)?.issue ?? [])
      .find((i) => i.code === 'processing');
    const pinned = `${FSIII}|20240530`;
    expect(textOf(warning)).toEqual({
      text: `Målværdisættet '${scope.url}' (med ${pinned}) kunne ikke beregnes (Værdisættet '${unknown}' kendes ikke); målkoderne er ikke kontrolleret mod det.`,
      translation: `The target value set '${scope.url}' (with ${pinned}) could not be evaluated (A definition for the value set '${unknown}' could not be found); ` +
        'target codes were not checked against it',
    });
  });
});

describe('the structural write rules in Danish', () => {
  const all = (outcome: OperationOutcome) => outcome.issue.map(textOf);

  it("url, the catalog's type property, group source and target, element code: each refusal in Danish with its English", async () => {
    const k = '107';
    const token = await tokenFor({ kommunekode: k });
    const { codeSystem, conceptMap } = sampleCatalog(k);
    const badCodeSystem = structuredClone(codeSystem);
    badCodeSystem.url = `http://faelles-tx.dk/fhir/kommune/${k}/CodeSystem/`;
    badCodeSystem.property = [];
    const badMap = structuredClone(conceptMap);
    badMap.group = [{ element: [{ target: [{ code: CODES.kostvejledning, equivalence: 'subsumes' }] }] }];
    for (const [resource, at] of [[badCodeSystem, `CodeSystem/${codeSystem.id}`], [badMap, `ConceptMap/${conceptMap.id}`]] as const) {
      const refused = await request(app).put(`/fhir/${at}`).set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
        .set('Accept-Language', 'da').send(resource).expect(422);
      const issues = all(refused.body as OperationOutcome);
      expect(issues.length).toBeGreaterThan(0);
      for (const i of issues) {
        expect(i.translation).toBeDefined();
        expect(i.text).not.toBe(i.translation);
      }
      const english = await request(app).put(`/fhir/${at}`).set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'en').send(resource);
      expect(all(english.body as OperationOutcome).map((i) => i.text)).toEqual(issues.map((i) => i.translation));
    }
  });
  it('one url|version written twice in a transaction: refused in Danish with its English', async () => {
    const k = '109';
    const token = await tokenFor({ kommunekode: k });
    const { codeSystem } = sampleCatalog(k);
    const twice = {
      resourceType: 'Bundle', type: 'transaction',
      entry: [codeSystem, { ...codeSystem, id: `${codeSystem.id}-copy` }].map((r) => ({ resource: r, request: { method: 'PUT', url: `CodeSystem/${r.id}` } })),
    };
    const refused = await request(app).post('/fhir').set('Content-Type', JSON_TYPE).set('Authorization', `Bearer ${token}`)
      .set('Accept-Language', 'da').send(twice).expect(422);
    const issues = (refused.body as OperationOutcome).issue.map(textOf);
    expect(issues.map((i) => i.text)).toContain(`${codeSystem.url}|${codeSystem.version} skrives to gange i samme transaktion.`);
    expect(issues.map((i) => i.translation)).toContain(`${codeSystem.url}|${codeSystem.version} is written twice in the same transaction`);
  });
});

describe('schema problems of a write', () => {
  it('are in Danish (the English as its translation) unless English is asked for', async () => {
    const auth = `Bearer ${await tokenFor({ kommunekode: '101' })}`;
    const { codeSystem } = sampleCatalog('101', 'skema');
    const bad = { ...codeSystem, status: 'bogus', foo: 1 };
    const da = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', auth).set('Accept-Language', 'da').type(JSON_TYPE).send(bad).expect(422);
    const texts = (da.body as OperationOutcome).issue.map((i) => i.details?.text);
    expect(texts).toContain("Ikke gyldig FHIR R4: har det ukendte element 'foo'");
    expect(texts).toContain('Ikke gyldig FHIR R4: har en værdi, der ikke er tilladt');
    const en = await request(app).put(`/fhir/CodeSystem/${codeSystem.id}`).set('Authorization', auth).set('Accept-Language', 'en').type(JSON_TYPE).send(bad).expect(422);
    expect((en.body as OperationOutcome).issue.map((i) => i.details?.text)).toContain('Not valid FHIR R4: must be equal to one of the allowed values');
  });
});
