import { dateRange } from '../../src/write/audit-search';
import { endOfDate, startOfDate } from '../../src/fhir/date-time';
import { FhirError } from '../../src/errors/fhir-error';

/** An instant in epoch milliseconds as ISO text; undefined stays undefined. */
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('endOfDate', () => {
  it('is the first instant after a year, month, day or dateTime', () => {
    expect(iso(endOfDate('2025'))).toBe('2026-01-01T00:00:00.000Z');
    expect(iso(endOfDate('2025-12'))).toBe('2026-01-01T00:00:00.000Z');
    expect(iso(endOfDate('2025-02-28'))).toBe('2025-03-01T00:00:00.000Z');
    expect(iso(endOfDate('2025-06-30T10:00:00Z'))).toBe('2025-06-30T10:00:00.001Z');
    expect(iso(endOfDate('2016-12-31T23:59:60Z'))).toBe('2017-01-01T00:00:00.001Z');
    expect(iso(endOfDate('2025-06-30T12:00:00+14:00'))).toBe('2025-06-29T22:00:00.001Z');
  });
  it('reads the years 0001-0099 as themselves, not as 19xx', () => {
    expect(iso(endOfDate('0050'))).toBe('0051-01-01T00:00:00.000Z');
    expect(iso(endOfDate('0099-12'))).toBe('0100-01-01T00:00:00.000Z');
    expect(iso(endOfDate('0001-02-28'))).toBe('0001-03-01T00:00:00.000Z');
    expect(iso(startOfDate('0042-06-01'))).toBe('0042-06-01T00:00:00.000Z');
    expect(endOfDate('0004-02-29')).toBeDefined(); // year 4 was a leap year, 1904 too, but 0100 was not
    expect(endOfDate('0100-02-29')).toBeUndefined();
  });

  it('rejects what is not a date', () => {
    for (const bad of ['0000', '0000-06-30', '2025-02-30', '2025-13', '25', 'yesterday', '2025-06-30T10:00', '2025-06-30T24:00:00Z', '2025-06-30T12:61:00Z', '2025-06-30T12:00:61Z', '2025-02-30T10:00:00Z']) expect(endOfDate(bad)).toBeUndefined();
  });
});

describe('a time without a zone', () => {
  it("is refused by default, as a FHIR dateTime has a zone with every time (an operation's date parameter)", () => {
    for (const t of ['2025-06-30T10:00', '2025-06-30T10:00:00', '2025-06-30T10:00:00.5']) {
      expect(endOfDate(t)).toBeUndefined();
      expect(startOfDate(t)).toBeUndefined();
    }
  });

  it("is read in UTC, the server's zone, for an audit search value, a second standing for the whole second", () => {
    expect(dateRange(['ge2025-06-30T10:00:00'])).toEqual({ from: '2025-06-30T10:00:00.000Z' });
    expect(dateRange(['ge2025-06-30T10:00'])).toEqual({ from: '2025-06-30T10:00:00.000Z' });
    expect(dateRange(['le2025-06-30T10:00:00.250'])).toEqual({ before: '2025-06-30T10:00:00.251Z' });
    expect(dateRange(['le2025-06-30T10:00:00'])).toEqual({ before: '2025-06-30T10:00:01.000Z' });
    expect(dateRange(['2016-12-31T23:59:60'])).toEqual({ from: '2017-01-01T00:00:00.000Z', before: '2017-01-01T00:00:01.000Z' });
    // with a zone, or a date
    expect(dateRange(['ge2025-06-30T12:00:00+02:00'])).toEqual({ from: '2025-06-30T10:00:00.000Z' });
    expect(dateRange(['le2025-06-30'])).toEqual({ before: '2025-07-01T00:00:00.000Z' });
    for (const bad of ['2025-06-30T10', '2025-06-30T24:00:00', '2025-06-30T12:61', '2025-02-30T10:00:00', '2025-06-30T10:00:00+1', 'yesterday']) {
      expect(() => dateRange([bad])).toThrow(FhirError);
    }
  });

  it('bounds the audit search in UTC', () => {
    expect(dateRange(['ge2026-12-04T12:00:00', 'lt2026-12-05T00:00'])).toEqual({ from: '2026-12-04T12:00:00.000Z', before: '2026-12-05T00:00:00.000Z' });
  });
});

describe('startOfDate', () => {
  it('is the first instant of a year, month or day, and a dateTime itself (a leap second too)', () => {
    expect(iso(startOfDate('2025'))).toBe('2025-01-01T00:00:00.000Z');
    expect(iso(startOfDate('2025-06'))).toBe('2025-06-01T00:00:00.000Z');
    expect(iso(startOfDate('2025-06-30T12:00:00+02:00'))).toBe('2025-06-30T10:00:00.000Z');
    expect(iso(startOfDate('2016-12-31T23:59:60Z'))).toBe('2017-01-01T00:00:00.000Z');
    expect(startOfDate('2025-02-30')).toBeUndefined();
  });

  it('bounds the audit search from a leap second as from any other time', () => {
    expect(dateRange(['ge2016-12-31T23:59:60Z'])).toEqual({ from: '2017-01-01T00:00:00.000Z' });
  });
});
