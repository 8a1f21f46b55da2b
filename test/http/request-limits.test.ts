import type { Bundle, CodeSystem, OperationOutcome, Parameters } from 'fhir/r4';
import request from 'supertest';
import { inEnglish } from '../support/english';
import type { App } from '../../src/app';
import { loadConfig } from '../../src/config';
import { ISSUES_OMITTED, MAX_LISTED_ISSUES } from '../../src/errors/issue-cap';
import { MESSAGE_ID_EXTENSION } from '../../src/errors/issue';
import { FSIII, testApp } from '../support/app';
import { CODES, localCodeSystem, tokenFor } from '../support/local';
import { atScale } from '../support/scale';

/** What bounds the work of one request: parameter lists, CSV size, listed issues, and claims that never reach a header raw. */

const JSON_TYPE = 'application/fhir+json';
const VS_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
let app: App;

beforeAll(async () => {
  app = await testApp();
});

function parameters(count: number, make: (i: number) => Parameters['parameter'] extends (infer P)[] | undefined ? P : never): Parameters {
  return { resourceType: 'Parameters', parameter: Array.from({ length: count }, (_, i) => make(i)) };
}

function texts(outcome: OperationOutcome): string[] {
  return outcome.issue.map((i) => i.details?.text ?? i.diagnostics ?? '');
}

describe('parameters in one request', () => {
  it('has a default limit of 20,000 per list, configurable with MAX_PARAMETERS, checked at start', () => {
    expect(loadConfig({}).maxParameters).toBe(20_000);
    expect(loadConfig({ MAX_PARAMETERS: '500' }).maxParameters).toBe(500);
    expect(() => loadConfig({ MAX_PARAMETERS: '0' })).toThrow(/MAX_PARAMETERS/);
  });

  it('refuses a Parameters body of more distinct parameter names than the limit with 413 too-long', async () => {
    const body = parameters(20_001, (i) => ({ name: `p${i}`, valueString: 'x' }));
    const res = await inEnglish(app).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE).send(body).expect(413);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'too-long' });
    expect(texts(res.body as OperationOutcome)[0]).toMatch(/at most 20000/);
  });

  it('refuses it also when the body is not in the usual key order (parsed as a whole)', async () => {
    const small = await testApp({ maxParameters: 100 });
    const body = { parameter: Array.from({ length: 101 }, (_, i) => ({ name: `p${i}`, valueString: 'x' })), resourceType: 'Parameters' };
    await inEnglish(small).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE).send(body).expect(413);
  });

  it('counts the parameters of a nested Parameters resource (a batch entry) and of a part on their own', async () => {
    const small = await testApp({ maxParameters: 100 });
    const entry = parameters(101, (i) => ({ name: 'coding', valueCoding: { system: FSIII, code: `c${i}` } }));
    await inEnglish(small).post('/fhir/ValueSet/$batch-validate-code').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS_119 }, { name: 'validation', resource: entry }] }).expect(413);
    await inEnglish(small).post('/fhir/ValueSet/$expand').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS_119 }, { name: 'x', part: entry.parameter }] }).expect(413);
  });

  it('accepts a list up to the limit and still names a few of the unknown ones, each once', async () => {
    const body = parameters(20_000, (i) => ({ name: `p${i % 10_000}`, valueString: 'x' }));
    const res = await inEnglish(app).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE).send(body).expect(400);
    const outcome = res.body as OperationOutcome;
    const ignored = outcome.issue.filter((i) => i.severity === 'information');
    expect(ignored.length).toBeLessThanOrEqual(21);
    expect(ignored.at(-1)?.diagnostics).toBe('9980 more unknown parameters were ignored');
  });
});

describe('entries of one transaction', () => {
  it('defaults to 1,000 (MAX_TRANSACTION_ENTRIES); a longer transaction is 413 and writes nothing', async () => {
    expect(loadConfig({}).maxTransactionEntries).toBe(1000);
    expect(loadConfig({ MAX_TRANSACTION_ENTRIES: '3' }).maxTransactionEntries).toBe(3);
    const small = await testApp({ maxTransactionEntries: 3 });
    const token = await tokenFor({ kommunekode: '101' });
    const entry = (i: number) => {
      const cs = localCodeSystem('101', `t${i}`, [{ code: `101-T${i}`, display: `T${i}`, type: 'indsats' }]);
      return { resource: cs, request: { method: 'PUT', url: `CodeSystem/${cs.id}` } };
    };
    const bundle = (n: number) => ({ resourceType: 'Bundle', type: 'transaction', entry: Array.from({ length: n }, (_, i) => entry(i)) });
    const res = await inEnglish(small).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(bundle(4)).expect(413);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'too-long', details: { text: 'The transaction has 4 entries; at most 3 are accepted in one transaction' } });
    await inEnglish(small).get('/fhir/CodeSystem/kommune-101-t0').expect(404);
    await inEnglish(small).post('/fhir').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(bundle(3)).expect(200);
  });
});

describe('entries of one batch', () => {
  it('defaults to 20,000 (MAX_BATCH_ENTRIES); a longer batch is 413 too-long as a whole, one at the limit is answered', async () => {
    expect(loadConfig({}).maxBatchEntries).toBe(20_000);
    expect(loadConfig({ MAX_BATCH_ENTRIES: '3' }).maxBatchEntries).toBe(3);
    expect(() => loadConfig({ MAX_BATCH_ENTRIES: '0' })).toThrow(/MAX_BATCH_ENTRIES/);
    const small = await testApp({ maxBatchEntries: 3 });
    const bundle = (n: number) => ({ resourceType: 'Bundle', type: 'batch', entry: Array.from({ length: n }, () => ({ request: { method: 'GET', url: 'metadata' } })) });
    const res = await inEnglish(small).post('/fhir').type(JSON_TYPE).send(bundle(4)).expect(413);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'too-long', details: { text: 'The batch has 4 entries; at most 3 are answered in one batch' } });
    expect(((await inEnglish(small).post('/fhir').type(JSON_TYPE).send(bundle(3)).expect(200)).body as Bundle).entry).toHaveLength(3);
  });
});

describe('a CodeableConcept of many codings', () => {
  it('lists at most the first issues, then one saying how many more, and a bounded message', async () => {
    const codings = Array.from({ length: 300 }, (_, i) => ({ system: FSIII, code: `no-such-code-${i}` }));
    const res = await inEnglish(app).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE).send({
      resourceType: 'Parameters',
      parameter: [{ name: 'url', valueUri: VS_119 }, { name: 'codeableConcept', valueCodeableConcept: { coding: codings } }],
    }).expect(200);
    const out = res.body as Parameters;
    expect(out.parameter?.find((p) => p.name === 'result')?.valueBoolean).toBe(false);
    const issues = out.parameter?.find((p) => p.name === 'issues')?.resource as OperationOutcome;
    expect(issues.issue).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(issues.issue.at(-1)).toMatchObject({ severity: 'information', code: 'informational' });
    expect(issues.issue.at(-1)?.details?.text).toMatch(/and \d+ more issues, not listed/);
    const message = out.parameter?.find((p) => p.name === 'message')?.valueString ?? '';
    expect(message.split('; ').length).toBeLessThanOrEqual(MAX_LISTED_ISSUES + 1);
  });
});

describe('issues listed in one answer', () => {
  it('$validate lists the first 100 issues of a Bundle and one saying how many more, in the caller’s language', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle', type: 'collection',
      entry: Array.from({ length: 250 }, (_, i) => ({ fullUrl: `urn:uuid:${i}`, resource: { resourceType: 'Basic', zz: i } as never })),
    };
    const res = await request(app).post('/fhir/$validate').type(JSON_TYPE).send(bundle).expect(200);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue).toHaveLength(MAX_LISTED_ISSUES + 1);
    const last = outcome.issue.at(-1)!;
    expect(last).toMatchObject({ severity: 'information', code: 'informational' });
    expect(last.details?.text).toMatch(/^… og \d+ problemer mere, som ikke er vist/);
    const english = await inEnglish(app).post('/fhir/$validate').type(JSON_TYPE).send(bundle).expect(200);
    expect((english.body as OperationOutcome).issue.at(-1)?.details?.text).toMatch(/^… and \d+ more issues, not listed/);
  });

  it('a refused write lists the first 100 issues (errors first) and one saying how many more', async () => {
    const token = await tokenFor({ kommunekode: '101' });
    const cs: CodeSystem = localCodeSystem('101', 'dubletter', Array.from({ length: 300 }, () => ({ code: '101-SAMME', display: 'Samme', type: 'indsats' as const })));
    const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(cs).expect(422);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(outcome.issue.slice(0, MAX_LISTED_ISSUES).every((i) => i.severity === 'error')).toBe(true);
    expect(outcome.issue.at(-1)?.details?.text).toMatch(/and 199 more issues, not listed/);
    await inEnglish(app).get(`/fhir/CodeSystem/${cs.id}`).expect(404);
    // in Danish to a Danish caller (the web page's editor), as the issues listed are
    const da = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set({ Authorization: `Bearer ${token}`, 'Accept-Language': 'da' }).type(JSON_TYPE).send(cs).expect(422);
    expect((da.body as OperationOutcome).issue.at(-1)?.details?.text).toBe('… og 199 problemer mere, som ikke er vist (kun 100 vises: de alvorligste)');
  });
});

describe('CodeSystem/$import-local limits', () => {
  const header = 'kode;titel;type;maal';

  function csvParameters(csv: string, extra: Parameters['parameter'] = []): Parameters {
    return { resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }, ...extra] };
  }

  async function importCsv(target: App, csv: string, extra: Parameters['parameter'] = [], status = 422): Promise<OperationOutcome> {
    const token = await tokenFor({ kommunekode: '230' });
    const res = await inEnglish(target).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send(csvParameters(csv, extra)).expect(status);
    return res.body as OperationOutcome;
  }

  it('defaults to 10,000 rows and 100 columns (MAX_IMPORT_ROWS, MAX_IMPORT_COLUMNS), checked at start', () => {
    expect(loadConfig({}).importLimits).toEqual({ rows: 10_000, columns: 100 });
    expect(loadConfig({ MAX_IMPORT_ROWS: '50', MAX_IMPORT_COLUMNS: '8' }).importLimits).toEqual({ rows: 50, columns: 8 });
    expect(() => loadConfig({ MAX_IMPORT_COLUMNS: '3' })).toThrow(/MAX_IMPORT_COLUMNS/);
  });

  it('refuses a header wider than the limit with one error, without listing its columns', async () => {
    const outcome = await importCsv(app, `${header};${Array.from({ length: 5000 }, (_, i) => `x${i}`).join(';')}\n230-A;A;indsats;Kostvejledning`);
    const errors = outcome.issue.filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.details?.text)).toEqual(['The header has 5004 columns; at most 100 are accepted']);
    expect(JSON.stringify(outcome).length).toBeLessThan(2000);
  });

  it('refuses a row wider than the column limit with one error, before the row is split', async () => {
    // split, the full-size row's ten million cells would hold the server for seconds
    const outcome = await importCsv(app, `${header}\n230-A;A;indsats;Kostvejledning\n230-B;B;indsats;${';'.repeat(atScale(1_000_000, 10_000_000))}\n`, [{ name: 'preview', valueBoolean: true }]);
    expect(outcome.issue.filter((i) => i.severity === 'error').map((i) => i.details?.text)).toEqual(['Line 3 has more than 100 fields; at most 100 columns are accepted']);
  });

  it('refuses a file longer than the limit with one error', async () => {
    const small = await testApp({ importLimits: { rows: 50, columns: 100 } });
    const rows = Array.from({ length: 51 }, (_, i) => `230-R${i};R${i};indsats;${CODES.kostvejledning}`);
    const outcome = await importCsv(small, [header, ...rows].join('\n'));
    expect(outcome.issue.filter((i) => i.severity === 'error').map((i) => i.details?.text))
      .toEqual(['The file has more than 50 rows; at most 50 are accepted in one import']);
    const fits = await importCsv(small, [header, ...rows.slice(0, 50)].join('\n'), [], 200);
    expect(fits.issue[0]?.details?.text).toContain('Imported 50 rows');
  });

  it('lists the first 100 problems of a file with many bad rows, and one saying how many more', async () => {
    const rows = Array.from({ length: 1000 }, (_, i) => `230-R${i};R${i}`);
    const outcome = await importCsv(app, [header, ...rows].join('\n'));
    expect(outcome.issue).toHaveLength(MAX_LISTED_ISSUES + 2);
    expect(outcome.issue[MAX_LISTED_ISSUES]?.details?.text).toBe('… and 900 more issues, not listed (only 100 are: the most severe)');
    expect(outcome.issue.at(-1)?.details?.text).toBe('Not imported: 1000 errors; nothing was written');
  });

  it('says how many problems are not listed in Danish to a caller who asks for Danish, as the summary is', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => `230-R${i};R${i}`);
    const token = await tokenFor({ kommunekode: '230' });
    const res = await inEnglish(app).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).set('Accept-Language', 'da')
      .type(JSON_TYPE).send(csvParameters([header, ...rows].join('\n'))).expect(422);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue[MAX_LISTED_ISSUES]?.details?.text).toBe('… og 50 problemer mere, som ikke er vist (kun 100 vises: de alvorligste)');
    expect(outcome.issue[MAX_LISTED_ISSUES]?.extension).toContainEqual({ url: MESSAGE_ID_EXTENSION, valueString: ISSUES_OMITTED });
    expect(outcome.issue.at(-1)?.details?.text).toBe('Ikke importeret: 150 fejl; intet blev gemt.');
  });

  it("says a line's first three unknown targets, then how many more: the issues grow with the lines, not the cells", async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `230-M${i};M${i};tilbud;${Array.from({ length: 200 }, (_, j) => `ukendt-${j}`).join(',')}`);
    // maal's values are separated by ';' inside a quoted field
    const csv = [header, ...rows.map((r) => r.replace(/;tilbud;(.*)$/, (_, maal: string) => `;tilbud;"${maal.replace(/,/g, ';')}"`))].join('\n');
    const outcome = await importCsv(app, csv, [{ name: 'preview', valueBoolean: true }]);
    const line2 = outcome.issue.filter((i) => i.extension?.some((e) => e.valueInteger === 2)).map((i) => i.details?.text);
    expect(line2).toEqual([
      "maal 'ukendt-0' is neither an FSIII/FFB code nor the exact title of a common concept",
      "maal 'ukendt-1' is neither an FSIII/FFB code nor the exact title of a common concept",
      "maal 'ukendt-2' is neither an FSIII/FFB code nor the exact title of a common concept",
      'maal has 197 more values on this line that are not a common code or title either',
    ]);
    expect(outcome.issue.at(-1)?.details?.text).toBe('Not imported: 160 errors; nothing was written');
  });

  it('keeps the first 1,000 problems a write rule finds and says how many it found in all, first', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const cs: CodeSystem = localCodeSystem('230', 'mange-dubletter', Array.from({ length: 2500 }, () => ({ code: '230-SAMME', display: 'Samme', type: 'indsats' as const })));
    const res = await inEnglish(app).put(`/fhir/CodeSystem/${cs.id}`).set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send(cs).expect(422);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', details: { text: '2499 problems were found, more than the 1000 kept (the first found); of those, the most severe are listed' } });
    expect(outcome.issue).toHaveLength(MAX_LISTED_ISSUES + 2);
    expect(outcome.issue.at(-1)?.details?.text).toBe('… and 2399 more issues, not listed (only 100 are: the most severe)');
  });

  it('refuses a parameter given twice (kommunekode, name, version, csv) with 400 instead of using the first', async () => {
    const csv = `${header}\n230-A;A;indsats;${CODES.kostvejledning}`;
    for (const extra of [
      [{ name: 'kommunekode', valueString: '230' }, { name: 'kommunekode', valueString: '230' }],
      [{ name: 'name', valueString: 'a' }, { name: 'name', valueString: 'b' }],
      [{ name: 'version', valueString: '1' }, { name: 'version', valueString: '2' }],
      [{ name: 'csv', valueString: csv }],
    ]) {
      const outcome = await importCsv(app, csv, extra, 400);
      expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
      expect(outcome.issue[0]?.details?.text).toMatch(/may only be given once/);
    }
    await inEnglish(app).get('/fhir/CodeSystem/kommune-230-lokale-indsatser').expect(404);
  });
});

describe('claims never reach a header unescaped', () => {
  const ASCII_HEADER = /^[\x20-\x7e]*$/;

  it.each([
    ['Arabic-Indic digits', '١٠١'],
    ['Danish letters', 'æøå'],
    ['a line break and a quote', '101"\r\nX-Injected: 1'],
    ['an object with toString', { toString: '101' }],
    ['an array', ['101']],
    ['a boolean', true],
  ])('a kommunekode claim of %s is 401 with an ASCII-only WWW-Authenticate', async (_what, claim) => {
    const token = await tokenFor({ kommunekode: claim });
    const res = await inEnglish(app).put('/fhir/CodeSystem/kommune-101-x').set('Authorization', `Bearer ${token}`).type(JSON_TYPE).send({}).expect(401);
    const challenge = String(res.headers['www-authenticate']);
    expect(challenge).toMatch(ASCII_HEADER);
    expect(challenge).toMatch(/^Bearer realm="faelles-tx", error="invalid_token", error_description="[^"\\]*"$/);
    expect(challenge).not.toContain('X-Injected');
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'login' });
    expect(texts(res.body as OperationOutcome)[0]).toMatch(/kommunekode claim is not a three-digit municipality code/);
  });
});

describe('the operation time budget covers every loop over the input', () => {
  let tight: App;
  beforeAll(async () => {
    tight = await testApp({ operationTimeBudgetMs: 5 });
  });

  function tooCostly(res: request.Response): void {
    expect(res.status).toBe(422);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ severity: 'error', code: 'too-costly' });
  }

  it('the codings of one CodeableConcept', async () => {
    const coding = Array.from({ length: 20_000 }, (_, i) => ({ system: FSIII, code: `c${i}` }));
    tooCostly(await inEnglish(tight).post('/fhir/ValueSet/$validate-code').type(JSON_TYPE).send({
      resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS_119 }, { name: 'codeableConcept', valueCodeableConcept: { coding } }],
    }));
  });

  it('the entries of a $batch-validate-code: the whole request stops, not each entry', async () => {
    const validations = Array.from({ length: 5000 }, (_, i) => ({
      name: 'validation', resource: { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: FSIII, code: `c${i}` } }] },
    }));
    tooCostly(await inEnglish(tight).post('/fhir/ValueSet/$batch-validate-code').type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS_119 }, ...validations] }));
  });

  it('the rows of a CSV import, whose targets are resolved under the budget; nothing is written', async () => {
    const token = await tokenFor({ kommunekode: '230' });
    const csv = ['kode;titel;type;maal', ...Array.from({ length: 5000 }, (_, i) => `230-R${i};R${i};indsats;Kostvejledning`)].join('\n');
    tooCostly(await inEnglish(tight).post('/fhir/CodeSystem/$import-local').set('Authorization', `Bearer ${token}`).type(JSON_TYPE)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }] }));
    await inEnglish(tight).get('/fhir/CodeSystem/kommune-230-lokale-indsatser').expect(404);
  });

  it('each match of a regex filter, which the engine cannot interrupt', async () => {
    // each match ~0.15 s (a new engine state at every character), the budget 0.2 s: stopped after a few, not forty
    const budgeted = await testApp({ operationTimeBudgetMs: 200 });
    let seed = 1;
    const letters = () => Array.from({ length: 2000 }, () => String.fromCharCode(97 + ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 26))).join('');
    const cs: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.org/cs/lange-tekster', status: 'active', content: 'complete',
      concept: Array.from({ length: 40 }, (_, i) => ({ code: `c${i}`, display: letters() })),
    };
    const started = Date.now();
    tooCostly(await inEnglish(budgeted).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send({
      resourceType: 'Parameters', parameter: [{ name: 'tx-resource', resource: cs }, {
        name: 'valueSet',
        resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: cs.url, filter: [{ property: 'display', op: 'regex', value: '.*[a-m].{1000}q' }] }] } },
      }],
    }));
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('the entries of a Bundle given to $validate', async () => {
    const bundle = {
      resourceType: 'Bundle', type: 'collection',
      entry: Array.from({ length: 5000 }, (_, i) => ({ fullUrl: `urn:uuid:${i}`, resource: { resourceType: 'Basic', code: { coding: [{ system: 'x', code: `c${i}` }] } } })),
    };
    tooCostly(await inEnglish(tight).post('/fhir/$validate').type(JSON_TYPE).send(bundle));
  });
});

describe('definitions the request brings have a budget of their own (DEFINITIONS_TIME_BUDGET_MS)', () => {
  // a chain of concepts and a value set of an is-a include per concept: work that grows with what the client sends
  const n = atScale(1_500, 3_000);
  const chain = {
    resourceType: 'CodeSystem', url: 'http://example.org/CodeSystem/kaede', status: 'active', content: 'complete', hierarchyMeaning: 'is-a',
    concept: Array.from({ length: n }, (_, i) => ({ code: `c${i}`, property: i > 0 ? [{ code: 'parent', valueCode: `c${i - 1}` }] : [] })),
  };
  const valueSet = {
    resourceType: 'ValueSet', url: 'http://example.org/ValueSet/kaede', status: 'active',
    compose: { include: Array.from({ length: n }, (_, i) => ({ system: chain.url, filter: [{ property: 'concept', op: 'is-a', value: `c${i}` }] })) },
  };
  const body = { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: valueSet }, { name: 'tx-resource', resource: chain }, { name: 'count', valueInteger: 10 }] };

  it('defaults to 2 s, checked at start', () => {
    expect(loadConfig({}).definitionsTimeBudgetMs).toBe(2_000);
    expect(loadConfig({ DEFINITIONS_TIME_BUDGET_MS: '0' }).definitionsTimeBudgetMs).toBe(0);
    expect(() => loadConfig({ DEFINITIONS_TIME_BUDGET_MS: '-1' })).toThrow(/DEFINITIONS_TIME_BUDGET_MS/);
  });

  it('an expansion of a value set and code system the request brings is stopped at it, 422 naming it; the operation budget alone lets it run', async () => {
    const tight = await testApp({ definitionsTimeBudgetMs: 20 });
    const res = await inEnglish(tight).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send(body).expect(422);
    expect((res.body as OperationOutcome).issue[0]).toMatchObject({ code: 'too-costly', details: { text: expect.stringMatching(/time budget of 20 ms/) } });
    // the operation's own budget, generous: the work is seconds on a loaded machine at the full scale
    const off = await testApp({ definitionsTimeBudgetMs: 0, operationTimeBudgetMs: 120_000, requestTimeoutMs: 240_000 });
    await inEnglish(off).post('/fhir/ValueSet/$expand').type(JSON_TYPE).send(body).expect(200);
    // the published catalogs are not the request's definitions
    await inEnglish(tight).get('/fhir/ValueSet/$expand').query({ url: VS_119, count: 10 }).expect(200);
  });
});
