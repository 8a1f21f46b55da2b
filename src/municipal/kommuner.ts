import data from './kommuner.json';

/** One of the 98 municipalities (src/municipal/KOMMUNER.md: source and upkeep). */
export interface Kommune {
  /** The kommunekode, three digits (DAWA's four-digit code without its leading 0). */
  kode: string;
  /** The short name, e.g. "Aarhus", "København". */
  navn: string;
  /** The municipality's own name, e.g. "Aarhus Kommune", "Københavns Kommune". */
  officieltNavn: string;
}

export const KOMMUNER: readonly Kommune[] = data.kommuner;

const byKode = new Map(KOMMUNER.map((k) => [k.kode, k]));

export function kommuneByKode(kode: string | undefined): Kommune | undefined {
  return kode === undefined ? undefined : byKode.get(kode);
}

/** "Aarhus Kommune" for 751; "Kommune 999" for a kommunekode not in the list. */
export function municipalityName(kode: string): string {
  return kommuneByKode(kode)?.officieltNavn ?? `Kommune ${kode}`;
}

/**
 * A municipality at the start of a sentence, the kommunekode beside the name: "Aarhus Kommune (751)"; "Municipality
 * 999" and "Kommune 999" for a kommunekode not in the list.
 */
export function municipalityNameWithCode(kode: string): { en: string; da: string } {
  const name = kommuneByKode(kode)?.officieltNavn;
  if (name === undefined) return { en: `Municipality ${kode}`, da: `Kommune ${kode}` };
  return { en: `${name} (${kode})`, da: `${name} (${kode})` };
}

/**
 * Whose, in a text: "Aarhus Kommunes" and "Aarhus Kommune's" for 751 (every name ends in "kommune", so its Danish
 * genitive is an s); "kommune 999's" and "municipality 999's" for a kommunekode not in the list (Retskrivningsregler
 * §21.4: a number's genitive takes an apostrophe).
 */
export function municipalityGenitive(kode: string): { en: string; da: string } {
  const name = kommuneByKode(kode)?.officieltNavn;
  if (name === undefined) return { en: `municipality ${kode}'s`, da: `kommune ${kode}'s` };
  return { en: `${name}'s`, da: `${name}s` };
}
