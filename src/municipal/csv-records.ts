import { setImmediate as nextTurn } from 'node:timers/promises';
import { Parser } from 'csv-parse';
import { bilingual, issueText, type Issue, type Language } from '../errors/issue';
import { tooWideAt } from './csv-width';

/** A CSV file's records, read a slice at a time, and a file's issues on the lines they are about (the import's and $rollup's). */

/**
 * An issue of an import (an error 'invalid', a warning 'business-rule'), on the line of the file it is about (1 =
 * header) where it is about one; in English and, where there is one, Danish (the web page asks for Danish; the
 * command line prints English).
 */
export function lineIssue(severity: 'error' | 'warning', en: string, da?: string, line?: number): Issue {
  return { severity, code: severity === 'error' ? 'invalid' : 'business-rule', text: bilingual(en, da), ...(line !== undefined ? { line } : {}) };
}

/** An import issue as the command line prints it, and as `diagnostics`: "line 3: warning: …" ("linje 3: advarsel: …"). */
export function formatMessage(m: Issue, lang: Language = 'en'): string {
  const [line, warning] = lang === 'da' ? ['linje', 'advarsel'] : ['line', 'warning'];
  return `${m.line !== undefined ? `${line} ${m.line}: ` : ''}${m.severity === 'warning' ? `${warning}: ` : ''}${issueText(m, lang)}`;
}

/**
 * Picks ';' or ',' from the header line (the one that occurs more often outside quotes), and counts the header's
 * columns with it (too few when a quoted field spans lines: the parsed header is checked as well).
 */
export function readCsvHeaderLine(text: string): { delimiter: ';' | ','; columns: number } {
  // a CRLF, a lone LF or a lone CR ("CSV (Macintosh)") ends it
  const end = text.search(/[\r\n]/);
  const firstLine = end < 0 ? text : text.slice(0, end);
  let semi = 0;
  let comma = 0;
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === ';') semi++;
    else if (!quoted && ch === ',') comma++;
  }
  return semi > comma ? { delimiter: ';', columns: semi + 1 } : { delimiter: ',', columns: comma + 1 };
}

/**
 * The line a byte of the file is on, as a reader counts them: a CRLF, a lone LF and a lone CR each end one line, and
 * a line break is on the line it ends. (The parser's own count takes the CR and the LF of a CRLF inside a quoted field
 * for two lines.)
 */
function lineCounter(bytes: Buffer): (offset: number) => number {
  const ends: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0a || (b === 0x0d && bytes[i + 1] !== 0x0a)) ends.push(i);
  }
  return (offset) => {
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ends[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

/** The quote that closes the quoted field opening at `open` (a doubled quote, "", is a quote inside it); -1 when none does. */
function closingQuote(bytes: Buffer, open: number): number {
  let at = open + 1;
  for (;;) {
    const q = bytes.indexOf(0x22, at);
    if (q < 0 || bytes[q + 1] !== 0x22) return q;
    at = q + 2;
  }
}

/**
 * The parser's refusal of the file in our own words, on the line of the quote it is about: its `bytes` are where the
 * field in error begins (the delimiter before it), so the field's first quote is the one it opens with (or, unquoted,
 * the one out of place). Only the quote errors can arise with the options used; any other keeps the parser's English.
 */
function csvSyntaxIssue(e: unknown, bytes: Buffer, lineAt: (offset: number) => number): Issue {
  const err = e as Error & { code?: string; bytes?: number };
  const fieldStart = Math.max(0, Math.min(err.bytes ?? 0, bytes.length));
  const open = bytes.indexOf(0x22, fieldStart);
  const line = (offset: number) => lineAt(offset < 0 ? fieldStart : offset);
  switch (open < 0 ? undefined : err.code) {
    case 'CSV_QUOTE_NOT_CLOSED': {
      const n = line(open);
      return lineIssue('error', `The file is not valid CSV: a quote on line ${n} is not closed`, `Filen er ikke gyldig CSV: et anførselstegn i linje ${n} lukkes ikke.`, n);
    }
    case 'INVALID_OPENING_QUOTE': {
      const n = line(open);
      return lineIssue('error', `The file is not valid CSV: line ${n} has a quote inside a field that does not begin with one; put the whole field in quotes and double the quotes in it ("")`,
        `Filen er ikke gyldig CSV: linje ${n} har et anførselstegn inde i et felt, der ikke begynder med et; sæt hele feltet i anførselstegn, og skriv anførselstegnene i det dobbelt ("").`, n);
    }
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE': {
      const n = line(closingQuote(bytes, open));
      return lineIssue('error', `The file is not valid CSV: on line ${n} a quoted field goes on after its closing quote; double the quotes inside the field ("")`,
        `Filen er ikke gyldig CSV: i linje ${n} fortsætter et felt efter sit afsluttende anførselstegn; skriv anførselstegnene inde i feltet dobbelt ("").`, n);
    }
    default:
      break;
  }
  if (err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
    // its bytes are where the record ends, after its line break
    const n = lineAt(Math.max(0, fieldStart - 1));
    const fields = (err as { record?: unknown[] }).record?.length;
    return lineIssue('error', `The file is not valid CSV: line ${n} has ${fields} fields, not as many as the header`,
      `Filen er ikke gyldig CSV: linje ${n} har ${fields} felter, ikke lige så mange som overskriftslinjen.`, n);
  }
  return lineIssue('error', `The file is not valid CSV: ${err.message}`, 'Filen er ikke gyldig CSV; tjek anførselstegn og skilletegn.', line(fieldStart));
}

/** A record wider than the limit, on the line where it passes it. */
function tooManyFields(line: number, maxFields: number): Issue {
  return lineIssue('error', `Line ${line} has more than ${maxFields} fields; at most ${maxFields} columns are accepted`,
    `Linje ${line} har mere end ${maxFields} felter; højst ${maxFields} kolonner kan bruges.`, line);
}

/** A record of a CSV file, with the line an editor shows it ending on. */
export interface CsvRecord {
  record: string[];
  line: number;
}

interface CsvReading {
  delimiter: ';' | ',';
  to: number;
  /** Most fields in one record: a text with a wider one is refused before it is parsed. */
  maxFields: number;
  relaxColumnCount: boolean;
  /** Bytes parsed between two turns; by default CSV_SLICE_BYTES, or RELAXED_CSV_SLICE_BYTES with relaxColumnCount. */
  sliceBytes?: number;
}

type ParsedRecord = { record: string[]; info: { bytes: number } };

function csvBytes(text: string): Buffer {
  return Buffer.from(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, 'utf8');
}

function parserOptions(options: CsvReading) {
  return { delimiter: options.delimiter, info: true, relax_column_count: options.relaxColumnCount, skip_empty_lines: true, trim: true } as const;
}

/** A record's `bytes` are where it ends (after its line break, if any): its line is that of its last byte. */
function recordOf({ record, info }: ParsedRecord, lineAt: (offset: number) => number): CsvRecord {
  return { record, line: lineAt(info.bytes - 1) };
}

/** How many bytes of a CSV text `readCsvRecordsInTurns` parses before it lets other work run. */
export const CSV_SLICE_BYTES = 128 * 1024;
/**
 * The same with `relaxColumnCount`: csv-parse then makes an error object for every row whose field count differs from
 * the header's (copying its options into it, ~30 µs a row), so 128 KB of short hostile rows took ~300 ms in one go.
 */
export const RELAXED_CSV_SLICE_BYTES = 16 * 1024;

/**
 * The records of a CSV text (empty lines skipped, cells trimmed), at most `to` of them: one more than a caller accepts
 * tells that the file is too long without parsing the rest (a limit of lines would let empty lines and line breaks
 * in quoted cells hide records). Each with the line it ends on as an editor counts (see lineCounter). A text the
 * parser refuses is the problem, in our own words, on its line; one after the `to` records is not read. Parsed a
 * slice of the text at a time with a turn of the event loop between slices: a file of 200,000 rows takes the parser
 * about half a second, which other requests would otherwise wait for. A record of more than `maxFields` fields is the
 * problem, found before any of the text is parsed.
 */
export async function readCsvRecordsInTurns(text: string, options: CsvReading): Promise<{ records: CsvRecord[] } | { problem: Issue }> {
  const bytes = csvBytes(text);
  const lineAt = lineCounter(bytes);
  const tooWide = tooWideAt(bytes, options.delimiter, options.maxFields);
  if (tooWide >= 0) return { problem: tooManyFields(lineAt(tooWide), options.maxFields) };
  const records: CsvRecord[] = [];
  let failure: unknown;
  const parser = new Parser(parserOptions(options));
  parser.on('data', (r: ParsedRecord) => {
    if (records.length < options.to) records.push(recordOf(r, lineAt));
  });
  const done = new Promise<void>((resolve) => {
    parser.on('end', resolve);
    parser.on('error', (e: unknown) => {
      // past `to` records the text is not read further
      if (records.length < options.to) failure ??= e;
      resolve();
    });
  });
  const slice = options.sliceBytes ?? (options.relaxColumnCount ? RELAXED_CSV_SLICE_BYTES : CSV_SLICE_BYTES);
  for (let at = 0; at < bytes.length && failure === undefined && records.length < options.to; at += slice) {
    parser.write(bytes.subarray(at, at + slice));
    await nextTurn();
  }
  if (failure === undefined && records.length < options.to) {
    parser.end();
    await done;
  } else parser.destroy();
  return failure !== undefined ? { problem: csvSyntaxIssue(failure, bytes, lineAt) } : { records };
}
