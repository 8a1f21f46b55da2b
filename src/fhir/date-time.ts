const DATE_PARAM = /^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01])(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?)?)?$/;

/**
 * The first instant after a FHIR date or dateTime (`2025` → 2026-01-01T00:00Z, `2025-06-30` → 2025-07-01T00:00Z, a
 * dateTime → one millisecond later), in epoch milliseconds; undefined when it is not one. Dates are read in UTC.
 */
export function endOfDate(date: string): number | undefined {
  const m = DATE_PARAM.exec(date);
  if (!m) return undefined;
  const [, y, mo, d, time] = m;
  if (time) {
    const t = Date.parse(date);
    return Number.isNaN(t) ? undefined : t + 1;
  }
  if (d) {
    const t = Date.UTC(Number(y), Number(mo) - 1, Number(d) + 1);
    return new Date(t - 1).getUTCDate() === Number(d) ? t : undefined; // 2025-02-30 is no date
  }
  if (mo) return Date.UTC(Number(y), Number(mo), 1);
  return Date.UTC(Number(y) + 1, 0, 1);
}
