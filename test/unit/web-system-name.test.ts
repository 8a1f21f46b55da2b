import { systemName } from '../../web/src/catalogs';
import { kommuneNavn } from '../../web/src/words';

describe('the name the page gives a code system', () => {
  it('is FSIII or FFB for the common catalogs', () => {
    expect(systemName('urn:oid:1.2.208.176.2.21')).toBe('FSIII');
    expect(systemName('urn:oid:1.2.208.176.2.22')).toBe('FFB');
  });

  it("is a municipality's catalog name and the municipality for a local catalog, not its url", () => {
    expect(systemName('http://faelles-tx.dk/fhir/kommune/370/CodeSystem/lokale-indsatser')).toBe(`Lokale indsatser (${kommuneNavn('370')})`);
    expect(kommuneNavn('370')).not.toContain('370');
  });

  it('is the url for any other code system', () => {
    expect(systemName('http://snomed.info/sct')).toBe('http://snomed.info/sct');
  });
});
