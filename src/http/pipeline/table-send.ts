import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { TableFormat } from '../../fhir/fhir-format';
import type { Table } from '../../operations/context';
import { tableHead, tableLine } from '../../operations/table-text';

const CONTENT_TYPES: Record<TableFormat, string> = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' };

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

/**
 * Streams a table as CSV (header row, RFC 4180 quoting, UTF-8, text cells kept from being read as formulas) or NDJSON
 * (one object per row): rows are taken from the table's iterator as the connection takes the bytes, in pieces of
 * about 64 KB with a turn of the event loop between them, so a table of 200,000 rows needs no large buffer and holds
 * no other request up. Stops when the client goes away.
 */
export async function sendTable(res: ServerResponse, table: Table, format: TableFormat): Promise<void> {
  res.statusCode = 200;
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  if (table.filename) res.setHeader('Content-Disposition', `attachment; filename="${table.filename}.${format}"`);
  let piece = tableHead(table.columns, format);
  try {
    for (const row of table.rows) {
      if (res.destroyed) return;
      piece += tableLine(table.columns, row, format);
      if (piece.length >= PIECE_CHARS) {
        const more = res.write(piece);
        piece = '';
        // a turn of the event loop after every piece: when the client takes the bytes as fast as they come, the
        // 'drain' comes without one (on the next tick), and a large table (a roll-up's 28 MB, an export's 80 MB)
        // was written in one block of half a second or more that held every other request
        await nextTurn();
        if (!more && res.writableNeedDrain) await waitForDrain(res);
      }
    }
  } catch (e) {
    // the status line has gone out: a table cut short must not look whole, so the connection is broken off
    if (res.headersSent) res.destroy(e as Error);
    throw e;
  }
  if (!res.destroyed) res.end(piece);
}
