import { foldText, normaliseWhitespace, searchHaystack, TextFilter, words } from '../../src/terminology/text-match';

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

  it('ranks its matches: the display itself, then a display it starts, then word starts in the display, then in another text, then the rest', () => {
    const rank = (filter: string, texts: string[], code?: string) => new TextFilter(filter).rankFolded(searchHaystack(texts, code));
    expect(rank('fysisk træning', ['Fysisk træning'])).toBe(0);
    expect(rank('Fysisk traening', ['Fysisk træning'])).toBe(0);
    expect(rank('fysisk træ', ['Fysisk træning'])).toBe(1);
    expect(rank('genoptræning', ['Genoptræning af funktionsnedsættelse'])).toBe(1);
    expect(rank('kol', ['Hjælp til hjemmemonitorering relateret til KOL'])).toBe(2);
    expect(rank('træning fysisk', ['Fysisk træning'])).toBe(2);
    expect(rank('kol', ['Lungesygdom', 'KOL-rehabilitering'])).toBe(3);
    expect(rank('kol', ['Nonfarmakologisk smertelindring'])).toBe(4);
    expect(rank('bold', ['Boldspil i hallen'], '370-BOLD')).toBe(1);
    expect(rank('370', ['Boldspil i hallen'], '370-BOLD')).toBe(4);
    // every hit of the filter has a rank, and a filter without words ranks all alike
    expect(rank('', ['Fysisk træning'])).toBe(0);
  });

  it('asks a word given twice once: a filter of one word many times matches as the word does', () => {
    const texts = ['Færdighedstræning'];
    expect(new TextFilter('træning træning TRÆNING traening').matches(texts)).toBe(true);
    expect(new TextFilter('træning træning bad').matches(texts)).toBe(false);
    expect(new TextFilter(`${'ab '.repeat(300)}x`).matches(['ab x'])).toBe(true);
  });

  it('refuses a filter longer than 1,000 characters', () => {
    expect(() => new TextFilter('a'.repeat(1001))).toThrow('The text filter is longer than 1000 characters');
    expect(new TextFilter('a'.repeat(1000)).isEmpty).toBe(false);
    // characters, not UTF-16 units: 600 emoji are 1,200 units
    expect(() => new TextFilter('😀'.repeat(600))).not.toThrow();
    expect(() => new TextFilter('😀'.repeat(1001))).toThrow('longer than 1000 characters');
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
