import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { CommitGate } from '../../src/store/commit-gate';
import type { AuditQuery, AuditRecord } from '../../src/store/audit-log';
import { StoreConflictError, type TerminologyStore } from '../../src/store/store';
import { ResourceSet } from '../../src/terminology/resource-set';
import { describeClosureContract } from './closure-contract';

/**
 * The behaviour every TerminologyStore implementation must have (memory, SQLite, PostgreSQL).
 * `create` gives a fresh, empty store; `reopen`, when the store is durable, opens a new instance on the same data.
 */
export interface StoreFactory {
  create(): Promise<TerminologyStore>;
  reopen?(previous: TerminologyStore): Promise<TerminologyStore>;
}

function codeSystem(id: string, overrides: Partial<CodeSystem> = {}): CodeSystem {
  return {
    resourceType: 'CodeSystem',
    id,
    url: `http://example.org/CodeSystem/${id}`,
    version: '1.0.0',
    status: 'active',
    content: 'complete',
    concept: [{ code: 'a', display: 'A' }],
    ...overrides,
  };
}

async function conflict(p: Promise<unknown>): Promise<StoreConflictError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(StoreConflictError);
    return e as StoreConflictError;
  }
  throw new Error('expected a StoreConflictError');
}

export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} (store contract)`, () => {
    let store: TerminologyStore;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await store.close();
    });

    it('starts empty', async () => {
      expect(await store.loadAll()).toEqual([]);
      expect(await store.read('CodeSystem', 'x')).toBeUndefined();
      expect(await store.history('CodeSystem', 'x')).toEqual([]);
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('with a commit gate: an abandoned write is refused (503) and writes nothing; a committed one closes the gate to abandoning', async () => {
      const abandoned = new CommitGate();
      expect(abandoned.abandon()).toBe(true);
      await expect(store.apply([{ kind: 'create', resource: codeSystem('gated') }], abandoned)).rejects.toMatchObject({ status: 503, code: 'timeout' });
      expect(await store.history('CodeSystem', 'gated')).toEqual([]);
      const gate = new CommitGate();
      await store.apply([{ kind: 'create', resource: codeSystem('gated') }], gate);
      expect(gate.abandon()).toBe(false);
      expect((await store.read('CodeSystem', 'gated'))?.meta?.versionId).toBe('1');
    });

    it('create stamps version 1 and lastUpdated, and the resource can be read and listed', async () => {
      const v = await store.create(codeSystem('cs1'));
      expect(v).toMatchObject({ resourceType: 'CodeSystem', id: 'cs1', versionId: '1', method: 'create' });
      expect(v.resource?.meta?.versionId).toBe('1');
      expect(Date.parse(v.lastUpdated)).not.toBeNaN();
      expect(v.resource?.meta?.lastUpdated).toBe(v.lastUpdated);
      expect((await store.read('CodeSystem', 'cs1'))?.meta?.versionId).toBe('1');
      expect((await store.loadAll()).map((r) => r.id)).toEqual(['cs1']);
    });

    it('keeps the other meta elements and does not keep a reference to the caller\'s object', async () => {
      const input = codeSystem('cs1', { meta: { profile: ['http://example.org/p'], versionId: '99' } });
      await store.create(input);
      input.concept![0]!.display = 'changed by the caller';
      const read = (await store.read('CodeSystem', 'cs1')) as CodeSystem;
      expect(read.concept![0]!.display).toBe('A');
      expect(read.meta).toMatchObject({ profile: ['http://example.org/p'], versionId: '1' });
    });

    it('keeps several versions of one url, each found by the registry\'s url|version rule', async () => {
      const vs: ValueSet = { resourceType: 'ValueSet', id: 'vs1', url: 'http://example.org/ValueSet/v', version: '1.0.0', status: 'active' };
      const vs2: ValueSet = { ...vs, id: 'vs2', version: '1.10.0' };
      const cm: ConceptMap = { resourceType: 'ConceptMap', id: 'cm1', url: 'http://example.org/ConceptMap/m', status: 'active' };
      await store.apply([{ kind: 'create', resource: vs }, { kind: 'create', resource: vs2 }, { kind: 'create', resource: cm }]);
      const stored = new ResourceSet(await store.loadAll());
      expect(stored.find('ValueSet', 'http://example.org/ValueSet/v')?.id).toBe('vs2');
      expect(stored.find('ValueSet', 'http://example.org/ValueSet/v', '1.0.0')?.id).toBe('vs1');
      expect(stored.find('ConceptMap', 'http://example.org/ConceptMap/m')?.id).toBe('cm1');
      expect(stored.find('CodeSystem', 'http://example.org/ValueSet/v')).toBeUndefined();
    });

    it('refuses to create an id that exists, and changes nothing', async () => {
      await store.create(codeSystem('cs1'));
      const e = await conflict(store.create(codeSystem('cs1', { title: 'second' })));
      expect(e.reason).toBe('already-exists');
      expect((await store.read('CodeSystem', 'cs1'))?.title).toBeUndefined();
      expect(await store.history('CodeSystem', 'cs1')).toHaveLength(1);
    });

    it('update makes a new version and keeps the old one in the history, newest first', async () => {
      await store.create(codeSystem('cs1'));
      const v2 = await store.update(codeSystem('cs1', { title: 'v2' }));
      expect(v2).toMatchObject({ versionId: '2', method: 'update' });
      const history = await store.history('CodeSystem', 'cs1');
      expect(history.map((h) => [h.versionId, h.method])).toEqual([['2', 'update'], ['1', 'create']]);
      expect((await store.readVersion('CodeSystem', 'cs1', '1'))?.resource?.title).toBeUndefined();
      expect((await store.readVersion('CodeSystem', 'cs1', '2'))?.resource?.title).toBe('v2');
      expect(await store.readVersion('CodeSystem', 'cs1', '3')).toBeUndefined();
      expect(await store.readVersion('CodeSystem', 'cs1', 'x')).toBeUndefined();
      // version ids are compared as the strings they are: another spelling of a number is no version
      for (const other of ['01', '002', '+1', '1.0', '1e0', ' 1', '0']) expect(await store.readVersion('CodeSystem', 'cs1', other)).toBeUndefined();
    });

    it('update with the current version as expected version succeeds; with a stale one it is a conflict and changes nothing', async () => {
      await store.create(codeSystem('cs1'));
      await store.update(codeSystem('cs1', { title: 'v2' }), '1');
      const e = await conflict(store.update(codeSystem('cs1', { title: 'stale' }), '1'));
      expect(e.reason).toBe('version-mismatch');
      expect(e.currentVersion).toBe('2');
      expect((await store.read('CodeSystem', 'cs1'))?.title).toBe('v2');
      expect(await store.history('CodeSystem', 'cs1')).toHaveLength(2);
    });

    it('update of an id that does not exist creates it; with an expected version it is a conflict', async () => {
      const v = await store.update(codeSystem('new'));
      expect(v).toMatchObject({ versionId: '1', method: 'create' });
      const e = await conflict(store.update(codeSystem('other'), '1'));
      expect(e.reason).toBe('not-found');
      expect(await store.read('CodeSystem', 'other')).toBeUndefined();
    });

    it('an update expecting no current version writes a deleted or never-written id, and is a conflict on a live one', async () => {
      expect(await store.apply([{ kind: 'update', resource: codeSystem('fresh'), expectAbsent: true }])).toMatchObject([{ versionId: '1', method: 'create' }]);
      await store.delete('CodeSystem', 'fresh');
      expect(await store.apply([{ kind: 'update', resource: codeSystem('fresh', { title: 'again' }), expectAbsent: true }])).toMatchObject([{ versionId: '3' }]);
      const e = await conflict(store.apply([{ kind: 'update', resource: codeSystem('fresh', { title: 'over' }), expectAbsent: true }]));
      expect([e.reason, e.currentVersion]).toEqual(['exists', '3']);
      expect((await store.read('CodeSystem', 'fresh'))?.title).toBe('again');
      expect(await store.history('CodeSystem', 'fresh')).toHaveLength(3);
    });

    it('delete hides the resource, records a version without content, and is a no-op the second time', async () => {
      await store.create(codeSystem('cs1'));
      const d = await store.delete('CodeSystem', 'cs1');
      expect(d).toMatchObject({ versionId: '2', method: 'delete' });
      expect(d?.resource).toBeUndefined();
      expect(await store.read('CodeSystem', 'cs1')).toBeUndefined();
      expect(await store.loadAll()).toEqual([]);
      expect((await store.readVersion('CodeSystem', 'cs1', '2'))?.method).toBe('delete');
      expect(await store.delete('CodeSystem', 'cs1')).toBeUndefined();
      expect(await store.delete('CodeSystem', 'never')).toBeUndefined();
      expect(await store.history('CodeSystem', 'cs1')).toHaveLength(2);
    });

    it('delete with a stale expected version is a conflict; update after delete continues the version numbers', async () => {
      await store.create(codeSystem('cs1'));
      await store.update(codeSystem('cs1'));
      await conflict(store.delete('CodeSystem', 'cs1', '1'));
      expect(await store.read('CodeSystem', 'cs1')).toBeDefined();
      await store.delete('CodeSystem', 'cs1', '2');
      const again = await store.update(codeSystem('cs1', { title: 'back' }));
      expect(again).toMatchObject({ versionId: '4', method: 'create' });
      expect((await store.read('CodeSystem', 'cs1'))?.title).toBe('back');
      await conflict(store.create(codeSystem('cs1')));
    });

    it('records the HTTP method of the write that made each version: a create by POST or by PUT, an update, a delete', async () => {
      await store.apply([{ kind: 'create', resource: codeSystem('posted') }, { kind: 'create', resource: codeSystem('put'), requestMethod: 'PUT' }]);
      await store.update(codeSystem('put', { title: 'v2' }));
      await store.delete('CodeSystem', 'put');
      const again = await store.update(codeSystem('put', { title: 'v4' }));
      expect(again).toMatchObject({ versionId: '4', method: 'create', requestMethod: 'PUT' });
      const said = (versions: { versionId: string; method: string; requestMethod?: string }[]) => versions.map((v) => [v.versionId, v.method, v.requestMethod]);
      expect(said(await store.history('CodeSystem', 'put'))).toEqual([['4', 'create', 'PUT'], ['3', 'delete', 'DELETE'], ['2', 'update', 'PUT'], ['1', 'create', 'PUT']]);
      expect(said(await store.history('CodeSystem', 'posted'))).toEqual([['1', 'create', 'POST']]);
      expect((await store.readVersion('CodeSystem', 'put', '1'))?.requestMethod).toBe('PUT');
      expect(said((await store.historyPage({ type: 'CodeSystem', offset: 0, count: 10 })).versions).sort()).toEqual([
        ['1', 'create', 'POST'], ['1', 'create', 'PUT'], ['2', 'update', 'PUT'], ['3', 'delete', 'DELETE'], ['4', 'create', 'PUT'],
      ]);
      if (factory.reopen) {
        store = await factory.reopen(store);
        expect(said(await store.history('CodeSystem', 'put'))).toEqual([['4', 'create', 'PUT'], ['3', 'delete', 'DELETE'], ['2', 'update', 'PUT'], ['1', 'create', 'PUT']]);
      }
    });

    it('applies a batch all or nothing', async () => {
      await store.create(codeSystem('existing'));
      await conflict(store.apply([
        { kind: 'create', resource: codeSystem('a') },
        { kind: 'update', resource: codeSystem('existing', { title: 'x' }), expectedVersion: '7' },
      ]));
      expect(await store.read('CodeSystem', 'a')).toBeUndefined();
      expect((await store.read('CodeSystem', 'existing'))?.title).toBeUndefined();
      const results = await store.apply([
        { kind: 'create', resource: codeSystem('a') },
        { kind: 'update', resource: codeSystem('existing', { title: 'x' }), expectedVersion: '1' },
        { kind: 'delete', resourceType: 'CodeSystem', id: 'nothing-here' },
      ]);
      expect(results.map((r) => r?.versionId)).toEqual(['1', '2', undefined]);
      expect((await store.loadAll()).map((r) => r.id).sort()).toEqual(['a', 'existing']);
    });

    it('lists the history of every resource and of one type, newest first, in pages, from an instant on', async () => {
      /** Waits until the clock has moved past the last write, so that the next write has a later lastUpdated. */
      const later = async (after: string): Promise<void> => {
        while (new Date().toISOString() <= after) await new Promise((r) => setTimeout(r, 1));
      };
      const first = await store.create(codeSystem('b'));
      await later(first.lastUpdated);
      // one transaction: the same lastUpdated, listed by type, id, and version newest first
      const batch = await store.apply([
        { kind: 'create', resource: { resourceType: 'ValueSet', id: 'v', url: 'http://example.org/ValueSet/v', status: 'active' } as ValueSet },
        { kind: 'update', resource: codeSystem('b', { title: 'two' }) },
        { kind: 'create', resource: codeSystem('a') },
      ]);
      await later(batch[0]!.lastUpdated);
      await store.delete('CodeSystem', 'a');

      const all = await store.historyPage({ offset: 0, count: 10 });
      expect(all.total).toBe(5);
      expect(all.newest).toBe(all.versions[0]!.lastUpdated);
      expect(all.versions.map((v) => `${v.resourceType}/${v.id}/${v.versionId} ${v.method}`)).toEqual([
        'CodeSystem/a/2 delete', 'CodeSystem/a/1 create', 'CodeSystem/b/2 update', 'ValueSet/v/1 create', 'CodeSystem/b/1 create',
      ]);
      expect(all.versions[0]!.resource).toBeUndefined();
      expect(all.versions[2]!.resource?.title).toBe('two');

      const codeSystems = await store.historyPage({ type: 'CodeSystem', offset: 1, count: 2 });
      expect(codeSystems.total).toBe(4);
      expect(codeSystems.versions.map((v) => `${v.id}/${v.versionId}`)).toEqual(['a/1', 'b/2']);

      const since = await store.historyPage({ since: batch[0]!.lastUpdated, offset: 0, count: 10 });
      expect(since.total).toBe(4);
      expect(since.versions.map((v) => `${v.id}/${v.versionId}`)).toEqual(['a/2', 'a/1', 'b/2', 'v/1']);
      // until: at or before the instant, so the versions written after it do not shift a page
      const until = await store.historyPage({ until: batch[0]!.lastUpdated, offset: 1, count: 10 });
      expect(until.total).toBe(4);
      expect(until.versions.map((v) => `${v.id}/${v.versionId}`)).toEqual(['b/2', 'v/1', 'b/1']);
      expect(until.newest).toBe(batch[0]!.lastUpdated);
      const between = await store.historyPage({ since: batch[0]!.lastUpdated, until: batch[0]!.lastUpdated, type: 'CodeSystem', offset: 0, count: 10 });
      expect(between.versions.map((v) => `${v.id}/${v.versionId}`)).toEqual(['a/1', 'b/2']);
      expect(await store.historyPage({ type: 'ConceptMap', offset: 0, count: 10 })).toEqual({ total: 0, versions: [] });
      expect((await store.historyPage({ offset: 5, count: 10 })).versions).toEqual([]);
    });

    it("gives each write an instant later than every version before it, so a history page's bound leaves out what is written after it, within one millisecond too", async () => {
      // the clock of this process stands still (the PostgreSQL store takes the database's, which does not)
      jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
      try {
        const first = await store.create(codeSystem('t0'));
        const read = await store.historyPage({ offset: 0, count: 10 });
        expect(read.newest).toBe(first.lastUpdated);
        const written: string[] = [first.lastUpdated];
        for (let i = 1; i <= 5; i++) written.push((await store.create(codeSystem(`t${i}`))).lastUpdated);
        for (let i = 1; i < written.length; i++) expect(written[i]! > written[i - 1]!).toBe(true);
        const bounded = await store.historyPage({ until: read.newest, offset: 0, count: 10 });
        expect(bounded.versions.map((v) => v.id)).toEqual(['t0']);
        expect(bounded.total).toBe(1);
      } finally {
        jest.useRealTimers();
      }
    });

    it('keeps resource types apart', async () => {
      await store.create(codeSystem('same'));
      await store.create({ resourceType: 'ConceptMap', id: 'same', url: 'http://example.org/ConceptMap/same', status: 'active' });
      expect((await store.read('ConceptMap', 'same'))?.resourceType).toBe('ConceptMap');
      await store.delete('ConceptMap', 'same');
      expect(await store.read('CodeSystem', 'same')).toBeDefined();
    });

    it('rejects resources without a valid id', async () => {
      await expect(store.create(codeSystem('not valid!'))).rejects.toMatchObject({ status: 400 });
      await expect(store.create({ ...codeSystem('x'), id: undefined })).rejects.toMatchObject({ status: 400 });
    });

    // ---- FHIR packages loaded at run time ----
    const pkg = (version: string) => ({
      name: 'kl.synthetic.fsiii', version, fhirVersion: '4.0.1', dependencies: { 'hl7.fhir.r4.core': '4.0.1' }, description: 'test',
      resources: [codeSystem('FSIII', { url: 'urn:oid:1.2.208.176.2.21', version: version.replace(/\./g, '') })],
    });

    it('keeps loaded packages in load order, with their resources as given; the resources are not written resources', async () => {
      expect(await store.listPackages()).toEqual([]);
      const saved = await store.savePackage(pkg('2.0.0'));
      expect(saved).toMatchObject(pkg('2.0.0'));
      expect(Number.isNaN(Date.parse(saved.loadedAt))).toBe(false);
      await store.savePackage(pkg('1.0.0'));
      const listed = await store.listPackages();
      expect(listed.map((p) => p.version)).toEqual(['2.0.0', '1.0.0']);
      expect(listed[0]).toEqual(saved);
      expect(await store.loadAll()).toEqual([]);
    });

    it('keeps the supplements a package applies by default', async () => {
      await store.savePackage({ ...pkg('1.0.0'), defaultSupplements: ['http://example.org/supplement'] });
      await store.savePackage(pkg('2.0.0'));
      expect((await store.listPackages()).map((p) => p.defaultSupplements)).toEqual([['http://example.org/supplement'], undefined]);
    });

    it('refuses a package name#version loaded before (409), and keeps the first', async () => {
      await store.savePackage(pkg('1.0.0'));
      const e = await conflict(store.savePackage({ ...pkg('1.0.0'), description: 'other' }));
      expect(e.status).toBe(409);
      const listed = await store.listPackages();
      expect(listed).toHaveLength(1);
      expect(listed[0]?.description).toBe('test');
    });

    it('keeps who loaded a package; unloads a package (404 when not loaded), which may then be loaded again', async () => {
      const saved = await store.savePackage({ ...pkg('1.0.0'), loadedBy: 'kl-terminologi' });
      expect(saved.loadedBy).toBe('kl-terminologi');
      await store.savePackage(pkg('2.0.0'));
      expect((await store.listPackages()).map((p) => p.loadedBy)).toEqual(['kl-terminologi', undefined]);
      const unload = await store.unloadPackage('kl.synthetic.fsiii', '1.0.0', 'admin-2');
      expect(unload).toMatchObject({ name: 'kl.synthetic.fsiii', version: '1.0.0', loadedAt: saved.loadedAt, unloadedBy: 'admin-2' });
      expect(Number.isNaN(Date.parse(unload.unloadedAt))).toBe(false);
      expect((await store.listPackages()).map((p) => p.version)).toEqual(['2.0.0']);
      await expect(store.unloadPackage('kl.synthetic.fsiii', '1.0.0')).rejects.toMatchObject({ status: 404 });
      await store.savePackage(pkg('1.0.0'));
      expect((await store.listPackages()).map((p) => p.version)).toEqual(['2.0.0', '1.0.0']);
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps loaded packages when reopened', async () => {
        await store.savePackage(pkg('1.0.0'));
        const again = await reopen(store);
        try {
          expect((await again.listPackages()).map((p) => `${p.name}#${p.version}`)).toEqual(['kl.synthetic.fsiii#1.0.0']);
          expect((await again.listPackages())[0]?.resources).toEqual(pkg('1.0.0').resources);
        } finally {
          await again.close();
        }
      });
    }
    // --- Past versions and the audit log (who changed what) ---
    describe('past versions and the audit log', () => {
      const event = (id: string, recorded: string, keys: Partial<Omit<AuditRecord, 'event'>> = {}): AuditRecord => ({
        event: { resourceType: 'AuditEvent', id, recorded, type: { code: 'rest' }, agent: [{ requestor: true }], source: { observer: { display: 'test' } } },
        owners: [], agents: [], entities: [], ...keys,
      });

      it('loadHistory gives every written version with content, deletes left out', async () => {
        await store.create(codeSystem('h'));
        await store.update(codeSystem('h', { version: '2.0.0' }));
        await store.delete('CodeSystem', 'h');
        const history = await store.loadHistory();
        expect(history.map((v) => v.head.version).sort()).toEqual(['1.0.0', '2.0.0']);
        expect(history.map((v) => v.head)).toEqual(expect.arrayContaining([{
          resourceType: 'CodeSystem', id: 'h', url: 'http://example.org/CodeSystem/h', version: '2.0.0', status: 'active', date: undefined, content: 'complete',
        }]));
        // the whole version is read when it is needed
        expect(history.every((v) => v.load().meta?.lastUpdated === v.lastUpdated && v.load().version === v.head.version)).toBe(true);
      });

      it('loadDeletions gives every delete with its time, also of a resource written again since', async () => {
        await store.create(codeSystem('d1'));
        await store.create(codeSystem('d2'));
        const first = await store.delete('CodeSystem', 'd1');
        await store.update(codeSystem('d1', { version: '2.0.0' }));
        const second = await store.delete('CodeSystem', 'd1');
        expect(await store.delete('CodeSystem', 'd1')).toBeUndefined(); // a no-op: no version, no delete
        const deletions = await store.loadDeletions();
        expect(deletions.filter((d) => d.id === 'd1').map((d) => d.deletedAt).sort()).toEqual([first!.lastUpdated, second!.lastUpdated].sort());
        expect(deletions.every((d) => d.resourceType === 'CodeSystem' && d.id === 'd1')).toBe(true);
      });

      it('versionLoader reads a version each time it is called, and fails for one the store does not have with content', async () => {
        await store.create(codeSystem('l'));
        await store.update(codeSystem('l', { version: '2.0.0' }));
        await store.delete('CodeSystem', 'l');
        const first = store.versionLoader('CodeSystem', 'l', '1');
        expect(first()).toMatchObject({ id: 'l', version: '1.0.0', meta: { versionId: '1' } });
        expect(store.versionLoader('CodeSystem', 'l', '2')()).toMatchObject({ version: '2.0.0', meta: { versionId: '2' } });
        expect(first().version).toBe('1.0.0');
        expect(() => store.versionLoader('CodeSystem', 'l', '3')()).toThrow(); // the delete
        expect(() => store.versionLoader('CodeSystem', 'l', '9')()).toThrow();
        expect(() => store.versionLoader('CodeSystem', 'l', '01')()).toThrow();
        expect(() => store.versionLoader('ValueSet', 'l', '1')()).toThrow();
      });

      it("stores a write's audit record in the write's transaction, made from the versions written", async () => {
        const [v] = await store.apply([{ kind: 'create', resource: codeSystem('a1') }], undefined, (versions) =>
          event('e1', '2026-01-02T03:04:05.000Z', { owners: ['101'], agents: ['anna', '101'], entities: [`CodeSystem/a1/_history/${versions[0]!.versionId}`] }));
        expect(v?.versionId).toBe('1');
        const found = await store.searchAudit({ entity: ['CodeSystem/a1/_history/1'], offset: 0, count: 10 });
        expect(found.events.map((e) => e.id)).toEqual(['e1']);
      });

      it('a write that fails stores no audit record', async () => {
        await store.create(codeSystem('taken'));
        await expect(store.apply([{ kind: 'create', resource: codeSystem('taken') }], undefined, () => event('lost', '2026-01-01T00:00:00.000Z')))
          .rejects.toBeInstanceOf(StoreConflictError);
        const abandoned = new CommitGate();
        abandoned.abandon();
        await expect(store.apply([{ kind: 'create', resource: codeSystem('gated') }], abandoned, () => event('lost2', '2026-01-01T00:00:00.000Z')))
          .rejects.toMatchObject({ status: 503 });
        expect(await store.searchAudit({ offset: 0, count: 10 })).toEqual({ total: 0, events: [] });
      });

      it("stores a package load's and unload's audit record in its own transaction, at its time", async () => {
        const keys = { entities: ['kl.synthetic.fsiii#1.0.0'] };
        const saved = await store.savePackage(pkg('1.0.0'), { audit: (at) => event('load', at, keys) });
        const unload = await store.unloadPackage('kl.synthetic.fsiii', '1.0.0', 'admin', { audit: (at) => event('unload', at, keys) });
        const found = await store.searchAudit({ entity: ['kl.synthetic.fsiii#1.0.0'], offset: 0, count: 10 });
        expect(found.events.map((e) => [e.id, e.recorded])).toEqual([['unload', unload.unloadedAt], ['load', saved.loadedAt]]);
      });

      it('a package load or unload whose audit record is not stored, or that is abandoned or refused, changes nothing and stores no record', async () => {
        const failing = () => {
          throw new Error('the audit record could not be stored');
        };
        const abandoned = new CommitGate();
        abandoned.abandon();
        await expect(store.savePackage(pkg('1.0.0'), { audit: failing })).rejects.toThrow('the audit record could not be stored');
        await expect(store.savePackage(pkg('1.0.0'), { gate: abandoned, audit: () => event('lost', '2026-01-01T00:00:00.000Z') }))
          .rejects.toMatchObject({ status: 503, code: 'timeout' });
        expect(await store.listPackages()).toEqual([]);
        const gate = new CommitGate();
        await store.savePackage(pkg('1.0.0'), { gate });
        expect(gate.abandon()).toBe(false);
        await expect(store.savePackage(pkg('1.0.0'), { audit: () => event('lost2', '2026-01-01T00:00:00.000Z') })).rejects.toBeInstanceOf(StoreConflictError);
        await expect(store.unloadPackage('kl.synthetic.fsiii', '1.0.0', 'admin', { audit: failing })).rejects.toThrow('the audit record could not be stored');
        await expect(store.unloadPackage('kl.synthetic.fsiii', '1.0.0', 'admin', { gate: abandoned, audit: () => event('lost3', '2026-01-01T00:00:00.000Z') }))
          .rejects.toMatchObject({ status: 503, code: 'timeout' });
        await expect(store.unloadPackage('kl.synthetic.fsiii', '2.0.0', 'admin', { audit: () => event('lost4', '2026-01-01T00:00:00.000Z') }))
          .rejects.toMatchObject({ status: 404 });
        expect((await store.listPackages()).map((p) => p.version)).toEqual(['1.0.0']);
        expect(await store.searchAudit({ offset: 0, count: 10 })).toEqual({ total: 0, events: [] });
      });

      it('searches by owner, entity, agent and time, newest first, whole keys only', async () => {
        await store.recordAudit(event('old', '2025-12-31T23:59:59.999Z', { owners: ['101'], agents: ['anna', '101'], entities: ['CodeSystem/x', 'http://e.org/x|1'] }));
        await store.recordAudit(event('new', '2026-01-01T00:00:00.000Z', { owners: ['101', '147'], agents: ['bo', '147'], entities: ['CodeSystem/x'] }));
        await store.recordAudit(event('other', '2026-02-01T00:00:00.000Z', { owners: ['147'], agents: ['bo', '147'], entities: ['ConceptMap/y'] }));
        const ids = async (q: Partial<AuditQuery>) => (await store.searchAudit({ offset: 0, count: 10, ...q })).events.map((e) => e.id);
        expect(await ids({})).toEqual(['other', 'new', 'old']);
        expect(await ids({ owner: '101' })).toEqual(['new', 'old']);
        expect(await ids({ owner: '10' })).toEqual([]);
        expect(await ids({ entity: ['CodeSystem/x'] })).toEqual(['new', 'old']);
        expect(await ids({ entity: ['http://e.org/x|1'] })).toEqual(['old']);
        expect(await ids({ entity: ['codesystem/x'] })).toEqual([]);
        expect(await ids({ agent: ['bo'], owner: '101' })).toEqual(['new']);
        expect(await ids({ from: '2026-01-01T00:00:00.000Z' })).toEqual(['other', 'new']);
        expect(await ids({ before: '2026-01-01T00:00:00.000Z' })).toEqual(['old']);
        // outside ranges (date=ne…): none of them
        expect(await ids({ outside: [{ from: '2026-01-01T00:00:00.000Z', before: '2026-01-01T00:00:00.001Z' }] })).toEqual(['other', 'old']);
        expect(await ids({ outside: [{ from: '2026-01-01T00:00:00.000Z', before: '2026-01-02T00:00:00.000Z' }, { from: '2025-12-31T23:59:59.999Z', before: '2026-01-01T00:00:00.000Z' }] }))
          .toEqual(['other']);
        expect(await ids({ count: 1 })).toEqual(['other']);
        expect((await store.searchAudit({ offset: 0, count: 1 })).events[0]).toMatchObject({ resourceType: 'AuditEvent', recorded: '2026-02-01T00:00:00.000Z' });
        // alternatives: any of them
        expect(await ids({ entity: ['http://e.org/x|1', 'ConceptMap/y'] })).toEqual(['other', 'old']);
        expect(await ids({ agent: ['anna', 'bo'], owner: '101' })).toEqual(['new', 'old']);
        expect(await ids({ agent: ['nobody'] })).toEqual([]);
        // by id: any of them, with the other criteria
        expect(await ids({ ids: ['old', 'other'] })).toEqual(['other', 'old']);
        expect(await ids({ ids: ['old'], owner: '147' })).toEqual([]);
        expect(await ids({ ids: ['ol'] })).toEqual([]);
        expect(await ids({ ids: [] })).toEqual([]);
        // oldest first, pages in that order; events recorded at the same instant in the order they were recorded
        await store.recordAudit(event('same', '2026-02-01T00:00:00.000Z', { owners: ['147'] }));
        expect(await ids({ oldestFirst: true })).toEqual(['old', 'new', 'other', 'same']);
        expect(await ids({})).toEqual(['same', 'other', 'new', 'old']);
        expect(await ids({ oldestFirst: true, owner: '147', offset: 1, count: 1 })).toEqual(['other']);
        expect(await ids({ oldestFirst: true, owner: '147', offset: 2, count: 5 })).toEqual(['same']);
      });

      it('searches by outcome and action, the event\'s own elements (not a text inside another element)', async () => {
        const done = (id: string, recorded: string, action: string, outcome: string, outcomeDesc?: string): AuditRecord => {
          const e = event(id, recorded, { owners: ['101'] });
          Object.assign(e.event, { action, outcome, ...(outcomeDesc ? { outcomeDesc } : {}) });
          return e;
        };
        await store.recordAudit(done('created', '2026-01-01T00:00:00.000Z', 'C', '0'));
        await store.recordAudit(done('refused', '2026-01-02T00:00:00.000Z', 'U', '4', '403: "outcome":"0" and "action":"D" in a message'));
        await store.recordAudit(done('failed', '2026-01-03T00:00:00.000Z', 'D', '8'));
        const ids = async (q: Partial<AuditQuery>) => (await store.searchAudit({ offset: 0, count: 10, ...q })).events.map((e) => e.id);
        expect(await ids({ outcome: ['0'] })).toEqual(['created']);
        expect(await ids({ outcome: ['4', '8'] })).toEqual(['failed', 'refused']);
        expect(await ids({ outcome: ['12'] })).toEqual([]);
        expect(await ids({ action: ['D'] })).toEqual(['failed']);
        expect(await ids({ action: ['U', 'C'], outcome: ['0'] })).toEqual(['created']);
        expect(await ids({ action: ['d'] })).toEqual([]);
        expect(await ids({ outcome: [] })).toEqual([]);
        expect((await store.searchAudit({ offset: 0, count: 1, outcome: ['4', '8'] })).total).toBe(2);
      });

      it('finds a version, Type/id/_history/n, by the Type/id key and the version the event names (its keys name no versions)', async () => {
        const naming = (id: string, recorded: string, ...references: string[]): AuditRecord => {
          const e = event(id, recorded, { entities: [...new Set(references.map((r) => r.replace(/\/_history\/.*/, '')))] });
          e.event.entity = references.map((reference) => ({ what: { reference } }));
          return e;
        };
        await store.recordAudit(naming('v1', '2026-01-01T00:00:00.000Z', 'CodeSystem/x/_history/1'));
        await store.recordAudit(naming('v2', '2026-01-02T00:00:00.000Z', 'ConceptMap/x/_history/2', 'CodeSystem/x/_history/2'));
        await store.recordAudit(naming('v20', '2026-01-03T00:00:00.000Z', 'CodeSystem/x/_history/20'));
        await store.recordAudit(naming('refused', '2026-01-04T00:00:00.000Z', 'CodeSystem/x'));
        const ids = async (entity: string[]) => (await store.searchAudit({ entity, offset: 0, count: 10 })).events.map((e) => e.id);
        expect(await ids(['CodeSystem/x/_history/2'])).toEqual(['v2']);
        expect(await ids(['ConceptMap/x/_history/2'])).toEqual(['v2']);
        expect(await ids(['ConceptMap/x/_history/1'])).toEqual([]);
        expect(await ids(['CodeSystem/x/_history/1', 'CodeSystem/x/_history/20'])).toEqual(['v20', 'v1']);
        expect(await ids(['CodeSystem/x'])).toEqual(['refused', 'v20', 'v2', 'v1']);
      });

      it('pages the audit log: the total, and newest first then the order recorded, so pages neither skip nor repeat', async () => {
        // recorded out of time order, and three at the same instant
        for (const [id, recorded, owner] of [['b', '2026-01-02T00:00:00.000Z', '101'], ['a', '2026-01-01T00:00:00.000Z', '101'], ['c1', '2026-01-03T00:00:00.000Z', '101'],
          ['x', '2026-01-03T00:00:00.000Z', '147'], ['c2', '2026-01-03T00:00:00.000Z', '101'], ['c3', '2026-01-03T00:00:00.000Z', '101']] as const) {
          await store.recordAudit(event(id, recorded, { owners: [owner] }));
        }
        const page = async (offset: number, count: number, owner?: string) => {
          const found = await store.searchAudit({ offset, count, ...(owner ? { owner } : {}) });
          return { total: found.total, ids: found.events.map((e) => e.id) };
        };
        expect(await page(0, 10)).toEqual({ total: 6, ids: ['c3', 'c2', 'x', 'c1', 'b', 'a'] });
        expect(await page(0, 10, '101')).toEqual({ total: 5, ids: ['c3', 'c2', 'c1', 'b', 'a'] });
        expect(await page(2, 2, '101')).toEqual({ total: 5, ids: ['c1', 'b'] });
        expect(await page(4, 2, '101')).toEqual({ total: 5, ids: ['a'] });
        expect(await page(9, 2)).toEqual({ total: 6, ids: [] });
        expect(await page(1, 0)).toEqual({ total: 6, ids: [] });
      });
    });

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('serves every acknowledged write after it is reopened', async () => {
        await store.create(codeSystem('kept'));
        await store.update(codeSystem('kept', { title: 'v2' }));
        await store.create(codeSystem('gone'));
        await store.delete('CodeSystem', 'gone');
        const again = await reopen(store);
        try {
          expect((await again.read('CodeSystem', 'kept'))?.title).toBe('v2');
          expect(await again.read('CodeSystem', 'gone')).toBeUndefined();
          expect((await again.history('CodeSystem', 'kept')).map((h) => h.versionId)).toEqual(['2', '1']);
          expect((await again.history('CodeSystem', 'gone')).map((h) => h.method)).toEqual(['delete', 'create']);
          expect((await again.loadAll()).map((r) => r.id)).toEqual(['kept']);
          expect((await again.update(codeSystem('kept'), '2')).versionId).toBe('3');
          expect((await again.loadHistory()).length).toBe(4);
        } finally {
          await again.close();
        }
      });
    }

    describeClosureContract(factory);
  });
}
