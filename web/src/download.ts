/** Downloads made on the page (a table, a chart) rather than by the server. */

/** Saves a blob as a file (the browser's download). */
export function saveBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The cells of an RFC 4180 CSV text (`,` separated, `"` quoting), a row per line. */
function csvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') { cell += '"'; i++; } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** The server's column names ($coverage-matrix, $rollup's wide table) as the downloads name them for staff. */
const DANISH_COLUMN: Record<string, string> = {
  level: 'niveau', code: 'kode', display: 'titel', lovparagraf: 'lovparagraf', value_set: 'værdisæt', municipalities: 'kommuner',
};

/** The kinds of row of $rollup's wide table, in the `level` column. */
const DANISH_LEVEL: Record<string, string> = {
  niveau2: 'niveau 2', niveau1: 'niveau 1', area: 'tilstandsområde', 'not-counted': 'ikke talt',
};

/** The rows with Danish column names (a municipality's column, its kommunekode, stays) and Danish kinds of row. */
export function danishTable(rows: string[][]): string[][] {
  const [head, ...body] = rows;
  if (!head) return rows;
  const level = head.indexOf('level');
  return [
    head.map((h) => DANISH_COLUMN[h] ?? h),
    ...body.map((row) => (level < 0 ? row : row.map((v, i) => (i === level ? DANISH_LEVEL[v] ?? v : v)))),
  ];
}

/**
 * The server's CSV as a Danish spreadsheet opens it by a double click: Danish column names, cells separated by `;`
 * (the list separator of Danish settings; a `,` file opens in one column) and a byte order mark, without which Excel
 * reads UTF-8 as Windows-1252 and shows "KÃ¸benhavn".
 */
export function spreadsheetCsv(text: string): Blob {
  const cell = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = danishTable(csvRows(text)).map((row) => `${row.map(cell).join(';')}\r\n`);
  return new Blob(['\uFEFF', ...lines], { type: 'text/csv;charset=utf-8' });
}
