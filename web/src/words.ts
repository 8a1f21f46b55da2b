import { municipalityGenitive, municipalityName } from '../../src/municipal/kommuner';

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

const MONTHS = ['januar', 'februar', 'marts', 'april', 'maj', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'december'];

/**
 * A date as Danish writes it, `30. maj 2024`, from `2024-05-30` or `20240530` (FSIII's release versions); any other
 * text as it is.
 */
export function danishDate(date: string): string {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(date);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  if (!m || !month || Number(m[3]) < 1 || Number(m[3]) > 31) return date;
  return `${Number(m[3])}. ${month} ${m[1]}`;
}

/** `1 begreb`, `2 begreber`: the count with the singular or plural noun. */
export function count(n: number, one: string, many: string): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}

/** "Aarhus Kommune" for 751 (the list of the 98 municipalities, src/municipal/kommuner.json); "Kommune 999" when unknown. */
export const kommuneNavn = municipalityName;

/** "Aarhus Kommunes" for 751; "kommune 999's" when unknown. */
export function kommunes(kommunekode: string): string {
  return municipalityGenitive(kommunekode).da;
}
