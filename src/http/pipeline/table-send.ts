import type { ServerResponse } from 'node:http';
import { stringify } from 'csv-stringify/sync';
import type { TableFormat } from '../../fhir/fhir-format';
import type { Table } from '../../operations/context';

const CONTENT_TYPES: Record<TableFormat, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' };

/** The characters a spreadsheet takes a cell beginning with for a formula (OWASP's CSV injection list). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * CSV cells as spreadsheets may open them: a text cell beginning with a formula character gets a leading `'`, so that
 * Excel shows `=HYPERLINK(…)` as text instead of running it. Only text: a number (also a negative one) stays a number.
 */
const CSV_OPTIONS = { cast: { string: (text: string) => (FORMULA_START.test(text) ? `'${text}` : text) } };

/** Write in pieces of about this size: a large table is never held in memory as a whole. */
const PIECE_CHARS = 64 * 1024;

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function ndjsonLine(columns: readonly string[], row: readonly (string | number | undefined)[]): string {
  const o: Record<string, string | number> = {};
  columns.forEach((c, i) => {
    const v = row[i];
    if (v !== undefined && v !== '') o[c] = v;
  });
  return `${JSON.stringify(o)}\n`;
}

/**
 * Streams a table as CSV (header row, RFC 4180 quoting, UTF-8, text cells kept from being read as formulas) or NDJSON
 * (one object per row): rows are taken from the table's iterator as the connection takes the bytes, in pieces of
 * about 64 KB, so a table of 200,000 rows needs no large buffer. Stops when the client goes away.
 */
export async function sendTable(res: ServerResponse, table: Table, format: TableFormat): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  if (table.filename) res.setHeader('Content-Disposition', `attachment; filename="${table.filename}.${format}"`);
  let piece = format === 'csv' ? stringify([table.columns as string[]], CSV_OPTIONS) : '';
  try {
    for (const row of table.rows) {
      if (res.destroyed) return;
      piece += format === 'csv' ? stringify([table.columns.map((_, i) => row[i] ?? '')], CSV_OPTIONS) : ndjsonLine(table.columns, row);
      if (piece.length >= PIECE_CHARS) {
        const more = res.write(piece);
        piece = '';
        if (!more) await waitForDrain(res);
      }
    }
  } catch (e) {
    // the status line has gone out: a table cut short must not look whole, so the connection is broken off
    if (res.headersSent) res.destroy(e as Error);
    throw e;
  }
  if (!res.destroyed) res.end(piece);
}
