import { endOfDate, startOfDate } from '../../fhir/date-time';
import { isFhirDate } from '../../terminology/in-force';

/** A period as the FHIR dates (a year, a month or a day) it starts and ends with. */
interface Span {
  start: string;
  end: string;
}

// a quarter (Q, or K for kvartal) or a half-year: 2025-Q1, 2025K1, Q1 2025, 2025-H2
const PART_FIRST = /^(\d{4})\s*-?\s*([QKH])([1-4])$/i;
const PART_LAST = /^([QKH])([1-4])\s*-?\s*(\d{4})$/i;
// ISO 8601's 2025-W12, and Danmarks Statistik's 2025U12 (U for uge) as its Statistikbank tables write weeks
const WEEK = /^(\d{4})-?[WU](\d{2})$/i;
// in Danish: uge 12 2025, uge 12, 2025, 2025 uge 12
const WEEK_DA = /^uge\s*(\d{1,2}),?\s+(\d{4})$/i;
const WEEK_DA_YEAR_FIRST = /^(\d{4}),?\s+uge\s*(\d{1,2})$/i;
// Danmarks Statistik's month: 2025M03
const MONTH_CODE = /^(\d{4})M(\d{2})$/i;
// a Danish month name or its abbreviation and a year: marts 2025, mar. 2025
const MONTH_NAME = /^([a-zæøå]+)\.?\s+(\d{4})$/i;
// 1. kvartal 2025, 2. halvår 2025
const ORDINAL_PART = /^([1-4])\.\s*(kvartal|halvår)\s+(\d{4})$/i;

const MONTHS_DA = ['januar', 'februar', 'marts', 'april', 'maj', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'december'];

/** The month (1–12) a Danish month name or its abbreviation of three or more letters (jan, sept, okt) names. */
function monthOfName(name: string): number | undefined {
  const lower = name.toLowerCase();
  if (lower.length < 3) return undefined;
  const i = MONTHS_DA.findIndex((m) => m.startsWith(lower));
  return i < 0 ? undefined : i + 1;
}

const DAY_MS = 86_400_000;

const month = (year: string, m: number) => `${year}-${String(m).padStart(2, '0')}`;

/** An ISO 8601 week (2025-W12: Monday to Sunday, week 1 the one with 4 January) as its first and last day. */
function isoWeek(year: number, week: number): Span | undefined {
  const monday = (y: number) => {
    const jan4 = Date.UTC(y, 0, 4);
    return jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY_MS;
  };
  const weeks = Math.round((monday(year + 1) - monday(year)) / (7 * DAY_MS));
  if (year < 1000 || week < 1 || week > weeks) return undefined;
  const start = monday(year) + (week - 1) * 7 * DAY_MS;
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { start: day(start), end: day(start + 6 * DAY_MS) };
}

/** A quarter (Q/K 1–4) or a half-year (H 1–2) as its first and last month; undefined for no such part. */
function partOfYear(year: string, letter: string, n: number): Span | undefined {
  const months = letter.toUpperCase() === 'H' ? 6 : 3;
  if (n * months > 12) return undefined;
  return { start: month(year, (n - 1) * months + 1), end: month(year, n * months) };
}

function monthSpan(year: string, m: number): Span | undefined {
  return m >= 1 && m <= 12 ? { start: month(year, m), end: month(year, m) } : undefined;
}

function spanOf(text: string): Span | undefined {
  if (isFhirDate(text)) return { start: text, end: text };
  const first = PART_FIRST.exec(text);
  if (first) return partOfYear(first[1]!, first[2]!, Number(first[3]));
  const last = PART_LAST.exec(text);
  if (last) return partOfYear(last[3]!, last[1]!, Number(last[2]));
  const week = WEEK.exec(text);
  if (week) return isoWeek(Number(week[1]), Number(week[2]));
  const weekDa = WEEK_DA.exec(text);
  if (weekDa) return isoWeek(Number(weekDa[2]), Number(weekDa[1]));
  const weekDaYearFirst = WEEK_DA_YEAR_FIRST.exec(text);
  if (weekDaYearFirst) return isoWeek(Number(weekDaYearFirst[1]), Number(weekDaYearFirst[2]));
  const monthCode = MONTH_CODE.exec(text);
  if (monthCode) return monthSpan(monthCode[1]!, Number(monthCode[2]));
  const monthName = MONTH_NAME.exec(text);
  if (monthName) {
    const m = monthOfName(monthName[1]!);
    return m === undefined ? undefined : monthSpan(monthName[2]!, m);
  }
  const ordinal = ORDINAL_PART.exec(text);
  if (ordinal) return partOfYear(ordinal[3]!, ordinal[2]!.toLowerCase() === 'kvartal' ? 'K' : 'H', Number(ordinal[1]));
  return undefined;
}

/**
 * A roll-up row's period read as a date: the FHIR date its period ends with, for `dateFromPeriod`. A period is a year
 * (2025), a month (2025-03, 2025M03, marts 2025, mar. 2025), an ISO week (2025-W12, 2025U12, uge 12 2025; Monday to
 * Sunday), a day (2025-03-31), a quarter (2025-Q1, 2025K1, Q1 2025, 1. kvartal 2025; K for kvartal), a half-year
 * (2025-H2, 2. halvår 2025), or an interval of two of them `start/end` (ISO 8601's separator), which ends with its end.
 * The forms with M, U, K and H are those of Danmarks Statistik's tables. Undefined when the text is none of these, or
 * an interval ends before it starts.
 */
export function periodEndDate(period: string): string | undefined {
  const text = period.trim();
  const slash = text.indexOf('/');
  if (slash < 0) return spanOf(text)?.end;
  const start = spanOf(text.slice(0, slash).trim());
  const end = spanOf(text.slice(slash + 1).trim());
  if (start === undefined || end === undefined) return undefined;
  return startOfDate(start.start)! < endOfDate(end.end)! ? end.end : undefined;
}

/** The forms `periodEndDate` reads, for a message saying a period was not one of them. */
export const PERIOD_FORMS = {
  en: 'a year (2025), a month (2025-03, 2025M03 or marts 2025), an ISO week (2025-W12, 2025U12 or uge 12 2025), a day (2025-03-31), a quarter (2025-Q1, 2025K1 or 1. kvartal 2025), a half-year (2025-H2 or 2. halvår 2025) or an interval start/end of them',
  da: 'et år (2025), en måned (2025-03, 2025M03 eller marts 2025), en ISO-uge (2025-W12, 2025U12 eller uge 12 2025), en dag (2025-03-31), et kvartal (2025-K1, 2025K1 eller 1. kvartal 2025), et halvår (2025-H2 eller 2. halvår 2025) eller et interval start/slut af dem',
};
