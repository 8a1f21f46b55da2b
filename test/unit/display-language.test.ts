import type { CodeSystem, CodeSystemConceptDesignation, Parameters, ValueSet } from 'fhir/r4';
import { parseLanguagePreference } from '../../src/terminology/expansion/display';
import { expandValueSet, expansionRequest } from '../../src/terminology/expansion/value-set-expansion';
import { displayFor, displayInLanguage } from '../../src/terminology/language';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { CodeValidator } from '../../src/terminology/validation/code-validator';
import { ValidationOptions } from '../../src/terminology/validation/options';
import { valueNamed } from '../support/parameters';

const SCT_SYNONYM = { system: 'http://snomed.info/sct', code: '900000000000013009' };
const PREFERRED = { system: 'http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra', code: 'preferredForLanguage' };
const WITHDRAWN = [{ url: 'http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status', valueCode: 'withdrawn' }];

/** English, with two German displays (a synonym, then the one preferred for German) and an Austrian one. */
const CS: CodeSystem = {
  resourceType: 'CodeSystem', url: 'http://example.org/cs/pref', status: 'active', content: 'complete', language: 'en',
  concept: [{
    code: 'a', display: 'Heart attack', designation: [
      { language: 'de', use: SCT_SYNONYM, value: 'Herzanfall' },
      { language: 'de', use: PREFERRED, value: 'Herzinfarkt' },
      { language: 'de-AT', value: 'Infarkt AT' },
    ],
  }],
};
const VS: ValueSet = { resourceType: 'ValueSet', url: 'http://example.org/vs/pref', status: 'active', compose: { include: [{ system: CS.url }] } };
const registry = new TerminologyRegistry([new ResourceSet([CS, VS])]);

const shown = (list: CodeSystemConceptDesignation[], tag: string) => displayInLanguage(list, tag, (d) => d)?.value;

describe('the display of a code in a language (displayInLanguage)', () => {
  it('is the one in the tag asked for; of several in it, the one preferred for the language; else the closest language', () => {
    const list = CS.concept![0]!.designation!;
    expect(shown(list, 'de')).toBe('Herzinfarkt');
    expect(shown(list, 'DE-at')).toBe('Infarkt AT');
    // a broader tag before a narrower one, and that before another region of the language
    expect(shown(list, 'de-CH')).toBe('Herzinfarkt');
    expect(shown([{ language: 'de-AT', value: 'AT' }, { language: 'de-CH', value: 'CH' }], 'de-CH-1996')).toBe('CH');
    expect(shown([{ language: 'de-AT', value: 'AT' }, { language: 'de', value: 'de' }], 'de-CH')).toBe('de');
    expect(shown([{ language: 'de-AT', value: 'AT' }, { language: 'de-CH', value: 'CH' }], 'de')).toBe('AT');
    expect(shown(list, 'fr')).toBeUndefined();
  });

  it('takes another script of the language for the same only when both name one region: the broader tag comes first', () => {
    expect(shown([{ language: 'zh-Hans', value: 'Simplified' }, { language: 'zh', value: 'zh' }], 'zh-Hant')).toBe('zh');
    expect(shown([{ language: 'sr-Cyrl', value: 'Cyrillic' }, { language: 'sr', value: 'sr' }], 'sr-Latn')).toBe('sr');
    expect(shown([{ language: 'de', value: 'de' }, { language: 'de-Latn-AT', value: 'Latn AT' }], 'de-AT')).toBe('Latn AT');
  });

  it('is not a withdrawn designation while another is in the language, nor one whose use is not a display', () => {
    expect(shown([{ language: 'de', value: 'alt', extension: WITHDRAWN }, { language: 'de-AT', value: 'neu' }], 'de')).toBe('neu');
    expect(shown([{ language: 'de', value: 'alt', extension: WITHDRAWN }], 'de')).toBe('alt');
    expect(shown([{ language: 'de', use: { system: 'http://example.org/uses', code: 'abbreviation' }, value: 'HI' }], 'de')).toBeUndefined();
  });
});

describe('$lookup, $expand and $validate-code show the same display for a language', () => {
  const provider = registry.codeSystemProvider(CS.url!)!;
  const lookup = (tag: string) => displayFor(provider, provider.locate('a')!, [tag]);
  const expand = (tag: string) => expandValueSet(registry, VS, expansionRequest({ languages: parseLanguagePreference(tag) })).expansion?.contains?.[0]?.display;
  const validate = (tag: string) => {
    const options = new ValidationOptions();
    options.see('displayLanguage', tag);
    const answer = new CodeValidator(registry).validateInValueSet(VS, { mode: 'code', codings: [{ system: CS.url, code: 'a' }] }, options) as Parameters;
    return valueNamed(answer, 'display');
  };

  it('the one preferred for the language, and the one in the very tag asked for before a broader one', () => {
    const shownBy = (tag: string) => [lookup(tag), expand(tag), validate(tag)];
    expect(shownBy('de')).toEqual(Array(3).fill('Herzinfarkt'));
    expect(shownBy('de-AT')).toEqual(Array(3).fill('Infarkt AT'));
    expect(shownBy('de-CH')).toEqual(Array(3).fill('Herzinfarkt'));
    // the code system's own language, and one it has nothing in: its own display
    expect([...shownBy('en'), ...shownBy('fr')]).toEqual(Array(6).fill('Heart attack'));
  });
});
