/**
 * Who changed what: every write (create, update, delete, transaction, $import-local), successful or refused, is an
 * AuditEvent; GET AuditEvent finds a municipality's own events only, an admin's all.
 */
import type { AuditEvent, Bundle, CapabilityStatement, CodeSystem } from 'fhir/r4';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'fhir-kit-client';
import request from 'supertest';
import type { App } from '../../src/app';
import { testApp } from '../support/app';
import { DATA_USE_DIR } from '../support/data-use';
import { translated } from '../support/translation';
import { sampleCatalog, tokenFor } from '../support/local';
import { clientBody, failure, useRunningServer } from '../support/server';

const JSON_TYPE = 'application/fhir+json';
const CS_ID = 'kommune-101-lokale-indsatser';
const CS_URL = 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser';

let app: App;
let anna: string;
let bo147: string;
let admin: string;

const search = (auth: string, query: Record<string, string | string[]> = {}) =>
  request(app).get('/fhir/AuditEvent').query(query).set('Authorization', auth);
const events = (body: Bundle) => (body.entry ?? []).map((e) => e.resource as AuditEvent);
const subtype = (e: AuditEvent) => e.subtype?.[0]?.code;
const who = (e: AuditEvent) => e.agent[0]?.who?.identifier?.value;

beforeAll(async () => {
  app = await testApp();
  anna = `Bearer ${await tokenFor({ kommunekode: '101', sub: 'anna@kommune101' })}`;
  bo147 = `Bearer ${await tokenFor({ kommunekode: '147', sub: 'bo@kommune147' })}`;
  admin = `Bearer ${await tokenFor({ scope: 'openid admin', sub: 'kl-admin' })}`;
  const { codeSystem, conceptMap } = sampleCatalog('101');
  await request(app).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', anna).type(JSON_TYPE).send(codeSystem).expect(201);
  await request(app).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', anna).type(JSON_TYPE).send({ ...codeSystem, version: '1.1.0' }).expect(200);
  // refused: 147 may not write 101's catalog
  await request(app).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', bo147).type(JSON_TYPE).send({ ...codeSystem, version: '9' }).expect(403);
  // a transaction of 147's own
  const own = sampleCatalog('147');
  await request(app).post('/fhir').set('Authorization', bo147).type(JSON_TYPE).send({
    resourceType: 'Bundle', type: 'transaction', entry: [
      { resource: own.codeSystem, request: { method: 'PUT', url: `CodeSystem/${own.codeSystem.id}` } },
      { resource: own.conceptMap, request: { method: 'PUT', url: `ConceptMap/${own.conceptMap.id}` } },
    ],
  }).expect(200);
  await request(app).post('/fhir/CodeSystem/$import-local').set('Authorization', anna).type(JSON_TYPE).send({
    resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: fs.readFileSync(path.join(DATA_USE_DIR, 'kommune-101.csv'), 'utf8') }],
  }).expect(200);
  await request(app).delete(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', anna).expect(200);
});

describe('AuditEvent: every write recorded', () => {
  it('a create and an update: who (sub and kommunekode), when, what (url|version, the version written) and success', async () => {
    const all = events((await search(anna, { entity: `CodeSystem/${CS_ID}` }).expect(200)).body);
    // newest first: the delete, the import's update, the refused PUT of 147, the update, the create (PUT of a new id)
    expect(all.map((e) => `${subtype(e)}:${e.outcome}`)).toEqual(['delete:0', 'operation:0', 'update:4', 'update:0', 'update:0']);
    const found = all.filter((e) => e.outcome === '0' && subtype(e) !== 'operation');
    const update = found[1]!;
    expect(update).toMatchObject({ resourceType: 'AuditEvent', action: 'U', outcome: '0' });
    expect(who(update)).toBe('anna@kommune101');
    expect(update.agent[1]?.who).toMatchObject({ identifier: { value: '101' }, display: 'Københavns Kommune' });
    expect(update.entity?.[0]).toMatchObject({ what: { reference: `CodeSystem/${CS_ID}/_history/2` }, name: `${CS_URL}|1.1.0` });
    // when: the write's own time, as its version has it
    const v2 = (await request(app).get(`/fhir/CodeSystem/${CS_ID}/_history/2`).expect(200)).body;
    expect(update.recorded).toBe(v2.meta.lastUpdated);
    const create = found[2]!;
    expect(create.entity?.[0]?.detail?.[0]?.valueString).toBe('create');
    // a PUT is FHIR's update interaction; the one that made the resource is action C (create), and found so
    expect(create).toMatchObject({ action: 'C', subtype: [{ code: 'update' }] });
    const created = events((await search(anna, { entity: `CodeSystem/${CS_ID}`, action: 'C' }).expect(200)).body);
    expect(created.map((e) => e.id)).toEqual([create.id]);
  });

  it('a refused write is recorded with its outcome in Danish, the English beside it, visible to the owner and to the municipality that tried', async () => {
    const refused = events((await search(anna, { agent: 'bo@kommune147' }).expect(200)).body);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ outcome: '4' });
    expect(translated(refused[0]!.outcomeDesc, refused[0]!._outcomeDesc)).toEqual({
      text: expect.stringMatching(/^403: .* dit token må kun ændre Frederiksberg Kommunes kataloger\.$/),
      lang: 'en',
      translation: expect.stringMatching(/^403: .* the token may write only Frederiksberg Kommune's resources$/),
    });
    const own = events((await search(bo147, { entity: `CodeSystem/${CS_ID}` }).expect(200)).body);
    expect(own.map((e) => e.outcome)).toEqual(['4']);
  });

  it('a transaction and $import-local are one event each, naming every resource', async () => {
    const tx = events((await search(bo147, { agent: 'bo@kommune147' }).expect(200)).body).find((e) => subtype(e) === 'transaction')!;
    expect(tx.entity?.map((x) => x.what?.reference)).toEqual(['CodeSystem/kommune-147-lokale-indsatser/_history/1', 'ConceptMap/kommune-147-lokale-indsatser/_history/1']);
    const imports = events((await search(anna, { agent: 'anna@kommune101' }).expect(200)).body).filter((e) => e.subtype?.[0]?.display === '$import-local');
    expect(imports).toHaveLength(1);
    expect(imports[0]!.entity?.map((x) => x.type?.code)).toEqual(['CodeSystem', 'ConceptMap']);
  });

  it('finds by url and by url|version', async () => {
    const byUrl = events((await search(anna, { entity: CS_URL }).expect(200)).body);
    const byId = events((await search(anna, { entity: `CodeSystem/${CS_ID}` }).expect(200)).body);
    expect(byUrl.map((e) => e.id)).toEqual(byId.map((e) => e.id));
    const byVersion = events((await search(anna, { entity: `${CS_URL}|1.1.0` }).expect(200)).body);
    // the update that wrote 1.1.0 and the import that replaced it (its other content written as the next version,
    // 1.1.1, which the delete then deleted)
    expect(byVersion.map(subtype)).toEqual(['operation', 'update']);
    expect(byVersion[1]!.entity?.[0]?.name).toBe(`${CS_URL}|1.1.0`);
    expect(events((await search(anna, { entity: `${CS_URL}|1.1.1` }).expect(200)).body).map(subtype)).toEqual(['delete', 'operation']);
  });

  it('finds one version, {type}/{id}/_history/{n}, relative and as an absolute URL of this server', async () => {
    const v2 = await search(anna, { entity: `CodeSystem/${CS_ID}/_history/2` }).expect(200);
    expect(events(v2.body).map((e) => `${subtype(e)}:${e.entity?.[0]?.what?.reference}`)).toEqual([`update:CodeSystem/${CS_ID}/_history/2`]);
    const absolute = events((await search(anna, { entity: `http://tx.example/fhir/CodeSystem/${CS_ID}/_history/2` }).set('Host', 'tx.example').expect(200)).body);
    expect(absolute.map((e) => e.id)).toEqual(events(v2.body).map((e) => e.id));
    // the transaction names two resources: each version finds it; a version not written finds nothing
    const tx = events((await search(bo147, { entity: 'ConceptMap/kommune-147-lokale-indsatser/_history/1' }).expect(200)).body);
    expect(tx.map(subtype)).toEqual(['transaction']);
    expect(events((await search(anna, { entity: `CodeSystem/${CS_ID}/_history/99` }).expect(200)).body)).toEqual([]);
  });

  it('a comma separates alternatives (OR) of entity and agent; \\, is a comma in a value', async () => {
    const ids = async (query: Record<string, string>) => events((await search(admin, query).expect(200)).body).map((e) => e.id).sort();
    const of101 = await ids({ agent: '101' });
    const of147 = await ids({ agent: '147' });
    expect(of101.length).toBeGreaterThan(0);
    expect(of147.length).toBeGreaterThan(0);
    expect(await ids({ agent: '101,147' })).toEqual([...new Set([...of101, ...of147])].sort());
    expect(await ids({ agent: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode|101,nobody' })).toEqual(of101);
    const versions = await ids({ entity: `CodeSystem/${CS_ID}/_history/1,CodeSystem/${CS_ID}/_history/2` });
    expect(versions).toEqual([...await ids({ entity: `CodeSystem/${CS_ID}/_history/1` }), ...await ids({ entity: `CodeSystem/${CS_ID}/_history/2` })].sort());
    expect(versions).toHaveLength(2);
    expect(await ids({ entity: `${CS_URL},CodeSystem/kommune-147-lokale-indsatser` })).toEqual(
      [...new Set([...await ids({ entity: CS_URL }), ...await ids({ entity: 'CodeSystem/kommune-147-lokale-indsatser' })])].sort());
    // an escaped comma is part of the value: no event has such an entity
    expect(await ids({ entity: `CodeSystem/${CS_ID}\\,CodeSystem/kommune-147-lokale-indsatser` })).toEqual([]);
    await search(admin, { agent: ',' }).expect(400);
    // each alternative is once a test of the store's query (SQLite nests no deeper than 1,000): repeats count once, and
    // more than 100 are refused with 400 too-costly instead of failing in the store
    expect(await ids({ agent: Array.from({ length: 1000 }, () => '101').concat('147').join(',') })).toEqual(await ids({ agent: '101,147' }));
    const tooMany = (await search(admin, { agent: Array.from({ length: 101 }, (_, i) => String(100 + i)).join(',') }).expect(400)).body;
    expect([tooMany.issue[0].code, tooMany.issue[0].details.text]).toEqual(['too-costly', 'agent names 101 alternatives; at most 100 are searched at once']);
    // not for dates here: 400 not-supported rather than a value read wrongly
    expect((await search(admin, { date: 'lt2025-01-01,ge2026-01-01' }).expect(400)).body.issue[0].code).toBe('not-supported');
  });

  it('date: ge/lt ranges and a day', async () => {
    const all = events((await search(admin).expect(200)).body);
    const today = all[0]!.recorded.slice(0, 10);
    expect(events((await search(admin, { date: today }).expect(200)).body)).toHaveLength(all.length);
    expect(events((await search(admin, { date: [`ge${today}`, `lt${today}`] }).expect(200)).body)).toHaveLength(0);
    expect(events((await search(admin, { date: 'lt2000-01-01' }).expect(200)).body)).toHaveLength(0);
    await search(admin, { date: 'sometime' }).expect(400);
  });

  it('date: a dateTime stands for the whole of its precision (a second, a minute, a millisecond), under each of R4\'s prefixes', async () => {
    const all = events((await search(admin, { _count: '1000' }).expect(200)).body);
    const newest = all[0]!;
    const second = newest.recorded.slice(0, 19);
    const ofSecond = (e: AuditEvent) => e.recorded.slice(0, 19);
    const ids = (list: AuditEvent[]) => list.map((e) => e.id).sort();
    const found = async (...date: string[]) => ids(events((await search(admin, { _count: '1000', date }).expect(200)).body));
    expect(await found(`eq${second}`)).toEqual(ids(all.filter((e) => ofSecond(e) === second)));
    expect(await found(second)).toContain(newest.id);
    expect(await found(`eq${second}Z`)).toEqual(await found(`eq${second}`));
    expect(await found(`ne${second}`)).toEqual(ids(all.filter((e) => ofSecond(e) !== second)));
    expect(await found(`le${second}`)).toEqual(ids(all.filter((e) => ofSecond(e) <= second)));
    expect(await found(`lt${second}`)).toEqual(ids(all.filter((e) => ofSecond(e) < second)));
    expect(await found(`eb${second}`)).toEqual(await found(`lt${second}`));
    expect(await found(`ge${second}`)).toEqual(ids(all.filter((e) => ofSecond(e) >= second)));
    expect(await found(`gt${second}`)).toEqual(ids(all.filter((e) => ofSecond(e) > second)));
    expect(await found(`sa${second}`)).toEqual(await found(`gt${second}`));
    expect(await found(`ap${second}`)).toContain(newest.id);
    const minute = newest.recorded.slice(0, 16);
    expect(await found(`eq${minute}`)).toEqual(ids(all.filter((e) => e.recorded.startsWith(minute))));
    // milliseconds: that millisecond alone
    expect(await found(`eq${newest.recorded}`)).toEqual(ids(all.filter((e) => e.recorded === newest.recorded)));
    expect(await found(`ne${second}`, `ge${all.at(-1)!.recorded.slice(0, 10)}`)).toEqual(ids(all.filter((e) => ofSecond(e) !== second)));
  });

  it('outcome and action: the refused writes, the deletes; a code the element cannot have is 400', async () => {
    const all = events((await search(admin).expect(200)).body);
    const refused = events((await search(admin, { outcome: '4' }).expect(200)).body);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused).toEqual(all.filter((e) => e.outcome === '4'));
    expect(events((await search(admin, { outcome: 'http://hl7.org/fhir/audit-event-outcome|4' }).expect(200)).body)).toEqual(refused);
    expect(events((await search(admin, { outcome: '0,4' }).expect(200)).body)).toEqual(all.filter((e) => e.outcome === '0' || e.outcome === '4'));
    // what a municipality sees of them: its own
    expect(events((await search(bo147, { outcome: '4' }).expect(200)).body).map(who)).toEqual(['bo@kommune147']);
    const deletes = events((await search(anna, { action: 'D' }).expect(200)).body);
    expect(deletes.map((e) => `${e.action}:${subtype(e)}:${e.entity?.[0]?.what?.reference}`)).toEqual([`D:delete:CodeSystem/${CS_ID}/_history/4`]);
    expect(events((await search(anna, { action: 'U', outcome: '0' }).expect(200)).body).every((e) => e.action === 'U' && e.outcome === '0')).toBe(true);
    for (const [name, value] of [['outcome', 'refused'], ['outcome', '5'], ['action', 'd'], ['action', 'http://example.org|D']]) {
      const refusal = (await search(admin, { [name!]: value! }).expect(400)).body;
      expect(refusal.issue[0].diagnostics ?? refusal.issue[0].details.text).toContain(`${name} is one of`);
    }
  });

  it('_summary and _elements as the other searches: count alone, the summary elements, the elements named, each tagged SUBSETTED', async () => {
    const all = events((await search(admin).expect(200)).body);
    const counted = (await search(admin, { _summary: 'count', outcome: '4' }).expect(200)).body as Bundle;
    expect(counted.total).toBe(all.filter((e) => e.outcome === '4').length);
    expect(counted.entry).toBeUndefined();
    expect(counted.link?.[0]?.url).toContain('_summary=count');
    const summary = events((await search(admin, { _summary: 'true' }).expect(200)).body);
    expect(summary.map((e) => e.id)).toEqual(all.map((e) => e.id));
    // R4's summary elements and the mandatory ones (agent, source); not what was written (entity)
    expect(summary.every((e) => e.entity === undefined && e.agent.length > 0 && e.source !== undefined && e.recorded !== undefined)).toBe(true);
    expect(summary.every((e) => e.meta?.tag?.some((t) => t.code === 'SUBSETTED'))).toBe(true);
    const named = events((await search(admin, { _elements: 'outcome,entity' }).expect(200)).body);
    expect(named.map((e) => [e.outcome, e.entity])).toEqual(all.map((e) => [e.outcome, e.entity]));
    expect(named.every((e) => e.subtype === undefined && e.action === undefined)).toBe(true);
    await search(admin, { _summary: 'yes' }).expect(400);
  });
});

describe('AuditEvent: paging', () => {
  let paged: App;
  let of101: string;
  let of147: string;
  const link = (b: Bundle, relation: string) => b.link?.find((l) => l.relation === relation)?.url;
  const get = async (auth: string, url: string) => (await request(paged).get(url).set('Authorization', auth).expect(200)).body as Bundle;
  /** The first page, then every `next` link as given (its path and query on this app), until there is none. */
  const pages = async (auth: string, query: string) => {
    const found = [await get(auth, `/fhir/AuditEvent?${query}`)];
    for (let next = link(found[0]!, 'next'); next !== undefined; next = link(found[found.length - 1]!, 'next')) {
      const url = new URL(next);
      expect(url.pathname).toBe('/fhir/AuditEvent');
      found.push(await get(auth, url.pathname + url.search));
      expect(found.length).toBeLessThan(100);
    }
    return found;
  };
  const ids = (b: Bundle) => events(b).map((e) => e.id);

  beforeAll(async () => {
    paged = await testApp();
    of101 = `Bearer ${await tokenFor({ kommunekode: '101', sub: 'anna@kommune101' })}`;
    of147 = `Bearer ${await tokenFor({ kommunekode: '147', sub: 'bo@kommune147' })}`;
    const own101 = sampleCatalog('101');
    const own147 = sampleCatalog('147');
    // 26 events: 12 writes of each municipality's, 147's refused write of 101's catalog (seen by both) and 101's refused write (400)
    for (let i = 0; i < 12; i++) {
      await request(paged).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', of101).type(JSON_TYPE).send({ ...own101.codeSystem, version: `1.${i}.0` }).expect(i === 0 ? 201 : 200);
      await request(paged).put(`/fhir/CodeSystem/${own147.codeSystem.id}`).set('Authorization', of147).type(JSON_TYPE).send({ ...own147.codeSystem, version: `1.${i}.0` }).expect(i === 0 ? 201 : 200);
    }
    await request(paged).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', of147).type(JSON_TYPE).send({ ...own101.codeSystem, version: '9' }).expect(403);
    await request(paged).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', of101).type(JSON_TYPE).send({ ...own101.codeSystem, id: 'other-id' }).expect(400);
  });

  it('_count=2: next links as given reach every event once, in the order of one big page, with the total on each page', async () => {
    const all = await get(admin, '/fhir/AuditEvent?_count=1000');
    expect(all.total).toBe(all.entry?.length);
    expect(all.total).toBe(26);
    expect(all.link?.map((l) => l.relation)).toEqual(['self', 'first', 'last']);
    const found = await pages(admin, '_count=2');
    expect(found).toHaveLength(Math.ceil(all.total! / 2));
    expect(found.every((b) => b.total === all.total && (b.entry?.length ?? 0) <= 2)).toBe(true);
    const seen = found.flatMap(ids);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(ids(all));
    // newest first
    const recorded = found.flatMap(events).map((e) => e.recorded);
    expect([...recorded].sort().reverse()).toEqual(recorded);
  });

  it('_sort=date: oldest first, pages in that order, the links keeping it; another order 400, or with lenient handling the default', async () => {
    const newest = ids(await get(admin, '/fhir/AuditEvent?_count=1000'));
    expect(ids(await get(admin, '/fhir/AuditEvent?_count=1000&_sort=-date'))).toEqual(newest);
    const oldest = ids(await get(admin, '/fhir/AuditEvent?_count=1000&_sort=date'));
    expect(oldest).toEqual([...newest].reverse());
    const found = await pages(admin, '_count=5&_sort=date');
    expect(found.flatMap(ids)).toEqual(oldest);
    expect(found.every((b) => b.link!.every((l) => new URL(l.url).searchParams.get('_sort') === 'date'))).toBe(true);
    const recorded = found.flatMap(events).map((e) => e.recorded);
    expect([...recorded].sort()).toEqual(recorded);
    await request(paged).get('/fhir/AuditEvent?_sort=entity').set('Authorization', admin).expect(400);
    const lenient = await request(paged).get('/fhir/AuditEvent?_sort=entity&_count=1000').set('Authorization', admin).set('Prefer', 'handling=lenient').expect(200);
    expect(ids(lenient.body as Bundle)).toEqual(newest);
    expect((lenient.body as Bundle).link![0]!.url).not.toContain('_sort');
  });

  it('_offset, and first, previous, next and last links as the other searches give them', async () => {
    const all = ids(await get(admin, '/fhir/AuditEvent?_count=1000'));
    // each request of supertest's has a port of its own: the links' paths and queries
    const base = '/fhir/AuditEvent';
    const relative = (url: string) => new URL(url).pathname + new URL(url).search;
    const third = await get(admin, '/fhir/AuditEvent?_count=2&_offset=4');
    expect(ids(third)).toEqual(all.slice(4, 6));
    const last = Math.floor((all.length - 1) / 2) * 2;
    expect(third.link?.map((l) => ({ relation: l.relation, url: relative(l.url) }))).toEqual([
      { relation: 'self', url: `${base}?_count=2&_offset=4` },
      { relation: 'first', url: `${base}?_count=2` },
      { relation: 'previous', url: `${base}?_count=2&_offset=2` },
      { relation: 'next', url: `${base}?_count=2&_offset=6` },
      { relation: 'last', url: `${base}?_count=2&_offset=${last}` },
    ]);
    const end = await get(admin, relative(link(third, 'last')!));
    expect(ids(end)).toEqual(all.slice(last));
    expect(link(end, 'next')).toBeUndefined();
    const past = await get(admin, '/fhir/AuditEvent?_count=2&_offset=1000');
    expect(past.total).toBe(all.length);
    expect(past).not.toHaveProperty('entry'); // FHIR's JSON has no empty array
    await request(paged).get('/fhir/AuditEvent').query({ _offset: '-1' }).set('Authorization', admin).expect(400);
  });

  it("a municipality's pages hold only its own events, all of them, whatever the page size", async () => {
    for (const auth of [of101, of147]) {
      const own = await get(auth, '/fhir/AuditEvent?_count=1000');
      const found = await pages(auth, '_count=2');
      expect(found.every((b) => b.total === own.total)).toBe(true);
      expect(found.flatMap(ids)).toEqual(ids(own));
    }
    const of147Ids = ids(await get(of147, '/fhir/AuditEvent?_count=1000'));
    const of101Ids = ids(await get(of101, '/fhir/AuditEvent?_count=1000'));
    // the refused write of 101's catalog by 147 is both's; nothing else is shared
    expect(of147Ids.filter((id) => of101Ids.includes(id))).toHaveLength(1);
    expect(of147Ids.length + of101Ids.length - 1).toBe((await get(admin, '/fhir/AuditEvent?_count=0')).total);
    // the links keep the search's parameters, so a filtered search pages through its own matches
    const byEntity = await pages(of101, `entity=CodeSystem/${CS_ID}&_count=5`);
    expect(byEntity.flatMap(ids)).toEqual(ids(await get(of101, `/fhir/AuditEvent?entity=CodeSystem/${CS_ID}`)));
  });

  it('date: a dateTime without a zone is read in UTC; a value that is no date is still 400', async () => {
    const all = events(await get(admin, '/fhir/AuditEvent?_count=1000'));
    const newest = all[0]!.recorded;
    expect(newest.endsWith('Z')).toBe(true);
    const local = newest.slice(0, -1);
    const found = async (date: string) => ids(await get(admin, `/fhir/AuditEvent?_count=1000&date=${encodeURIComponent(date)}`));
    expect(await found(`ge${local}`)).toEqual(await found(`ge${newest}`));
    expect(await found(`ge${local}`)).toContain(all[0]!.id);
    expect(await found(`lt${local}`)).not.toContain(all[0]!.id);
    expect(await found(`lt${local}`)).toEqual(await found(`lt${newest}`));
    // minutes only, and a day's start
    expect(await found(`ge${newest.slice(0, 10)}T00:00`)).toEqual(await found(`ge${newest.slice(0, 10)}`));
    await request(paged).get('/fhir/AuditEvent?date=ge2026-12-04T12:00:00').set('Authorization', admin).expect(200);
    for (const bad of ['ge2026-12-04T12', 'ge2026-12-04T25:00:00', 'ge2026-12-04T12:00:00+1', 'ge2026-13-01T00:00:00', 'geyesterday']) {
      const res = await request(paged).get('/fhir/AuditEvent').query({ date: bad }).set('Authorization', admin).expect(400);
      expect(res.body.issue[0].expression).toEqual(['date']);
    }
  });
});

describe('AuditEvent: who may see what', () => {
  it("a municipality sees only events of its own resources (and its own refused writes); an admin all", async () => {
    const of147 = events((await search(bo147).expect(200)).body);
    expect(of147.length).toBeGreaterThan(0);
    for (const e of of147) {
      const own = e.entity?.some((x) => (x.name ?? x.what?.reference ?? '').includes('147')) || e.agent.some((a) => a.who?.identifier?.value === '147');
      expect(own).toBe(true);
    }
    expect(of147.some((e) => e.entity?.some((x) => x.name?.startsWith(CS_URL)) && e.outcome === '0')).toBe(false);
    const all = events((await search(admin).expect(200)).body);
    expect(all.length).toBeGreaterThan(of147.length);
    expect(all.filter((e) => e.outcome === '0').map(who)).toEqual(expect.arrayContaining(['anna@kommune101', 'bo@kommune147']));
  });

  it('needs a token: 401 without, 403 with one that names no municipality', async () => {
    const res = await request(app).get('/fhir/AuditEvent').expect(401);
    expect(res.body.issue[0].details.text).toBe('Reading the audit log needs an Authorization: Bearer <token> header');
    const da = await request(app).get('/fhir/AuditEvent').set('Accept-Language', 'da').expect(401);
    expect(da.body.issue[0].details.text).toBe('Du skal være logget ind for at se, hvem der har ændret hvad.');
    await search(`Bearer ${await tokenFor({ sub: 'nobody' })}`).expect(403);
    await search(admin, { patient: 'x' }).expect(400);
  });

  it('POST of a form to AuditEvent/_search (and GET of it) is the search, its parameters read with the URL\'s, with the same token rule', async () => {
    const ids = (res: request.Response) => events(res.body).map((e) => e.id);
    const get = await search(anna, { entity: `CodeSystem/${CS_ID}`, agent: 'bo@kommune147' }).expect(200);
    expect(ids(get)).toHaveLength(1);
    const post = await request(app).post(`/fhir/AuditEvent/_search?entity=CodeSystem/${CS_ID}`).set('Authorization', anna)
      .type('application/x-www-form-urlencoded').send('agent=bo%40kommune147').expect(200);
    expect(ids(post)).toEqual(ids(get));
    expect(new URL((post.body as Bundle).link![0]!.url).pathname).toBe('/fhir/AuditEvent');
    const viaGet = await request(app).get(`/fhir/AuditEvent/_search?entity=CodeSystem/${CS_ID}&agent=bo@kommune147`).set('Authorization', anna).expect(200);
    expect(ids(viaGet)).toEqual(ids(get));
    await request(app).post('/fhir/AuditEvent/_search').type('application/x-www-form-urlencoded').send('agent=x').expect(401);
    await request(app).post('/fhir/AuditEvent/_search').set('Authorization', `Bearer ${await tokenFor({ sub: 'nobody' })}`).expect(403);
    await request(app).post('/fhir/AuditEvent/_search').set('Authorization', admin).type('application/x-www-form-urlencoded').send('foo=1').expect(400);
    const options = await request(app).options('/fhir/AuditEvent/_search').expect(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST');
  });

  it('Prefer: handling=lenient leaves an unknown parameter out, of the self link too; strict (and no header) refuses it', async () => {
    const res = await search(admin, { foo: '1', agent: '147' }).set('Prefer', 'handling=lenient').expect(200);
    expect(events(res.body).map((e) => e.id)).toEqual(events((await search(admin, { agent: '147' }).expect(200)).body).map((e) => e.id));
    expect(new URL((res.body as Bundle).link![0]!.url).search).toBe('?agent=147');
    await search(admin, { foo: '1' }).set('Prefer', 'handling=strict').expect(400);
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = (await request(app).get('/fhir/metadata').expect(200)).body as CapabilityStatement;
    const audit = cs.rest?.[0]?.resource?.find((r) => r.type === 'AuditEvent');
    expect(audit?.searchParam?.map((p) => p.name)).toEqual(['_id', 'entity', 'agent', 'date', 'outcome', 'action']);
    expect(audit?.interaction?.map((i) => i.code)).toEqual(['read', 'search-type']);
  });
});

describe('AuditEvent through fhir-kit-client', () => {
  const server = useRunningServer();

  it('a municipality searches its own events with the client', async () => {
    const token = await tokenFor({ kommunekode: '101', sub: 'carl' });
    const client = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${token}` } });
    const { codeSystem } = sampleCatalog('101');
    await client.update({ resourceType: 'CodeSystem', id: CS_ID, body: clientBody(codeSystem) });
    const bundle = await client.search({ resourceType: 'AuditEvent', searchParams: { entity: `CodeSystem/${CS_ID}`, agent: 'carl' } }) as unknown as Bundle;
    expect(events(bundle).map(who)).toEqual(['carl']);
    const other = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${await tokenFor({ kommunekode: '147' })}` } });
    expect(events(await other.search({ resourceType: 'AuditEvent', searchParams: { entity: `CodeSystem/${CS_ID}` } }) as unknown as Bundle)).toEqual([]);
    expect((await failure(new Client({ baseUrl: server.baseUrl }).search({ resourceType: 'AuditEvent', searchParams: {} }))).status).toBe(401);
  });

  it('an event is read at its fullUrl, and found by _id, by the tokens that find it in a search; 404 for the others', async () => {
    const token = await tokenFor({ kommunekode: '101', sub: 'erik' });
    const client = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${token}` } });
    const { codeSystem } = sampleCatalog('101');
    await client.update({ resourceType: 'CodeSystem', id: CS_ID, body: clientBody(codeSystem) });
    const found = await client.search({ resourceType: 'AuditEvent', searchParams: { agent: 'erik' } }) as unknown as Bundle;
    const entry = found.entry![0]!;
    expect(entry.fullUrl).toBe(`${server.baseUrl}/AuditEvent/${entry.resource!.id}`);
    const read = await client.read({ resourceType: 'AuditEvent', id: entry.resource!.id! }) as unknown as AuditEvent;
    expect(read).toEqual(entry.resource);
    const kl = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${await tokenFor({ scope: 'openid admin', sub: 'kl-admin' })}` } });
    expect(await kl.read({ resourceType: 'AuditEvent', id: read.id! })).toEqual(read);
    const byId = await client.search({ resourceType: 'AuditEvent', searchParams: { _id: `${read.id},no-such-event` } }) as unknown as Bundle;
    expect(events(byId).map((e) => e.id)).toEqual([read.id]);
    // another municipality's token does not learn that the event is there; no token is 401
    const other = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${await tokenFor({ kommunekode: '147' })}` } });
    expect((await failure(other.read({ resourceType: 'AuditEvent', id: read.id! }))).status).toBe(404);
    expect((await failure(client.read({ resourceType: 'AuditEvent', id: 'no-such-event' }))).status).toBe(404);
    expect((await failure(new Client({ baseUrl: server.baseUrl }).read({ resourceType: 'AuditEvent', id: read.id! }))).status).toBe(401);
    // read-only, and in a batch as on its own
    const put = await request(server.app).put(`/fhir/AuditEvent/${read.id}`).set('Authorization', `Bearer ${token}`).type('application/fhir+json').send(read).expect(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    const batch = await client.batch({ body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: `AuditEvent/${read.id}` } }] } as never }) as unknown as Bundle;
    expect(batch.entry![0]!.resource).toEqual(read);
  });

  it('a batch\'s audit log entries are searched with the batch request\'s token, as the search alone', async () => {
    const token = await tokenFor({ kommunekode: '101', sub: 'dora' });
    const client = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${token}` } });
    const { codeSystem } = sampleCatalog('101');
    await client.update({ resourceType: 'CodeSystem', id: CS_ID, body: clientBody(codeSystem) });
    const batch = (entries: { method: string; url: string }[]) => ({ resourceType: 'Bundle', type: 'batch', entry: entries.map((request) => ({ request })) }) as never;
    const entries = [
      { method: 'GET', url: 'AuditEvent?agent=dora' }, { method: 'POST', url: 'AuditEvent/_search?agent=dora' }, { method: 'POST', url: 'AuditEvent' },
      { method: 'GET', url: `CodeSystem/${CS_ID}` },
    ];
    const answer = await client.batch({ body: batch(entries) }) as unknown as Bundle;
    expect(answer.entry!.map((e) => e.response!.status)).toEqual(['200 OK', '200 OK', '405 Method Not Allowed', '200 OK']);
    const alone = events(await client.search({ resourceType: 'AuditEvent', searchParams: { agent: 'dora' } }) as unknown as Bundle).map((e) => e.id);
    expect(alone.length).toBeGreaterThan(0);
    expect(events(answer.entry![0]!.resource as Bundle).map((e) => e.id)).toEqual(alone);
    expect(events(answer.entry![1]!.resource as Bundle).map((e) => e.id)).toEqual(alone);
    // another municipality's token sees none of them; without a token the entry (not the batch) is 401, the others answered
    const other = new Client({ baseUrl: server.baseUrl, customHeaders: { Authorization: `Bearer ${await tokenFor({ kommunekode: '147' })}` } });
    expect(events((await other.batch({ body: batch(entries.slice(0, 1)) }) as unknown as Bundle).entry![0]!.resource as Bundle)).toEqual([]);
    const anonymous = await new Client({ baseUrl: server.baseUrl }).batch({ body: batch(entries) }) as unknown as Bundle;
    expect(anonymous.entry!.map((e) => e.response!.status)).toEqual(['401 Unauthorized', '401 Unauthorized', '405 Method Not Allowed', '200 OK']);
    expect(anonymous.entry![0]!.response!.outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
  });
});

describe('AuditEvent: what a write request was', () => {
  let own: App;
  const eventsOf = async (entity: string) => events((await request(own).get('/fhir/AuditEvent').query({ entity }).set('Authorization', admin).expect(200)).body);
  const transaction = (auth: string, resource: CodeSystem) => request(own).post('/fhir').set('Authorization', auth).type(JSON_TYPE)
    .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource, request: { method: 'PUT', url: `CodeSystem/${resource.id}` } }] });

  beforeAll(async () => {
    own = await testApp();
  });

  it('a transaction Bundle of one entry is a transaction (action E), done or refused', async () => {
    const { codeSystem } = sampleCatalog('101', 'txkat');
    await transaction(anna, codeSystem).expect(200);
    await transaction(bo147, { ...codeSystem, version: '9' }).expect(403);
    const found = await eventsOf(`CodeSystem/${codeSystem.id}`);
    expect(found.map((e) => `${subtype(e)}:${e.action}:${e.outcome}`)).toEqual(['transaction:E:4', 'transaction:E:0']);
  });

  it('a create whose If-None-Exist finds the resource wrote nothing: a read (action R) of it, naming no version, at its own time', async () => {
    const { codeSystem } = sampleCatalog('101', 'betinget');
    const created = await request(own).post('/fhir/CodeSystem').set('Authorization', anna).type(JSON_TYPE).send(codeSystem).expect(201);
    const id = created.body.id as string;
    const asked = new Date().toISOString();
    await request(own).post('/fhir/CodeSystem').set('Authorization', anna).set('If-None-Exist', `url=${codeSystem.url}`).type(JSON_TYPE).send(codeSystem).expect(200);
    const [found, create] = await eventsOf(`CodeSystem/${id}`);
    expect(create).toMatchObject({ action: 'C', subtype: [{ code: 'create' }], entity: [{ what: { reference: `CodeSystem/${id}/_history/1` }, detail: [{ valueString: 'create' }] }] });
    expect(found).toMatchObject({
      action: 'R', outcome: '0', subtype: [{ code: 'create' }], entity: [{ what: { reference: `CodeSystem/${id}` }, detail: [{ valueString: 'read' }] }],
    });
    expect(found!.outcomeDesc).toBe(`not created, found: CodeSystem/${id} (version 1, If-None-Exist url=${codeSystem.url})`);
    expect(found!.recorded >= asked).toBe(true);
    // the events that wrote version 1: the create alone
    expect((await eventsOf(`CodeSystem/${id}/_history/1`)).map((e) => e.id)).toEqual([create!.id]);
  });

  it('a write that wrote nothing of its own (a delete whose search found nothing) is found by the municipality that sent it', async () => {
    const search = 'CodeSystem?url=http://faelles-tx.dk/fhir/kommune/101/CodeSystem/aldrig-skrevet';
    await request(own).delete(`/fhir/${search}`).set('Authorization', anna).expect(200);
    const byAnna = events((await request(own).get('/fhir/AuditEvent').query({ entity: search }).set('Authorization', anna).expect(200)).body);
    expect(byAnna.map((e) => [e.action, e.outcome, who(e)])).toEqual([['D', '0', 'anna@kommune101']]);
    // another municipality does not see it
    expect(events((await request(own).get('/fhir/AuditEvent').query({ entity: search }).set('Authorization', bo147).expect(200)).body)).toEqual([]);
  });
});

describe('AuditEvent: a refused $import-local', () => {
  const TARGET = 'ab87c0b5-40be-4e0a-b749-d9f833bfed2d';
  let imports: App;
  let of101: string;
  let of370: string;

  const importLocal = (auth: string, csv: string, parameters: object[] = []) => request(imports).post('/fhir/CodeSystem/$import-local')
    .set('Authorization', auth).type(JSON_TYPE)
    .send({ resourceType: 'Parameters', parameter: [{ name: 'csv', valueString: csv }, ...parameters] });
  const eventsOf = async (auth: string, entity: string) =>
    events((await request(imports).get('/fhir/AuditEvent').query({ entity }).set('Authorization', auth).expect(200)).body);

  beforeAll(async () => {
    imports = await testApp();
    of101 = `Bearer ${await tokenFor({ kommunekode: '101', sub: 'anna@kommune101' })}`;
    of370 = `Bearer ${await tokenFor({ kommunekode: '370', sub: 'nina@kommune370' })}`;
  });

  it("another municipality's import is 403 and recorded, for that municipality, the one that tried and an admin", async () => {
    const csv = `kode,titel,type,maal\n370-A,A,indsats,${TARGET}\n`;
    await importLocal(of101, csv, [{ name: 'kommunekode', valueString: '370' }, { name: 'name', valueString: 'andre' }]).expect(403);
    for (const auth of [of370, of101, admin]) {
      const found = await eventsOf(auth, 'CodeSystem/kommune-370-andre');
      expect(found.map((e) => `${subtype(e)}:${e.outcome}`)).toEqual(['operation:4']);
      expect(found[0]!.subtype?.[0]?.display).toBe('$import-local');
      expect(found[0]!.outcomeDesc).toMatch(/^403: /);
      expect(found[0]!.entity?.map((x) => x.name)).toEqual(['http://faelles-tx.dk/fhir/kommune/370/CodeSystem/andre', 'http://faelles-tx.dk/fhir/kommune/370/ConceptMap/andre']);
    }
    expect(await eventsOf(of370, 'http://faelles-tx.dk/fhir/kommune/370/ConceptMap/andre')).toHaveLength(1);
  });

  it.each([
    ['a code twice', `kode,titel,type,maal\n101-A,A,indsats,${TARGET}\n101-A,B,indsats,${TARGET}\n`, 'dobbelt', 3],
    ['a header without maal', `kode,titel,type\n101-A,A,indsats\n`, 'header', 1],
    ['an unknown target', `kode,titel,type,maal\n101-A,A,indsats,ukendt-kode\n`, 'ukendt', 2],
  ])('a file refused for %s is 422 and recorded with its first error, on its line', async (_what, csv, name, line) => {
    await importLocal(of101, csv, [{ name: 'name', valueString: name }]).expect(422);
    const found = await eventsOf(of101, `CodeSystem/kommune-101-${name}`);
    expect(found.map((e) => `${subtype(e)}:${e.outcome}`)).toEqual(['operation:4']);
    expect(translated(found[0]!.outcomeDesc, found[0]!._outcomeDesc)).toMatchObject({
      text: expect.stringMatching(`^422: linje ${line}: `), translation: expect.stringMatching(`^422: line ${line}: `),
    });
  });

  it('a refusal of the write rules is recorded once', async () => {
    await importLocal(of101, `kode,titel,type,maal\n101-A,A,indsats,${TARGET}\n`, [{ name: 'name', valueString: 'regler' }, { name: 'version', valueString: '1|2' }]).expect(422);
    expect((await eventsOf(of101, 'CodeSystem/kommune-101-regler')).map((e) => e.outcome)).toEqual(['4']);
  });

  it('a preview writes nothing and is not recorded, refused or not', async () => {
    const preview = { name: 'preview', valueBoolean: true };
    await importLocal(of101, `kode,titel,type,maal\n101-A,A,indsats,ukendt-kode\n`, [{ name: 'name', valueString: 'vist' }, preview]).expect(422);
    await importLocal(of101, `kode,titel,type,maal\n370-A,A,indsats,${TARGET}\n`, [{ name: 'kommunekode', valueString: '370' }, { name: 'name', valueString: 'vist' }, preview]).expect(403);
    await importLocal(of101, `kode,titel,type,maal\n101-A,A,indsats,${TARGET}\n`, [{ name: 'name', valueString: 'vist' }, preview]).expect(200);
    expect(await eventsOf(admin, 'CodeSystem/kommune-101-vist')).toEqual([]);
    expect(await eventsOf(admin, 'CodeSystem/kommune-370-vist')).toEqual([]);
  });
});

describe("a refused conditional write on another municipality's resource", () => {
  it('is recorded naming the resource its search found, so that its owner sees the attempt', async () => {
    const own = await testApp();
    const { codeSystem } = sampleCatalog('101');
    await request(own).put(`/fhir/CodeSystem/${CS_ID}`).set('Authorization', anna).type(JSON_TYPE).send(codeSystem).expect(201);
    await request(own).delete('/fhir/CodeSystem').query({ _id: CS_ID }).set('Authorization', bo147).expect(403);
    await request(own).put('/fhir/CodeSystem').query({ url: CS_URL }).set('Authorization', bo147).type(JSON_TYPE).send({ ...codeSystem, title: 'Overtaget' }).expect(403);
    const seen = events((await request(own).get('/fhir/AuditEvent').query({ entity: `CodeSystem/${CS_ID}` }).set('Authorization', anna).expect(200)).body);
    expect(seen.filter((e) => e.outcome === '4').map((e) => [subtype(e), who(e)])).toEqual([['update', 'bo@kommune147'], ['delete', 'bo@kommune147']]);
  });
});
