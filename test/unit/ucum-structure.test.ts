import { UcumProvider, ucumCodeSystem } from '../../src/terminology/providers/library-systems/ucum';
import { UcumStructureParser, UcumSyntaxError } from '../../src/terminology/providers/library-systems/ucum-structure';
import { ucumTables } from '../../src/terminology/providers/library-systems/ucum-tables';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lhc = require('@lhncbc/ucum-lhc');
lhc.UcumLhcUtils.getInstance();
const units = lhc.UnitTables.getInstance();
const parser = new UcumStructureParser(ucumTables((code) => units.getUnitByCode(code)));

describe('UCUM formal form', () => {
  it.each([
    ['mg/dL', '(milligram) / (deciliter)'],
    ['mg/dL{milligram per deciliter}', '(milligram) / (deciliter) * 1'],
    ['kg', '(kilogram)'],
    ['g', '(gram)'],
    ['L', '(liter)'],
    ['mL', '(milliliter)'],
    ['%', '(percent)'],
    ['kg.m/s2', '(kilogram) * (meter) / (second ^ 2)'],
    ['s-1', '(second ^ -1)'],
    ['m+2', '(meter ^ 2)'],
    ['10*3/uL', '(the number ten for arbitrary powers ^ 3) / (microliter)'],
    ['10^6', '(the number ten for arbitrary powers ^ 6)'],
    ['mm[Hg]', '(millimeter of mercury column)'],
    ['cm[H2O]', '(centimeter of water column)'],
    ['[in_i]', '(inch)'],
    ['[iU]/L', '(international unit) / (liter)'],
    ['Cel', '(degree Celsius)'],
    ['ug/kg/min', '(microgram) / (kilogram) / (minute)'],
    ['/min', '1 / (minute)'],
    ['{cells}/uL', '1 / (microliter)'],
    ['{score}', '1'],
    ['g/(8.h)', '(gram) / 8 * (hour)'],
    ['mmol/L', '(millimole) / (liter)'],
    ['dam', '(dekameter)'], // `da` is tried before `d`
    ['cd', '(candela)'], // not centi-day: a day takes no prefix
    ['Pa', '(Pascal)'], // not peta-year
    ['mol', '(mole)'],
    ['KiBy', '(kibibyte)'],
    ['meq/L', '(milliequivalents) / (liter)'],
  ])('%s is %s', (unit, formal) => {
    expect(parser.formal(unit)).toBe(formal);
  });
});

describe('UCUM syntax errors', () => {
  const error = (unit: string): string => {
    try {
      parser.parse(unit);
    } catch (e) {
      expect(e).toBeInstanceOf(UcumSyntaxError);
      return (e as Error).message;
    }
    throw new Error(`${unit} parsed`);
  };

  it.each([
    ['kgXX', "Error processing unit 'kgXX': The unit 'kgXX' is unknown at character 1"],
    ['mg/dX', "Error processing unit 'mg/dX': The unit 'dX' is unknown at character 4"],
    ['mg/', "Error processing unit 'mg/': unexpected end of expression looking for a symbol or a number at character 4"],
    ['m//s', "Error processing unit 'm//s': unexpected '/' looking for a symbol or a number at character 3"],
    ['(mg', "Error processing unit '(mg': missing close bracket at character 4"],
    ['mg)', "Error processing unit 'mg)': the expression was not parsed completely at character 3"],
    ['{abc', "Error processing unit '{abc': unterminated annotation at character 1"],
    ['mg.+', "Error processing unit 'mg.+': a + must be followed by at least one digit at character 4"],
    ['kg m', "Error processing unit 'kg m': unexpected character ' ' at character 3"],
    ['m[[Hg]]', "Error processing unit 'm[[Hg]]': nested [ at character 1"],
    ['g{é}', "Error processing unit 'g{é}': annotation contains non-ascii characters at character 2"],
  ])('%s', (unit, message) => {
    expect(error(unit)).toBe(message);
  });
});

describe('the UCUM code system', () => {
  it('gives every unit of FHIR\'s common units (all valid for ucum-lhc) its formal form', () => {
    const provider = new UcumProvider(ucumCodeSystem());
    const common = provider.all();
    expect(common.length).toBeGreaterThan(1000);
    const withoutFormal = common.filter((c) => c.code !== '1' && !c.designations.some((d) => d.use === undefined));
    expect(withoutFormal.map((c) => c.code)).toEqual([]);
    const formal = (code: string) => provider.locate(code)?.designations.find((d) => d.use === undefined)?.value;
    expect(formal('24.h')).toBe('24 * (hour)');
    expect(formal('10.L/min')).toBe('10 * (liter) / (minute)');
  });

  it('explains a code that is not a unit by the parser\'s error, and a valid one not at all', () => {
    const provider = new UcumProvider(ucumCodeSystem());
    expect(provider.explainUnknown('kgXX')).toEqual({
      en: "Error processing unit 'kgXX': The unit 'kgXX' is unknown at character 1",
      da: "Fejl i enheden 'kgXX' ved tegn 1: enheden 'kgXX' kendes ikke",
    });
    expect(provider.explainUnknown('kg/')).toEqual({
      en: "Error processing unit 'kg/': unexpected end of expression looking for a symbol or a number at character 4",
      da: "Fejl i enheden 'kg/' ved tegn 4: udtrykket slutter, hvor en enhed eller et tal var ventet",
    });
    expect(provider.explainUnknown('mg/dL')).toBeUndefined();
  });

  it("explains a unit only ucum-lhc refuses in Danish without ucum-lhc's English reason, which the English text keeps", () => {
    const provider = new UcumProvider(ucumCodeSystem());
    // a special unit raised to a power: UCUM's grammar allows it, ucum-lhc does not
    const why = provider.explainUnknown('Cel2')!;
    expect(why.en).toMatch(/^Error processing unit 'Cel2': ./);
    expect(why.da).toBe("Enheden 'Cel2' er ikke en gyldig UCUM-enhed");
  });

  it('refuses a prefix on a unit that is not metric, which ucum-lhc takes, as UCUM\'s grammar does', () => {
    const provider = new UcumProvider(ucumCodeSystem());
    for (const unit of ['kmin', 'mh', 'da', 'k[degF]', 'm[pH]']) {
      expect(provider.locate(unit)).toBeUndefined();
      expect(provider.explainUnknown(unit)?.en).toBe(`Error processing unit '${unit}': The unit '${unit}' is unknown at character 1`);
    }
    expect(provider.explainUnknown('mmo/l/L')?.en).toBe("Error processing unit 'mmo/l/L': The unit 'mmo' is unknown at character 1");
    // metric units and base units take prefixes
    for (const unit of ['km', 'mL', 'dam', 'kg', 'ms', 'mmol/L']) expect(provider.locate(unit)).toBeDefined();
  });

  it('refuses an expression UCUM\'s grammar does not allow, which ucum-lhc mends into another, with the grammar\'s error', () => {
    const provider = new UcumProvider(ucumCodeSystem());
    const expected: [string, string][] = [
      ['U/2g{x}', "The unit '2g' is unknown at character 3"],
      ['umol/2L{RBCs}', "The unit '2L' is unknown at character 6"],
      ['L/-1(24.h)', "expected '/' or '.' at character 5"],
      ['mg/-1(10.h)', "expected '/' or '.' at character 6"],
      ['U/{x}(1.h)', "expected '/' or '.' at character 6"],
      ['mg/(8-1.h.kg)', "expected '/' or '.' at character 6"],
    ];
    for (const [unit, why] of expected) {
      expect(provider.locate(unit)).toBeUndefined();
      expect(provider.explainUnknown(unit)?.en).toBe(`Error processing unit '${unit}': ${why}`);
    }
  });

  it('explains a unit ucum-lhc refuses with its annotations as written, not ucum-lhc\'s placeholders for them', () => {
    const provider = new UcumProvider(ucumCodeSystem());
    expect(provider.explainUnknown('mg{a}{b}')?.en).toBe("Error processing unit 'mg{a}{b}': Unable to find a unit for mg{a}{b}.\n"
      + 'We are not sure how to interpret text both before and after the annotation.  Sorry');
  });

  it('keeps ucum-lhc from writing to the console, where the unit string would become a line of the server\'s log', () => {
    const provider = new UcumProvider(ucumCodeSystem());
    const log = jest.spyOn(console, 'log');
    const write = jest.spyOn(process.stdout, 'write');
    try {
      // the grammar allows this one; ucum-lhc's parser throws on it, and logs why
      for (const unit of ['g/(8.h){shift}{x}', '()kat\n{"level":50,"msg":"FORGED"}']) {
        expect(provider.locate(unit)).toBeUndefined();
        expect(provider.explainUnknown(unit)).toBeDefined();
      }
      expect(log).not.toHaveBeenCalled();
      expect(write).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
      write.mockRestore();
    }
  });
});
