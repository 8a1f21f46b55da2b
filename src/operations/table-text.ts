import { stringify } from 'csv-stringify/sync';
import type { TableFormat } from '../fhir/fhir-format';

/** The characters a spreadsheet takes a cell beginning with for a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A `;` a formula character follows, inside a cell. */
const FORMULA_AFTER_SEMICOLON = /;(?=[=+\-@\t\r])/g;

/**
 * CSV cells as spreadsheets may open them: a text cell beginning with a formula character gets a leading `'`, so that
 * Excel shows `=HYPERLINK(…)` as text instead of running it. Only text: a number (also a negative one) stays a number.
 * A Danish Excel splits a line at `;`, quotes or not, so a `;` inside a cell begins a cell there: one a formula
 * character follows gets the `'` after it too (`abc;=1+1` → `abc;'=1+1`).
 */
const CSV_OPTIONS = {
  cast: { string: (text: string) => (FORMULA_START.test(text) ? `'${text}` : text).replace(FORMULA_AFTER_SEMICOLON, ";'") },
};

/** What a table's text begins with: CSV's header row; nothing in NDJSON, whose every line names its columns. */
export function tableHead(columns: readonly string[], format: TableFormat): string {
  return format === 'csv' ? stringify([columns as string[]], CSV_OPTIONS) : '';
}

/** A table's row as a line of CSV (RFC 4180 quoting) or of NDJSON (an object of the cells that have a value). */
export function tableLine(columns: readonly string[], row: readonly (string | number | undefined)[], format: TableFormat): string {
  if (format === 'csv') return stringify([columns.map((_, i) => row[i] ?? '')], CSV_OPTIONS);
  const o: Record<string, string | number> = {};
  columns.forEach((c, i) => {
    const v = row[i];
    if (v !== undefined && v !== '') o[c] = v;
  });
  return `${JSON.stringify(o)}\n`;
}
