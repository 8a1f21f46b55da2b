/**
 * Every terminology operation, read, search and the capability statements, through fhir-kit-client against a
 * listening server: type and instance level, GET (query parameters) and POST (a Parameters body).
 */
import type { Bundle, CapabilityStatement, OperationOutcome, Parameters, TerminologyCapabilities, ValueSet } from 'fhir/r4';
import { FFB, FSIII } from '../support/catalogs';
import { codeSystemFiles, fsiiiIndex, readJson, valueSetFiles } from '../support/files';
import {
  asParameters, lookupProperties, param, parametersOf as parameters, propertyValues, txIssueType, validationIssues, valueOf,
} from '../support/parameters';
import { failure, raw, useRunningServer } from '../support/server';

const GROUPING_119 = '102ea764-d2cf-4a24-979d-68c2e8d638cf'; // Kommunale sundhedsfremme og forebyggelsesindsatser
const AFKLARENDE = '6eddbaf7-2a73-49d4-91e7-6138d419f58c'; // Afklarende samtale, under GROUPING_119
const BEHOVSSAMTALE = 'ee5606ac-1bed-487e-aa3c-72dcc30ec037'; // its sibling
const CATALOG_119 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';
const CATALOG_140 = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-140';

const server = useRunningServer();

const op = async <T = Parameters>(
  name: string,
  resourceType: 'CodeSystem' | 'ValueSet',
  method: 'GET' | 'POST',
  input: Record<string, string | number | boolean> | Parameters,
  id?: string,
): Promise<T> => (await server.client.operation({ name, resourceType, id, method, input: input as never })) as unknown as T;


describe('CodeSystem $lookup', () => {
  const expectAfklarende = (res: Parameters) => {
    const p = asParameters(res);
    expect(valueOf(param(p, 'system'))).toBe(FSIII);
    expect(valueOf(param(p, 'version'))).toBe('20240530');
    expect(valueOf(param(p, 'display'))).toBe('Afklarende samtale');
    expect(valueOf(param(p, 'name'))).toBe('FSIII');
    expect(propertyValues(p, 'parent')).toContain(GROUPING_119);
  };

  it('type level, GET', async () => {
    expectAfklarende(await op('lookup', 'CodeSystem', 'GET', { system: FSIII, code: AFKLARENDE }));
  });

  it('type level, POST with system and code', async () => {
    expectAfklarende(await op('lookup', 'CodeSystem', 'POST', parameters(
      { name: 'system', valueUri: FSIII }, { name: 'code', valueCode: AFKLARENDE },
    )));
  });

  it('type level, POST with a Coding', async () => {
    expectAfklarende(await op('lookup', 'CodeSystem', 'POST', parameters({ name: 'coding', valueCoding: { system: FSIII, code: AFKLARENDE } })));
  });

  it('type level, GET with a Coding (system|code)', async () => {
    expectAfklarende(await op('lookup', 'CodeSystem', 'GET', { coding: `${FSIII}|${AFKLARENDE}` }));
  });

  it('instance level, GET: the code system comes from the id', async () => {
    expectAfklarende(await op('lookup', 'CodeSystem', 'GET', { code: AFKLARENDE }, 'FSIII'));
  });

  it('instance level, POST', async () => {
    expectAfklarende(await op('lookup', 'CodeSystem', 'POST', parameters({ name: 'code', valueCode: AFKLARENDE }), 'FSIII'));
  });

  it('answers only the properties asked for with `property`', async () => {
    const p = asParameters(await op('lookup', 'CodeSystem', 'GET', { system: FSIII, code: AFKLARENDE, property: 'parent' }));
    const codes = new Set(lookupProperties(p).map((x) => x.code));
    expect([...codes]).toEqual(['parent']);
  });

  it('looks up an FFB code as well', async () => {
    const ffb = readJson<{ concept: { code: string; display: string }[] }>('kl/CodeSystem-FFB.json').concept[0]!;
    const p = asParameters(await op('lookup', 'CodeSystem', 'GET', { system: FFB, code: ffb.code }));
    expect(valueOf(param(p, 'display'))).toBe(ffb.display);
  });

  it('gives no display for a concept that has none (an empty string is no FHIR value)', async () => {
    const codeSystem = { resourceType: 'CodeSystem', url: 'http://example.org/fhir/CodeSystem/no-display', status: 'active', content: 'complete', concept: [{ code: 'a' }] };
    const p = asParameters(await op('lookup', 'CodeSystem', 'POST', parameters(
      { name: 'system', valueUri: codeSystem.url }, { name: 'code', valueCode: 'a' }, { name: 'tx-resource', resource: codeSystem as never },
    )));
    expect(valueOf(param(p, 'code'))).toBe('a');
    expect(param(p, 'display')).toBeUndefined();
  });

  it('answers an unknown code with a 404 OperationOutcome', async () => {
    const { status, body } = await failure(op('lookup', 'CodeSystem', 'GET', { system: FSIII, code: 'no-such-code' }));
    expect(status).toBe(404);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue?.[0]?.code).toBe('not-found');
  });
});

describe('CodeSystem $validate-code', () => {
  const expectValid = (res: Parameters) => {
    const p = asParameters(res);
    expect(valueOf(param(p, 'result'))).toBe(true);
    expect(valueOf(param(p, 'display'))).toBe('Afklarende samtale');
    expect(valueOf(param(p, 'system'))).toBe(FSIII);
  };

  it('type level, GET (url + code)', async () => {
    expectValid(await op('validate-code', 'CodeSystem', 'GET', { url: FSIII, code: AFKLARENDE }));
  });

  it('type level, POST with a Coding', async () => {
    expectValid(await op('validate-code', 'CodeSystem', 'POST', parameters(
      { name: 'url', valueUri: FSIII }, { name: 'coding', valueCoding: { system: FSIII, code: AFKLARENDE } },
    )));
  });

  it('type level, POST with a CodeableConcept', async () => {
    expectValid(await op('validate-code', 'CodeSystem', 'POST', parameters(
      { name: 'url', valueUri: FSIII }, { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: FSIII, code: AFKLARENDE }] } },
    )));
  });

  it('instance level, GET and POST', async () => {
    expectValid(await op('validate-code', 'CodeSystem', 'GET', { code: AFKLARENDE }, 'FSIII'));
    expectValid(await op('validate-code', 'CodeSystem', 'POST', parameters({ name: 'code', valueCode: AFKLARENDE }), 'FSIII'));
  });

  it('accepts the right display and rejects a wrong one with an invalid-display issue', async () => {
    const ok = asParameters(await op('validate-code', 'CodeSystem', 'GET', { url: FSIII, code: AFKLARENDE, display: 'Afklarende samtale' }));
    expect(valueOf(param(ok, 'result'))).toBe(true);
    const bad = asParameters(await op('validate-code', 'CodeSystem', 'GET', { url: FSIII, code: AFKLARENDE, display: 'Behovssamtale' }));
    expect(valueOf(param(bad, 'result'))).toBe(false);
    const issue = validationIssues(bad).find((i) => txIssueType(i) === 'invalid-display');
    expect(issue?.severity).toBe('error');
    expect(valueOf(param(bad, 'message'))).toEqual(expect.stringContaining('Afklarende samtale'));
  });

  it('answers result=false with an invalid-code issue for a code not in the code system', async () => {
    const p = asParameters(await op('validate-code', 'CodeSystem', 'GET', { url: FSIII, code: 'no-such-code' }));
    expect(valueOf(param(p, 'result'))).toBe(false);
    expect(validationIssues(p).some((i) => i.severity === 'error' && txIssueType(i) === 'invalid-code')).toBe(true);
  });
});

describe('ValueSet $validate-code', () => {
  it('type level, GET: a member is valid, a non-member is not', async () => {
    const yes = asParameters(await op('validate-code', 'ValueSet', 'GET', { url: CATALOG_119, system: FSIII, code: AFKLARENDE }));
    expect(valueOf(param(yes, 'result'))).toBe(true);
    const no = asParameters(await op('validate-code', 'ValueSet', 'GET', { url: CATALOG_140, system: FSIII, code: AFKLARENDE }));
    expect(valueOf(param(no, 'result'))).toBe(false);
    expect(validationIssues(no).some((i) => i.severity === 'error' && txIssueType(i) === 'not-in-vs')).toBe(true);
    expect(typeof valueOf(param(no, 'message'))).toBe('string');
  });

  it('type level, POST with a Coding and with a CodeableConcept', async () => {
    const coding = asParameters(await op('validate-code', 'ValueSet', 'POST', parameters(
      { name: 'url', valueUri: CATALOG_119 }, { name: 'coding', valueCoding: { system: FSIII, code: AFKLARENDE } },
    )));
    expect(valueOf(param(coding, 'result'))).toBe(true);
    const cc = asParameters(await op('validate-code', 'ValueSet', 'POST', parameters(
      { name: 'url', valueUri: CATALOG_119 },
      // one member coding is enough; the other is a valid FFB code outside the value set (an unknown code would be an error)
      { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: FFB, code: '67b4ac73-dedf-4337-ad56-476b0a55ab03' }, { system: FSIII, code: AFKLARENDE }] } },
    )));
    expect(valueOf(param(cc, 'result'))).toBe(true);
    expect(param(cc, 'codeableConcept')).toBeDefined();
  });

  it('type level, POST with an inline ValueSet', async () => {
    const p = asParameters(await op('validate-code', 'ValueSet', 'POST', parameters(
      { name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: FSIII, concept: [{ code: BEHOVSSAMTALE }] }] } } },
      { name: 'coding', valueCoding: { system: FSIII, code: BEHOVSSAMTALE } },
    )));
    expect(valueOf(param(p, 'result'))).toBe(true);
  });

  it('accepts a canonical with its version (url|version)', async () => {
    const p = asParameters(await op('validate-code', 'ValueSet', 'GET', { url: `${CATALOG_119}|1.0.0`, system: FSIII, code: AFKLARENDE }));
    expect(valueOf(param(p, 'result'))).toBe(true);
  });

  it('instance level, GET and POST', async () => {
    const get = asParameters(await op('validate-code', 'ValueSet', 'GET', { system: FSIII, code: AFKLARENDE }, 'indsatskatalog-119'));
    expect(valueOf(param(get, 'result'))).toBe(true);
    const post = asParameters(await op('validate-code', 'ValueSet', 'POST', parameters(
      { name: 'coding', valueCoding: { system: FSIII, code: AFKLARENDE } },
    ), 'indsatskatalog-140'));
    expect(valueOf(param(post, 'result'))).toBe(false);
  });
});

describe('ValueSet $expand', () => {
  const codes = (vs: ValueSet) => (vs.expansion?.contains ?? []).map((c) => c.code);
  const catalog119Codes = () => readJson<ValueSet>('catalogs/ValueSet-indsatskatalog-119.json').compose!.include[0]!.concept!.map((c) => c.code);

  it('type level, GET by url', async () => {
    const vs = await op<ValueSet>('expand', 'ValueSet', 'GET', { url: CATALOG_119 });
    expect(vs.resourceType).toBe('ValueSet');
    expect(vs.url).toBe(CATALOG_119);
    expect(vs.expansion?.total).toBe(catalog119Codes().length);
    expect(new Set(codes(vs))).toEqual(new Set(catalog119Codes()));
    // one version of FSIII is used: the expansion names it once (used-codesystem), not on every code
    expect(vs.expansion?.contains?.every((c) => c.system === FSIII && c.version === undefined && !!c.display)).toBe(true);
    expect(vs.expansion?.parameter).toContainEqual({ name: 'used-codesystem', valueUri: `${FSIII}|20240530` });
  });

  it('type level, POST with url', async () => {
    const vs = await op<ValueSet>('expand', 'ValueSet', 'POST', parameters({ name: 'url', valueUri: CATALOG_119 }));
    expect(new Set(codes(vs))).toEqual(new Set(catalog119Codes()));
  });

  it("POST takes parameters from the URL's query too; one that may be given once, in both, is 400", async () => {
    const body = JSON.stringify(parameters({ name: 'url', valueUri: CATALOG_119 }));
    const headers = { 'Content-Type': 'application/fhir+json' };
    const paged = await raw(server.baseUrl, '/ValueSet/$expand?count=2', { method: 'POST', headers, body });
    expect(paged.status).toBe(200);
    expect(codes(paged.body as ValueSet)).toHaveLength(2);
    expect((paged.body as ValueSet).expansion?.total).toBe(catalog119Codes().length);
    const twice = await raw(server.baseUrl, `/ValueSet/$expand?url=${encodeURIComponent(CATALOG_140)}`, { method: 'POST', headers, body });
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.body)).toContain("Parameter 'url' may only be given once");
    expect((twice.body as OperationOutcome).issue[0]?.expression).toEqual(['url']);
  });

  it('type level, POST with an inline ValueSet (descendent-of)', async () => {
    const vs = await op<ValueSet>('expand', 'ValueSet', 'POST', parameters({
      name: 'valueSet',
      resource: {
        resourceType: 'ValueSet', status: 'active',
        compose: { include: [{ system: FSIII, filter: [{ property: 'concept', op: 'descendent-of', value: GROUPING_119 }] }] },
      },
    }));
    expect(new Set(codes(vs))).toEqual(fsiiiIndex().descendants(GROUPING_119));
  });

  it('instance level, GET and POST', async () => {
    const get = await op<ValueSet>('expand', 'ValueSet', 'GET', {}, 'indsatskatalog-119');
    expect(new Set(codes(get))).toEqual(new Set(catalog119Codes()));
    const post = await op<ValueSet>('expand', 'ValueSet', 'POST', parameters({ name: 'count', valueInteger: 3 }), 'indsatskatalog-119');
    expect(codes(post)).toHaveLength(3);
    expect(post.expansion?.total).toBe(catalog119Codes().length);
  });

  it('never returns the compose unless includeDefinition is asked for', async () => {
    expect((await op<ValueSet>('expand', 'ValueSet', 'GET', { url: CATALOG_119 })).compose).toBeUndefined();
    expect((await op<ValueSet>('expand', 'ValueSet', 'GET', { url: CATALOG_119, includeDefinition: true })).compose).toBeDefined();
  });
});

describe('CodeSystem $subsumes', () => {
  const outcome = (p: Parameters) => valueOf(param(asParameters(p), 'outcome'));

  it('type level, GET: subsumes, subsumed-by, equivalent and not-subsumed', async () => {
    expect(outcome(await op('subsumes', 'CodeSystem', 'GET', { system: FSIII, codeA: GROUPING_119, codeB: AFKLARENDE }))).toBe('subsumes');
    expect(outcome(await op('subsumes', 'CodeSystem', 'GET', { system: FSIII, codeA: AFKLARENDE, codeB: GROUPING_119 }))).toBe('subsumed-by');
    expect(outcome(await op('subsumes', 'CodeSystem', 'GET', { system: FSIII, codeA: AFKLARENDE, codeB: AFKLARENDE }))).toBe('equivalent');
    expect(outcome(await op('subsumes', 'CodeSystem', 'GET', { system: FSIII, codeA: AFKLARENDE, codeB: BEHOVSSAMTALE }))).toBe('not-subsumed');
  });

  it('agrees with the nesting of the FSIII file for a grandparent', async () => {
    const index = fsiiiIndex();
    const grandchild = [...index.nodes.values()].find((n) => [...n.parents].some((p) => index.nodes.get(p)!.parents.size > 0))!;
    const grandparent = [...index.ancestors(grandchild.code)].find((a) => !index.nodes.get(grandchild.code)!.parents.has(a))!;
    expect(outcome(await op('subsumes', 'CodeSystem', 'GET', { system: FSIII, codeA: grandparent, codeB: grandchild.code }))).toBe('subsumes');
  });

  it('type level, POST with codingA and codingB', async () => {
    expect(outcome(await op('subsumes', 'CodeSystem', 'POST', parameters(
      { name: 'codingA', valueCoding: { system: FSIII, code: GROUPING_119 } },
      { name: 'codingB', valueCoding: { system: FSIII, code: AFKLARENDE } },
    )))).toBe('subsumes');
  });

  it('instance level, GET and POST', async () => {
    expect(outcome(await op('subsumes', 'CodeSystem', 'GET', { codeA: GROUPING_119, codeB: AFKLARENDE }, 'FSIII'))).toBe('subsumes');
    expect(outcome(await op('subsumes', 'CodeSystem', 'POST', parameters(
      { name: 'codeA', valueCode: AFKLARENDE }, { name: 'codeB', valueCode: GROUPING_119 },
    ), 'FSIII'))).toBe('subsumed-by');
  });
});

describe('read', () => {
  it('returns the published ValueSet exactly as its file has it', async () => {
    const vs = await server.client.read({ resourceType: 'ValueSet', id: 'indsatskatalog-119' });
    expect(vs).toEqual(readJson('catalogs/ValueSet-indsatskatalog-119.json'));
  });

  it('returns KL\'s FSIII CodeSystem unchanged (supplements are not merged into it)', async () => {
    const cs = await server.client.read({ resourceType: 'CodeSystem', id: 'FSIII' });
    expect(cs).toEqual(readJson('kl/CodeSystem-FSIII.json'));
  });

  it('reads a ConceptMap and a supplement', async () => {
    expect((await server.client.read({ resourceType: 'ConceptMap', id: 'fsiii-legacy-keys' })).url).toBe('http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys');
    expect((await server.client.read({ resourceType: 'CodeSystem', id: 'fsiii-status' })).content).toBe('supplement');
  });

  it('answers an unknown id with 404 not-found', async () => {
    const { status, body } = await failure(server.client.read({ resourceType: 'CodeSystem', id: 'no-such-id' }));
    expect(status).toBe(404);
    expect(body.issue?.[0]?.code).toBe('not-found');
  });
});

describe('search', () => {
  // the example municipality's pick lists, derived from its local catalog (src/municipal/municipal-value-sets.ts)
  const pickLists = ['indsatser', 'tilbud', 'lokalt-katalog', 'indsatsvaelger', 'tilbud-370-KOL-REHAB']
    .map((name): Partial<ValueSet> => ({ url: `http://faelles-tx.dk/fhir/kommune/370/ValueSet/${name}`, status: 'active' }));
  const allValueSets = () => [...[...valueSetFiles('kl'), ...valueSetFiles('catalogs'), ...valueSetFiles('examples')].map((x) => x.vs), ...pickLists];
  const search = async (resourceType: string, searchParams: Record<string, string | number>) =>
    (await server.client.search({ resourceType, searchParams })) as unknown as Bundle;
  const resources = (b: Bundle) => (b.entry ?? []).map((e) => e.resource as ValueSet);

  it('by url: exactly the resource with that canonical', async () => {
    for (const url of [CATALOG_140, 'http://fhir.kl.dk/prevention/ValueSet/CancellationTypes', 'http://fhir.kl.dk/rehab/ValueSet/CancellationTypes']) {
      const b = await search('ValueSet', { url });
      expect(b.resourceType).toBe('Bundle');
      expect(b.type).toBe('searchset');
      expect(b.total).toBe(1);
      expect(resources(b).map((r) => r.url)).toEqual([url]);
    }
  });

  it('by version: every value set of that version', async () => {
    const b = await search('ValueSet', { version: '2.1.0', _count: 1000 });
    const expected = allValueSets().filter((v) => v.version === '2.1.0').map((v) => v.url).sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(resources(b).map((r) => r.url).sort()).toEqual(expected);
  });

  it('by url and version together', async () => {
    expect((await search('ValueSet', { url: CATALOG_119, version: '1.0.0' })).total).toBe(1);
    expect((await search('ValueSet', { url: CATALOG_119, version: '9.9.9' })).total).toBe(0);
  });

  it('by name: case-insensitive prefix', async () => {
    const b = await search('ValueSet', { name: 'klinterv', _count: 1000 });
    const expected = allValueSets().filter((v) => v.name?.toLowerCase().startsWith('klinterv')).map((v) => v.url).sort();
    expect(expected.length).toBeGreaterThan(1);
    expect(resources(b).map((r) => r.url).sort()).toEqual(expected);
  });

  it('by title', async () => {
    const b = await search('ValueSet', { title: 'Fælleskommunalt indsatskatalog' });
    expect(resources(b).map((r) => r.url).sort()).toEqual([CATALOG_119, CATALOG_140]);
  });

  it('by status', async () => {
    const active = await search('ValueSet', { status: 'active', _summary: 'count' });
    expect(active.total).toBe(allValueSets().filter((v) => v.status === 'active').length);
    expect((await search('ValueSet', { status: 'retired' })).total).toBe(0);
  });

  it('without parameters: every published ValueSet, CodeSystem and ConceptMap', async () => {
    const vs = await search('ValueSet', { _count: 1000 });
    expect(vs.total).toBe(allValueSets().length);
    expect(new Set(resources(vs).map((r) => r.url))).toEqual(new Set(allValueSets().map((v) => v.url)));
    const cs = await search('CodeSystem', { _count: 1000 });
    expect(new Set(resources(cs).map((r) => r.url))).toEqual(new Set(codeSystemFiles().map((c) => c.cs.url)));
    const cm = await search('ConceptMap', {});
    expect(resources(cm).map((r) => r.url)).toContain('http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys');
  });

  it('by identifier', async () => {
    const b = await search('CodeSystem', { identifier: `urn:oid|${FSIII}` });
    expect(resources(b).map((r) => r.url)).toEqual([FSIII]);
  });

  it('_summary=true leaves out concepts and compose and marks the entries SUBSETTED', async () => {
    const cs = await search('CodeSystem', { url: FSIII, _summary: 'true' });
    const entry = resources(cs)[0] as unknown as Record<string, unknown> & { meta?: { tag?: { code?: string }[] } };
    expect(entry.url).toBe(FSIII);
    expect(entry.concept).toBeUndefined();
    expect(entry.meta?.tag?.map((t) => t.code)).toContain('SUBSETTED');
    const vs = await search('ValueSet', { url: CATALOG_119, _summary: 'true' });
    expect(resources(vs)[0]!.compose).toBeUndefined();
    const full = await search('ValueSet', { url: CATALOG_119, _summary: 'false' });
    expect(resources(full)[0]!.compose).toBeDefined();
  });

  it('_summary=count answers the total only', async () => {
    const b = await search('ValueSet', { _summary: 'count' });
    expect(b.total).toBe(allValueSets().length);
    expect(b.entry ?? []).toHaveLength(0);
  });

  it('_count limits the entries, not the total', async () => {
    const b = await search('ValueSet', { _count: 3 });
    expect(b.entry).toHaveLength(3);
    expect(b.total).toBe(allValueSets().length);
    const none = await search('ValueSet', { _count: 0 });
    expect(none.entry ?? []).toHaveLength(0);
    expect(none.total).toBe(allValueSets().length);
  });

  it('gives every entry a fullUrl that reads the resource back', async () => {
    const b = await search('ValueSet', { url: CATALOG_119 });
    const fullUrl = b.entry![0]!.fullUrl!;
    expect(fullUrl).toBe(`${server.baseUrl}/ValueSet/indsatskatalog-119`);
    expect((await server.client.request(fullUrl)).url).toBe(CATALOG_119);
  });
});

describe('HEAD', () => {
  // every general-purpose server supports GET and HEAD (RFC 9110 §9.1): HEAD is the GET without its body
  const paths = [
    `/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=${AFKLARENDE}`,
    `/CodeSystem/FSIII/$lookup?code=${AFKLARENDE}`,
    `/ValueSet/$expand?url=${encodeURIComponent(CATALOG_119)}&count=3`,
    `/CodeSystem/$lookup?system=${encodeURIComponent(FSIII)}&code=no-such-code`,
  ];
  it.each(paths)('%s answers with the GET\'s status, type and length, and no body', async (path) => {
    const get = await fetch(`${server.baseUrl}${path}`);
    const getBody = Buffer.from(await get.arrayBuffer());
    const head = await fetch(`${server.baseUrl}${path}`, { method: 'HEAD' });
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    // an expansion is timestamped afresh, so its length may differ by a digit or so
    expect(Math.abs(Number(head.headers.get('content-length')) - getBody.length)).toBeLessThan(8);
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });
});

describe('capabilities', () => {
  it('/metadata: a CapabilityStatement naming the operations per resource type', async () => {
    const cs = (await server.client.capabilityStatement()) as unknown as CapabilityStatement;
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    expect(cs.kind).toBe('instance');
    expect(cs.format).toContain('application/fhir+json');
    expect(cs.instantiates).toContain('http://hl7.org/fhir/CapabilityStatement/terminology-server');
    expect((await raw(server.baseUrl, '/metadata')).contentType).toMatch(/^application\/fhir\+json/);
    const ops = (type: string) => cs.rest?.[0]?.resource?.find((r) => r.type === type)?.operation?.map((o) => o.name).sort();
    expect(ops('CodeSystem')).toEqual(['diff', 'import-local', 'local-codings', 'lookup', 'subsumes', 'validate', 'validate-code']);
    expect(ops('ValueSet')).toEqual(['batch-validate-code', 'compare', 'diff', 'expand', 'validate', 'validate-code']);
    const searchParams = cs.rest?.[0]?.resource?.find((r) => r.type === 'ValueSet')?.searchParam?.map((p) => p.name);
    expect(searchParams).toEqual(expect.arrayContaining(['url', 'version', 'name', 'title', 'status']));
  });

  it('/metadata?mode=terminology lists every code system and version', async () => {
    const tc = (await server.client.request('metadata?mode=terminology')) as unknown as TerminologyCapabilities;
    expect(tc.resourceType).toBe('TerminologyCapabilities');
    const listed = new Map((tc.codeSystem ?? []).map((c) => [c.uri, (c.version ?? []).map((v) => v.code)]));
    const published = codeSystemFiles().filter((c) => c.cs.content !== 'supplement');
    expect(published.length).toBeGreaterThanOrEqual(4);
    for (const { cs } of published) {
      expect(listed.has(cs.url)).toBe(true);
      expect(listed.get(cs.url)).toContain(cs.version);
    }
    expect(listed.get(FSIII)).toEqual(['20240530']);
    expect(listed.get(FFB)).toEqual(['20240530']);
  });

  it('/metadata?mode=terminology also lists the code systems answered from code and FHIR core, each of them answering $lookup, and the instance (tcp-3)', async () => {
    const tc = (await server.client.request('metadata?mode=terminology')) as unknown as TerminologyCapabilities;
    expect(tc.kind).toBe('instance');
    expect(tc.implementation?.url).toBe(server.baseUrl);
    const listed = new Set((tc.codeSystem ?? []).map((c) => c.uri));
    for (const [system, code] of [['http://unitsofmeasure.org', 'mg'], ['urn:ietf:bcp:47', 'da'], ['urn:iso:std:iso:3166', 'DK'], ['http://hl7.org/fhir/administrative-gender', 'male']]) {
      expect(listed.has(system)).toBe(true);
      const res = await fetch(`${server.baseUrl}/CodeSystem/$lookup?system=${encodeURIComponent(system)}&code=${code}`);
      expect(res.status).toBe(200);
    }
    expect(listed.size).toBe(tc.codeSystem!.length);
    // FHIR core's stub of SNOMED CT (content not-present) is not a code system the server answers
    expect(listed.has('http://snomed.info/sct')).toBe(false);
  });
});
