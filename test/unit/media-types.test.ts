/**
 * BCP 13 media types (library-systems/bcp13.ts) asked directly of the provider: which codes are media types, what
 * they are called, and the base list an expansion of the whole code system is made from.
 */
import { Bcp13Provider, bcp13CodeSystem } from '../../src/terminology/providers/library-systems/bcp13';

const provider = new Bcp13Provider(bcp13CodeSystem());

describe('BCP 13 media types', () => {
  it('takes a type and subtype RFC 6838 allows, with or without parameters, in any case, named as written', () => {
    for (const code of ['application/pdf', 'text/plain;charset=utf-8', 'text/plain; charset="utf-8"', 'TEXT/Plain', 'application/vnd.ms-excel',
      'application/fhir+json; fhirVersion=4.0', 'x-custom/x.y_z']) {
      expect([code, provider.locate(code)?.display]).toEqual([code, code]);
    }
  });

  it('refuses what is not one media type: no subtype, a range, spaces or letters outside the names, surrounding blanks', () => {
    for (const code of ['', 'text', 'text/', '/plain', '*/*', 'text/*', 'text/plain/html', 'a b/c', 'tëxt/plain', ' text/plain',
      'text/plain ', '-text/plain', 'text/.plain', `${'a'.repeat(128)}/b`]) {
      expect([code, provider.locate(code)]).toEqual([code, undefined]);
    }
  });

  it('says it is not case-sensitive, as RFC 6838 names are not, in the provider and in its resource', () => {
    expect(provider.caseSensitive).toBe(false);
    expect(bcp13CodeSystem().caseSensitive).toBe(false);
  });

  it('lists the media types IANA registers as the base list of an expansion, once each, in order', () => {
    const codes = provider.all().map((c) => c.code);
    expect(codes).toEqual(expect.arrayContaining(['application/pdf', 'application/fhir+json', 'image/png', 'text/plain']));
    expect(codes).not.toContain('application/x-msdownload'); // in mime-db, but not from IANA's registry
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(codes);
  });
});
