import { KOMMUNER, kommuneByKode, municipalityGenitive } from '../../src/municipal/kommuner';

describe('the list of municipalities', () => {
  it('has the 98 municipalities, each once, with three-digit codes and a name', () => {
    expect(KOMMUNER).toHaveLength(98);
    expect(new Set(KOMMUNER.map((k) => k.kode)).size).toBe(98);
    for (const k of KOMMUNER) {
      expect(k.kode).toMatch(/^\d{3}$/);
      expect(k.navn.length).toBeGreaterThan(0);
      expect(k.officieltNavn).toMatch(/Kommune$|Regionskommune$/);
    }
    // Christiansø (0411) has a code in the address register but is not a municipality.
    expect(kommuneByKode('411')).toBeUndefined();
  });

  it('names a municipality by its kommunekode', () => {
    expect(kommuneByKode('751')?.officieltNavn).toBe('Aarhus Kommune');
    expect(kommuneByKode('101')?.officieltNavn).toBe('Københavns Kommune');
    expect(kommuneByKode('370')?.navn).toBe('Næstved');
    expect(kommuneByKode('400')?.officieltNavn).toBe('Bornholms Regionskommune');
    expect(kommuneByKode('999')).toBeUndefined();
  });

  it("says whose by the name, and a number's genitive with an apostrophe", () => {
    expect(municipalityGenitive('101')).toEqual({ en: "Københavns Kommune's", da: 'Københavns Kommunes' });
    expect(municipalityGenitive('400')).toEqual({ en: "Bornholms Regionskommune's", da: 'Bornholms Regionskommunes' });
    expect(municipalityGenitive('999')).toEqual({ en: "municipality 999's", da: "kommune 999's" });
  });
});
