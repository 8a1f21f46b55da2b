/**
 * A CSV text read a slice at a time with turns of the event loop between (readCsvRecordsInTurns, what $rollup and
 * $import-local read their rows with) and in one go (the whole text one slice): the same records, lines and problems.
 */
import { CSV_SLICE_BYTES, RELAXED_CSV_SLICE_BYTES, readCsvRecordsInTurns } from '../../src/municipal/csv-records';
import { turnsDuring } from '../support/turns';

type Reading = Parameters<typeof readCsvRecordsInTurns>[1];
/** The text given to the parser in one piece. */
const readCsvRecords = (text: string, reading: Reading) => readCsvRecordsInTurns(text, { ...reading, sliceBytes: Number.POSITIVE_INFINITY });

const header = 'kommunekode;system;code;count';
/** Rows long enough that the text spans several slices, a quoted cell with a line break and a `;` among them. */
function longText(rows: number, lineEnd = '\n'): string {
  const lines = [header];
  for (let i = 1; i <= rows; i++) {
    lines.push(i % 997 === 0 ? `370;urn:x;"kode ${i};\nover to linjer";${i % 7}` : `370;urn:oid:1.2.208.176.2.21;kode-${i}-${'x'.repeat(i % 40)};${i % 7}`);
    if (i % 500 === 0) lines.push('');
  }
  return lines.join(lineEnd) + lineEnd;
}

const options = (to = 1_000_000) => ({ delimiter: ';' as const, to, maxFields: 100, relaxColumnCount: false });

describe('reading a CSV text a slice at a time', () => {
  const cases: [string, string, 'records' | 'problem'][] = [
    ['many slices, quoted line breaks and empty lines', longText(9_000), 'records'],
    ['CRLF line ends', longText(3_000, '\r\n'), 'records'],
    ['a BOM and a last line without its line end', `\ufeff${header}\n370;a;b;1\n370;"c\nd";e;2`, 'records'],
    ['an unclosed quote after the first slice', `${longText(3_000)}370;urn:x;"open;1\n370;a;b;1\n`, 'problem'],
    ['a row with too many fields after the first slice', `${longText(3_000)}370;a;b;1;extra\n`, 'problem'],
    ['a quote in an unquoted cell', `${header}\n370;a"b;c;1\n`, 'problem'],
    ['nothing but a header', `${header}\n`, 'records'],
    ['an empty text', '', 'records'],
  ];

  it.each(cases)('%s: the records, their lines and the problem are those of the one-go reading', async (_, text, kind) => {
    const read = await readCsvRecordsInTurns(text, options());
    expect(read).toEqual(await readCsvRecords(text, options()));
    expect(kind in read).toBe(true);
  });

  it('gives at most `to` records, and no problem the text has after them, as the one-go reading', async () => {
    const text = `${longText(3_000)}370;urn:x;"open;1\n`;
    const capped = await readCsvRecordsInTurns(text, options(100));
    expect(capped).toEqual(await readCsvRecords(text, options(100)));
    expect('records' in capped && capped.records).toHaveLength(100);
  });

  it('lets other work run between its slices', async () => {
    const text = longText(9_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 * CSV_SLICE_BYTES);
    const { result: read, turns } = await turnsDuring(() => readCsvRecordsInTurns(text, options()));
    expect('records' in read && read.records.length).toBeGreaterThan(9_000);
    expect(turns).toBeGreaterThanOrEqual(Math.floor(Buffer.byteLength(text) / CSV_SLICE_BYTES) - 1);
  });

  it('with relaxColumnCount (rows of another width kept), in slices of its own smaller size: the same records as the one-go reading', async () => {
    // short rows of the wrong width, each of which costs the parser an error object
    const text = ['kode;titel;type;maal', ...Array.from({ length: 4_000 }, (_, i) => (i % 3 === 0 ? `101-R${i};R;indsats;x` : `101-R${i};R`))].join('\n');
    const relaxed = { ...options(), relaxColumnCount: true };
    expect(Buffer.byteLength(text)).toBeGreaterThan(2 * RELAXED_CSV_SLICE_BYTES);
    const { result: read, turns } = await turnsDuring(() => readCsvRecordsInTurns(text, relaxed));
    expect(read).toEqual(await readCsvRecords(text, relaxed));
    expect('records' in read && read.records.length).toBe(4_001);
    expect(turns).toBeGreaterThanOrEqual(Math.floor(Buffer.byteLength(text) / RELAXED_CSV_SLICE_BYTES) - 1);
  });
});
