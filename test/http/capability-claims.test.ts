/**
 * What the CapabilityStatement and the TerminologyCapabilities state is what the server does, followed claim by claim
 * with a FHIR client: every type listed with `read` is read (and `vread`), `conditionalRead`, `codeSearch`, `closure`.
 * (Each listed search parameter is run in search.test.ts, the audit log's in audit-log.test.ts, each listed
 * OperationDefinition is read in operation-definitions.test.ts.)
 */
import type { Bundle, CapabilityStatement, CapabilityStatementRestResource, ConceptMap, Parameters, Resource, TerminologyCapabilities, ValueSet } from 'fhir/r4';
import { Client } from 'fhir-kit-client';
import { FSIII } from '../support/catalogs';
import { CODES, sampleCatalog, tokenFor } from '../support/local';
import { clientBody, failure, useRunningServer } from '../support/server';

const server = useRunningServer();
const K = '101';

let statement: CapabilityStatement;
let listed: CapabilityStatementRestResource[];
/** A resource of each terminology type written by municipality 101 (these have a version and a Last-Modified). */
const written: Record<string, Resource> = {};

beforeAll(async () => {
  statement = (await server.client.capabilityStatement()) as unknown as CapabilityStatement;
  listed = statement.rest![0]!.resource!;
  const writer = new Client({ baseUrl: server.baseUrl, bearerToken: await tokenFor({ kommunekode: K }) });
  const { codeSystem, conceptMap } = sampleCatalog(K, 'paastande');
  const valueSet: ValueSet = {
    resourceType: 'ValueSet', id: `kommune-${K}-paastande-vs`, url: `http://faelles-tx.dk/fhir/kommune/${K}/ValueSet/paastande`, status: 'active',
    identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: K }],
    compose: { include: [{ system: FSIII, concept: [{ code: CODES.kostvejledning }] }] },
  };
  for (const r of [codeSystem, conceptMap, valueSet]) {
    written[r.resourceType] = (await writer.update({ resourceType: r.resourceType, id: r.id!, body: clientBody(r) })) as unknown as Resource;
  }
});

const listing = (interaction: string) => listed.filter((r) => r.interaction?.some((i) => i.code === interaction));

/** The client a type is read with: the audit log's events (the writes of beforeAll) with the token of the municipality that wrote them. */
async function clientFor(r: CapabilityStatementRestResource): Promise<Client> {
  return r.type === 'AuditEvent' ? new Client({ baseUrl: server.baseUrl, bearerToken: await tokenFor({ kommunekode: K }) }) : server.client;
}

/** The id of one instance of a type, found by the type's search. */
async function someId(r: CapabilityStatementRestResource, client: Client): Promise<string> {
  if (!r.interaction?.some((i) => i.code === 'search-type')) throw new Error(`no way to find an instance of ${r.type}`);
  const bundle = (await client.search({ resourceType: r.type, searchParams: { _count: 1 } })) as unknown as Bundle;
  return bundle.entry![0]!.resource!.id!;
}

describe('the CapabilityStatement', () => {
  it('lists OperationDefinition with read and search', () => {
    const od = listed.find((r) => r.type === 'OperationDefinition');
    expect(od?.interaction).toEqual([{ code: 'read' }, { code: 'search-type' }]);
    expect(od?.searchParam?.map((p) => p.name)).toEqual(expect.arrayContaining(['url', 'code', 'system', 'type', 'instance']));
  });

  it('every type listed with read is read', async () => {
    const types = listing('read').map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['CodeSystem', 'ValueSet', 'ConceptMap', 'StructureDefinition', 'OperationDefinition', 'AuditEvent']));
    for (const r of listing('read')) {
      const client = await clientFor(r);
      const id = await someId(r, client);
      const read = (await client.read({ resourceType: r.type, id })) as unknown as Resource;
      expect([r.type, read.resourceType, read.id]).toEqual([r.type, r.type, id]);
    }
    // each operation the statement lists is read through its definition's id
    for (const { definition } of statement.rest![0]!.operation!) {
      const od = (await server.client.read({ resourceType: 'OperationDefinition', id: definition.slice(definition.lastIndexOf('/') + 1) })) as unknown as { url: string };
      expect(od.url).toBe(definition);
    }
  });

  it('every type listed with vread is read by version', async () => {
    for (const r of listing('vread')) {
      const version = (await server.client.vread({ resourceType: r.type, id: written[r.type]!.id!, version: '1' })) as unknown as Resource;
      expect([r.type, version.meta?.versionId]).toEqual([r.type, '1']);
    }
  });

  it('conditionalRead full-support: a read honours If-None-Match and If-Modified-Since (304)', async () => {
    const full = listed.filter((r) => r.conditionalRead !== undefined);
    expect(full.map((r) => [r.type, r.conditionalRead])).toEqual([['CodeSystem', 'full-support'], ['ValueSet', 'full-support'], ['ConceptMap', 'full-support']]);
    for (const r of full) {
      // a published resource, by its ETag
      const id = await someId(r, server.client);
      const etag = (await fetch(`${server.baseUrl}/${r.type}/${id}`)).headers.get('etag')!;
      expect((await failure(server.client.read({ resourceType: r.type, id, options: { headers: { 'If-None-Match': etag } } }))).status).toBe(304);
      // a written one, by its Last-Modified
      const own = written[r.type]!;
      const lastModified = new Date(own.meta!.lastUpdated!).toUTCString();
      const since = (date: string) => server.client.read({ resourceType: r.type, id: own.id!, options: { headers: { 'If-Modified-Since': date } } });
      expect([r.type, (await failure(since(lastModified))).status]).toEqual([r.type, 304]);
      expect(((await since(new Date(Date.parse(lastModified) - 60_000).toUTCString())) as unknown as Resource).id).toBe(own.id);
    }
  });
});

describe('the TerminologyCapabilities', () => {
  let tc: TerminologyCapabilities;
  beforeAll(async () => {
    tc = (await server.client.request('metadata?mode=terminology')) as unknown as TerminologyCapabilities;
  });

  it("codeSearch explicit: ValueSet?code finds the value sets naming the code, not those including it by a filter", async () => {
    expect(tc.codeSearch).toBe('explicit');
    const search = async (searchParams: Record<string, string>) =>
      ((await server.client.search({ resourceType: 'ValueSet', searchParams: { ...searchParams, _elements: 'url' } })) as unknown as Bundle).entry?.map((e) => (e.resource as ValueSet).url) ?? [];
    // KL's §119 catalog names the code in its compose
    expect(await search({ code: CODES.nikotin })).toContain('http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119');
    // KL's prevention interventions hold it by a filter (descendent-of §119): the code is in the value set, and not found by the search
    const prevention = 'http://fhir.kl.dk/term/ValueSet/KLPreventionInterventionsFSIII';
    const validated = (await server.client.operation({ resourceType: 'ValueSet', name: 'validate-code', method: 'GET', input: { url: prevention, system: FSIII, code: CODES.nikotin } })) as unknown as Parameters;
    expect(validated.parameter!.find((p) => p.name === 'result')?.valueBoolean).toBe(true);
    expect(await search({ url: prevention })).toEqual([prevention]);
    expect(await search({ url: prevention, code: CODES.nikotin })).toEqual([]);
  });

  it('closure without translation: $closure relates the concepts of one code system, never a local code to the FSIII code it is mapped to', async () => {
    expect(tc.closure).toEqual({ translation: false });
    const { conceptMap } = sampleCatalog(K, 'paastande');
    const local = { system: conceptMap.group![0]!.source!, code: `${K}-BOLD` };
    const call = (concepts: object[]) => server.client.operation({ name: 'closure', method: 'POST', input: {
      resourceType: 'Parameters', parameter: [{ name: 'name', valueString: `claims-${process.pid}` }, ...concepts.map((valueCoding) => ({ name: 'concept', valueCoding }))],
    } as never });
    await call([]);
    const map = (await call([local, { system: FSIII, code: CODES.fysiskTraening119 }, { system: FSIII, code: CODES.paragraf119 }])) as unknown as ConceptMap;
    expect(map.group?.map((g) => [g.source, g.target])).toEqual([[FSIII, FSIII]]);
    expect(map.group![0]!.element!.map((e) => [e.code, e.target!.map((t) => t.code)])).toEqual([[CODES.fysiskTraening119, [CODES.paragraf119]]]);
  });
});
