import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ParametersParameter } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { Bilingual } from '../../errors/issue';
import { excerpt } from '../../errors/excerpt';
import { valueField } from '../../fhir/choice-value';
import type { ParamSpec, ParamType } from '../../fhir/parameters';
import { readCsvHeaderLine, readCsvRecordsInTurns } from '../../municipal/csv-records';
import { isKommunekode } from '../../municipal/municipality';
import { COUNT_SLICE_ROWS, MAX_ROLLUP_COLUMNS, MAX_ROLLUP_ROWS, type RollupRow } from './counts';

/** The rows a $rollup counts, from its `row` parameters or its CSV, each checked. */

const MAX_COUNT = 1_000_000_000;

type Field = keyof Omit<RollupRow, 'line'>;

const COLUMN_ALIASES: Record<string, Field> = {
  kommunekode: 'kommunekode', kommune: 'kommunekode', system: 'system', code: 'code', kode: 'code', count: 'count', antal: 'count',
  period: 'period', periode: 'period', district: 'district', bydel: 'district', omraade: 'district', område: 'district',
};

/** The type of the part that gives each field of a row (the OperationDefinition's). */
const FIELD_TYPES: Record<Field, ParamType> = {
  kommunekode: 'code', system: 'uri', code: 'code', count: 'integer', district: 'string', period: 'string',
};

/**
 * The parts of a `row` parameter: each field by its name, then by the CSV's column names for it, typed, so that the
 * parameters' parser refuses a part of another name or type (400 naming it). `kommune` is a text: beside `kommunekode`
 * the municipality's name (not read), alone the kommunekode.
 */
export const ROW_PARTS: ParamSpec[] = [
  ...Object.entries(FIELD_TYPES).map(([name, type]) => ({ name, type })),
  ...Object.entries(COLUMN_ALIASES).filter(([name, field]) => name !== field)
    .map(([name, field]): ParamSpec => ({ name, type: name === 'kommune' ? 'string' : FIELD_TYPES[field] })),
];

function checkedRow(line: number, raw: Partial<Record<Field, unknown>>, where: Bilingual): RollupRow {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
  const kommunekode = text(raw.kommunekode);
  if (!isKommunekode(kommunekode)) {
    const given = excerpt(text(raw.kommunekode), 20);
    throw FhirError.invalid(`${where.en}: kommunekode must be three digits, not '${given}'`, { da: `${where.da}: kommunekode skal være tre cifre, ikke '${given}'` });
  }
  const system = text(raw.system);
  const code = text(raw.code);
  if (!system) throw FhirError.invalid(`${where.en}: system is missing`, { da: `${where.da}: system mangler` });
  if (!code) throw FhirError.invalid(`${where.en}: code is missing`, { da: `${where.da}: koden (kode eller code) mangler` });
  const countText = text(raw.count);
  const count = Number(countText);
  if (!/^\d{1,10}$/.test(countText) || count > MAX_COUNT) {
    throw FhirError.invalid(`${where.en}: count must be a whole number from 0 to ${MAX_COUNT}, not '${excerpt(countText, 20)}'`, {
      da: `${where.da}: antallet (antal eller count) skal være et helt tal fra 0 til ${MAX_COUNT}, ikke '${excerpt(countText, 20)}'`,
    });
  }
  const period = text(raw.period);
  const district = text(raw.district);
  return { line, kommunekode, system, code, count, ...(district ? { district } : {}), ...(period ? { period } : {}) };
}

/** Where a row is, for a message: its CSV line (blank lines skipped still count, as an editor shows it), or its number among the `row` parameters. */
export function rowPlace(line: number, fromCsv: boolean): Bilingual {
  return fromCsv ? { en: `CSV line ${line}`, da: `CSV-linje ${line}` } : { en: `row ${line}`, da: `række ${line}` };
}

/** The rows of the `row` parameters, whose parts the parameters' parser has checked against ROW_PARTS. */
export function rowsFromParameters(parts: ParametersParameter[]): RollupRow[] {
  return parts.map((p, i) => {
    const raw: Record<string, unknown> = {};
    const parts = Array.isArray(p.part) ? p.part : [];
    const names = parts.map((x) => (x && typeof x.name === 'string' ? x.name : ''));
    const fields = fieldsOf(names);
    for (const [n, x] of parts.entries()) {
      const field = fields[n];
      const key = x ? valueField(x) : undefined;
      if (!field || !key) continue;
      if (field in raw) {
        throw FhirError.invalid(`row ${i + 1}: two parts give the ${field} ('${excerpt(x.name, 40)}' and another); give it once`, {
          expression: [`row[${i}]`], da: `række ${i + 1}: to dele angiver ${FIELD_DA[field]} ('${excerpt(x.name, 40)}' og en anden); angiv den én gang`,
        });
      }
      raw[field] = (x as unknown as Record<string, unknown>)[key];
    }
    return checkedRow(i + 1, raw, rowPlace(i + 1, false));
  });
}

/**
 * The field each column of the header gives (undefined: a column not read). Two columns giving one field (count and
 * antal) are refused, as either could be the one meant; a `kommune` column beside `kommunekode` is the municipality's
 * name, as Danish exports have it, and is not read.
 */
function headerFields(names: string[]): (Field | undefined)[] {
  const fields = fieldsOf(names.map((h) => h.trim().toLowerCase()));
  fields.forEach((field, c) => {
    const first = field === undefined ? -1 : fields.indexOf(field);
    if (first === -1 || first === c) return;
    const [a, b] = [excerpt(names[first]!, 40), excerpt(names[c]!, 40)];
    throw FhirError.invalid(`The CSV's columns '${a}' and '${b}' both give the ${field}; keep one of them`, {
      expression: ['csv'], da: `CSV-filens kolonner '${a}' og '${b}' angiver begge ${FIELD_DA[field!]}; behold én af dem`,
    });
  });
  return fields;
}

/** The field each name gives (a CSV column's, a row part's): `kommune` beside `kommunekode` is the municipality's name, none. */
function fieldsOf(names: string[]): (Field | undefined)[] {
  return names.map((h) => (h === 'kommune' && names.includes('kommunekode') ? undefined : COLUMN_ALIASES[h]));
}

const FIELD_DA: Record<Field, string> = {
  kommunekode: 'kommunekoden', system: 'kodesystemet', code: 'koden', count: 'antallet', period: 'perioden', district: 'området',
};

export async function rowsFromCsv(csv: string): Promise<RollupRow[]> {
  const read = await readCsvRecordsInTurns(csv, { delimiter: readCsvHeaderLine(csv).delimiter, to: MAX_ROLLUP_ROWS + 2, maxFields: MAX_ROLLUP_COLUMNS, relaxColumnCount: false });
  if ('problem' in read) {
    const { text } = read.problem;
    throw FhirError.invalid(typeof text === 'string' ? text : text.en, { expression: ['csv'], da: typeof text === 'string' ? undefined : text.da });
  }
  const { records } = read;
  const header = headerFields(records[0]?.record ?? []);
  for (const needed of ['kommunekode', 'system', 'code', 'count'] as const) {
    if (!header.includes(needed)) {
      throw FhirError.invalid(`The CSV needs a header row with the columns kommunekode, system, code (or kode), count (or antal) and optionally district and period; '${needed}' is missing`, {
        expression: ['csv'],
        da: `CSV-filen skal have en overskriftsrække med kolonnerne kommunekode, system, code (eller kode), count (eller antal) og eventuelt district og period; '${needed}' mangler`,
      });
    }
  }
  if (records.length - 1 > MAX_ROLLUP_ROWS) {
    throw FhirError.invalid(`The CSV has more than ${MAX_ROLLUP_ROWS} rows; split it`, { expression: ['csv'], da: `CSV-filen har mere end ${MAX_ROLLUP_ROWS} rækker; del den op` });
  }
  const rows: RollupRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const { record, line } = records[i]!;
    const raw: Record<string, unknown> = {};
    header.forEach((field, c) => {
      if (field) raw[field] = record[c];
    });
    rows.push(checkedRow(line, raw, rowPlace(line, true)));
    if (i % COUNT_SLICE_ROWS === 0) await nextTurn();
  }
  return rows;
}
