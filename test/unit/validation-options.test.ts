import type { ValueSet } from 'fhir/r4';
import { FhirError } from '../../src/errors/fhir-error';
import { LanguageList } from '../../src/terminology/validation/languages';
import { ValidationOptions } from '../../src/terminology/validation/options';
import { presentVersionList, versionMatches } from '../../src/terminology/versions';
import { FSIII } from '../support/catalogs';

describe('version matching', () => {
  it.each([
    ['1.0.x', '1.0.0', true],
    ['1.x.x', '1.2.0', true],
    ['1.0.x', '1.2.0', false],
    ['1', '1.0.0', false],
    ['1.0.0', '1.0.0', true],
    ['2024', '20240530', false],
    ['20240530', '20240530', true],
    ['2024-05', '2024-05-30', true],
  ])('%s matches %s: %s', (criteria, candidate, expected) => {
    expect(versionMatches(criteria, candidate)).toBe(expected);
  });

  it('lists versions the way messages do', () => {
    expect(presentVersionList(['20240530'])).toBe('20240530');
    expect(presentVersionList(['1.0.0', '1.2.0'])).toBe('1.0.0 or 1.2.0');
    expect(presentVersionList(['1', '2', '3'])).toBe('1, 2 and 3');
  });
});

describe('language lists', () => {
  it('keeps the order and qualities it was given', () => {
    const l = LanguageList.parse('da, en-GB;q=0.4, en;q=0.8');
    expect(l.toString()).toBe('da, en-GB; q=0.4, en; q=0.8');
    expect(l.codes).toEqual(['da', 'en', 'en-GB']);
  });

  it('matches by language, region or in full', () => {
    const l = LanguageList.parse('de');
    expect(l.accepts('de-CH', 'language')).toBe(true);
    expect(l.accepts('de-CH', 'region')).toBe(false);
    expect(l.accepts('da', 'language')).toBe(false);
  });

  it('refuses a tag that is not a language', () => {
    expect(() => LanguageList.parse('-')).toThrow();
  });

  it('reads `Q=` as a weight, as `q=`', () => {
    expect(LanguageList.parse('en;Q=0, da;Q=0.5').codes).toEqual(['da']);
  });
});

describe('validation options', () => {
  it('turns an invalid displayLanguage into a 400', () => {
    const o = new ValidationOptions();
    let error: unknown;
    try {
      o.see('displayLanguage', '-');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(400);
    expect((error as FhirError).message).toBe("Invalid displayLanguage: '-'");
  });

  it('reads version rules by kind', () => {
    const o = new ValidationOptions();
    o.see('system-version', `${FSIII}|20240530`);
    o.see('force-system-version', `${FSIII}|20250601`);
    expect(o.rulesFor(FSIII).map((r) => r.mode)).toEqual(['default', 'override']);
    expect(() => o.see('check-system-version', FSIII)).toThrow(FhirError);
  });

  it('lets the request win over the parameters a value set declares', () => {
    const vs: ValueSet = {
      resourceType: 'ValueSet', status: 'active', language: 'en',
      compose: {
        include: [],
        extension: [{
          url: 'http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter',
          extension: [{ url: 'name', valueCode: 'displayLanguage' }, { url: 'value', valueCode: 'de' }],
        }],
      },
    };
    const fromVs = new ValidationOptions();
    fromVs.seeValueSet(vs);
    expect(fromVs.langSummary()).toBe('de');
    const request = new ValidationOptions();
    request.see('displayLanguage', 'da');
    request.seeValueSet(vs);
    expect(request.langSummary()).toBe('da');
    const none = new ValidationOptions();
    expect(none.langSummary()).toBe('--');
  });
});
