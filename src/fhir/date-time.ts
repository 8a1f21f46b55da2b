/** R4's date and dateTime (years from 0001, hours 00-23, a leap second's :60), seconds left optional; the zone is checked by `endOfDate`. */
const DATE_PARAM = /^(?!0000)(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01])(?:(T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const LEAP_SECOND = /:60(?=[.Z+-])/;

/** Date.UTC for every year: Date.UTC itself reads the years 0-99 as 1900-1999. */
export function utcTime(year: number, month: number, day = 1, hours = 0, minutes = 0, seconds = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hours, minutes, seconds, ms);
  return d.getTime();
}

/**
 * The first instant after a FHIR date or dateTime (`2025` → 2026-01-01T00:00Z, `2025-06-30` → 2025-07-01T00:00Z, a
 * dateTime → one millisecond later), in epoch milliseconds; undefined when it is not one (a time without a zone is
 * not: a FHIR dateTime has a zone with every time). Dates are read in UTC.
 */
export function endOfDate(date: string): number | undefined {
  const m = DATE_PARAM.exec(date);
  if (!m) return undefined;
  const [, y, mo, d, time, zone] = m;
  if (d) {
    const t = utcTime(Number(y), Number(mo) - 1, Number(d) + 1);
    if (new Date(t - 1).getUTCDate() !== Number(d)) return undefined; // 2025-02-30 is no date (Date.parse would read March 2nd)
    if (!time) return t;
  }
  if (time) {
    if (!zone) return undefined;
    // Date.parse knows no leap second: 23:59:60 is read as 23:59:59 and a second more
    const leap = LEAP_SECOND.test(date);
    const t = Date.parse(leap ? date.replace(LEAP_SECOND, ':59') : date);
    return Number.isNaN(t) ? undefined : t + 1 + (leap ? 1000 : 0);
  }
  if (mo) return utcTime(Number(y), Number(mo), 1);
  return utcTime(Number(y) + 1, 0, 1);
}

/** The first instant of a FHIR date or dateTime (a dateTime: its own), in epoch milliseconds; undefined when it is not one. */
export function startOfDate(date: string): number | undefined {
  const end = endOfDate(date);
  if (end === undefined) return undefined;
  if (date.includes('T')) return end - 1;
  const [y, m, d] = date.split('-').map(Number);
  return utcTime(y!, (m ?? 1) - 1, d ?? 1);
}
