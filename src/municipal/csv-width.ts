const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Where the first record of a CSV text gets more than `maxFields` fields (the delimiter that begins field
 * `maxFields + 1`), or -1 when no record does: read from the bytes before the parser splits them, since the parser
 * spends about a microsecond on each field, and a header or row of 10,000,000 commas took it 7 s before its width
 * could be checked. Records end where csv-parse ends them: at the kind of line break (CRLF, LF or CR) first met
 * outside quotes, from then on only at that kind. Every quote opens or closes quoting, which is how the parser reads a
 * file it accepts (a quote anywhere else it refuses).
 */
export function tooWideAt(bytes: Buffer, delimiter: ';' | ',', maxFields: number): number {
  const separator = delimiter.charCodeAt(0);
  const n = bytes.length;
  let fields = 1;
  let lineBreak: 'crlf' | 'lf' | 'cr' | undefined;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      // a doubled quote inside closes and opens again
      i = bytes.indexOf(QUOTE, i + 1);
      if (i < 0) return -1;
    } else if (c === separator) {
      if (++fields > maxFields) return i;
    } else if (c === LF || c === CR) {
      const kind = c === LF ? 'lf' : bytes[i + 1] === LF ? 'crlf' : 'cr';
      lineBreak ??= kind;
      if (kind === lineBreak || (lineBreak === 'cr' && c === CR)) fields = 1;
    }
  }
  return -1;
}
