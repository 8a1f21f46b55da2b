import { endOfDate, startOfDate } from '../fhir/date-time';
import { isFhirDate } from '../terminology/in-force';

const QUARTER_FIRST = /^(\d{4})\s*-?\s*([QKH])([1-4])$/i;
const QUARTER_LAST = /^([QKH])([1-4])\s*-?\s*(\d{4})$/i;

/** The FHIR date (a year or a month) that ends where a quarter (Q/K 1–4) or a half-year (H 1–2) ends; undefined for no such part. */
function partOfYear(year: string, letter: string, n: number): string | undefined {
  const months = letter.toUpperCase() === 'H' ? 6 : 3;
  if (n * months > 12) return undefined;
  return `${year}-${String(n * months).padStart(2, '0')}`;
}

function endOfOne(text: string): string | undefined {
  if (isFhirDate(text)) return text;
  const first = QUARTER_FIRST.exec(text);
  if (first) return partOfYear(first[1]!, first[2]!, Number(first[3]));
  const last = QUARTER_LAST.exec(text);
  if (last) return partOfYear(last[3]!, last[1]!, Number(last[2]));
  return undefined;
}

/**
 * A roll-up row's period read as a date: the FHIR date its period ends with, for `dateFromPeriod`. A period is a year
 * (2025), a month (2025-03), a day (2025-03-31), a quarter (2025-Q1, 2025K1, Q1 2025; K for kvartal), a half-year
 * (2025-H2), or an interval of two of them `start/end` (ISO 8601's separator), which ends with its end. Undefined when
 * the text is none of these, or an interval ends before it starts.
 */
export function periodEndDate(period: string): string | undefined {
  const text = period.trim();
  const slash = text.indexOf('/');
  if (slash < 0) return endOfOne(text);
  const start = endOfOne(text.slice(0, slash).trim());
  const end = endOfOne(text.slice(slash + 1).trim());
  if (start === undefined || end === undefined) return undefined;
  return startOfDate(start)! < endOfDate(end)! ? end : undefined;
}

/** The forms `periodEndDate` reads, for a message saying a period was not one of them. */
export const PERIOD_FORMS = {
  en: 'a year (2025), a month (2025-03), a day (2025-03-31), a quarter (2025-Q1 or 2025K1), a half-year (2025-H2) or an interval start/end of them',
  da: 'et år (2025), en måned (2025-03), en dag (2025-03-31), et kvartal (2025-K1 eller 2025Q1), et halvår (2025-H2) eller et interval start/slut af dem',
};
