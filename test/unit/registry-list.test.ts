import type { CodeSystem, ValueSet } from 'fhir/r4';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyType } from '../../src/terminology/resource-set';

const vs = (id: string): ValueSet => ({ resourceType: 'ValueSet', id, url: `http://example.org/ValueSet/${id}`, status: 'active' });

/** A layer computed on first use, as the municipalities' pick lists: it counts how often it is listed. */
class ComputedLayer extends ResourceSet {
  override readonly computedOnUse = true;
  listed = 0;
  override list<T extends TerminologyType>(type: T) {
    this.listed++;
    return super.list(type);
  }
}

describe('TerminologyRegistry.list', () => {
  it('lists the layers computed on first use unless asked not to, and then does not compute them', () => {
    const computed = new ComputedLayer([vs('pick-list')]);
    const registry = new TerminologyRegistry([new ResourceSet([vs('written')]), new ResourceSet([vs('published')]), computed]);
    expect(registry.list('ValueSet').map((r) => r.id).sort()).toEqual(['pick-list', 'published', 'written']);
    expect(computed.listed).toBe(1);
    expect(registry.list('ValueSet', { computed: false }).map((r) => r.id).sort()).toEqual(['published', 'written']);
    expect(computed.listed).toBe(1);
  });
});

describe('TerminologyRegistry.afterWrite', () => {
  const cs = (id: string, version: string, url = `http://example.org/CodeSystem/${id}`): CodeSystem =>
    ({ resourceType: 'CodeSystem', id, url, version, status: 'active', content: 'complete', concept: [{ code: version }] });

  it('is the state a write leaves: what it removes answers only url|version; what it adds answers over the rest; the registry itself is unchanged', () => {
    const deleted = cs('a', '1');
    const replaced = cs('b', '1');
    const kept = cs('c', '1');
    const registry = new TerminologyRegistry([new ResourceSet([deleted, replaced, kept]), new ResourceSet([cs('published', '1')])]);
    const next = cs('b', '2');
    const after = registry.afterWrite([next], [{ ...deleted }, { ...replaced }]);

    expect(after.findCodeSystem(deleted.url!)).toBeUndefined();
    expect(after.byId('CodeSystem', 'a')).toBeUndefined();
    expect(after.find('CodeSystem', deleted.url!, '1')).toBe(deleted);
    expect(after.codeSystemProvider(deleted.url!)).toBeUndefined();
    expect(after.findCodeSystem(replaced.url!)).toBe(next);
    expect(after.find('CodeSystem', replaced.url!, '1')).toBe(replaced);
    expect(after.versions('CodeSystem', replaced.url!).map((r) => r.version)).toEqual(['2']);
    expect(after.findCodeSystem(kept.url!)).toBe(kept);
    expect(after.list('CodeSystem').map((r) => `${r.id}|${r.version}`).sort()).toEqual(['b|2', 'c|1', 'published|1']);

    expect(registry.findCodeSystem(deleted.url!)).toBe(deleted);
    expect(registry.findCodeSystem(replaced.url!)).toBe(replaced);
    expect(registry.list('CodeSystem')).toHaveLength(4);
  });

  it('removes a resource by its type, id, url and version: another with the same url under another id stays', () => {
    const written = cs('x', '1', 'http://example.org/CodeSystem/shared');
    const other = cs('y', '2', 'http://example.org/CodeSystem/shared');
    const registry = new TerminologyRegistry([new ResourceSet([written, other])]);
    const after = registry.afterWrite([], [written]);
    expect(after.findCodeSystem('http://example.org/CodeSystem/shared')).toBe(other);
    expect(after.find('ValueSet', 'http://example.org/CodeSystem/shared')).toBeUndefined();
  });
});
