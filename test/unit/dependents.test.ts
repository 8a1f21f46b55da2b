import type { CodeSystem, ValueSet } from 'fhir/r4';
import type { Principal } from '../../src/auth/verifier';
import { municipalId, municipalUrl } from '../../src/municipal/municipality';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { brokenDependents } from '../../src/write/dependents';

const codeSystem = (id: string, url: string): CodeSystem => ({ resourceType: 'CodeSystem', id, url, status: 'active', content: 'complete', concept: [{ code: 'a' }] });
const including = (id: string, url: string, system: string): ValueSet => ({ resourceType: 'ValueSet', id, url, status: 'active', compose: { include: [{ system }] } });

const COMMON = codeSystem('ex-del', 'http://example.org/fhir/CodeSystem/ex-del');
const LOCAL = codeSystem(municipalId('101', 'katalog'), municipalUrl('101', 'CodeSystem', 'katalog'));
const written = new ResourceSet([
  COMMON, LOCAL,
  including('ex-del-vs', 'http://example.org/fhir/ValueSet/ex-del-vs', COMMON.url!),
  including('ex-uses-101', 'http://example.org/fhir/ValueSet/ex-uses-101', LOCAL.url!),
  including(municipalId('101', 'egen'), municipalUrl('101', 'ValueSet', 'egen'), LOCAL.url!),
  including(municipalId('370', 'naboens'), municipalUrl('370', 'ValueSet', 'naboens'), LOCAL.url!),
]);
const registry = new TerminologyRegistry([written]);

const admin: Principal = { scopes: ['admin'], admin: true };
const municipality101: Principal = { kommunekode: '101', scopes: [], admin: false };

/** The warnings of deleting a code system, by the value set they name, in English. */
function warnings(deleted: CodeSystem, writer: Principal): Record<string, string> {
  const after = registry.afterWrite([], [deleted]);
  const found = brokenDependents([{ before: deleted, entry: 0 }], written, registry, after, new Set(), writer);
  return Object.fromEntries(found.map((d) => {
    const text = d.issue.text as { en: string };
    return [/which .*? (\S+) \(/.exec(text.en)![1]!, text.en.replace(/ uses: .*?(\. Change or delete .* too)?$/, ' uses$1')];
  }));
}

describe('brokenDependents: whose the value set using a deleted code system is, to the writer', () => {
  it("is a common catalog's when no municipality owns it: to an admin, who may change it, and to a municipality", () => {
    expect(warnings(COMMON, admin)).toEqual({
      'ValueSet/ex-del-vs': "The write deletes CodeSystem/ex-del, which a common catalog's ValueSet/ex-del-vs (http://example.org/fhir/ValueSet/ex-del-vs) uses. Change or delete ValueSet/ex-del-vs too",
    });
    expect(warnings(LOCAL, municipality101)).toEqual({
      'ValueSet/ex-uses-101': "The write deletes CodeSystem/kommune-101-katalog, which a common catalog's ValueSet/ex-uses-101 (http://example.org/fhir/ValueSet/ex-uses-101) uses",
      'ValueSet/kommune-101-egen': `The write deletes CodeSystem/kommune-101-katalog, which your own ValueSet/kommune-101-egen (${municipalUrl('101', 'ValueSet', 'egen')}) uses. Change or delete ValueSet/kommune-101-egen too`,
      'ValueSet/kommune-370-naboens': `The write deletes CodeSystem/kommune-101-katalog, which Næstved Kommune's ValueSet/kommune-370-naboens (${municipalUrl('370', 'ValueSet', 'naboens')}) uses`,
    });
  });

  it("is the owning municipality's to an admin, who is not told to change it", () => {
    const byAdmin = warnings(LOCAL, admin);
    expect(byAdmin['ValueSet/kommune-101-egen']).toMatch(/which Københavns Kommune's ValueSet\/kommune-101-egen .* uses$/);
    expect(byAdmin['ValueSet/ex-uses-101']).toMatch(/which a common catalog's ValueSet\/ex-uses-101 .* uses\. Change or delete ValueSet\/ex-uses-101 too$/);
  });
});
