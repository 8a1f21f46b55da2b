import type { ValueSet } from 'fhir/r4';
import { MunicipalValueSetLayer } from '../../src/municipal/municipal-layer';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet, type TerminologyResource } from '../../src/terminology/resource-set';
import { heldForOtherUrl } from '../../src/terminology/served-ids';
import { publishedCatalogs } from '../support/catalogs';
import { sampleCatalog } from '../support/local';

/**
 * The ids of a municipality's computed pick lists follow what the municipality wrote, in whichever order a replica
 * receives its writes (a value set written on another replica under a list's id before the list existed there).
 */
describe("a municipality's pick lists and the ids it wrote", () => {
  const k = '101';
  const picker = `kommune-${k}-indsatsvaelger`;
  const own: ValueSet = {
    resourceType: 'ValueSet', id: picker, url: `http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/andet`, status: 'active',
    identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: k }],
  };

  function layers() {
    const written = new ResourceSet([]);
    const derived = new MunicipalValueSetLayer(heldForOtherUrl(written));
    const registry = new TerminologyRegistry([written, new ResourceSet(publishedCatalogs().resources), derived], publishedCatalogs().defaultSupplements);
    derived.attach(registry);
    const write = (...resources: TerminologyResource[]) => {
      for (const r of resources) written.add(r);
      registry.touch(resources);
    };
    const remove = (r: TerminologyResource) => {
      written.remove(r);
      registry.touch([r]);
    };
    return { derived, write, remove };
  }

  it('a value set arriving under a list\'s id takes it, and the list is served under another until the value set is deleted', () => {
    const { derived, write, remove } = layers();
    const { codeSystem, conceptMap } = sampleCatalog(k);
    write(codeSystem, conceptMap);
    expect(derived.byResourceId('ValueSet', picker)?.url).toBe(`http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/indsatsvaelger`);
    write(own);
    expect(derived.byResourceId('ValueSet', picker)).toBeUndefined();
    expect(derived.byResourceId('ValueSet', `${picker}-2`)?.url).toBe(`http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/indsatsvaelger`);
    remove(own);
    expect(derived.byResourceId('ValueSet', picker)?.url).toBe(`http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/indsatsvaelger`);
    expect(derived.byResourceId('ValueSet', `${picker}-2`)).toBeUndefined();
  });

  it('a value set under the list\'s own url replaces it where canonicals resolve, and takes nothing from it by id', () => {
    const { derived, write } = layers();
    const { codeSystem, conceptMap } = sampleCatalog(k);
    write(codeSystem, conceptMap);
    write({ ...own, url: `http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/indsatsvaelger` });
    expect(derived.byResourceId('ValueSet', picker)?.url).toBe(`http://faelles-tx.dk/fhir/kommune/${k}/ValueSet/indsatsvaelger`);
    expect(derived.byResourceId('ValueSet', `${picker}-2`)).toBeUndefined();
  });
});
