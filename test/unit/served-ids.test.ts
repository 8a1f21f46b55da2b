import type { CodeSystem, ValueSet } from 'fhir/r4';
import { packCodeSystem } from '../../src/terminology/packed/codesystem';
import { packedConcepts } from '../../src/terminology/packed/codesystem';
import { withUniqueIds } from '../../src/terminology/served-ids';

const vs = (id: string, url: string, version?: string): ValueSet => ({ resourceType: 'ValueSet', id, url, ...(version ? { version } : {}), status: 'active' });

describe('withUniqueIds', () => {
  it('of several urls under one id, the last given keeps it; the others are served as {id}-{version}, in the same order', () => {
    const term = vs('Cancel', 'http://x/term/Cancel', '2.3.0');
    const prevention = vs('Cancel', 'http://x/prevention/Cancel', '2.1.0');
    const rehab = vs('Cancel', 'http://x/rehab/Cancel', '2.2.0');
    const other = vs('Other', 'http://x/Other', '1');
    const served = withUniqueIds([prevention, other, rehab, term]);
    expect(served.map((r) => `${r.id} ${r.url}`)).toEqual([
      'Cancel-2.1.0 http://x/prevention/Cancel', 'Other http://x/Other', 'Cancel-2.2.0 http://x/rehab/Cancel', 'Cancel http://x/term/Cancel',
    ]);
    expect(served[1]).toBe(other);
    expect(served[3]).toBe(term);
    expect(prevention.id).toBe('Cancel');
  });

  it('versions of one url: the id stays with the version an unversioned reference uses, whatever the order given', () => {
    const cs = (version: string, status: CodeSystem['status'] = 'active'): CodeSystem => ({ resourceType: 'CodeSystem', id: 'FSIII', url: 'urn:oid:1', version, status, content: 'complete' });
    const [current, older, draft] = [cs('20240530'), cs('20230101'), cs('20250601', 'draft')];
    expect(withUniqueIds([current, older]).map((r) => r.id)).toEqual(['FSIII', 'FSIII-20230101']);
    expect(withUniqueIds([older, current]).map((r) => r.id)).toEqual(['FSIII-20230101', 'FSIII']);
    expect(withUniqueIds([current, draft]).map((r) => r.id)).toEqual(['FSIII', 'FSIII-20250601']);
    const next = cs('20250601');
    expect(withUniqueIds([current, next]).map((r) => r.id)).toEqual(['FSIII-20240530', 'FSIII']);
  });

  it('resources of other types, or with the same canonical, are left as they are', () => {
    const a = vs('Same', 'http://x/Same', '1');
    const again = vs('Same', 'http://x/Same', '1');
    const cs: CodeSystem = { resourceType: 'CodeSystem', id: 'Same', url: 'http://x/cs', status: 'active', content: 'complete' };
    expect(withUniqueIds([a, again, cs])).toEqual([a, again, cs]);
  });

  it('an id another layer holds: every resource here with it is served under another, one id per canonical', () => {
    const written = new Set(['ValueSet/mine', 'ValueSet/mine-1']);
    const elsewhere = (type: string, id: string) => written.has(`${type}/${id}`);
    const a = vs('mine', 'http://x/a', '1');
    const sameAgain = vs('mine', 'http://x/a', '1');
    const b = vs('free', 'http://x/b', '1');
    expect(withUniqueIds([a, b, sameAgain], elsewhere).map((r) => r.id)).toEqual(['mine-1-2', 'free', 'mine-1-2']);
  });

  it('a taken or unusable suffix: the version made an id, then -2, -3, …; no version: {id}-2', () => {
    const served = withUniqueIds([
      vs('A', 'http://x/1', 'v 1/ø'), vs('A-v-1', 'http://x/taken', '9'), vs('A', 'http://x/2', 'v 1/ø'), vs('A', 'http://x/3'), vs('A', 'http://x/4'),
    ]);
    expect(served.map((r) => r.id)).toEqual(['A-v-1-2', 'A-v-1', 'A-v-1-3', 'A-2', 'A']);
    const long = withUniqueIds([vs('x'.repeat(60), 'http://x/1', '123456789'), vs('x'.repeat(60), 'http://x/2')]);
    expect(long[0]!.id).toMatch(/^[A-Za-z0-9.-]{1,64}$/);
  });

  it('a packed code system served under another id keeps its packed concepts, read on demand', () => {
    const concept = [{ code: 'a', display: 'A' }, { code: 'b' }];
    const older = packCodeSystem({ resourceType: 'CodeSystem', id: 'CS', url: 'http://x/cs', version: '1', status: 'active', content: 'complete', concept });
    const newer: CodeSystem = { resourceType: 'CodeSystem', id: 'CS', url: 'http://x/cs', version: '2', status: 'active', content: 'complete' };
    const [renamed] = withUniqueIds([older, newer]) as CodeSystem[];
    expect(renamed!.id).toBe('CS-1');
    expect(Object.keys(renamed!)).toEqual(Object.keys(older));
    expect(renamed!.concept).toEqual(concept);
    expect(packedConcepts(renamed!)).toBe(packedConcepts(older));
    expect(withUniqueIds([older, newer])[0]).toBe(renamed);
  });
});

describe('withUniqueIds at scale', () => {
  it('20,000 resources under one id get 20,000 distinct ids', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => vs('same', `http://x/${i}`));
    const ids = withUniqueIds(many).map((r) => r.id);
    expect(new Set(ids).size).toBe(20_000);
    expect(ids[19_999]).toBe('same');
    expect(ids.slice(0, 3)).toEqual(['same-2', 'same-3', 'same-4']);
  });
});
