import type { OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { type App } from '../../src/app';
import { TRANSLATION_EXTENSION } from '../../src/errors/issue';
import { FFB, FSIII, testApp } from '../support/app';
import { issueTranslated, translated, type Translated, type TranslationElement } from '../support/translation';

/**
 * The terminology operations' messages in Danish for a caller whose first Accept-Language is Danish, with the
 * English text as a translation; the English text alone (as the HL7 terminology test suites expect it) otherwise.
 */
const VS_119 = 'http://fhir.kl.dk/prevention/ValueSet/KLInterventionCodes119';
/** Tobaksafvænning, a retired §119 intervention of FSIII */
const TOBAK = 'c203c6b5-3be0-40a8-8204-e93751deabf5';
let app: App;

beforeAll(async () => {
  app = await testApp();
});

function firstIssue(outcome: OperationOutcome): Translated {
  return issueTranslated(outcome.issue[0]);
}

function messageOf(p: Parameters): Translated {
  const m = p.parameter?.find((x) => x.name === 'message') as { valueString?: string; _valueString?: TranslationElement } | undefined;
  return translated(m?.valueString, m?._valueString);
}

function issuesOf(p: Parameters): OperationOutcome {
  return p.parameter?.find((x) => x.name === 'issues')?.resource as OperationOutcome;
}

const get = (path: string, lang?: string) => {
  const r = request(app).get(path);
  return lang ? r.set('Accept-Language', lang) : r;
};

/** The same request in Danish (da-DK) and without Accept-Language: the Danish text with the English as translation, and the English alone. */
async function bothLanguages(path: string, status: number): Promise<{ da: OperationOutcome; en: OperationOutcome }> {
  const da = await get(path, 'da-DK,da;q=0.9,en;q=0.5').expect(status);
  const en = await get(path).expect(status);
  const english = firstIssue(en.body);
  expect(english.translation).toBeUndefined();
  expect(firstIssue(da.body)).toMatchObject({ lang: 'en', translation: english.text });
  return { da: da.body, en: en.body };
}

const inline = (resource: unknown) => ({ name: 'valueSet', resource });

/** The same POST of Parameters in Danish and without Accept-Language (as bothLanguages). */
async function postBoth(path: string, parameter: unknown[], status: number, headers: Record<string, string> = {}): Promise<{ da: OperationOutcome; en: OperationOutcome }> {
  const send = (lang?: string) => request(app).post(path).set({ 'Content-Type': 'application/fhir+json', ...headers, ...(lang ? { 'Accept-Language': lang } : {}) })
    .send({ resourceType: 'Parameters', parameter });
  const da = await send('da').expect(status);
  const en = await send().expect(status);
  expect(firstIssue(en.body).translation).toBeUndefined();
  expect(firstIssue(da.body)).toMatchObject({ lang: 'en', translation: firstIssue(en.body).text });
  return { da: da.body, en: en.body };
}

describe('terminology errors in Danish for a caller that asks for Danish', () => {
  it('$lookup of an unknown code', async () => {
    const { da, en } = await bothLanguages(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=nope`, 404);
    expect(firstIssue(en).text).toMatch(/^Unknown code 'nope' in the CodeSystem 'urn:oid:1.2.208.176.2.21' version '/);
    expect(firstIssue(da).text).toMatch(/^Ukendt kode 'nope' i kodesystemet 'urn:oid:1.2.208.176.2.21' version '/);
  });

  it('$lookup in an unknown code system', async () => {
    const { da } = await bothLanguages('/fhir/CodeSystem/$lookup?system=http://x.org/cs&code=a', 404);
    expect(firstIssue(da).text).toBe("Kodesystemet 'http://x.org/cs' kendes ikke, så koden kan ikke slås op");
  });

  it('$lookup with url|version in system, which is a uri: told where the version goes', async () => {
    const { da, en } = await bothLanguages(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(`${FSIII}|20240530`)}&code=B1`, 404);
    expect(firstIssue(en).text).toBe(`A definition for CodeSystem '${FSIII}|20240530' could not be found, so the code cannot be looked up ('system' is a uri: give the version in 'version')`);
    expect(firstIssue(da).text).toBe(`Kodesystemet '${FSIII}|20240530' kendes ikke, så koden kan ikke slås op ('system' er en uri: angiv versionen i 'version')`);
    await get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&version=20240530&code=B1`).expect(200);
  });

  it('$subsumes with url|version in system: told where the version goes, and an unknown version named', async () => {
    const { da, en } = await bothLanguages(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(`${FSIII}|20240530`)}&codeA=a&codeB=b`, 404);
    expect(firstIssue(en).text).toBe(`A definition for CodeSystem '${FSIII}|20240530' could not be found ('system' is a uri: give the version in 'version')`);
    expect(firstIssue(da).text).toBe(`Kodesystemet '${FSIII}|20240530' kendes ikke ('system' er en uri: angiv versionen i 'version')`);
    const { en: unknownVersion } = await bothLanguages(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(FSIII)}&version=1999&codeA=a&codeB=b`, 404);
    expect(firstIssue(unknownVersion).text).toBe(`A definition for CodeSystem '${FSIII}' version '1999' could not be found`);
  });

  it('$lookup, $expand and $subsumes of a supplement named as the code system: it is a supplement', async () => {
    const supplement = 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status';
    const { da, en } = await bothLanguages(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(supplement)}&code=a`, 400);
    expect(firstIssue(en).text).toBe(`CodeSystem ${supplement}|1.0.0 is a supplement, so can't be used as a value in Coding.system`);
    expect(firstIssue(da).text).toBe(`Kodesystemet ${supplement}|1.0.0 er et supplement og kan derfor ikke bruges som værdi i Coding.system`);
    const expand = await postBoth('/fhir/ValueSet/$expand', [inline({ resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: supplement }] } })], 400);
    expect(firstIssue(expand.en).text).toBe(firstIssue(en).text);
    expect(firstIssue(expand.da).text).toBe(firstIssue(da).text);
    const subsumes = await bothLanguages(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(supplement)}&codeA=a&codeB=b`, 400);
    expect(firstIssue(subsumes.en).text).toBe(firstIssue(en).text);
  });

  it('$lookup with useSupplement naming a supplement of another code system: whose supplement it is', async () => {
    const supplement = 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status';
    const { da, en } = await bothLanguages(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FFB)}&code=a&useSupplement=${encodeURIComponent(supplement)}`, 404);
    expect(firstIssue(en).text).toBe(`The supplement '${supplement}' supplements the code system '${FSIII}|20240530', not '${FFB}|20240530'`);
    expect(firstIssue(da).text).toBe(`Supplementet '${supplement}' supplerer kodesystemet '${FSIII}|20240530', ikke '${FFB}|20240530'`);
  });

  it('$expand of a value set given in the request that is too large: named by its id, or as the one in the request', async () => {
    const big = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: FSIII }] } };
    const limit = { 'X-Too-Costly-Threshold': '100' };
    const withId = await postBoth('/fhir/ValueSet/$expand', [inline({ ...big, id: 'stor' })], 422, limit);
    expect(firstIssue(withId.en).text).toBe("The expansion of the value set with id 'stor' (it has no url) has too many codes to produce (>100)");
    expect(firstIssue(withId.da).text).toBe("Værdisættet med id 'stor' (uden url) har for mange koder til at blive udfoldet (>100); brug count og offset for at hente dem i dele");
    const anonymous = await postBoth('/fhir/ValueSet/$expand', [inline(big)], 422, limit);
    expect(firstIssue(anonymous.en).text).toBe('The expansion of the value set given in the request has too many codes to produce (>100)');
    expect(firstIssue(anonymous.da).text).toBe('Værdisættet i forespørgslen har for mange koder til at blive udfoldet (>100); brug count og offset for at hente dem i dele');
  });

  it('$validate-code against an unknown value set', async () => {
    const { da, en } = await bothLanguages('/fhir/ValueSet/$validate-code?url=http://x.org/vs&code=a&system=http://x', 404);
    expect(firstIssue(en).text).toBe("A definition for the value Set 'http://x.org/vs' could not be found");
    expect(firstIssue(da).text).toBe("Værdisættet 'http://x.org/vs' kendes ikke");
    expect(da.issue[0]?.extension?.[0]?.valueString).toBe('Unable_to_resolve_value_Set_');
  });

  it('$expand of an unknown value set', async () => {
    const { da } = await bothLanguages('/fhir/ValueSet/$expand?url=http://x.org/vs', 404);
    expect(firstIssue(da).text).toBe("Værdisættet 'http://x.org/vs' kendes ikke");
  });

  it('$subsumes with an unknown code: the version looked in named, and the parameter the code was given in', async () => {
    const { da, en } = await bothLanguages(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(FSIII)}&codeA=nope&codeB=nope2`, 404);
    expect(firstIssue(da).text).toBe(`Ukendt kode 'nope' i kodesystemet '${FSIII}' version '20240530'`);
    expect(en.issue[0]).toMatchObject({ expression: ['codeA'], details: { text: `Unknown code 'nope' in the CodeSystem '${FSIII}' version '20240530'` } });
    const codings = await bothLanguages(`/fhir/CodeSystem/$subsumes?codingA=${encodeURIComponent(`${FSIII}|${TOBAK}`)}&codingB=${encodeURIComponent(`${FSIII}|nope`)}`, 404);
    expect(codings.en.issue[0]).toMatchObject({ expression: ['codingB'], details: { text: `Unknown code 'nope' in the CodeSystem '${FSIII}' version '20240530'` } });
  });

  it('$diff of an unknown code system and $compare with a value set at instance level', async () => {
    const diff = await bothLanguages('/fhir/CodeSystem/$diff?url=http://x.org/cs', 404);
    expect(firstIssue(diff.da).text).toBe("Kodesystemet 'http://x.org/cs' kendes ikke");
    const compare = await bothLanguages('/fhir/ValueSet/$compare?thisUrl=http://x.org/vs&otherUrl=http://x.org/vs2', 404);
    expect(firstIssue(compare.da).text).toBe("Værdisættet 'http://x.org/vs' kendes ikke");
  });

  it('$closure of a table that was never initialised', async () => {
    const body = { resourceType: 'Parameters', parameter: [{ name: 'name', valueString: 'never-made' }, { name: 'concept', valueCoding: { system: FSIII, code: 'x' } }] };
    const da = await request(app).post('/fhir/ConceptMap/$closure').set('Content-Type', 'application/fhir+json').set('Accept-Language', 'da').send(body);
    const en = await request(app).post('/fhir/ConceptMap/$closure').set('Content-Type', 'application/fhir+json').send(body);
    expect(da.status).toBe(en.status);
    expect(firstIssue(en.body).translation).toBeUndefined();
    expect(firstIssue(da.body)).toMatchObject({ lang: 'en', translation: firstIssue(en.body).text });
    expect(firstIssue(da.body).text).toMatch(/^(Der findes ingen closure-tabel med navnet 'never-made'|Serveren fører ingen closure-tabeller)/);
  });

  it('a read of an unknown id, an instance-level operation on it, an unknown route and a method not allowed', async () => {
    expect(firstIssue((await bothLanguages('/fhir/CodeSystem/nope', 404)).da).text).toBe('CodeSystem/nope kendes ikke');
    expect(firstIssue((await bothLanguages('/fhir/CodeSystem/nope/$lookup?code=a', 404)).da).text).toBe('CodeSystem/nope kendes ikke');
    expect(firstIssue((await bothLanguages('/fhir/Foo/123', 404)).da).text).toBe('Ukendt adresse: GET /Foo/123');
    const da = await request(app).delete('/fhir/ValueSet/$expand').set('Accept-Language', 'da').expect(405);
    expect(firstIssue(da.body)).toEqual({ text: 'Operationen $expand modtager GET og POST, ikke DELETE', lang: 'en', translation: 'Operation $expand accepts GET and POST, not DELETE' });
  });

  it('an English caller (Accept-Language: en) gets English only', async () => {
    const res = await get('/fhir/ValueSet/$expand?url=http://x.org/vs', 'en').expect(404);
    expect(firstIssue(res.body)).toEqual({ text: "A definition for the value set 'http://x.org/vs' could not be found", lang: undefined, translation: undefined });
  });
});

describe('terminology results in Danish for a caller that asks for Danish', () => {
  const notInValueSet = `/fhir/ValueSet/$validate-code?url=${encodeURIComponent(VS_119)}&system=${encodeURIComponent(FSIII)}&code=nope`;

  it("$validate-code's message and issues of a code not in the value set", async () => {
    const da = (await get(notInValueSet, 'da').expect(200)).body as Parameters;
    const en = (await get(notInValueSet).expect(200)).body as Parameters;
    expect(messageOf(en).translation).toBeUndefined();
    expect(messageOf(en).text).toContain("The provided code 'urn:oid:1.2.208.176.2.21#nope' was not found in the value set");
    expect(messageOf(da)).toMatchObject({ lang: 'en', translation: messageOf(en).text });
    expect(messageOf(da).text).toContain(`Koden '${FSIII}#nope' findes ikke i værdisættet '${VS_119}`);
    expect(messageOf(da).text).toContain(`Ukendt kode 'nope' i kodesystemet '${FSIII}'`);
    const daIssues = issuesOf(da).issue.map((i) => issueTranslated(i));
    const enIssues = issuesOf(en).issue.map((i) => i.details?.text);
    expect(daIssues.map((i) => i.translation)).toEqual(enIssues);
    expect(daIssues.every((i) => i.lang === 'en' && i.text !== i.translation)).toBe(true);
    expect(issuesOf(en).issue.every((i) => (i.details as { _text?: TranslationElement })._text === undefined)).toBe(true);
  });

  it('$validate-code in an unknown code system is a result in Danish', async () => {
    const path = '/fhir/CodeSystem/$validate-code?url=http://x.org/cs&code=a';
    const da = (await get(path, 'da').expect(200)).body as Parameters;
    const en = (await get(path).expect(200)).body as Parameters;
    expect(messageOf(da)).toEqual({
      text: "Kodesystemet 'http://x.org/cs' kendes ikke, så koden kan ikke valideres", lang: 'en',
      translation: "A definition for CodeSystem 'http://x.org/cs' could not be found, so the code cannot be validated",
    });
    expect(firstIssue(issuesOf(da)).text).toBe(messageOf(da).text);
    expect(messageOf(en)).toEqual({ text: messageOf(da).translation, lang: undefined, translation: undefined });
  });

  it("$translate's message when there is no translation", async () => {
    const path = '/fhir/ConceptMap/$translate?system=http://x&code=a';
    const da = (await get(path, 'da').expect(200)).body as Parameters;
    const en = (await get(path).expect(200)).body as Parameters;
    const maps = /^No translation for http:\/\/x#a: no mapping in any of (\d+) ConceptMaps$/.exec(messageOf(en).text ?? '')?.[1];
    expect(maps).toBeDefined();
    expect(messageOf(en).translation).toBeUndefined();
    expect(messageOf(da)).toEqual({ text: `Ingen oversættelse af http://x#a: ingen mapning i nogen af ${maps} ConceptMaps`, lang: 'en', translation: messageOf(en).text });
  });

  it("$translate's message for a map stating unmatched without a target code is the one for disjoint: the maps state there is no match", async () => {
    const map = {
      resourceType: 'ConceptMap', url: 'http://example.org/cm/ingen', version: '1', status: 'active',
      group: [{ source: 'http://s', target: 'http://t', element: [{ code: 'a', target: [{ equivalence: 'unmatched' }] }, { code: 'b', target: [{ code: 'q', equivalence: 'disjoint' }] }] }],
    };
    const translate = async (code: string, lang?: string) => {
      const r = request(app).post('/fhir/ConceptMap/$translate').set('Content-Type', 'application/fhir+json');
      if (lang) r.set('Accept-Language', lang);
      return (await r.send({ resourceType: 'Parameters', parameter: [{ name: 'conceptMap', resource: map }, { name: 'system', valueUri: 'http://s' }, { name: 'code', valueCode: code }] })
        .expect(200)).body as Parameters;
    };
    const en = await translate('a');
    expect(en.parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(false);
    expect(messageOf(en).text).toBe('No translation for http://s#a: the maps state that there is no match (unmatched or disjoint)');
    expect(messageOf(await translate('b')).text).toBe('No translation for http://s#b: the maps state that there is no match (unmatched or disjoint)');
    expect(messageOf(await translate('a', 'da'))).toEqual({
      text: 'Ingen oversættelse af http://s#a: mapningerne siger, at der ikke er noget match (unmatched eller disjoint)', lang: 'en', translation: messageOf(en).text,
    });
  });

  it("$validate-code's warning for a code unknown to a code system with content example names that mode", async () => {
    const cs = { resourceType: 'CodeSystem', url: 'http://example.org/cs/eksempel', version: '1', status: 'active', content: 'example', concept: [{ code: 'a' }] };
    const body = { resourceType: 'Parameters', parameter: [{ name: 'tx-resource', resource: cs }, { name: 'url', valueUri: cs.url }, { name: 'code', valueCode: 'zz' }] };
    const da = (await request(app).post('/fhir/CodeSystem/$validate-code').set('Content-Type', 'application/fhir+json').set('Accept-Language', 'da').send(body).expect(200)).body as Parameters;
    const issue = issuesOf(da).issue.find((i) => i.code === 'code-invalid')!;
    expect(issueTranslated(issue)).toEqual({
      text: "Ukendt kode 'zz' i kodesystemet 'http://example.org/cs/eksempel' version '1' – kodesystemet er markeret som et eksempel (content = example), så koden kan være gyldig i det fulde kodesystem",
      lang: 'en',
      translation: "Unknown Code 'zz' in the CodeSystem 'http://example.org/cs/eksempel' version '1' - note that the code system is labeled as an example (content = example), so the code may be valid in the full code system",
    });
  });

  it('kept answers are kept per language: the same request in Danish, English and Danish again', async () => {
    for (const path of [notInValueSet, `/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=nope`, '/fhir/ConceptMap/$translate?system=http://y&code=b']) {
      const first = await get(path, 'da');
      const english = await get(path);
      const again = await get(path, 'da');
      expect(JSON.stringify(english.body)).not.toContain(TRANSLATION_EXTENSION);
      expect(JSON.stringify(english.body)).not.toMatch(/kendes ikke|findes ikke|Ukendt kode|Ingen oversættelse/);
      expect(JSON.stringify(first.body)).toContain(TRANSLATION_EXTENSION);
      expect(again.body).toEqual(first.body);
      expect((await get(path, 'en')).body).toEqual(english.body);
    }
  });
});

describe('Danish texts without English words in them: library errors, statuses and placeholders in Danish', () => {
  const RETIRED = 'c203c6b5-3be0-40a8-8204-e93751deabf5'; // Tobaksafvænning, retired, replaced by Nikotin- og tobaksafvænning

  it("a regex filter that is not a valid pattern: the Danish says why in Danish, the English keeps RE2's words", async () => {
    const vs = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: FSIII, filter: [{ property: 'code', op: 'regex', value: '(abc' }] }] } };
    const { da, en } = await postBoth('/fhir/ValueSet/$expand', [inline(vs)], 400);
    expect(firstIssue(en).text).toBe("The regular expression '(abc' is not valid: error parsing regexp: missing closing ): `(abc`");
    expect(firstIssue(da).text).toBe("Det regulære udtryk '(abc' er ikke gyldigt: der mangler en afsluttende ')' ('(abc')");
  });

  it('a UCUM unit that is not valid is explained in Danish too, the parser\'s English as its translation', async () => {
    const path = `/fhir/CodeSystem/$validate-code?url=${encodeURIComponent('http://unitsofmeasure.org')}&code=${encodeURIComponent('kg/')}`;
    const why = async (lang?: string) => {
      const issue = issuesOf((await get(path, lang).expect(200)).body as Parameters).issue.find((i) => i.severity === 'information')!;
      return issueTranslated(issue);
    };
    const en = await why();
    expect(en).toEqual({ text: "Error processing unit 'kg/': unexpected end of expression looking for a symbol or a number at character 4" });
    expect(await why('da')).toEqual({ text: "Fejl i enheden 'kg/' ved tegn 4: udtrykket slutter, hvor en enhed eller et tal var ventet", lang: 'en', translation: en.text });
  });

  it("$batch-validate-code answers an entry it cannot validate in the caller's language", async () => {
    const batch = [{ name: 'url', valueUri: VS_119 }, { name: 'validation', resource: { resourceType: 'Basic', code: { text: 'x' } } }];
    const entry = async (lang?: string) => {
      const r = request(app).post('/fhir/ValueSet/$batch-validate-code').set('Content-Type', 'application/fhir+json');
      const body = (await (lang ? r.set('Accept-Language', lang) : r).send({ resourceType: 'Parameters', parameter: batch }).expect(200)).body as Parameters;
      return firstIssue(body.parameter![0]!.resource as OperationOutcome);
    };
    const en = await entry();
    expect(en).toEqual({ text: 'Each validation must be a Parameters resource, not Basic' });
    expect(await entry('nb, da;q=0.8')).toEqual({ text: 'Hver validation skal være en Parameters-ressource, ikke Basic', lang: 'en', translation: en.text });
  });

  it("$compare's message in the caller's language", async () => {
    const path = `/fhir/ValueSet/$compare?thisUrl=${encodeURIComponent(VS_119)}&otherUrl=${encodeURIComponent(VS_119)}`;
    const en = messageOf((await get(path).expect(200)).body as Parameters);
    expect(en).toEqual({ text: `The value sets ${VS_119}|2.1.0 and ${VS_119}|2.1.0 contain the same codes` });
    expect(messageOf((await get(path, 'da').expect(200)).body as Parameters)).toEqual({
      text: `Værdisættene ${VS_119}|2.1.0 og ${VS_119}|2.1.0 indeholder de samme koder`, lang: 'en', translation: en.text,
    });
  });

  it('the parameters an answer ignored: named in Danish to a Danish caller and by $validate, as diagnostics only in English', async () => {
    const { da, en } = await bothLanguages('/fhir/ValueSet/$expand?url=http://x.org/vs&colour=red', 404);
    expect(en.issue[1]).toEqual({ severity: 'information', code: 'informational', diagnostics: "Parameter 'colour' is not a parameter of $expand and was ignored", expression: ['colour'] });
    expect(da.issue[1]).toMatchObject({ severity: 'information', code: 'informational', expression: ['colour'] });
    expect(issueTranslated(da.issue[1]!)).toEqual({
      text: "Parameteren 'colour' er ikke en parameter til $expand og er ignoreret", lang: 'en', translation: en.issue[1]!.diagnostics,
    });
    const validate = (lang?: string) => {
      const r = request(app).post('/fhir/$validate?colour=red').set('Content-Type', 'application/fhir+json');
      return (lang ? r.set('Accept-Language', lang) : r).send({ resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'create' }] }).expect(400);
    };
    const ignored = ((await validate()).body as OperationOutcome).issue[1]!;
    expect(ignored.details?.text).toBe("Parameteren 'colour' er ikke en parameter til $validate og er ignoreret");
    expect(((await validate('en')).body as OperationOutcome).issue[1]!.diagnostics).toBe("Parameter 'colour' is not a parameter of $validate and was ignored");
  });

  it("a value set given in the request without a url: '(unidentified)' in English, as the FHIR tooling writes it, and the value set in the request in Danish", async () => {
    const vs = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: FSIII, concept: [{ code: RETIRED }] }] } };
    const parameter = [inline(vs), { name: 'coding', valueCoding: { system: FSIII, code: 'nope' } }];
    const validate = async (lang?: string) => {
      const r = request(app).post('/fhir/ValueSet/$validate-code').set('Content-Type', 'application/fhir+json');
      return messageOf((await (lang ? r.set('Accept-Language', lang) : r).send({ resourceType: 'Parameters', parameter }).expect(200)).body as Parameters);
    };
    const en = await validate();
    expect(en.text).toContain(`The provided code '${FSIII}#nope' was not found in the value set '(unidentified)'`);
    const da = await validate('da');
    expect(da.text).toContain(`Koden '${FSIII}#nope' findes ikke i værdisættet i forespørgslen`);
    expect(da.text).not.toContain('unidentified');
  });

  it("a retired code's status in Danish words in $validate-code's message", async () => {
    const path = `/fhir/CodeSystem/$validate-code?url=${encodeURIComponent(FSIII)}&code=${RETIRED}`;
    const en = messageOf((await get(path).expect(200)).body as Parameters);
    expect(en.text).toContain(`The concept '${RETIRED}' has a status of retired and inactive and its use should be reviewed`);
    const da = messageOf((await get(path, 'da').expect(200)).body as Parameters);
    expect(da.text).toContain(`Begrebet '${RETIRED}' har status udgået og er inaktivt, og brugen bør revurderes`);
  });
});
