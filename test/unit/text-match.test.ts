import { foldText, normaliseWhitespace, TextFilter, words } from '../../src/terminology/text-match';

describe('foldText', () => {
  it.each([
    ['Færdighedstræning', 'faerdighedstraening'],
    ['FÆRDIGHEDSTRÆNING', 'faerdighedstraening'],
    ['Ødem', 'oedem'],
    ['Ærø Å', 'aeroe aa'],
    ['Kostvéjledning', 'kostvejledning'],
    ['naïve café', 'naive cafe'],
    ['ADL-træning', 'adl-traening'],
    ['Ångström', 'aangstrom'],
    ['a\u030a (å decomposed) and İ', 'aa (aa decomposed) and i'],
    ['A\u030aRHUS, \u00f8 and o\u0308', 'aarhus, oe and o'],
    ['Plain ASCII, 42', 'plain ascii, 42'],
  ])('%s → %s', (text, folded) => {
    expect(foldText(text)).toBe(folded);
  });

  it('makes the Danish letter and its two-letter spelling equal', () => {
    expect(foldText('færdig')).toBe(foldText('faerdig'));
    expect(foldText('sø')).toBe(foldText('soe'));
    expect(foldText('gå')).toBe(foldText('gaa'));
  });
});

describe('words', () => {
  it('splits at everything that is not a letter or digit', () => {
    expect(words('adl-traening, 3 gange/uge')).toEqual(['adl', 'traening', '3', 'gange', 'uge']);
    expect(words('  ')).toEqual([]);
  });
});

describe('TextFilter', () => {
  it('matches Færdighedstræning for faerdig, færdig and any case', () => {
    for (const f of ['faerdig', 'færdig', 'FÆRDIG', 'Faerdighedstraening', 'træning']) {
      expect(new TextFilter(f).matches(['Færdighedstræning'])).toBe(true);
    }
  });

  it('ignores accents', () => {
    expect(new TextFilter('kostvéjledning').matches(['Kostvejledning'])).toBe(true);
    expect(new TextFilter('kostvejledning').matches(['Kostvéjledning'])).toBe(true);
  });

  it('needs every word of the filter, in any of the texts', () => {
    const f = new TextFilter('fysisk træning');
    expect(f.matches(['Fysisk træning'])).toBe(true);
    expect(f.matches(['Fysisk aktivitet'])).toBe(false);
    expect(f.matches(['Fysisk aktivitet', 'træning i hjemmet'])).toBe(true);
  });

  it('ignores punctuation between the words of the filter', () => {
    expect(new TextFilter('adl/træning').matches(['ADL-træning'])).toBe(true);
  });

  it('does not match what is not there', () => {
    expect(new TextFilter('alkohol').matches(['Kostvejledning', 'Diætbehandling'])).toBe(false);
    expect(new TextFilter('faerdig').matches([])).toBe(false);
    expect(new TextFilter('faerdig').matches([undefined])).toBe(false);
  });

  it('an empty filter is empty and matches everything', () => {
    for (const f of ['', '   ', '-/-']) {
      const filter = new TextFilter(f);
      expect(filter.isEmpty).toBe(true);
      expect(filter.matches(['anything'])).toBe(true);
    }
    expect(new TextFilter('x').isEmpty).toBe(false);
  });
});

describe('normaliseWhitespace', () => {
  it('trims and collapses runs of whitespace', () => {
    expect(normaliseWhitespace('  Afklarende \n\t samtale ')).toBe('Afklarende samtale');
  });
});

describe('TextFilter on a code', () => {
  const uuid = '0285a61e-e563-4f2a-a33f-ae27da8851dc';

  it('finds a code by the start of one of its words, as typed', () => {
    expect(new TextFilter('370-bold').matches(['Fodbold'], '370-BOLDSPIL')).toBe(true);
    expect(new TextFilter('BOLDSPIL').matches([], '370-BOLDSPIL')).toBe(true);
    expect(new TextFilter('0285a6').matches(['Kropspleje'], uuid)).toBe(true);
    expect(new TextFilter('ae27').matches(['Kropspleje'], uuid)).toBe(true);
  });

  it('does not find a code by the middle of a word, nor by a Danish letter spelled out', () => {
    expect(new TextFilter('spil').matches([], '370-BOLDSPIL')).toBe(false);
    expect(new TextFilter('æ').matches(['Kropspleje'], uuid)).toBe(false);
    expect(new TextFilter('27da').matches(['Kropspleje'], uuid)).toBe(false);
  });

  it('still finds the Danish letter in the texts, each word of the filter in the texts or the code', () => {
    expect(new TextFilter('æ').matches(['Fødeindtagelse, Kæmpe'], uuid)).toBe(true);
    expect(new TextFilter('kropspleje 0285').matches(['Kropspleje'], uuid)).toBe(true);
    expect(new TextFilter('kropspleje 9999').matches(['Kropspleje'], uuid)).toBe(false);
  });
});
