import { utcTime } from './date-time';

/**
 * Dates and quantities as FHIR search compares them (R4 search §3.1.1.4.1–2): each value stands for a range at its
 * precision (`2026` is the whole year, `5.4` is 5.35 up to 5.45), and a prefix says how the resource's range must lie
 * against the searched one.
 */

/** From `low` up to `high`: what a value stands for at its precision (`high` not included when the range is wider than a point). */
export interface Range {
  low: number;
  high: number;
}

export const PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type Prefix = (typeof PREFIXES)[number];

/** `ge2026-01` → prefix ge and the value `2026-01`; no prefix is eq. */
export function withPrefix(text: string): { prefix: Prefix; value: string } {
  const prefix = PREFIXES.find((p) => text.startsWith(p));
  return prefix ? { prefix, value: text.slice(2) } : { prefix: 'eq', value: text };
}

const DATE = /^(?!0000)(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The instants a FHIR date or dateTime stands for, in epoch milliseconds (`2026` → all of 2026, `2026-03-01T10:00Z`
 * → that minute); undefined when it is not one. A time without a zone is read in UTC.
 */
export function dateRange(text: string): Range | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 0 : Number(mo) - 1;
  const day = d === undefined ? 1 : Number(d);
  const check = new Date(utcTime(year, month, day));
  // a leap second (:60, which R4's dateTime allows) is read as the second after :59, as date-time.ts reads it
  if (month > 11 || check.getUTCMonth() !== month || check.getUTCDate() !== day || Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 60) {
    return undefined;
  }
  const start = utcTime(year, month, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), Math.trunc(Number(fraction ?? 0) * 1000));
  const end = d === undefined
    ? (mo === undefined ? utcTime(year + 1, 0, 1) : utcTime(year, month + 1, 1))
    : h === undefined ? utcTime(year, month, day + 1)
      : start + (s === undefined ? 60_000 : fraction === undefined ? 1000 : Math.max(1, 1000 / 10 ** (fraction.length - 1)));
  const offset = zone === undefined || zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  return { low: start - offset, high: end - offset };
}

/** The numbers a decimal stands for at its precision (`5.4` → 5.35 up to 5.45, `100` → 99.5 up to 100.5); undefined when it is not one. */
export function numberRange(text: string): Range | undefined {
  if (!/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  const [mantissa, exponent] = text.toLowerCase().split('e');
  const decimals = (mantissa!.split('.')[1] ?? '').length - Number(exponent ?? 0);
  const half = 0.5 * 10 ** -decimals;
  return { low: value - half, high: value + half };
}

/** How far `ap` reaches on each side of a searched date: 10% of the time between now and the date, as R4 suggests. */
export function dateApproximation(search: Range, now = Date.now()): number {
  return 0.1 * Math.abs(now - search.low);
}

/** Instants from `from` (included) up to `before` (not included), or all but those of `outside`. */
export interface InstantBounds {
  from?: number;
  before?: number;
  outside?: Range;
}

/**
 * The instants, each standing for its own millisecond (an `instant` with milliseconds, such as AuditEvent.recorded),
 * whose range meets `search` under `prefix` as `meets` says; for a search that compares instants alone (a database's column).
 */
export function instantsMeeting(prefix: Prefix, search: Range, approximately: number): InstantBounds {
  switch (prefix) {
    case 'eq': return { from: search.low, before: search.high };
    case 'ne': return { outside: search };
    case 'gt': case 'sa': return { from: search.high };
    case 'ge': return { from: search.low };
    case 'lt': case 'eb': return { before: search.low };
    case 'le': return { before: search.high };
    case 'ap': return { from: Math.ceil(search.low - approximately) - 1, before: Math.floor(search.high + approximately) + 1 };
  }
}

/**
 * Whether the resource's range `target` meets the searched range under `prefix` (R4's rules for dates; for numbers
 * gt, lt, ge, le, sa and eb compare with the value itself, which the caller gives as a point range). `ap` widens the
 * searched range by `approximately` on each side.
 */
export function meets(prefix: Prefix, search: Range, target: Range, approximately: number): boolean {
  const within = search.low <= target.low && target.high <= search.high;
  switch (prefix) {
    case 'eq': return within;
    case 'ne': return !within;
    case 'gt': return target.high > search.high;
    case 'lt': return target.low < search.low;
    case 'ge': return target.high > search.high || within;
    case 'le': return target.low < search.low || within;
    case 'sa': return target.low >= search.high;
    case 'eb': return target.high <= search.low;
    case 'ap': return target.low <= search.high + approximately && target.high >= search.low - approximately;
  }
}
