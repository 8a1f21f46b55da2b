/**
 * Searching CodeSystem, ValueSet, ConceptMap and StructureDefinition as a FHIR client does (fhir-kit-client against a
 * listening server, supertest for headers and Danish): paging with the Bundle's links, `_elements` and `_summary` on
 * searches and reads, modifiers, OR and AND, `Prefer: handling`, and R4's parameters of each type. Expectations are
 * computed from the terminology files where they can be.
 */
import type { Bundle, BundleLink, CapabilityStatement, CodeSystem, CodeSystemConcept, ConceptMap, OperationOutcome, Resource, ValueSet } from 'fhir/r4';
import request from 'supertest';
import { FSIII } from '../support/catalogs';
import { codeSystemFiles, jsonFilesUnder, readJson, valueSetFiles } from '../support/files';
import { tokenFor, sampleCatalog } from '../support/local';
import { failure, startServer, useRunningServer, type RunningServer } from '../support/server';

const server = useRunningServer();

type AnyResource = Resource & Record<string, unknown> & { meta?: { tag?: { code?: string }[] } };

const search = async (resourceType: string, searchParams: Record<string, string | number | string[]>, headers?: Record<string, string>): Promise<Bundle> =>
  (await server.client.search({ resourceType, searchParams, ...(headers ? { options: { headers } } : {}) })) as unknown as Bundle;
const resources = <T = AnyResource>(b: Bundle): T[] => (b.entry ?? []).map((e) => e.resource as T);
const urls = (b: Bundle): string[] => resources<{ url?: string }>(b).map((r) => r.url!);
const link = (b: Bundle, relation: string): string | undefined => b.link?.find((l: BundleLink) => l.relation === relation)?.url;
const tagged = (r: AnyResource): boolean => (r.meta?.tag ?? []).some((t) => t.code === 'SUBSETTED');

const conceptMapFiles = (): ConceptMap[] => jsonFilesUnder('.')
  .filter((f) => !f.startsWith('build') && !f.startsWith('seeds'))
  .map((f) => readJson<{ resourceType?: string }>(f))
  .filter((r): r is ConceptMap => r.resourceType === 'ConceptMap');
const fileValueSets = (): ValueSet[] => ['kl', 'catalogs', 'examples'].flatMap((folder) => valueSetFiles(folder).map((x) => x.vs));

/** A refusal's first issue text in Danish, for a caller whose first language is Danish. */
async function danishText(path: string, status = 400): Promise<string | undefined> {
  const res = await request(server.app).get(`/fhir${path}`).set('Accept-Language', 'da').expect(status);
  return (res.body as OperationOutcome).issue[0]?.details?.text;
}

describe('paging through a search with its links (fhir-kit-client nextPage and prevPage)', () => {
  it('next pages reach every match once, in the order of a single page', async () => {
    const all = await search('ValueSet', { _count: 1000 });
    expect(all.total).toBeGreaterThan(20);
    let page = await search('ValueSet', { _count: 7 });
    const seen = urls(page);
    let pages = 1;
    while (link(page, 'next')) {
      page = (await server.client.nextPage({ bundle: page as never })) as unknown as Bundle;
      expect(page.total).toBe(all.total);
      seen.push(...urls(page));
      pages++;
    }
    expect(seen).toEqual(urls(all));
    expect(pages).toBe(Math.ceil(all.total! / 7));
  });

  it('previous pages lead back from the last page to the first', async () => {
    const all = await search('CodeSystem', { _count: 1000 });
    const first = await search('CodeSystem', { _count: 2 });
    let page = (await server.client.request(link(first, 'last')!)) as unknown as Bundle;
    expect(link(page, 'next')).toBeUndefined();
    const seen = [urls(page)];
    while (link(page, 'previous')) {
      page = (await server.client.prevPage({ bundle: page as never })) as unknown as Bundle;
      seen.unshift(urls(page));
    }
    expect(seen.flat()).toEqual(urls(all));
    expect(link(page, 'self')).toBe(link(first, 'self'));
  });

  it('self names its own page; the first page has no previous, the last no next', async () => {
    const base = `${server.baseUrl}/ValueSet`;
    const first = await search('ValueSet', { status: 'active', _count: 5 });
    const total = first.total!;
    const last = Math.floor((total - 1) / 5) * 5;
    expect(link(first, 'self')).toBe(`${base}?status=active&_count=5`);
    expect(link(first, 'first')).toBe(`${base}?status=active&_count=5`);
    expect(link(first, 'previous')).toBeUndefined();
    expect(link(first, 'next')).toBe(`${base}?status=active&_count=5&_offset=5`);
    expect(link(first, 'last')).toBe(`${base}?status=active&_count=5&_offset=${last}`);
    const second = (await server.client.nextPage({ bundle: first as never })) as unknown as Bundle;
    expect(link(second, 'self')).toBe(`${base}?status=active&_count=5&_offset=5`);
    expect(link(second, 'previous')).toBe(`${base}?status=active&_count=5`);
    expect(second.entry).toHaveLength(5);
  });

  it('an _offset past the end has no entries, and its previous link leads to the last page', async () => {
    const b = await search('ValueSet', { _count: 10, _offset: 100000 });
    // FHIR's JSON has no empty array: a page without entries has no `entry`
    expect(b).not.toHaveProperty('entry');
    expect(link(b, 'next')).toBeUndefined();
    expect(link(b, 'previous')).toBe(link(b, 'last'));
    // a page of none has nothing to page through
    const none = await search('ValueSet', { _count: 0, _offset: 5 });
    expect(none.total).toBeGreaterThan(0);
    expect(none.link?.map((l) => l.relation)).toEqual(['self']);
    expect(none).not.toHaveProperty('entry');
    const nothing = await search('CodeSystem', { name: 'no-such-name-anywhere' });
    expect(nothing).toMatchObject({ type: 'searchset', total: 0 });
    expect(nothing).not.toHaveProperty('entry');
  });

  it('a _count above the most a page holds gets full pages, and an _offset of any size an empty one', async () => {
    const all = await search('ValueSet', { _count: 1000 });
    const huge = await search('ValueSet', { _count: '100000000000' });
    expect(huge.entry?.map((e) => e.resource?.id)).toEqual(all.entry?.map((e) => e.resource?.id));
    // the links say the page size applied (the search as the server understood it), so following them pages alike
    expect(link(huge, 'self')).toBe(`${server.baseUrl}/ValueSet?_count=1000`);
    expect(link(huge, 'last')).toBe(`${server.baseUrl}/ValueSet?_count=1000`);
    const far = await search('ValueSet', { _count: 10, _offset: '99999999999999' });
    expect(far).not.toHaveProperty('entry');
    expect(far.total).toBe(all.total);
  });

  it('_offset must be a non-negative integer (400, also in Danish)', async () => {
    for (const offset of ['-1', 'two', '1.5']) {
      const { status, body } = await failure(search('ValueSet', { _offset: offset }));
      expect(status).toBe(400);
      expect(body.issue?.[0]?.code).toBe('invalid');
    }
    expect(await danishText('/ValueSet?_offset=-1')).toBe("_offset skal være et heltal på 0 eller mere, ikke '-1'");
  });
});

describe('one logical id per resource', () => {
  type Published = { resourceType: string; id?: string; url?: string; version?: string };
  const published = (): Published[] => jsonFilesUnder('.')
    .filter((f) => !f.startsWith('build') && !f.startsWith('seeds'))
    .map((f) => readJson<Published>(f))
    .filter((r) => ['CodeSystem', 'ValueSet', 'ConceptMap'].includes(r.resourceType) && r.id !== undefined && r.url !== undefined);

  it("a search's entries have distinct fullUrls, also where the files give several resources one id", async () => {
    for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap']) {
      const all = await search(type, { _count: 1000, _elements: 'url,version' });
      const fullUrls = (all.entry ?? []).map((e) => e.fullUrl);
      expect(fullUrls.length).toBe(all.total);
      expect(new Set(fullUrls).size).toBe(fullUrls.length);
    }
  });

  it('each resource sharing its id in the files is read by the id its search entry gives', async () => {
    const byId = new Map<string, Published[]>();
    for (const r of published()) byId.set(`${r.resourceType}/${r.id}`, [...(byId.get(`${r.resourceType}/${r.id}`) ?? []), r]);
    const shared = [...byId.values()].filter((list) => new Set(list.map((r) => `${r.url}|${r.version}`)).size > 1).flat();
    expect(shared.length).toBeGreaterThan(1);
    for (const r of shared) {
      const found = await search(r.resourceType, { url: r.url!, version: r.version! });
      const entry = (found.entry ?? []).find((e) => (e.resource as Published).version === r.version);
      expect(entry?.fullUrl).toMatch(new RegExp(`/${r.resourceType}/${(entry?.resource as Published).id}$`));
      const read = (await server.client.read({ resourceType: r.resourceType, id: (entry!.resource as Published).id! })) as unknown as Published;
      expect(`${read.url}|${read.version}`).toBe(`${r.url}|${r.version}`);
    }
  });
});

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

    it('_lastUpdated finds a written resource by the time of its last write, as prefixes and _sort say', async () => {
      const [found] = resources(await get(`CodeSystem?url=${encodeURIComponent(withText.url!)}`));
      const at = (found!.meta as { lastUpdated?: string }).lastUpdated!;
      expect(at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      const before = new Date(Date.parse(at) - 60_000).toISOString();
      const after = new Date(Date.parse(at) + 60_000).toISOString();
      expect(urls(await get(`CodeSystem?_lastUpdated=ge${before}`))).toEqual([withText.url]);
      expect(urls(await get(`CodeSystem?_lastUpdated=ge${before}&_lastUpdated=lt${after}`))).toEqual([withText.url]);
      expect(urls(await get(`CodeSystem?_lastUpdated=gt${after}`))).toEqual([]);
      expect(urls(await get(`CodeSystem?_lastUpdated=${at.slice(0, 10)}`))).toEqual([withText.url]);
      expect(urls(await get('CodeSystem?_sort=-_lastUpdated&_count=1'))).toEqual([withText.url]);
      const refused = await request(written.app).get('/fhir/CodeSystem?_lastUpdated=yesterday').expect(400);
      expect((refused.body as OperationOutcome).issue[0]?.expression).toEqual(['_lastUpdated']);
      const metadata = (await request(written.app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
      for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap', 'StructureDefinition']) {
        expect(metadata.rest?.[0]?.resource?.find((r) => r.type === type)?.searchParam).toContainEqual({ name: '_lastUpdated', type: 'date' });
      }
    });

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

describe('modifiers, OR and AND', () => {
  it('string :exact is the whole value with its case; without a modifier the start, without case', async () => {
    const name = fileValueSets().find((v) => v.name === 'KLInterventionCodes119')!.name!;
    expect(urls(await search('ValueSet', { 'name:exact': name }))).toHaveLength(1);
    expect(urls(await search('ValueSet', { 'name:exact': name.toLowerCase() }))).toHaveLength(0);
    expect(urls(await search('ValueSet', { name: name.toLowerCase() })).length).toBeGreaterThanOrEqual(1);
  });

  it('string :contains finds the value anywhere, on any string parameter', async () => {
    const b = await search('ValueSet', { 'name:contains': 'fsiii', _count: 1000 });
    const expected = fileValueSets().filter((v) => v.name?.toLowerCase().includes('fsiii')).map((v) => v.url).sort();
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.some((u) => fileValueSets().find((v) => v.url === u)!.name!.toLowerCase().startsWith('fsiii'))).toBe(true);
    expect(urls(b).filter((u) => expected.includes(u)).sort()).toEqual(expected);
    for (const vs of resources<ValueSet>(b)) expect(vs.name!.toLowerCase()).toContain('fsiii');
    const titled = await search('CodeSystem', { 'title:contains': 'status', _count: 1000 });
    expect(urls(titled).sort()).toEqual(codeSystemFiles().filter((x) => x.cs.title?.toLowerCase().includes('status')).map((x) => x.cs.url).sort());
    expect(titled.total).toBeGreaterThan(0);
  });

  it('a comma is OR, a repeated parameter AND', async () => {
    const active = (await search('ValueSet', { status: 'active', _summary: 'count' })).total!;
    const draft = (await search('ValueSet', { status: 'draft', _summary: 'count' })).total!;
    expect((await search('ValueSet', { status: 'active,draft', _summary: 'count' })).total).toBe(active + draft);
    expect((await search('ValueSet', { status: ['active', 'draft'], _summary: 'count' })).total).toBe(0);
    expect((await search('ValueSet', { name: ['KL', 'KLInterventionCodes'], _count: 1000 })).total)
      .toBe(fileValueSets().filter((v) => v.name!.startsWith('KLInterventionCodes')).length);
  });

  it('an empty value, or an empty alternative, asks for nothing: name=zzz, is name=zzz, and url= is ignored', async () => {
    const all = (await search('CodeSystem', { _summary: 'count' })).total!;
    expect((await search('CodeSystem', { name: 'zzzz-none', _summary: 'count' })).total).toBe(0);
    expect((await search('CodeSystem', { name: 'zzzz-none,', _summary: 'count' })).total).toBe(0);
    expect((await search('CodeSystem', { url: ',zzzz-none', _summary: 'count' })).total).toBe(0);
    expect((await search('CodeSystem', { url: '', _summary: 'count' })).total).toBe(all);
    expect((await search('CodeSystem', { status: ',', _summary: 'count' })).total).toBe(all);
  });

  it('token :not: every resource without the status', async () => {
    const all = (await search('ValueSet', { _summary: 'count' })).total!;
    const active = (await search('ValueSet', { status: 'active', _summary: 'count' })).total!;
    expect((await search('ValueSet', { 'status:not': 'active', _summary: 'count' })).total).toBe(all - active);
    expect((await search('ValueSet', { 'status:not': 'retired', _summary: 'count' })).total).toBe(all);
  });

  it(':missing on any parameter: true and false split the resources', async () => {
    const all = (await search('CodeSystem', { _summary: 'count' })).total!;
    const missing = await search('CodeSystem', { 'identifier:missing': 'true', _count: 1000 });
    const present = await search('CodeSystem', { 'identifier:missing': 'false', _count: 1000 });
    expect(urls(missing).sort()).toEqual(codeSystemFiles().filter((x) => !x.cs.identifier?.length).map((x) => x.cs.url).sort());
    expect(missing.total! + present.total!).toBe(all);
    expect(missing.total).toBeGreaterThan(0);
    expect(present.total).toBeGreaterThan(0);
  });

  it('uri :below and :above on url', async () => {
    const below = await search('ValueSet', { 'url:below': 'http://faelles-tx.dk/fhir/ValueSet/', _count: 1000 });
    expect(urls(below).sort()).toEqual(fileValueSets().map((v) => v.url!).filter((u) => u.startsWith('http://faelles-tx.dk/fhir/ValueSet/')).sort());
    const above = await search('ValueSet', { 'url:above': 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119/_history/1' });
    expect(urls(above)).toEqual(['http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119']);
  });

  it('refuses a value with a control character (400 invalid, also in Danish), as operations do', async () => {
    for (const value of ['\u0000', 'http://x\u0001', 'name\u001f']) {
      const { status, body } = await failure(search('CodeSystem', { url: value }));
      expect(status).toBe(400);
      expect(body.issue?.[0]).toMatchObject({ code: 'invalid', expression: ['url'] });
    }
    expect(await danishText('/CodeSystem?name:contains=a%00')).toBe("Søgeparameteren 'name:contains' indeholder et kontroltegn (kun tabulator, linjeskift og vognretur er tilladt i FHIR-tekst)");
  });

  it('refuses a modifier the type does not take (400 not-supported, also in Danish)', async () => {
    const { status, body } = await failure(search('ValueSet', { 'url:contains': 'kl' }));
    expect(status).toBe(400);
    expect(body.issue?.[0]?.code).toBe('not-supported');
    expect(await danishText('/ValueSet?url:contains=kl')).toBe("Modifikatoren ':contains' understøttes ikke for uri-parameteren 'url' (understøttet: :below, :above, :missing)");
  });
});

describe('Prefer: handling', () => {
  const url = 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119';

  it('lenient: unknown parameters and unsupported modifiers are ignored and left out of the self link; strict, as no header, refuses them', async () => {
    const asked = { url, 'no-such': 'x', 'title:sounds-like': 'y' };
    const b = await search('ValueSet', asked, { Prefer: 'handling=lenient' });
    expect(urls(b)).toEqual([url]);
    expect(link(b, 'self')).toBe(`${server.baseUrl}/ValueSet?url=${encodeURIComponent(url)}`);
    for (const headers of [{ Prefer: 'handling=strict' }, undefined]) {
      const { status, body } = await failure(search('ValueSet', asked, headers));
      expect(status).toBe(400);
      expect(body.issue?.[0]?.code).toBe('invalid');
    }
  });
});

describe("R4's search parameters of each type", () => {
  const csUrls = (keep: (cs: CodeSystem) => boolean) => codeSystemFiles().map((x) => x.cs).filter(keep).map((cs) => cs.url).sort();

  it('date, with prefixes and partial dates', async () => {
    const dated = codeSystemFiles().map((x) => x.cs).filter((cs) => cs.date);
    expect(dated.length).toBeGreaterThan(0);
    const day = dated[0]!.date!.slice(0, 10);
    const month = day.slice(0, 7);
    const find = async (date: string) => urls(await search('CodeSystem', { date, _count: 1000 })).sort();
    expect(await find(month)).toEqual(csUrls((cs) => !!cs.date?.startsWith(month)));
    expect(await find(day.slice(0, 4))).toEqual(csUrls((cs) => !!cs.date?.startsWith(day.slice(0, 4))));
    expect(await find(`ge${day}`)).toEqual(csUrls((cs) => !!cs.date && cs.date.slice(0, 10) >= day));
    expect(await find(`lt${day}`)).toEqual(csUrls((cs) => !!cs.date && cs.date.slice(0, 10) < day));
    expect(await find(`ne${month}`)).toEqual(csUrls((cs) => !!cs.date && !cs.date.startsWith(month)));
    expect(await danishText('/CodeSystem?date=2026-02-30')).toContain("Søgeparameteren 'date' skal have en date eller dateTime");
  });

  it('publisher, description and jurisdiction', async () => {
    const publisher = codeSystemFiles().map((x) => x.cs.publisher).find((p) => p)!;
    expect(urls(await search('CodeSystem', { publisher: publisher.slice(0, 4), _count: 1000 })).sort())
      .toEqual(csUrls((cs) => !!cs.publisher?.toLowerCase().startsWith(publisher.slice(0, 4).toLowerCase())));
    const jurisdiction = (cs: CodeSystem) => (cs.jurisdiction ?? []).some((j) => j.coding?.some((c) => c.system === 'urn:iso:std:iso:3166' && c.code === 'DK'));
    expect(urls(await search('CodeSystem', { jurisdiction: 'urn:iso:std:iso:3166|DK', _count: 1000 })).sort()).toEqual(csUrls(jurisdiction));
    const description = codeSystemFiles().map((x) => x.cs.description).find((d) => d)!;
    expect(urls(await search('CodeSystem', { description: description.slice(0, 12) })).length).toBeGreaterThanOrEqual(1);
    const described = await search('CodeSystem', { 'description:contains': 'FSIII', _count: 1000 });
    expect(urls(described).sort()).toEqual(codeSystemFiles().filter((x) => x.cs.description?.includes('FSIII')).map((x) => x.cs.url).sort());
    expect(described.total).toBeGreaterThan(1);
  });

  it('CodeSystem code: the code systems defining the code, nested concepts included; system|code in that system only', async () => {
    const ffb = codeSystemFiles().find((x) => x.cs.url === 'urn:oid:1.2.208.176.2.22')!.cs;
    const deepest = (concepts: CodeSystemConcept[], depth: number): { code: string; depth: number } =>
      concepts.map((c) => (c.concept?.length ? deepest(c.concept, depth + 1) : { code: c.code, depth })).reduce((a, b) => (b.depth > a.depth ? b : a));
    const nested = deepest(ffb.concept!, 1);
    expect(nested.depth).toBeGreaterThan(2);
    const defining = (code: string) => csUrls((cs) => {
      const has = (concepts: CodeSystemConcept[] | undefined): boolean => (concepts ?? []).some((c) => c.code === code || has(c.concept));
      return has(cs.concept);
    });
    expect(urls(await search('CodeSystem', { code: nested.code })).sort()).toEqual(defining(nested.code));
    const fsiiiCode = codeSystemFiles().find((x) => x.cs.url === FSIII)!.cs.concept![0]!.code;
    expect(defining(fsiiiCode).length).toBeGreaterThan(1);
    expect(urls(await search('CodeSystem', { code: `${FSIII}|${fsiiiCode}` }))).toEqual([FSIII]);
    expect(urls(await search('CodeSystem', { code: 'no-such-code' }))).toEqual([]);
  });

  it('CodeSystem system (its url), content-mode and supplements', async () => {
    expect(urls(await search('CodeSystem', { system: FSIII }))).toEqual([FSIII]);
    expect(urls(await search('CodeSystem', { 'content-mode': 'supplement' })).sort()).toEqual(csUrls((cs) => cs.content === 'supplement'));
    expect(urls(await search('CodeSystem', { supplements: FSIII })).sort()).toEqual(csUrls((cs) => !!cs.supplements?.startsWith(FSIII)));
  });

  it('ValueSet reference: the value sets whose compose includes the code system', async () => {
    const b = await search('ValueSet', { reference: FSIII, _count: 1000 });
    const expected = fileValueSets().filter((v) => v.compose?.include.some((i) => i.system === FSIII)).map((v) => v.url!).sort();
    expect(expected.length).toBeGreaterThan(1);
    expect(urls(b).filter((u) => fileValueSets().some((v) => v.url === u)).sort()).toEqual(expected);
    for (const vs of resources<ValueSet>(b)) expect(vs.compose!.include.some((i) => i.system === FSIII)).toBe(true);
  });

  it('ValueSet code: the value sets whose compose lists the code', async () => {
    const listing = fileValueSets().find((v) => v.compose?.include.some((i) => i.system === FSIII && i.concept?.length))!;
    const code = listing.compose!.include.find((i) => i.system === FSIII && i.concept?.length)!.concept![0]!.code;
    const b = await search('ValueSet', { code: `${FSIII}|${code}`, _count: 1000 });
    expect(urls(b)).toContain(listing.url);
    for (const vs of resources<ValueSet>(b)) {
      const listed = [...(vs.compose?.include ?? []).flatMap((i) => (i.concept ?? []).map((c) => `${i.system}|${c.code}`)),
        ...(vs.expansion?.contains ?? []).map((c) => `${c.system}|${c.code}`)];
      expect(listed).toContain(`${FSIII}|${code}`);
    }
  });

  it('ConceptMap source-code, target-code, source-system, target-system, source-uri and target-uri', async () => {
    const maps = conceptMapFiles();
    const mapUrls = (keep: (m: ConceptMap) => boolean) => maps.filter(keep).map((m) => m.url).sort();
    const legacy = maps.find((m) => m.url === 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys')!;
    const element = legacy.group![0]!.element.at(-1)!;
    const find = async (searchParams: Record<string, string>) => urls(await search('ConceptMap', searchParams)).sort();
    const sourceCode = (m: ConceptMap, code: string) => (m.group ?? []).some((g) => g.element.some((e) => e.code === code));
    const targetCode = (m: ConceptMap, code: string) => (m.group ?? []).some((g) => g.element.some((e) => e.target?.some((t) => t.code === code)));
    expect(await find({ 'source-code': element.code! })).toEqual(mapUrls((m) => sourceCode(m, element.code!)));
    expect(await find({ 'source-code': `${legacy.group![0]!.source}|${element.code}` })).toEqual([legacy.url]);
    expect(await find({ 'target-code': element.target![0]!.code! })).toEqual(mapUrls((m) => targetCode(m, element.target![0]!.code!)));
    expect(await find({ 'target-code': 'no-such-code' })).toEqual([]);
    expect(await find({ 'target-system': FSIII })).toEqual(mapUrls((m) => (m.group ?? []).some((g) => g.target === FSIII)));
    expect(await find({ 'source-system': FSIII })).toEqual(mapUrls((m) => (m.group ?? []).some((g) => g.source === FSIII)));
    const local = maps.find((m) => m.sourceUri && m.targetUri)!;
    expect(await find({ 'source-uri': local.sourceUri! })).toEqual([local.url]);
    expect(await find({ 'target-uri': local.targetUri! })).toEqual([local.url]);
    expect(await find({ source: local.sourceUri! })).toEqual([]);
  });

  it('StructureDefinition type (a uri in R4) and path', async () => {
    const b = await search('StructureDefinition', { type: 'Condition', path: 'Condition.code', _elements: 'type' });
    expect(b.total).toBeGreaterThan(0);
    for (const sd of resources(b)) expect(sd.type).toBe('Condition');
  });

  it('the CapabilityStatement lists each type its own parameters with their R4 types, and each listed one is searched', async () => {
    const cs = (await server.client.capabilityStatement()) as unknown as CapabilityStatement;
    const listed = (type: string) => cs.rest![0]!.resource!.find((r) => r.type === type)!.searchParam!;
    const typeOf = (type: string, name: string) => listed(type).find((p) => p.name === name)?.type;
    expect(typeOf('CodeSystem', 'code')).toBe('token');
    expect(typeOf('CodeSystem', 'system')).toBe('uri');
    expect(typeOf('CodeSystem', 'date')).toBe('date');
    expect(typeOf('ValueSet', 'reference')).toBe('uri');
    expect(typeOf('ValueSet', 'content-mode')).toBeUndefined();
    expect(typeOf('ConceptMap', 'source-uri')).toBe('reference');
    expect(typeOf('ConceptMap', 'target-code')).toBe('token');
    expect(typeOf('StructureDefinition', 'type')).toBe('uri');
    expect(typeOf('OperationDefinition', 'instance')).toBe('token');
    for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap', 'StructureDefinition', 'OperationDefinition']) {
      for (const p of listed(type)) {
        const b = await search(type, { [`${p.name}:missing`]: 'false', _summary: 'count' });
        expect(b.total).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

describe('_sort and _total', () => {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  it('ValueSets by name and by -date: every match, in that order (those without the element last)', async () => {
    const all = await search('ValueSet', { _count: 1000, _elements: 'name,date' });
    const byName = await search('ValueSet', { _count: 1000, _elements: 'name,date', _sort: 'name', _total: 'accurate' });
    expect(byName.total).toBe(all.total);
    expect(resources(byName).map((r) => r.id).sort()).toEqual(resources(all).map((r) => r.id).sort());
    const names = resources<{ name?: string }>(byName).map((r) => r.name);
    const named = names.filter((n): n is string => n !== undefined).map(fold);
    expect(named).toEqual([...named].sort());
    expect(names.slice(named.length).every((n) => n === undefined)).toBe(true);
    const dates = resources<{ date?: string }>(await search('ValueSet', { _count: 1000, _elements: 'date', _sort: '-date' })).map((r) => r.date);
    const dated = dates.filter((d): d is string => d !== undefined).map((d) => Date.parse(d));
    expect(dated.length).toBeGreaterThan(0);
    expect(dated.length).toBeLessThan(dates.length);
    expect(dated).toEqual([...dated].sort((a, b) => b - a));
    expect(dates.slice(dated.length).every((d) => d === undefined)).toBe(true);
  });
  it('an unknown name in _sort is 400 (also in Danish), and left out with Prefer: handling=lenient', async () => {
    expect(await danishText('/CodeSystem?_sort=colour')).toMatch(/_sort nævner 'colour'/);
    const res = await request(server.app).get('/fhir/CodeSystem?_sort=colour&_summary=count').set('Prefer', 'handling=lenient').expect(200);
    expect((res.body as Bundle).link![0]!.url).not.toContain('_sort');
    expect(await danishText('/CodeSystem?_total=all')).toMatch(/_total skal være/);
  });
});

describe('a search parameter with many comma-separated values', () => {
  const values = (n: number) => Array.from({ length: n }, (_, i) => `x${i}`).join(',');

  it('takes up to 100 and refuses more (422 too-costly naming the parameter), in Danish when asked', async () => {
    const taken = (await request(server.app).get('/fhir/ValueSet').query({ code: `${values(99)},${'6eddbaf7-2a73-49d4-91e7-6138d419f58c'}` }).expect(200)).body as Bundle;
    expect(taken.total).toBeGreaterThan(0);
    const refused = await request(server.app).get('/fhir/ValueSet').query({ code: values(101) }).set('Accept-Language', 'da').expect(422);
    const issue = (refused.body as OperationOutcome).issue[0]!;
    expect(issue).toMatchObject({ code: 'too-costly', expression: ['code'] });
    expect(issue.details?.text).toBe("Søgeparameteren 'code' har 101 værdier; højst 100 kan bruges (søg igen efter de andre)");
    await request(server.app).post('/fhir/CodeSystem/_search').type('form').send(`code=${values(500)}`).expect(422);
  });
});
