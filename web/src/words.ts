import { municipalityName } from '../../src/municipal/kommuner';

/** Danish words for what the server says in FHIR's own codes, and the page's counting grammar. */

/** ConceptMap equivalence (R4) as a municipal consultant reads it: how the local code relates to the common one. */
const EQUIVALENCE_LABEL: Record<string, string> = {
  subsumes: 'hører under',
  inexact: 'indgår i tilbuddet',
  equivalent: 'svarer til',
  equal: 'svarer til',
  wider: 'bredere',
  narrower: 'snævrere',
  specializes: 'specialisering',
  relatedto: 'beslægtet',
  unmatched: 'ingen match',
  disjoint: 'ingen match',
};

export function equivalenceLabel(code: string | undefined): string {
  return code ? EQUIVALENCE_LABEL[code] ?? code : '';
}

/** A number as Danish writes it, `2.000` for 2000: every count the page shows. */
export function formatNumber(n: number): string {
  return n.toLocaleString('da-DK');
}

/** `1 begreb`, `2 begreber`: the count with the singular or plural noun. */
export function count(n: number, one: string, many: string): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** "Aarhus Kommune" for 751 (the list of the 98 municipalities, src/municipal/kommuner.json); "Kommune 999" when unknown. */
export const kommuneNavn = municipalityName;
