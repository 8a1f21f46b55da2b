import type { ConceptMap } from 'fhir/r4';
import { headOf, VersionHistory, type WrittenVersion } from '../../src/store/past-version';
import { versionInForce } from '../../src/terminology/in-force';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';

const URL = 'http://faelles-tx.dk/fhir/kommune/101/ConceptMap/m';

function map(version: string, extra: Partial<ConceptMap> = {}): ConceptMap {
  return { resourceType: 'ConceptMap', id: 'kommune-101-m', url: URL, version, status: 'active', ...extra };
}

function written({ resource, lastUpdated }: { resource: ConceptMap; lastUpdated: string }, loads?: { n: number }): WrittenVersion {
  return {
    head: headOf(resource), lastUpdated, load: () => {
      if (loads) loads.n++;
      return resource;
    },
  };
}

describe('versionInForce', () => {
  function setUp(current: ConceptMap, past: { resource: ConceptMap; lastUpdated: string }[]) {
    const history = new VersionHistory();
    history.load(past.map((p) => written(p)));
    history.record(current, current.meta?.lastUpdated);
    const registry = new TerminologyRegistry([new ResourceSet([current])], new Set(), undefined, [history.set]);
    return (date: string) => versionInForce(registry, 'ConceptMap', URL, date, history)?.version;
  }

  it('takes ConceptMap.date as the start of a version, the first write when there is none', () => {
    const inForce = setUp(map('3.0.0', { meta: { lastUpdated: '2026-03-01T08:00:00.000Z' } }), [
      { resource: map('1.0.0', { date: '2024-01-01' }), lastUpdated: '2025-05-01T00:00:00.000Z' },
      { resource: map('2.0.0'), lastUpdated: '2025-09-15T12:00:00.000Z' },
      // 2.0.0 written again later: it stays in force from its first write
      { resource: map('2.0.0', { title: 'fixed' }), lastUpdated: '2025-10-01T00:00:00.000Z' },
    ]);
    expect(inForce('2023')).toBeUndefined();
    expect(inForce('2024-06')).toBe('1.0.0');
    expect(inForce('2025-09-14')).toBe('1.0.0');
    expect(inForce('2025-09-15')).toBe('2.0.0');
    expect(inForce('2025-12-31')).toBe('2.0.0');
    expect(inForce('2026-03')).toBe('3.0.0');
  });

  it('ends every version of a deleted resource at its delete; a version written again after it is in force from then', () => {
    const history = new VersionHistory();
    history.load([
      written({ resource: map('1.0.0', { date: '2024-01-01' }), lastUpdated: '2024-01-01T00:00:00.000Z' }),
      written({ resource: map('2.0.0', { date: '2025-01-01' }), lastUpdated: '2025-01-01T00:00:00.000Z' }),
    ]);
    // another resource of the same url, not deleted
    history.record(map('0.9.0', { id: 'other', date: '2023-01-01' }), '2023-01-01T00:00:00.000Z');
    expect(history.deletedUrls('ConceptMap')).toEqual([]);
    history.deleted('ConceptMap', 'kommune-101-m', '2025-06-15T10:00:00.000Z');
    const registry = new TerminologyRegistry([new ResourceSet([map('0.9.0', { id: 'other', date: '2023-01-01' })])], new Set(), undefined, [history.set]);
    expect(history.deletedUrls('ConceptMap')).toEqual([URL]);
    const inForce = (date: string) => versionInForce(registry, 'ConceptMap', URL, date, history)?.version;
    expect(inForce('2024-06')).toBe('1.0.0');
    expect(inForce('2025-06-14')).toBe('2.0.0');
    expect(inForce('2025-06-15T09:00:00Z')).toBe('2.0.0');
    // by the end of the day of the delete, and after, neither 2.0.0 nor the 1.0.0 it replaced: the other resource's version
    expect(inForce('2025-06-15')).toBe('0.9.0');
    expect(inForce('2026')).toBe('0.9.0');
    expect(history.deletedUrls('ConceptMap')).toEqual([URL]);

    // written again after the delete: in force from that write, the delete does not end it
    history.record(map('3.0.0'), '2025-09-01T00:00:00.000Z');
    expect(inForce('2025-08')).toBe('0.9.0');
    expect(inForce('2025-09')).toBe('3.0.0');
    // and a second delete ends it
    history.deleted('ConceptMap', 'kommune-101-m', '2025-12-01T00:00:00.000Z');
    expect(inForce('2025-11')).toBe('3.0.0');
    expect(inForce('2025-12')).toBe('0.9.0');
  });

  it('never takes a draft', () => {
    const inForce = setUp(map('2.0.0', { status: 'draft', date: '2025-01-01' }), [{ resource: map('1.0.0', { date: '2024-01-01' }), lastUpdated: '2024-01-01T00:00:00.000Z' }]);
    expect(inForce('2026')).toBe('1.0.0');
  });
});

describe('VersionHistory as a registry layer', () => {
  it('answers url|version only, never an unversioned reference, a search or a read by id', () => {
    const history = new VersionHistory();
    history.record(map('1.0.0'), '2025-01-01T00:00:00.000Z');
    const registry = new TerminologyRegistry([new ResourceSet([map('2.0.0')])], new Set(), undefined, [history.set]);
    expect(registry.find('ConceptMap', URL, '1.0.0')?.version).toBe('1.0.0');
    expect(registry.find('ConceptMap', URL)?.version).toBe('2.0.0');
    expect(registry.list('ConceptMap').map((m) => m.version)).toEqual(['2.0.0']);
    expect(registry.versions('ConceptMap', URL).map((m) => m.version)).toEqual(['2.0.0']);
    expect(registry.versions('ConceptMap', URL, true).map((m) => m.version)).toEqual(['1.0.0', '2.0.0']);
    const deleted = new TerminologyRegistry([new ResourceSet()], new Set(), undefined, [history.set]);
    expect(deleted.find('ConceptMap', URL)).toBeUndefined();
    expect(deleted.byId('ConceptMap', 'kommune-101-m')).toBeUndefined();
  });
});

describe('VersionHistory from the store', () => {
  it('reads a version from the store only when a request needs more than its head', () => {
    const loads = { n: 0 };
    const history = new VersionHistory();
    const old = map('1.0.0', { date: '2024-01-01', group: [{ source: 's', target: 't', element: [{ code: 'a', target: [{ code: 'b', equivalence: 'equivalent' }] }] }] });
    history.load([written({ resource: old, lastUpdated: '2025-01-01T00:00:00.000Z' }, loads)]);
    const registry = new TerminologyRegistry([new ResourceSet([map('2.0.0', { date: '2025-06-01' })])], new Set(), undefined, [history.set]);
    const found = registry.find('ConceptMap', URL, '1.0.0')!;
    expect(versionInForce(registry, 'ConceptMap', URL, '2024-12', history)?.version).toBe('1.0.0');
    expect(loads.n).toBe(0);
    expect(found.group?.[0]?.element?.[0]?.code).toBe('a');
    expect(JSON.parse(JSON.stringify(found))).toEqual(old);
    expect(loads.n).toBe(1);
  });
});

describe('a version a later write replaced', () => {
  const withMeta = (version: string, versionId: string, extra: Partial<ConceptMap> = {}) =>
    map(version, { meta: { versionId, lastUpdated: `2025-0${versionId}-01T00:00:00.000Z` }, ...extra });

  function history(store: Map<string, ConceptMap>, loads: string[]) {
    return new VersionHistory((type, id, versionId) => () => {
      loads.push(`${type}/${id}/${versionId}`);
      return store.get(versionId)!;
    });
  }

  it('is held as its head from then on, and read from the store when a request needs more', () => {
    const loads: string[] = [];
    const stored = new Map([['1', withMeta('1.0.0', '1', { title: 'as stored' })]]);
    const h = history(stored, loads);
    const current = withMeta('1.0.0', '1', { title: 'as written' });
    h.record(current, current.meta!.lastUpdated, true);
    expect(h.set.find('ConceptMap', URL, '1.0.0')).toBe(current);
    h.superseded(current);
    const past = h.set.find('ConceptMap', URL, '1.0.0')!;
    expect(past).not.toBe(current);
    expect([past.version, past.status, past.id]).toEqual(['1.0.0', 'active', 'kommune-101-m']);
    expect(loads).toEqual([]);
    expect(past.title).toBe('as stored');
    expect(past.title).toBe('as stored');
    expect(loads).toEqual(['ConceptMap/kommune-101-m/1']);
  });

  it('is left as it is when a later write of the same url|version took its place, or without a store to read from', () => {
    const loads: string[] = [];
    const h = history(new Map(), loads);
    const first = withMeta('1.0.0', '1');
    const again = withMeta('1.0.0', '2', { title: 'again' });
    h.record(first, first.meta!.lastUpdated, true);
    h.record(again, again.meta!.lastUpdated, true);
    h.superseded(first);
    expect(h.set.find('ConceptMap', URL, '1.0.0')).toBe(again);
    const held = new VersionHistory();
    held.record(first, first.meta!.lastUpdated, true);
    held.superseded(first);
    expect(held.set.find('ConceptMap', URL, '1.0.0')).toBe(first);
    expect(loads).toEqual([]);
  });
});
