import type { ValueSet } from 'fhir/r4';
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
