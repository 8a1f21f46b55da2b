/**
 * FHIR R4's rules of a Bundle itself and of references within it, and FSIII legacy keys in required bindings, through
 * POST /fhir/$validate.
 */
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { bundle, C, careIntervention, condition, fsiii, intervention119 } from './fixtures';
import { OK, validateWith, type Issue } from './outcome';

let app: App;
beforeAll(async () => {
  app = await testApp();
});

const validate = (body: unknown): Promise<Issue[]> => validateWith(app, body);
const errors = async (body: unknown) => (await validate(body)).filter((i) => i.severity === 'error' || i.severity === 'fatal');

type Json = Record<string, unknown>;

describe('FSIII legacy keys in a required binding', () => {
  const VS_SEVERITY = 'http://fhir.kl.dk/term/ValueSet/KLSeveritiesFSIII';

  it('accept a legacy key the value set has (KL\'s value sets list B1–B6 beside the UUID codes), with a warning naming the UUID code', async () => {
    expect(await validate(condition('klgateway-care-condition', [fsiii(C.vaskeSig)], [fsiii('B2')]))).toEqual([{
      severity: 'warning', code: 'business-rule', tx: 'code-rule', expression: ['Condition.severity.coding[0]'],
      en: expect.stringMatching(/^The code 'B2' is a legacy key of urn:oid:1\.2\.208\.176\.2\.21; use the code '[0-9a-f-]{36}' .* instead$/),
      da: expect.stringMatching(/^Koden 'B2' er en gammel brugervendt nøgle i urn:oid:1\.2\.208\.176\.2\.21; brug i stedet koden '[0-9a-f-]{36}'/),
    }]);
    expect(await errors(condition('klgateway-care-condition', [fsiii('J1.1')], [fsiii('B2')]))).toEqual([]);
  });

  it('reject a legacy key the value set does not have: a condition key as severity, as a care intervention', async () => {
    expect((await errors(condition('klgateway-care-condition', [fsiii(C.vaskeSig)], [fsiii('J1.1')]))).map((i) => [i.tx, i.expression, i.en])).toEqual([
      ['not-in-vs', ['Condition.severity'], `No valid coding was found for the value set '${VS_SEVERITY}|2.3.0' (codes sent: urn:oid:1.2.208.176.2.21#J1.1)`],
    ]);
    expect((await errors(careIntervention([fsiii('J1.1')]))).map((i) => [i.tx, i.expression])).toEqual([
      ['not-in-vs', ['CarePlan.activity[0].detail.code.coding[0]']],
    ]);
  });
});

/** A §119 treatment intervention based on a care plan, in a collection with its patient, organization and care plan. */
function submission(basedOn: string, fullUrls: [string, string, string, string]): Json {
  const cp = { ...intervention119([fsiii(C.kostvejledning)]), id: 'indsats-1', basedOn: [{ reference: basedOn }] };
  const b = bundle('collection', [
    cp,
    { resourceType: 'Patient', id: 'borger-1' },
    { resourceType: 'Organization', id: 'udfoerer', name: 'Udfører' },
    { resourceType: 'CarePlan', id: 'X', status: 'active', intent: 'plan', subject: { reference: 'Patient/borger-1' } },
  ]);
  (b.entry as Json[]).forEach((e, i) => { e.fullUrl = fullUrls[i]; });
  return b;
}
const HERE = 'https://kommune.example/fhir/';
const ids = ['CarePlan/indsats-1', 'Patient/borger-1', 'Organization/udfoerer', 'CarePlan/X'];
const restful = (base: string): [string, string, string, string] => ids.map((t) => `${base}${t}`) as [string, string, string, string];
const uuids = ids.map((_, i) => `urn:uuid:00000000-0000-4000-8000-00000000000${i}`) as [string, string, string, string];

describe('references within a Bundle (R4 bundle.html, "Resolving references in Bundles")', () => {
  const unresolved = (reference: string) => ({
    id: undefined, expression: ['Bundle.entry[0].resource.basedOn[0]'],
    en: expect.stringContaining(`the reference '${reference}' must point to another entry of the Bundle`),
  });

  it('an absolute reference is the entry whose fullUrl is exactly it, not an entry of another server with its Type/id', async () => {
    expect(await validate(submission(`${HERE}CarePlan/X`, restful(HERE)))).toEqual(OK);
    const elsewhere = 'https://elsewhere.dk/fhir/CarePlan/X';
    expect((await errors(submission(elsewhere, restful(HERE)))).map((i) => ({ id: i.id, expression: i.expression, en: i.en })))
      .toEqual([unresolved(elsewhere)]);
    expect((await errors(submission(elsewhere, uuids))).map((i) => ({ id: i.id, expression: i.expression, en: i.en })))
      .toEqual([unresolved(elsewhere)]);
  });

  it('a relative reference is relative to the base of the referring entry\'s RESTful fullUrl', async () => {
    expect(await validate(submission('CarePlan/X', restful(HERE)))).toEqual(OK);
    // the care plan X is an entry of another server: `CarePlan/X` from kommune.example is not it
    const other = restful(HERE);
    other[3] = 'https://elsewhere.dk/fhir/CarePlan/X';
    expect((await errors(submission('CarePlan/X', other))).map((i) => ({ id: i.id, expression: i.expression, en: i.en })))
      .toEqual([unresolved('CarePlan/X')]);
  });

  it('from an entry whose fullUrl is a urn:uuid, a relative reference is the entry whose resource has that type and id (as HL7\'s validator)', async () => {
    expect(await validate(submission('CarePlan/X', uuids))).toEqual(OK);
    expect(await validate(submission(uuids[3], uuids))).toEqual(OK);
    expect((await errors(submission('CarePlan/Y', uuids))).map((i) => i.expression)).toEqual([['Bundle.entry[0].resource.basedOn[0]']]);
  });

  it('a version-specific reference is matched on the fullUrl without its version, then on meta.versionId', async () => {
    const b = submission(`${HERE}CarePlan/X/_history/2`, restful(HERE));
    expect((await errors(b)).map((i) => i.expression)).toEqual([['Bundle.entry[0].resource.basedOn[0]']]);
    ((b.entry as Json[])[3]!.resource as Json).meta = { versionId: '2' };
    expect(await validate(b)).toEqual(OK);
  });
});

describe('a fullUrl and the id of its resource (Bundle.entry.fullUrl: "SHALL NOT disagree")', () => {
  it('reports a RESTful fullUrl naming another id or type, at the fullUrl', async () => {
    // the referring entry's fullUrl is a urn:uuid, so its relative references are the entries' type and id
    const urls = restful(HERE);
    urls[0] = uuids[0];
    urls[1] = `${HERE}Patient/SomeoneElse`;
    urls[2] = `${HERE}Patient/udfoerer`;
    expect(await errors(submission(`${HERE}CarePlan/X`, urls))).toEqual([
      {
        severity: 'error', code: 'invalid', expression: ['Bundle.entry[1].fullUrl'],
        en: `The fullUrl '${HERE}Patient/SomeoneElse' disagrees with the resource's type and id Patient/borger-1: a RESTful fullUrl must end with Patient/borger-1 (Bundle.entry.fullUrl)`,
        da: `fullUrl '${HERE}Patient/SomeoneElse' stemmer ikke med ressourcens type og id Patient/borger-1: en RESTful fullUrl skal ende på Patient/borger-1 (Bundle.entry.fullUrl)`,
      },
      expect.objectContaining({ severity: 'error', code: 'invalid', expression: ['Bundle.entry[2].fullUrl'] }),
    ]);
  });

  it('accepts a urn:uuid fullUrl and a url that is not RESTful (its last segments are no resource type)', async () => {
    const urls = restful(HERE);
    urls[0] = uuids[0];
    urls[1] = 'urn:uuid:00000000-0000-4000-8000-0000000000aa';
    urls[2] = `${HERE}Organisation/someone-else`;
    expect(await validate(submission(`${HERE}CarePlan/X`, urls))).toEqual(OK);
  });
});

describe('R4 Bundle invariants', () => {
  const B = 'http://hl7.org/fhir/StructureDefinition/Bundle';
  const patient = (id: string) => ({ fullUrl: `${HERE}Patient/${id}`, resource: { resourceType: 'Patient', id } });
  const found = async (b: Json) => (await errors(b)).map((i) => [i.id, i.expression]);

  it('writes each with its key, at the element, in English and Danish', async () => {
    expect(await errors({ resourceType: 'Bundle', type: 'collection', total: 1, entry: [patient('p1')] })).toEqual([{
      severity: 'error', code: 'invariant', id: 'bdl-1', expression: ['Bundle.total'],
      en: `Constraint failed: bdl-1: 'total only when a search or history' (defined in ${B}): the Bundle's type is 'collection'`,
      da: `Reglen bdl-1 er ikke overholdt: 'total kun i en søgning eller historik' (defineret i ${B}): Bundlens type er 'collection'`,
    }]);
  });

  it('bdl-1: total only in a searchset or history', async () => {
    expect(await validate({ resourceType: 'Bundle', type: 'searchset', total: 1, entry: [{ ...patient('p1'), search: { mode: 'match' } }] })).toEqual(OK);
  });

  it('bdl-2: entry.search only in a searchset', async () => {
    expect(await found({ resourceType: 'Bundle', type: 'collection', entry: [{ ...patient('p1'), search: { mode: 'match' } }] }))
      .toEqual([['bdl-2', ['Bundle.entry[0].search']]]);
  });

  it('bdl-3: entry.request mandatory in a batch, transaction or history, otherwise prohibited', async () => {
    const request = { method: 'PUT', url: 'Patient/p1' };
    expect(await found({ resourceType: 'Bundle', type: 'transaction', entry: [patient('p1'), { ...patient('p2'), request }] }))
      .toEqual([['bdl-3', ['Bundle.entry[0]']]]);
    expect(await found({ resourceType: 'Bundle', type: 'collection', entry: [{ ...patient('p1'), request }] }))
      .toEqual([['bdl-3', ['Bundle.entry[0].request']]]);
    expect(await validate({ resourceType: 'Bundle', type: 'batch', entry: [{ ...patient('p1'), request }] })).toEqual(OK);
  });

  it('bdl-4: entry.response mandatory in a batch-response, transaction-response or history, otherwise prohibited', async () => {
    const response = { status: '201 Created' };
    expect(await found({ resourceType: 'Bundle', type: 'transaction-response', entry: [{ response }, {}] }))
      .toEqual([['bdl-4', ['Bundle.entry[1]']], ['bdl-5', ['Bundle.entry[1]']]]);
    expect(await found({ resourceType: 'Bundle', type: 'collection', entry: [{ ...patient('p1'), response }] }))
      .toEqual([['bdl-4', ['Bundle.entry[0].response']]]);
    expect(await validate({ resourceType: 'Bundle', type: 'batch-response', entry: [{ response }] })).toEqual(OK);
  });

  it('bdl-5: an entry has a resource, a request or a response', async () => {
    expect(await found({ resourceType: 'Bundle', type: 'collection', entry: [patient('p1'), { fullUrl: `${HERE}Patient/p2` }] }))
      .toEqual([['bdl-5', ['Bundle.entry[1]']]]);
  });

  it('bdl-8: a fullUrl names no version', async () => {
    expect(await found({ resourceType: 'Bundle', type: 'collection', entry: [{ ...patient('p1'), fullUrl: `${HERE}Patient/p1/_history/1` }] }))
      .toEqual([['bdl-8', ['Bundle.entry[0].fullUrl']]]);
  });

  it('bdl-9, bdl-10, bdl-11: a document has an identifier with system and value, a timestamp and a Composition first', async () => {
    expect(await found({ resourceType: 'Bundle', type: 'document', identifier: { value: 'd1' }, entry: [patient('p1')] })).toEqual([
      ['bdl-9', ['Bundle.identifier']], ['bdl-10', ['Bundle']], ['bdl-11', ['Bundle.entry[0].resource']],
    ]);
    expect(await found({ resourceType: 'Bundle', type: 'document' })).toEqual([['bdl-9', ['Bundle']], ['bdl-10', ['Bundle']], ['bdl-11', ['Bundle']]]);
    const composition = {
      resourceType: 'Composition', id: 'doc', status: 'final', type: { text: 'Notat' }, date: '2026-01-05', author: [{ display: 'Kommune' }], title: 'Notat',
    };
    expect(await validate({
      resourceType: 'Bundle', type: 'document', identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:00000000-0000-4000-8000-0000000000dd' },
      timestamp: '2026-01-05T10:00:00+01:00', entry: [{ fullUrl: `${HERE}Composition/doc`, resource: composition }, patient('p1')],
    })).toEqual(OK);
  });

  it('bdl-12: a message has a MessageHeader first', async () => {
    expect(await found({ resourceType: 'Bundle', type: 'message', entry: [patient('p1')] })).toEqual([['bdl-12', ['Bundle.entry[0].resource']]]);
    const header = { resourceType: 'MessageHeader', id: 'h1', eventCoding: { system: 'urn:x', code: 'e' }, source: { endpoint: 'urn:x' } };
    expect(await validate({ resourceType: 'Bundle', type: 'message', entry: [{ fullUrl: `${HERE}MessageHeader/h1`, resource: header }, patient('p1')] })).toEqual(OK);
  });

  it('apply to a Bundle inside a Bundle, with the expression into it', async () => {
    const inner = { resourceType: 'Bundle', id: 'inner', type: 'collection', total: 1 };
    expect(await found({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: `${HERE}Bundle/inner`, resource: inner }] }))
      .toEqual([['bdl-1', ['Bundle.entry[0].resource.total']]]);
  });
});
