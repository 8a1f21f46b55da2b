/**
 * Searching CodeSystem, ValueSet, ConceptMap and StructureDefinition as a FHIR client does (fhir-kit-client against a
 * listening server, supertest for writes): `_elements` and `_summary` on searches and reads. Expectations are
 * computed from the terminology files where they can be.
 */
import type { Bundle, CodeSystem, ConceptMap, Resource, ValueSet } from 'fhir/r4';
import request from 'supertest';
import { FSIII } from '../support/app';
import { codeSystemFiles, jsonFilesUnder, readJson, valueSetFiles } from '../support/files';
import { tokenFor, sampleCatalog } from '../support/local';
import { startServer, useRunningServer, type RunningServer } from '../support/server';

const server = useRunningServer();

type AnyResource = Resource & Record<string, unknown> & { meta?: { tag?: { code?: string }[] } };

const search = async (resourceType: string, searchParams: Record<string, string | number | string[]>, headers?: Record<string, string>): Promise<Bundle> =>
  (await server.client.search({ resourceType, searchParams, ...(headers ? { options: { headers } } : {}) })) as unknown as Bundle;
const resources = <T = AnyResource>(b: Bundle): T[] => (b.entry ?? []).map((e) => e.resource as T);
const urls = (b: Bundle): string[] => resources<{ url?: string }>(b).map((r) => r.url!);
const tagged = (r: AnyResource): boolean => (r.meta?.tag ?? []).some((t) => t.code === 'SUBSETTED');

const conceptMapFiles = (): ConceptMap[] => jsonFilesUnder('.')
  .filter((f) => !f.startsWith('build') && !f.startsWith('seeds'))
  .map((f) => readJson<{ resourceType?: string }>(f))
  .filter((r): r is ConceptMap => r.resourceType === 'ConceptMap');
const fileValueSets = (): ValueSet[] => ['kl', 'catalogs', 'examples'].flatMap((folder) => valueSetFiles(folder).map((x) => x.vs));

describe('_elements', () => {
  const MANDATORY = ['resourceType', 'id', 'meta', 'status', 'content'];

  it('a search keeps the named elements and the mandatory ones, tagged SUBSETTED; an unknown name is simply absent', async () => {
    const b = await search('CodeSystem', { _elements: 'url,version,no-such-element', _count: 1000 });
    expect(b.total).toBe(codeSystemFiles().length);
    for (const r of resources(b)) {
      expect(Object.keys(r).every((k) => [...MANDATORY, 'url', 'version'].includes(k))).toBe(true);
      expect(r.url).toBeDefined();
      expect(tagged(r)).toBe(true);
    }
  });

  it("a choice element by its name: ConceptMap's source keeps sourceUri", async () => {
    const withSource = conceptMapFiles().find((m) => m.sourceUri)!;
    const [map] = resources(await search('ConceptMap', { url: withSource.url!, _elements: 'source' }));
    expect(map).toMatchObject({ sourceUri: withSource.sourceUri, status: withSource.status });
    expect(map!.targetUri).toBeUndefined();
    expect(map!.group).toBeUndefined();
  });

  it('a read keeps them too (as it does _summary)', async () => {
    const read = (await server.client.request('CodeSystem/FSIII?_elements=url,name')) as unknown as AnyResource;
    expect(Object.keys(read).sort()).toEqual(['content', 'id', 'meta', 'name', 'resourceType', 'status', 'url']);
    expect(tagged(read)).toBe(true);
    const whole = (await server.client.read({ resourceType: 'CodeSystem', id: 'FSIII' })) as unknown as CodeSystem;
    expect(whole.concept?.length).toBeGreaterThan(0);
  });
});

describe('_summary', () => {
  it("true keeps R4's summary elements: a CodeSystem without description, concepts or narrative", async () => {
    const file = codeSystemFiles().find((x) => x.cs.url === FSIII)!.cs;
    expect(file.description).toBeDefined();
    const [cs] = resources(await search('CodeSystem', { url: FSIII, _summary: 'true' }));
    expect(cs).toMatchObject({ url: FSIII, version: file.version, name: file.name, status: file.status, content: file.content });
    for (const left of ['description', 'concept', 'text', 'language']) expect(cs![left]).toBeUndefined();
    expect(tagged(cs!)).toBe(true);
  });

  it('true: a ValueSet without description and compose, with its publisher and date', async () => {
    const file = fileValueSets().find((v) => v.publisher && v.description && v.compose)!;
    const [vs] = resources(await search('ValueSet', { url: file.url!, _summary: 'true' }));
    expect(vs).toMatchObject({ url: file.url, publisher: file.publisher, date: file.date });
    expect(vs!.description).toBeUndefined();
    expect(vs!.compose).toBeUndefined();
  });

  describe('text and data, on a written resource with a narrative (its own server: the write adds a code system)', () => {
    let written: RunningServer;
    const { codeSystem } = sampleCatalog('101', 'med-tekst');
    const withText: CodeSystem = { ...codeSystem, text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Tekst</div>' } };
    beforeAll(async () => {
      written = await startServer();
      const token = await tokenFor({ kommunekode: '101' });
      await request(written.app).post('/fhir/CodeSystem').set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(withText).expect(201);
    });
    afterAll(async () => written.close());
    const get = async (path: string) => (await request(written.app).get(`/fhir/${path}`).expect(200)).body as Bundle & AnyResource;

    it('text keeps the narrative, id, meta (with its version) and the mandatory elements', async () => {
      const [text] = resources(await get(`CodeSystem?url=${encodeURIComponent(withText.url!)}&_summary=text`));
      expect(Object.keys(text!).sort()).toEqual(['content', 'id', 'meta', 'resourceType', 'status', 'text']);
      expect(text!.text).toEqual(withText.text);
      expect((text!.meta as { versionId?: string }).versionId).toBe('1');
      expect(tagged(text!)).toBe(true);
      const read = await get(`CodeSystem/${withText.id}?_summary=text`);
      expect(Object.keys(read).sort()).toEqual(['content', 'id', 'meta', 'resourceType', 'status', 'text']);
    });

    it('data keeps everything but the narrative', async () => {
      const [data] = resources(await get(`CodeSystem?url=${encodeURIComponent(withText.url!)}&_summary=data`));
      expect(data!.text).toBeUndefined();
      expect(data!.concept).toEqual(withText.concept);
      expect(data!.title).toBe(withText.title);
    });
  });

  it('applies to a read', async () => {
    const read = (await server.client.request('CodeSystem/FSIII?_summary=true')) as unknown as AnyResource;
    expect(read.url).toBe(FSIII);
    expect(read.concept).toBeUndefined();
    expect(read.description).toBeUndefined();
  });
});
