import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { type App } from '../../src/app';
import { createHttpServer } from '../../src/http/server';
import { tokenFor } from '../support/local';
import { FSIII, testApp } from '../support/app';
import { issueTranslated, type Translated } from '../support/translation';

/**
 * The refusals of a request's form (its parameters, its body, its limits) and of the municipal and package operations
 * in Danish for a caller whose first Accept-Language is Danish, with the English text as a translation; the English
 * text alone, as before, otherwise. A write's, `$import-local`'s and a package load's are in Danish unless English is asked for.
 */
const JSON_TYPE = 'application/fhir+json';
const DANISH = 'da-DK,da;q=0.9,en;q=0.5';
let app: App;

beforeAll(async () => {
  app = await testApp();
});

function firstIssue(outcome: OperationOutcome): Translated {
  return issueTranslated(outcome.issue[0]);
}

type Send = (lang?: string) => request.Test;

/** The request in Danish and without Accept-Language: the Danish text (English as its translation) and the English text alone. */
async function bothLanguages(send: Send, status: number): Promise<{ da: string; en: string }> {
  const en = firstIssue((await send().expect(status)).body);
  expect(en.translation).toBeUndefined();
  const da = firstIssue((await send(DANISH).expect(status)).body);
  expect(da).toMatchObject({ lang: 'en', translation: en.text });
  return { da: da.text!, en: en.text! };
}

/**
 * A refusal read by municipal staff (a write's, `$import-local`'s, a package load's): the Danish text (English as its translation) without
 * Accept-Language, the English text alone to a caller who prefers English.
 */
async function danishUnlessEnglish(send: Send, status: number): Promise<{ da: string; en: string }> {
  const en = firstIssue((await send('en').expect(status)).body);
  expect(en.translation).toBeUndefined();
  const da = firstIssue((await send().expect(status)).body);
  expect(da).toMatchObject({ lang: 'en', translation: en.text });
  expect(firstIssue((await send(DANISH).expect(status)).body)).toEqual(da);
  return { da: da.text!, en: en.text! };
}

const withLang = (r: request.Test, lang?: string) => (lang ? r.set('Accept-Language', lang) : r);
const get = (path: string, target: App = app): Send => (lang) => withLang(request(target).get(path), lang);
const post = (path: string, body: unknown, type = JSON_TYPE, target: App = app): Send =>
  (lang) => withLang(request(target).post(path).set('Content-Type', type).send(body as object), lang);
const parameters = (...parameter: NonNullable<Parameters['parameter']>): Parameters => ({ resourceType: 'Parameters', parameter });

describe("an operation's parameters in Danish (fhir/parameters.ts)", () => {
  it('a boolean that is not true or false', async () => {
    const { da, en } = await bothLanguages(get('/fhir/ValueSet/$expand?url=http://x.org/vs&activeOnly=yes'), 400);
    expect(en).toBe("Parameter 'activeOnly' must be 'true' or 'false', not 'yes'");
    expect(da).toBe("Parameteren 'activeOnly' skal være 'true' eller 'false', ikke 'yes'");
  });

  it('an integer that is not one', async () => {
    const { da, en } = await bothLanguages(get('/fhir/ValueSet/$expand?url=http://x.org/vs&count=ten'), 400);
    expect(en).toBe("Parameter 'count' must be an integer (32 bits), not 'ten'");
    expect(da).toBe("Parameteren 'count' skal være et heltal (32 bit), ikke 'ten'");
  });

  it('an empty value (FHIR values are never empty)', async () => {
    const { da, en } = await bothLanguages(get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=`), 400);
    expect(en).toBe("Parameter 'code' is empty (FHIR values are never empty: leave the element or parameter out instead)");
    expect(da).toBe("Parameteren 'code' er tom (FHIR-værdier er aldrig tomme: udelad i stedet elementet eller parameteren)");
  });

  it('a parameter given twice', async () => {
    const { da, en } = await bothLanguages(get('/fhir/ValueSet/$expand?url=http://x.org/a&url=http://x.org/b'), 400);
    expect(en).toBe("Parameter 'url' may only be given once");
    expect(da).toBe("Parameteren 'url' må kun angives én gang");
  });

  it('a body that is not a Parameters resource', async () => {
    const { da, en } = await bothLanguages(post('/fhir/CodeSystem/$lookup', { resourceType: 'Patient' }), 400);
    expect(en).toBe('The request body must be a Parameters resource, not Patient');
    expect(da).toBe('Forespørgslens krop skal være en Parameters-ressource, ikke Patient');
  });

  it('a JSON array, empty or not, is no resource', async () => {
    for (const body of ['[]', '[{"resourceType":"Parameters"}]']) {
      const { da, en } = await bothLanguages(post('/fhir/ValueSet/$expand', body), 400);
      expect(en).toBe('The request body must be a FHIR resource (a JSON object), not an array');
      expect(da).toBe('Forespørgslens krop skal være en FHIR-ressource (et JSON-objekt), ikke en liste');
    }
  });

  it('a plain object of parameters (as fhir-kit-client sends one) is said to have no resourceType', async () => {
    expect(await bothLanguages(post('/fhir/ValueSet/$expand', { url: 'x' }), 400)).toEqual({
      en: 'The request body must be a Parameters resource, and it has no resourceType',
      da: 'Forespørgslens krop skal være en Parameters-ressource, og den har ingen resourceType',
    });
    expect((await bothLanguages(post('/fhir/ValueSet/$expand', { resourceType: 7 }), 400)).en)
      .toBe('The request body must be a Parameters resource, and its resourceType is not a string');
  });

  it('a Coding whose code is not a string', async () => {
    const body = parameters({ name: 'coding', valueCoding: { system: FSIII, code: 7 as unknown as string } });
    const { da, en } = await bothLanguages(post('/fhir/CodeSystem/$lookup', body), 400);
    expect(en).toBe("Parameter 'coding' is not a valid Coding: Parameters.parameter[0].valueCoding.code is not a string");
    expect(da).toBe("Parameteren 'coding' er ikke en gyldig Coding: Parameters.parameter[0].valueCoding.code er ikke en streng");
  });

  it('a parameter with both a value and parts', async () => {
    const body = parameters({ name: 'code', valueCode: 'a', part: [{ name: 'x', valueString: 'y' }] });
    const { da } = await bothLanguages(post('/fhir/CodeSystem/$lookup', body), 400);
    expect(da).toBe("Parameteren 'code' skal have én værdi, en ressource eller dele (part), kun én af dem");
  });
});

describe('a request body in Danish (http/pipeline)', () => {
  it('not valid JSON', async () => {
    const { da, en } = await bothLanguages(post('/fhir/CodeSystem/$lookup', '{"resourceType": '), 400);
    expect(en).toMatch(/^The request body is not valid JSON: /);
    expect(da).toBe('Forespørgslens krop er ikke gyldig JSON: teksten slutter, før JSON-værdien er færdig');
    const broken = await bothLanguages(post('/fhir/CodeSystem/$lookup', '{"resourceType": }'), 400);
    expect(broken.en).toMatch(/^The request body is not valid JSON: .*'}'/);
    expect(broken.da).toMatch(/^Forespørgslens krop er ikke gyldig JSON: uventet tegn '}'/);
    expect(broken.da).not.toMatch(/Unexpected|token|JSON input/);
  });

  it.each([['null', 'null'], ['42', 'number'], ['"Parameters"', 'string'], ['\ufeff true', 'boolean']])('JSON that is not a resource: %s', async (body, kind) => {
    for (const path of ['/fhir/CodeSystem/$lookup', '/fhir', '/fhir/ValueSet/$expand']) {
      const { da, en } = await bothLanguages(post(path, body), 400);
      expect(en).toBe(`The request body must be a FHIR resource (a JSON object), not ${kind}`);
      expect(da).toBe(`Forespørgslens krop skal være en FHIR-ressource (et JSON-objekt), ikke ${kind}`);
    }
  });

  it('a Content-Type that is not JSON', async () => {
    const { da, en } = await bothLanguages(post('/fhir/CodeSystem/$lookup', 'code=a', 'text/plain'), 415);
    expect(en).toBe("Content-Type 'text/plain' is not supported; send application/fhir+json");
    expect(da).toBe("Content-Type 'text/plain' understøttes ikke; send application/fhir+json");
  });

  it('nested too deep', async () => {
    let deep: unknown = {};
    for (let i = 0; i < 200; i++) deep = { a: deep };
    const { da } = await bothLanguages(post('/fhir/CodeSystem/$lookup', { resourceType: 'Parameters', x: deep }), 400);
    expect(da).toBe('Forespørgslens krop er indlejret dybere end 128 niveauer');
  });

  it('too large, and too many parameters in one list', async () => {
    const small = await testApp({ bodyLimitBytes: 2048, maxParameters: 3 });
    const large = await bothLanguages(post('/fhir/CodeSystem/$lookup', parameters({ name: 'code', valueCode: 'x'.repeat(4000) }), JSON_TYPE, small), 413);
    expect(large).toEqual({ en: 'The request body is larger than 2048 bytes', da: 'Forespørgslens krop er større end 2048 bytes' });
    const many = parameters(...['a', 'b', 'c', 'd'].map((code) => ({ name: 'code', valueCode: code })));
    const { da } = await bothLanguages(post('/fhir/CodeSystem/$lookup', many, JSON_TYPE, small), 413);
    expect(da).toBe('Forespørgslen har en liste med mere end 3 parametre; højst 3 modtages i én liste');
  });

  it.each(['gzip', 'br'])('a %s body that does not decompress: a Danish reason, the decompressor\'s English in the English text only', async (encoding) => {
    const send: Send = (lang) => withLang(request(app).post('/fhir/CodeSystem/$lookup').set('Content-Type', JSON_TYPE).set('Content-Encoding', encoding)
      .send('{"resourceType":"Parameters"}'), lang);
    const { da, en } = await bothLanguages(send, 400);
    expect(en).toMatch(new RegExp(`^The request body could not be decompressed \\(Content-Encoding: ${encoding}\\): \\S`));
    expect(da).toBe(`Forespørgslens krop kan ikke pakkes ud (Content-Encoding: ${encoding}): den er ikke komprimeret i det format, dens Content-Encoding angiver`);
  });

  it('a Content-Encoding the server does not unpack (415), named, while a body in another charset is still the charset\'s', async () => {
    const send: Send = (lang) => withLang(request(app).post('/fhir/CodeSystem/$lookup').set('Content-Type', JSON_TYPE).set('Content-Encoding', 'compress')
      .send('{"resourceType":"Parameters"}'), lang);
    const { da, en } = await bothLanguages(send, 415);
    expect(en).toBe("The request body's Content-Encoding 'compress' is not supported: send it uncompressed, or as gzip, deflate or br");
    expect(da).toBe("Forespørgslens Content-Encoding 'compress' understøttes ikke: send kroppen ukomprimeret eller som gzip, deflate eller br");
    const latin: Send = (lang) => withLang(request(app).post('/fhir/CodeSystem/$lookup').set('Content-Type', `${JSON_TYPE}; charset=x-unknown`)
      .send('{"resourceType":"Parameters"}'), lang);
    expect(await bothLanguages(latin, 415)).toEqual({
      en: "The request body must be UTF-8 encoded, not 'x-unknown' (FHIR's JSON is UTF-8)",
      da: "Forespørgslens krop skal være UTF-8-kodet, ikke 'x-unknown' (FHIR's JSON er UTF-8)",
    });
  });

  it('too many requests (429)', async () => {
    const limited = await testApp({ rateLimitPerMinute: 1 });
    await request(limited).get('/fhir/metadata').expect(200);
    const { da, en } = await bothLanguages(get('/fhir/metadata', limited), 429);
    expect(en).toBe('Too many requests; try again later');
    expect(da).toBe('For mange forespørgsler; prøv igen senere');
  });

  it('a body not received within the request timeout (408)', async () => {
    await withServer(await testApp({ requestTimeoutMs: 200 }), async (port) => {
      const short = (lang: string) => unfinishedBody(port, '/fhir/ValueSet/$expand', lang);
      const [en, da] = await Promise.all([short('en'), short('da')]);
      expect(en).toEqual({ text: 'The request body was not received within 200 ms (it is shorter than its Content-Length, or sent too slowly)' });
      expect(da).toEqual({
        text: 'Forespørgslens krop blev ikke modtaget inden for 200 ms (den er kortere end dens Content-Length, eller sendes for langsomt)',
        lang: 'en', translation: en.text,
      });
    });
  });
});

/** Runs `test` against the app listening on a port of its own. */
async function withServer(target: App, test: (port: number) => Promise<void>): Promise<void> {
  const server = createHttpServer(target).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  try {
    await test((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

/** A POST whose body stops short of its Content-Length: the first issue of the 408 answer. */
function unfinishedBody(port: number, path: string, lang?: string): Promise<ReturnType<typeof firstIssue>> {
  return new Promise((resolve, reject) => {
    const body = '{"resourceType":"Parameters","parameter":[]}';
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\n${lang ? `Accept-Language: ${lang}\r\n` : ''}Content-Type: ${JSON_TYPE}\r\n` +
        `Content-Length: ${body.length + 100}\r\n\r\n${body}`);
    });
    let text = '';
    socket.on('data', (c: Buffer) => {
      text += c.toString('utf8');
    });
    socket.on('close', () => resolve(firstIssue(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as OperationOutcome)));
    socket.on('error', reject);
  });
}

describe("$validate's refusals of the request's timing in Danish unless English is asked for, as its other refusals", () => {
  it('too many requests (429)', async () => {
    const limited = await testApp({ rateLimitPerMinute: 2 });
    const validate = (lang?: string) => withLang(request(limited).post('/fhir/$validate').set('Content-Type', JSON_TYPE).send({ resourceType: 'Basic' }), lang);
    await request(limited).get('/fhir/metadata').expect(200);
    await request(limited).get('/fhir/metadata').expect(200);
    const da = firstIssue((await validate().expect(429)).body);
    expect(da).toEqual({ text: 'For mange forespørgsler; prøv igen senere', lang: 'en', translation: 'Too many requests; try again later' });
    expect(firstIssue((await validate('en').expect(429)).body)).toEqual({ text: 'Too many requests; try again later' });
    expect(firstIssue((await request(limited).get('/fhir/metadata').expect(429)).body)).toEqual({ text: 'Too many requests; try again later' });
  });

  it('a body not received within the request timeout (408)', async () => {
    await withServer(await testApp({ requestTimeoutMs: 200 }), async (port) => {
      const [da, validateInEnglish, expand] = await Promise.all([unfinishedBody(port, '/fhir/$validate'),
        unfinishedBody(port, '/fhir/CarePlan/$validate?mode=create', 'en-GB, da;q=0.5'), unfinishedBody(port, '/fhir/ValueSet/$expand')]);
      expect(da).toMatchObject({ text: 'Forespørgslens krop blev ikke modtaget inden for 200 ms (den er kortere end dens Content-Length, eller sendes for langsomt)', lang: 'en' });
      expect(validateInEnglish).toEqual({ text: da.translation });
      expect(expand).toEqual({ text: da.translation });
    });
  });
});

describe("the municipal and package operations' refusals in Danish", () => {
  it('$rollup without rows, and a CSV without its columns', async () => {
    const none = await bothLanguages(post('/fhir/ConceptMap/$rollup', parameters({ name: 'offers', valueString: 'each-target' })), 400);
    expect(none).toEqual({
      en: "No rows to roll up: give 'row' parameters or a CSV (text/csv body)",
      da: "Ingen rækker at opsummere: angiv 'row'-parametre eller en CSV-fil (text/csv-krop)",
    });
    const { da } = await bothLanguages(post('/fhir/ConceptMap/$rollup', 'kommunekode;system;code\n101;x;y\n', 'text/csv'), 400);
    expect(da).toMatch(/^CSV-filen skal have en overskriftsrække med kolonnerne .*; 'count' mangler$/);
  });

  it('$rollup of a row without a code', async () => {
    const row = { name: 'row', part: [{ name: 'kommunekode', valueString: '101' }, { name: 'system', valueUri: FSIII }, { name: 'count', valueInteger: 1 }] };
    const { da, en } = await bothLanguages(post('/fhir/ConceptMap/$rollup', parameters(row)), 400);
    expect(en).toBe('row 1: code is missing');
    expect(da).toBe('række 1: koden (kode eller code) mangler');
  });

  it('$rollup of a row whose count is not a whole number from 0 names the column as a Danish file has it too', async () => {
    const row = { name: 'row', part: [{ name: 'kommunekode', valueString: '101' }, { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: 'x' }, { name: 'count', valueInteger: -3 }] };
    const { da, en } = await bothLanguages(post('/fhir/ConceptMap/$rollup', parameters(row)), 400);
    expect(en).toBe("row 1: count must be a whole number from 0 to 1000000000, not '-3'");
    expect(da).toBe("række 1: antallet (antal eller count) skal være et helt tal fra 0 til 1000000000, ikke '-3'");
  });

  it('$coverage without a municipality', async () => {
    const { da, en } = await bothLanguages(get('/fhir/ConceptMap/$coverage'), 400);
    expect(en).toBe('Give the municipality as kommunekode (three digits)');
    expect(da).toBe('Angiv kommunen som kommunekode (tre cifre)');
  });

  it('$coverage-matrix of an unknown value set', async () => {
    const { da, en } = await bothLanguages(get('/fhir/ConceptMap/$coverage-matrix?valueSet=http://x.org/vs'), 404);
    expect(en).toBe("The value set 'http://x.org/vs' is not known");
    expect(da).toBe("Værdisættet 'http://x.org/vs' kendes ikke");
  });

  it('$export of a map that is not a municipality\'s', async () => {
    const url = 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys';
    const { da, en } = await bothLanguages(get(`/fhir/ConceptMap/$export?conceptMap=${encodeURIComponent(url)}`), 400);
    expect(en).toBe(`'${url}' is not a municipality's map`);
    expect(da).toBe(`'${url}' er ikke en kommunes mapning`);
  });

  it('$import-local without a file (Danish unless English is asked for: municipal staff read it)', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const send: Send = (lang) => withLang(request(app).post('/fhir/CodeSystem/$import-local').set('Content-Type', JSON_TYPE)
      .set('Authorization', `Bearer ${token}`).send(parameters({ name: 'mode', valueCode: 'replace' })), lang);
    const { da, en } = await danishUnlessEnglish(send, 400);
    expect(en).toBe("Give the file as parameter 'csv' (valueAttachment with base64 data, or valueString), or as a text/csv body");
    expect(da).toBe("Angiv filen som parameteren 'csv' (valueAttachment med base64-data, eller valueString) eller som en text/csv-krop");
  });

  it('$load-package with another method than POST (Danish unless English is asked for: KL staff read it, as an import)', async () => {
    const { da, en } = await danishUnlessEnglish(get('/fhir/$load-package'), 405);
    expect(en).toBe('Operation $load-package accepts POST, not GET');
    expect(da).toBe('Operationen $load-package modtager POST, ikke GET');
  });
});

describe("a batch entry's refusals in the language of the batch request", () => {
  const batch = (...entry: object[]) => ({ resourceType: 'Bundle', type: 'batch', entry });
  const entryOutcome = (res: request.Response, i: number) => (res.body as { entry: { response: { outcome: OperationOutcome } }[] }).entry[i]!.response.outcome;

  it("the entry's own refusals (method, url) and a read's, as the same request alone in that language", async () => {
    const entries = batch(
      { request: { method: 'PATCH', url: 'ValueSet/x' } },
      { request: { method: 'GET', url: 'Patient/x' } },
      { request: { method: 'GET' } },
      { request: { method: 'GET', url: 'ValueSet/no-such-id' } },
    );
    const en = await post('/fhir', entries)().expect(200);
    const da = await post('/fhir', entries)(DANISH).expect(200);
    for (let i = 0; i < 4; i++) expect(firstIssue(entryOutcome(da, i))).toMatchObject({ lang: 'en', translation: firstIssue(entryOutcome(en, i)).text });
    expect(firstIssue(entryOutcome(en, 0)).text).toMatch(/^A batch entry is a read \(GET or HEAD\), an operation .* not PATCH$/);
    expect(firstIssue(entryOutcome(da, 0)).text).toMatch(/^En batch-post er en læsning \(GET eller HEAD\), en operation .* ikke PATCH$/);
    expect(firstIssue(entryOutcome(da, 2)).text).toBe('Bundle.entry[2].request.url mangler');
    const alone = await get('/fhir/ValueSet/no-such-id')(DANISH).expect(404);
    expect(entryOutcome(da, 3)).toEqual(alone.body);
  });
});

describe("the write routes' refusals in Danish unless English is asked for (municipal staff read them)", () => {
  it('PATCH', async () => {
    const { da, en } = await danishUnlessEnglish((lang) => withLang(request(app).patch('/fhir/CodeSystem/x').set('Content-Type', JSON_TYPE).send({}), lang), 405);
    expect(en).toBe('PATCH is not supported; PUT the whole resource');
    expect(da).toBe('PATCH understøttes ikke; send hele ressourcen med PUT');
  });
});

describe('a malformed tx-resource in Danish (terminology/resource-shape.ts)', () => {
  it('names every problem in Danish', async () => {
    const vs = { resourceType: 'ValueSet', url: 'http://x.org/vs', compose: { include: 'all', exclude: [{ concept: [{ display: 'x' }] }] } };
    const { da, en } = await bothLanguages(post('/fhir/ValueSet/$expand', parameters({ name: 'valueSet', resource: vs as never })), 400);
    expect(en).toBe("The ValueSet 'http://x.org/vs' is not valid: ValueSet.compose.include must be an array; ValueSet.compose.exclude[0].concept[0].code is missing");
    expect(da).toBe("Værdisættet 'http://x.org/vs' er ikke gyldigt: ValueSet.compose.include skal være en liste; ValueSet.compose.exclude[0].concept[0].code mangler");
  });
});
