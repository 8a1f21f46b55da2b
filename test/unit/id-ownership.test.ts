import type { CodeSystem } from 'fhir/r4';
import type { Principal } from '../../src/auth/verifier';
import { FhirError } from '../../src/errors/fhir-error';
import { issueText } from '../../src/errors/issue';
import { reservedIdKommunekode, resourceKommunekoder } from '../../src/municipal/municipality';
import { ResourceSet } from '../../src/terminology/resource-set';
import { idOwner, idOwnerKommunekoder, idOwnershipIssue } from '../../src/write/id-ownership';
import { isKlCanonical, publishedCanonicalIssue } from '../../src/write/published-canonicals';
import { authorizeKommunekoder } from '../../src/write/authorization';
import { publishedCatalogs } from '../support/catalogs';
import { localCodeSystem } from '../support/local';

const of = (kommunekode: string, id = 'some-id', versionId?: string): CodeSystem => ({
  ...localCodeSystem(kommunekode, 'name', [{ code: 'A', display: 'A', type: 'indsats' }]), id, ...(versionId ? { meta: { versionId } } : {}),
});
const common = (versionId?: string): CodeSystem => ({
  resourceType: 'CodeSystem', id: 'c', url: 'http://faelles-tx.dk/fhir/CodeSystem/c', status: 'draft', content: 'complete', ...(versionId ? { meta: { versionId } } : {}),
});

describe('the municipality an id is reserved for', () => {
  it.each([
    ['kommune-147-lokale-indsatser', '147'],
    ['kommune-147', '147'],
    ['KOMMUNE-147-x', '147'],
    ['Kommune-370-a.b', '370'],
  ])('%s belongs to %s', (id, kode) => expect(reservedIdKommunekode(id)).toBe(kode));

  it.each(['kommune-1470-x', 'kommune-14-x', 'kommune-abc-x', 'x-kommune-147-y', 'kommune147-x', '3f1c0c3e-0b8a-4a8e-9a59-1b0f3d0c9e11'])(
    '%s is reserved for no municipality', (id) => expect(reservedIdKommunekode(id)).toBeUndefined(),
  );
});

describe('who an id belongs to', () => {
  it('a kommune-{kode}-… id: that municipality, whatever it holds or held', () => {
    expect(idOwner('kommune-147-x', undefined)).toEqual({ by: 'id', kommunekode: '147' });
    expect(idOwner('kommune-147-x', of('101'))).toEqual({ by: 'id', kommunekode: '147' });
    expect(idOwnerKommunekoder(idOwner('kommune-147-x', of('101'))!)).toEqual(['147']);
  });

  it('another id: the owner of its last version that is not a delete; nobody when never written', () => {
    expect(idOwner('x', undefined)).toBeUndefined();
    expect(idOwnerKommunekoder(idOwner('x', of('147'))!)).toEqual(['147']);
    expect(idOwnerKommunekoder(idOwner('x', common())!)).toEqual([]);
  });

  it('names every municipality a resource names (url and identifier)', () => {
    const mixed = { ...of('147'), identifier: [{ system: 'http://faelles-tx.dk/fhir/NamingSystem/kommunekode', value: '101' }] };
    expect(resourceKommunekoder(mixed).sort()).toEqual(['101', '147']);
    expect(resourceKommunekoder(common())).toEqual([]);
  });
});

describe('what an id may hold', () => {
  it('anything when never written', () => {
    expect(idOwnershipIssue('CodeSystem', 'x', idOwner('x', undefined), of('101'))).toBeUndefined();
  });

  it('a reserved id only its municipality\'s resources', () => {
    expect(idOwnershipIssue('CodeSystem', 'kommune-147-x', idOwner('kommune-147-x', undefined), of('147'))).toBeUndefined();
    const foreign = idOwnershipIssue('CodeSystem', 'kommune-147-x', idOwner('kommune-147-x', undefined), of('101'));
    expect(foreign).toMatchObject({ severity: 'error', code: 'business-rule', expression: ['CodeSystem.id'] });
    expect(foreign?.text).toEqual({
      en: "The id kommune-147-x is reserved for Frederiksberg Kommune's resources; this CodeSystem belongs to municipality 101",
      da: "Id'et kommune-147-x er forbeholdt Frederiksberg Kommunes ressourcer; denne CodeSystem tilhører kommune 101.",
    });
    expect(issueText(idOwnershipIssue('CodeSystem', 'kommune-147-x', idOwner('kommune-147-x', undefined), common())!)).toMatch(/belongs to the common catalogs/);
  });

  it('another id only resources of the owner of its last live version, municipality or common', () => {
    expect(idOwnershipIssue('CodeSystem', 'x', idOwner('x', of('147', 'x', '4')), of('147'))).toBeUndefined();
    expect(idOwnershipIssue('CodeSystem', 'x', idOwner('x', common('2')), common())).toBeUndefined();
    const other = idOwnershipIssue('CodeSystem', 'x', idOwner('x', of('147', 'x', '4')), of('101'))!;
    expect(issueText(other)).toMatch(/CodeSystem\/x belongs to municipality 147 \(version 4\), while this CodeSystem belongs to municipality 101: an id keeps its owner/);
    expect(issueText(other, 'da')).toMatch(/CodeSystem\/x tilhører kommune 147 \(version 4\), mens denne CodeSystem tilhører kommune 101: et id skifter ikke ejer/);
    expect(issueText(idOwnershipIssue('CodeSystem', 'x', idOwner('x', of('147', 'x', '4')), common())!)).toMatch(/while this CodeSystem belongs to the common catalogs/);
    expect(issueText(idOwnershipIssue('CodeSystem', 'x', idOwner('x', common('2')), of('101'))!)).toMatch(/belongs to the common catalogs \(version 2\)/);
  });
});

describe('who may write what an id or a resource belongs to', () => {
  const principal = (p: Partial<Principal>): Principal => ({ scopes: [], admin: false, ...p });
  const status = (fn: () => void): number | undefined => {
    try {
      fn();
      return undefined;
    } catch (e) {
      return (e as FhirError).status;
    }
  };

  it('a municipality only its own; the admin scope everything; a token without municipality nothing', () => {
    expect(status(() => authorizeKommunekoder(principal({ kommunekode: '147' }), ['147'], 'CodeSystem/x'))).toBeUndefined();
    expect(status(() => authorizeKommunekoder(principal({ kommunekode: '101' }), ['147'], 'CodeSystem/x'))).toBe(403);
    expect(status(() => authorizeKommunekoder(principal({ kommunekode: '101' }), ['101', '147'], 'CodeSystem/x'))).toBe(403);
    expect(status(() => authorizeKommunekoder(principal({ kommunekode: '101' }), [], 'CodeSystem/x'))).toBe(403);
    expect(status(() => authorizeKommunekoder(principal({}), ['101'], 'CodeSystem/x'))).toBe(403);
    expect(status(() => authorizeKommunekoder(principal({ admin: true }), ['147'], 'CodeSystem/x'))).toBeUndefined();
    expect(status(() => authorizeKommunekoder(principal({ admin: true }), [], 'CodeSystem/x'))).toBeUndefined();
  });
});

describe('the canonicals of the published catalogs', () => {
  const published = new ResourceSet(publishedCatalogs().resources);

  it.each([
    'urn:oid:1.2.208.176.2.21', 'urn:oid:1.2.208.176.2.22', 'urn:oid:1.2.208.176.2.99', 'urn:oid:1.2.208.176', 'URN:OID:1.2.208.176.2.21',
    'http://fhir.kl.dk/term/ValueSet/KLConditionCodes', 'https://fhir.kl.dk/anything', 'http://gateway.kl.dk/1.0/CodeSystem/LocallyDefinedInterventions',
    'http://kl.dk/x',
  ])('%s is in KL\'s namespaces', (url) => expect(isKlCanonical(url)).toBe(true));

  it.each([
    'urn:oid:1.2.208.1760.1', 'urn:oid:1.2.208.17', 'http://fhir.kl.dk.example.org/x', 'http://notkl.dk/x', 'http://faelles-tx.dk/fhir/CodeSystem/x',
    'http://example.org/kl.dk/x',
  ])('%s is not', (url) => expect(isKlCanonical(url)).toBe(false));

  it('refuses every canonical the published set carries, as any type, and KL\'s namespaces; nothing else', () => {
    for (const [type, url] of [
      ['CodeSystem', 'urn:oid:1.2.208.176.2.21'],
      ['ValueSet', 'urn:oid:1.2.208.176.2.21'],
      ['ValueSet', 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119'],
      ['ConceptMap', 'http://faelles-tx.dk/fhir/ConceptMap/fsiii-legacy-keys'],
      ['CodeSystem', 'http://faelles-tx.dk/fhir/CodeSystem/fsiii-status'],
      ['CodeSystem', 'http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser'],
      ['ValueSet', 'http://fhir.kl.dk/term/ValueSet/NotYetPublished'],
    ] as const) {
      expect(publishedCanonicalIssue(type, url, published)).toMatchObject({ severity: 'error', code: 'business-rule', expression: [`${type}.url`] });
    }
    expect(publishedCanonicalIssue('CodeSystem', 'http://faelles-tx.dk/fhir/kommune/101/CodeSystem/lokale-indsatser', published)).toBeUndefined();
    expect(publishedCanonicalIssue('ValueSet', 'http://faelles-tx.dk/fhir/ValueSet/new-catalog', published)).toBeUndefined();
  });

  it('says the rule in Danish and English', () => {
    const issue = publishedCanonicalIssue('CodeSystem', 'http://faelles-tx.dk/fhir/ValueSet/indsatskatalog-119', published)!;
    expect(issueText(issue, 'da')).toMatch(/kanonisk URL for et publiceret katalog: den ændres kun, når kataloget publiceres .*aldrig gennem skrive-API'et/);
    expect(issueText(issue, 'en')).toMatch(/is a canonical of a published catalog: .*never through the write API/);
  });
});
