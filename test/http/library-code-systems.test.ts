import type { CodeSystem, OperationOutcome, Parameters, ParametersParameter, ValueSet } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { valueNamed as value } from '../support/parameters';
import { useRunningServer } from '../support/server';

const BCP_47 = 'urn:ietf:bcp:47';
const ISO_3166 = 'urn:iso:std:iso:3166';
const UCUM = 'http://unitsofmeasure.org';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const designations = (p: Parameters) => (p.parameter ?? []).filter((x) => x.name === 'designation')
  .map((d) => d.part?.find((x) => x.name === 'value')?.valueString);
const lookup = (system: string, code: string) => request(app).get('/fhir/CodeSystem/$lookup').query({ system, code });
const validate = (url: string, code: string, display?: string) =>
  request(app).get('/fhir/CodeSystem/$validate-code').query({ url, code, ...(display ? { display } : {}) }).expect(200);
const post = (path: string, parameter: ParametersParameter[]) =>
  request(app).post(`/fhir/${path}`).set('Content-Type', 'application/fhir+json').send({ resourceType: 'Parameters', parameter });
const inline = (url: string, include: NonNullable<ValueSet['compose']>['include']): ValueSet =>
  ({ resourceType: 'ValueSet', url, status: 'active', compose: { include } });

describe('BCP 47 language tags (urn:ietf:bcp:47)', () => {
  it('looks up Danish and Danish as used in Denmark, named from the IANA registry', async () => {
    const da = (await lookup(BCP_47, 'da').expect(200)).body as Parameters;
    expect(value(da, 'display')).toBe('Danish');
    const daDk = (await lookup(BCP_47, 'da-DK').expect(200)).body as Parameters;
    expect(value(daDk, 'display')).toBe('Danish (Denmark)');
  });

  it('validates da and da-DK with their displays, and refuses a tag in the wrong case or with an unregistered subtag', async () => {
    expect(value((await validate(BCP_47, 'da', 'Danish')).body, 'result')).toBe(true);
    const daDk = (await validate(BCP_47, 'da-DK')).body as Parameters;
    expect(value(daDk, 'result')).toBe(true);
    expect(value(daDk, 'display')).toBe('Danish (Denmark)');
    for (const bad of ['da-dk', 'qz-DK', 'da-JX', 'da--DK', '']) {
      const res = (await post('CodeSystem/$validate-code', [{ name: 'url', valueUri: BCP_47 }, { name: 'code', valueCode: bad }]).expect(bad ? 200 : 400)).body;
      if (bad) expect(value(res, 'result')).toBe(false);
    }
    expect(value((await validate(BCP_47, 'da-DK', 'Dansk')).body, 'result')).toBe(false);
  });

  it('expands a value set of designation languages (closed), and the whole code system as an unclosed list without a total', async () => {
    const langs = (await post('ValueSet/$expand', [{ name: 'valueSet', resource: inline('http://example.dk/ValueSet/sprog',
      [{ system: BCP_47, concept: [{ code: 'da' }, { code: 'da-DK' }, { code: 'en' }] }]) }]).expect(200)).body as ValueSet;
    expect(langs.expansion?.total).toBe(3);
    expect(langs.expansion?.contains?.map((c) => c.display)).toEqual(['Danish', 'Danish (Denmark)', 'English']);
    expect(langs.expansion?.extension).toBeUndefined();
    const all = (await post('ValueSet/$expand', [{ name: 'valueSet', resource: inline('http://example.dk/ValueSet/all', [{ system: BCP_47 }]) }])
      .expect(200)).body as ValueSet;
    expect(all.expansion?.total).toBeUndefined();
    expect(all.expansion?.extension).toContainEqual({ url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed', valueBoolean: true });
    expect(all.expansion?.contains?.find((c) => c.code === 'da')?.display).toBe('Danish');
  });

  it("says why an expansion of the language grammar is not closed in Danish when Danish is asked for, in HL7's English otherwise", async () => {
    const reason = async (acceptLanguage?: string) => {
      const asked = request(app).get('/fhir/ValueSet/$expand').query({ url: 'http://hl7.org/fhir/ValueSet/all-languages', count: 2 });
      const vs = (await (acceptLanguage ? asked.set('Accept-Language', acceptLanguage) : asked).expect(200)).body as ValueSet;
      return vs.expansion?.extension?.find((e) => e.url === 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed-reason')?.valueString;
    };
    expect(await reason('da')).toMatch(/^Kodesystemet 'urn:ietf:bcp:47' har en grammatik og dermed uendeligt mange medlemmer\. Udfoldningen bygger på /);
    expect(await reason()).toMatch(/^The code System 'urn:ietf:bcp:47' has a grammar and so has infinite members\. This extension is based on /);
    expect(await reason('en')).toMatch(/^The code System 'urn:ietf:bcp:47' has a grammar/);
  });

  it('takes the subtags the registry reserves for private use as ranges (qaa..qtz, Qaaa..Qabx, QM..QZ, XA..XZ), in their registered case', async () => {
    const displays: [string, string][] = [['qaa', 'Private use'], ['qtz', 'Private use'], ['en-Qaaa', 'English (Private use)'],
      ['da-QM', 'Danish (Private use)'], ['de-XA', 'German (Private use)'], ['de-XZ', 'German (Private use)']];
    for (const [code, display] of displays) {
      const res = (await validate(BCP_47, code)).body as Parameters;
      expect([code, value(res, 'result'), value(res, 'display')]).toEqual([code, true, display]);
    }
    // outside a range, or not in its case
    for (const code of ['qzz', 'en-Qaby', 'da-QL', 'QAA', 'qaA', 'en-QAAA', 'de-xa']) {
      expect([code, value((await validate(BCP_47, code)).body, 'result')]).toEqual([code, false]);
    }
  });

  it('refuses a tag with a variant or an extension written twice (RFC 5646 §2.2.5, §2.2.6), saying so', async () => {
    const information = (p: Parameters) => (value(p, 'issues') as OperationOutcome).issue.filter((i) => i.severity === 'information').map((i) => i.details?.text);
    const variant = (await validate(BCP_47, 'de-1996-1996')).body as Parameters;
    expect(value(variant, 'result')).toBe(false);
    expect(information(variant)).toEqual(["The language tag 'de-1996-1996' is not valid: the variant '1996' appears more than once (RFC 5646 §2.2.5)"]);
    const singleton = (await validate(BCP_47, 'en-a-aaa-a-bbb')).body as Parameters;
    expect(value(singleton, 'result')).toBe(false);
    expect(information(singleton)).toEqual(["The language tag 'en-a-aaa-a-bbb' is not valid: the extension 'a' appears more than once (RFC 5646 §2.2.6)"]);
    const danish = (await request(app).get('/fhir/CodeSystem/$validate-code').query({ url: BCP_47, code: 'de-1996-1996' })
      .set('Accept-Language', 'da').expect(200)).body as Parameters;
    expect(information(danish)).toEqual(["Sprogkoden 'de-1996-1996' er ikke gyldig: varianten '1996' forekommer mere end én gang (RFC 5646 §2.2.5)"]);
    // two different variants, a singleton used once each, and private use subtags may repeat
    for (const code of ['de-1901-1996', 'en-a-aaa-b-bbb', 'en-x-a-a']) expect([code, value((await validate(BCP_47, code)).body, 'result')]).toEqual([code, true]);
  });

  it('filters tags by whether they have a part (US Core\'s simple languages), in $validate-code and in an unclosed $expand without a total', async () => {
    const without = (...parts: string[]) => parts.map((property) => ({ property, op: 'exists' as const, value: 'false' }));
    const simple = inline('http://example.dk/ValueSet/simple-language',
      [{ system: BCP_47, filter: without('ext-lang', 'script', 'variant', 'extension', 'private-use') }]);
    const check = async (vs: ValueSet, code: string) => value((await post('ValueSet/$validate-code', [{ name: 'valueSet', resource: vs },
      { name: 'system', valueUri: BCP_47 }, { name: 'code', valueCode: code }]).expect(200)).body, 'result');
    for (const code of ['da', 'da-DK', 'en-US']) expect([code, await check(simple, code)]).toEqual([code, true]);
    for (const code of ['en-Latn', 'de-1996', 'en-US-u-ca-gregory', 'da-x-kl', 'zh-Hant-TW']) expect([code, await check(simple, code)]).toEqual([code, false]);
    const withRegion = inline('http://example.dk/ValueSet/regional', [{ system: BCP_47, filter: [{ property: 'region', op: 'exists', value: 'true' }] }]);
    expect(await check(withRegion, 'da-DK')).toBe(true);
    expect(await check(withRegion, 'da')).toBe(false);

    // infinitely many tags match: the base list's matches, unclosed and without a total, as for the whole code system
    const expansion = (await post('ValueSet/$expand', [{ name: 'valueSet', resource: simple }]).expect(200)).body as ValueSet;
    expect(expansion.expansion?.total).toBeUndefined();
    expect(expansion.expansion?.extension).toContainEqual({ url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed', valueBoolean: true });
    expect(expansion.expansion?.contains?.find((c) => c.code === 'da')?.display).toBe('Danish');
    const regional = (await post('ValueSet/$expand', [{ name: 'valueSet', resource: withRegion }]).expect(200)).body as ValueSet;
    expect(regional.expansion?.total).toBeUndefined();
    expect(regional.expansion?.extension).toContainEqual({ url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed', valueBoolean: true });
    // a part a tag does not have is not a filter
    await post('ValueSet/$expand', [{ name: 'valueSet', resource: inline('http://example.dk/ValueSet/bad',
      [{ system: BCP_47, filter: [{ property: 'dialect', op: 'exists', value: 'true' }] }]) }]).expect(400);
  });
});

describe('ISO 3166-1 (urn:iso:std:iso:3166)', () => {
  it('knows Denmark by its alpha-2, alpha-3 and numeric codes', async () => {
    for (const code of ['DK', 'DNK', '208']) expect(value((await lookup(ISO_3166, code).expect(200)).body, 'display')).toBe('Denmark');
    await lookup(ISO_3166, 'dk').expect(404);
  });

  it('accepts a user-assigned code, notes an unknown display of it, and takes displays for it from a language pack', async () => {
    const plain = (await validate(ISO_3166, 'XY', 'Weird Country')).body as Parameters;
    expect(value(plain, 'result')).toBe(true);
    const issue = (value(plain, 'issues') as OperationOutcome).issue[0]!;
    expect(issue.severity).toBe('information');
    expect(issue.details?.text).toContain('Use a supplement to define displays for user assigned codes');
    const pack: CodeSystem = {
      resourceType: 'CodeSystem', url: 'http://example.dk/CodeSystem/lande', version: '1', status: 'active', content: 'supplement',
      supplements: ISO_3166, extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/codesystem-supplement-type', valueCode: 'lang-pack' }],
      concept: [{ code: 'XY', display: 'Weird Country' }],
    };
    const withPack = (await post('CodeSystem/$validate-code', [{ name: 'url', valueUri: ISO_3166 }, { name: 'code', valueCode: 'XY' },
      { name: 'display', valueString: 'Weird Country' }, { name: 'tx-resource', resource: pack }]).expect(200)).body as Parameters;
    expect(value(withPack, 'result')).toBe(true);
    expect(value(withPack, 'issues')).toBeUndefined();
    // the displays of assigned codes are fixed: a wrong one is an error
    expect(value((await validate(ISO_3166, 'DK', 'Weird Country')).body, 'result')).toBe(false);
  });
});

describe('UCUM (http://unitsofmeasure.org)', () => {
  it('validates units by their grammar and looks them up with their name and canonical form', async () => {
    expect(value((await validate(UCUM, 'mg/dL')).body, 'result')).toBe(true);
    expect(value((await validate(UCUM, '{# of fetuses}')).body, 'result')).toBe(true);
    expect(value((await validate(UCUM, 'kgXX')).body, 'result')).toBe(false);
    // the parser slows with length: a unit expression of more than 256 characters is not parsed
    expect(value((await validate(UCUM, `${'m.'.repeat(150)}m`)).body, 'result')).toBe(false);
    const res = (await lookup(UCUM, 'mL').expect(200)).body as Parameters;
    expect(value(res, 'display')).toBe('mL');
    expect(designations(res)).toContain('milliliter');
    // the canonical form is worked out when asked for
    const canonicalOf = (p: Parameters) => (p.parameter ?? []).find((x) => x.name === 'property' && x.part?.some((y) => y.valueCode === 'canonical'))
      ?.part?.find((x) => x.name === 'value')?.valueString;
    expect(canonicalOf(res)).toBeUndefined();
    const asked = (await request(app).get('/fhir/CodeSystem/$lookup').query({ system: UCUM, code: 'mL', property: 'canonical' }).expect(200)).body as Parameters;
    expect(canonicalOf(asked)).toBe('m3');
  });

  it('names a unit by its formal form, and a common unit also by the name FHIR\'s common units give it, as a synonym', async () => {
    const res = (await lookup(UCUM, 'mg/dL').expect(200)).body as Parameters;
    expect(designations(res)).toEqual(['mg/dL', '(milligram) / (deciliter)', 'milligram per deciliter']);
    const synonym = (res.parameter ?? []).filter((p) => p.name === 'designation')[2]?.part?.find((x) => x.name === 'use')?.valueCoding;
    expect(synonym).toEqual({ system: 'http://snomed.info/sct', code: '900000000000013009' });
    const annotated = (await lookup(UCUM, 'mg/dL{milligram per deciliter}').expect(200)).body as Parameters;
    expect(designations(annotated)).toEqual(['mg/dL{milligram per deciliter}', '(milligram) / (deciliter) * 1']);
    expect(designations((await lookup(UCUM, 'kg.m/s2').expect(200)).body)).toEqual(['kg.m/s2', '(kilogram) * (meter) / (second ^ 2)']);
  });

  it('says why a code is not a unit, as information next to the unknown-code error', async () => {
    const parseIssue = (p: Parameters) => (value(p, 'issues') as OperationOutcome).issue
      .filter((i) => i.severity === 'information').map((i) => ({ text: i.details?.text, expression: i.expression, type: i.details?.coding?.[0]?.code }));
    const expected = [{ text: "Error processing unit 'kgXX': The unit 'kgXX' is unknown at character 1", expression: ['code'], type: 'invalid-code' }];
    const direct = (await validate(UCUM, 'kgXX')).body as Parameters;
    expect(value(direct, 'message')).toBe("Unknown code 'kgXX' in the CodeSystem 'http://unitsofmeasure.org' version '2.2'");
    expect(parseIssue(direct)).toEqual(expected);
    const all = inline('http://example.dk/ValueSet/enheder', [{ system: UCUM }]);
    const inValueSet = (await post('ValueSet/$validate-code', [{ name: 'valueSet', resource: all },
      { name: 'system', valueUri: UCUM }, { name: 'code', valueCode: 'kgXX' }]).expect(200)).body as Parameters;
    expect(value(inValueSet, 'result')).toBe(false);
    expect(parseIssue(inValueSet)).toEqual(expected);
    const tail = (await validate(UCUM, 'mg/')).body as Parameters;
    expect(parseIssue(tail)[0]?.text).toBe("Error processing unit 'mg/': unexpected end of expression looking for a symbol or a number at character 4");
  });

  it('refuses a prefix on a unit that is not metric (kilominute), as UCUM\'s grammar and tx.fhir.org do', async () => {
    const res = (await validate(UCUM, 'kmin')).body as Parameters;
    expect(value(res, 'result')).toBe(false);
    expect((value(res, 'issues') as OperationOutcome).issue.map((i) => i.details?.text))
      .toContain("Error processing unit 'kmin': The unit 'kmin' is unknown at character 1");
    expect(value((await validate(UCUM, 'km')).body, 'result')).toBe(true);
  });

  it('writes nothing to the console while checking a unit the UCUM library fails on (its own log line would carry the caller\'s text)', async () => {
    const log = jest.spyOn(console, 'log');
    const write = jest.spyOn(process.stdout, 'write');
    try {
      const res = (await validate(UCUM, 'g/(8.h){shift}{x}')).body as Parameters;
      expect(value(res, 'result')).toBe(false);
      expect(log).not.toHaveBeenCalled();
      expect(write).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
      write.mockRestore();
    }
  });

  it('filters units by canonical form in a value set', async () => {
    const grams = inline('http://example.dk/ValueSet/masse', [{ system: UCUM, filter: [{ property: 'canonical', op: '=', value: 'g' }] }]);
    const check = async (code: string) => value((await post('ValueSet/$validate-code', [{ name: 'valueSet', resource: grams },
      { name: 'system', valueUri: UCUM }, { name: 'code', valueCode: code }]).expect(200)).body, 'result');
    expect(await check('kg')).toBe(true);
    expect(await check('mL')).toBe(false);
    const ml = (await post('ValueSet/$validate-code', [{ name: 'valueSet', resource: grams },
      { name: 'system', valueUri: UCUM }, { name: 'code', valueCode: 'mL' }]).expect(200)).body as Parameters;
    expect(value(ml, 'message')).toContain('Code mL has canonical form m3, not g as required');
    const expansion = (await post('ValueSet/$expand', [{ name: 'valueSet', resource: grams }]).expect(200)).body as ValueSet;
    expect(expansion.expansion?.contains?.map((c) => c.code)).toEqual(expect.arrayContaining(['g', 'kg', 'mg']));
    expect(expansion.expansion?.contains?.map((c) => c.code)).not.toContain('mL');
  });
});

describe('BCP 13 media types (urn:ietf:bcp:13)', () => {
  const BCP_13 = 'urn:ietf:bcp:13';
  const MIMETYPES = 'http://hl7.org/fhir/ValueSet/mimetypes';

  it('validates what Attachment.contentType carries: a type and subtype RFC 6838 allows, in any case, with parameters; the display is the code', async () => {
    for (const code of ['application/pdf', 'application/fhir+json', 'text/plain; charset=utf-8', 'Application/PDF', 'image/svg+xml']) {
      const res = (await validate(BCP_13, code)).body as Parameters;
      expect([code, value(res, 'result')]).toEqual([code, true]);
      expect(value(res, 'display')).toBe(code);
    }
    for (const bad of ['text', 'text/', '/plain', 'a b/c', '*/*', 'text/*', 'tëxt/plain', ' text/plain', 'text/plain/x']) {
      const res = (await post('CodeSystem/$validate-code', [{ name: 'url', valueUri: BCP_13 }, { name: 'code', valueCode: bad }]).expect(200)).body as Parameters;
      expect([bad, value(res, 'result')]).toEqual([bad, false]);
    }
    const looked = (await lookup(BCP_13, 'application/pdf').expect(200)).body as Parameters;
    expect(value(looked, 'display')).toBe('application/pdf');
  });

  it('answers for FHIR\'s mimetypes value set: a media type is in it, a media range is not, and its expansion is unclosed, from the IANA registry', async () => {
    const check = async (code: string) => value((await request(app).get('/fhir/ValueSet/$validate-code')
      .query({ url: MIMETYPES, system: BCP_13, code }).expect(200)).body, 'result');
    expect(await check('image/png')).toBe(true);
    expect(await check('*/*')).toBe(false);
    const pdf = (await request(app).get('/fhir/ValueSet/$expand').query({ url: MIMETYPES, filter: 'pdf' }).expect(200)).body as ValueSet;
    expect(pdf.expansion?.total).toBeUndefined();
    expect(pdf.expansion?.extension).toContainEqual({ url: 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed', valueBoolean: true });
    expect(pdf.expansion?.contains?.map((c) => c.code)).toContain('application/pdf');
    expect(pdf.expansion?.contains?.map((c) => c.code)).not.toContain('image/png');
  });

  describe('through fhir-kit-client, as a validator checking an Attachment asks', () => {
    const server = useRunningServer();
    it('validates the content type by GET and by POST', async () => {
      const byGet = await server.client.operation({ name: 'validate-code', resourceType: 'ValueSet', method: 'GET',
        input: { url: MIMETYPES, system: BCP_13, code: 'application/pdf' } }) as Parameters;
      expect(value(byGet, 'result')).toBe(true);
      const byPost = await server.client.operation({ name: 'validate-code', resourceType: 'CodeSystem', input: { resourceType: 'Parameters',
        parameter: [{ name: 'url', valueUri: BCP_13 }, { name: 'code', valueCode: 'pdf' }] } }) as Parameters;
      expect(value(byPost, 'result')).toBe(false);
      expect(value(byPost, 'message')).toContain("Unknown code 'pdf'");
    });
  });

  it('is listed among the code systems of the TerminologyCapabilities', async () => {
    const caps = (await request(app).get('/fhir/metadata').query({ mode: 'terminology' }).expect(200)).body as { codeSystem: { uri: string }[] };
    expect(caps.codeSystem.map((c) => c.uri)).toContain(BCP_13);
  });
});
