import { parse } from 'csv-parse/sync';
import { tooWideAt } from '../../src/municipal/csv-width';

/** The widest record as csv-parse reads it, with the options the CSV readers use. */
function widest(text: string, delimiter: ';' | ','): number {
  const records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  return Math.max(0, ...records.map((r) => r.length));
}

describe('tooWideAt finds a record wider than the limit as the CSV parser splits it', () => {
  const cases: [string, string, ';' | ','][] = [
    ['plain rows', 'a,b,c\n1,2,3\n1,2,3,4\n', ','],
    ['delimiters in quoted cells', 'a;b;c\n"1;2";"3;;;";4\n"x""y;z";"";5\n', ';'],
    ['line breaks in quoted cells', 'a,b,c\n"1\n,2",3,"4\r\n,"\n', ','],
    // each of these rows is wider than it would be were its lone line breaks taken for the ends of rows
    ['CRLF lines with a lone LF and a lone CR inside a row', 'a,b\r\n1,2\n,3\r,4\r\n5,6\r\n', ','],
    ['LF lines with a lone CR inside a row', 'a,b\n1,2\r,3\r,4\n', ','],
    ['CR lines, and a CRLF among them', 'a,b\r1,2\r\n,3\r', ','],
    ['the first line break in a quoted cell: the next one outside quotes says how rows end', '"a\nb",c\r\nd,e\nf,g\r\n', ','],
    ['blank lines', '\n\na,b\n\n\n1,2,3\n', ','],
  ];

  it.each(cases)('%s', (_name, text, delimiter) => {
    const bytes = Buffer.from(text, 'utf8');
    const width = widest(text, delimiter);
    for (let limit = 1; limit <= width + 1; limit++) {
      const at = tooWideAt(bytes, delimiter, limit);
      expect({ limit, tooWide: at >= 0 }).toEqual({ limit, tooWide: width > limit });
      if (at >= 0) expect(String.fromCharCode(bytes[at]!)).toBe(delimiter);
    }
  });

  it('stops at the field past the limit, not at the end of the row', () => {
    const text = `a,b\n1,2${','.repeat(1_000_000)}\n`;
    // the row begins at 4 with `1,2`, then the commas: the 99th of those (at 7 + 98) begins field 101
    expect(tooWideAt(Buffer.from(text), ',', 100)).toBe(105);
  });
});
