import { byText } from './danish-order';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Coding, ConceptMap, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import { parametersInTurns } from '../fhir/serialized';
import { readCsvHeaderLine, readCsvRecordsInTurns } from '../municipal/csv-import';
import { deletedLocal, isKommunekode, ownerOf } from '../municipal/municipality';
import {
  COUNT_SLICE_ROWS, countingRule, DEFAULT_CONDITION_VALUESET, MAX_ROLLUP_COLUMNS, MAX_ROLLUP_ROWS, rollupInTurns, type InForceOn, type OfferRule, type RollupOptions, type RollupResult, type RollupRow, type Scope,
} from './rollup-counts';
import { versionInForce } from '../terminology/in-force';
import { PERIOD_FORMS, periodEndDate } from './rollup-period';
import type { OperationContext, OperationHandler, ParameterDocumentation, Table } from './context';
import { conceptMapVersion, notMunicipalMap } from './map-version';
import { valueField } from '../fhir/choice-value';
import { excerpt } from '../errors/excerpt';
import { messageLanguageOf, type MessageLanguage } from '../errors/message-language';
import { statusNameDa } from '../terminology/status-name';

/**
 * ConceptMap/$rollup (this server's operation): counts documented on local or common codes, rolled up to niveau 2,
 * niveau 1 and condition areas per municipality (src/operations/rollup-counts.ts). Input: `row` parameters (parts kommunekode,
 * system, code, count, district, period) or a CSV (`text/csv` body, or parameter `csv`) with the columns kommunekode,
 * system, code (or kode), count (or antal) and optionally district (bydel, omraade) and period (or periode). Output: Parameters, or CSV/NDJSON.
 */
const spec: OperationSpec = {
  name: 'rollup',
  params: [
    { name: 'row', type: 'part', repeats: true },
    { name: 'csv', type: 'string' },
    { name: 'offers', type: 'code' },
    { name: 'conditionDepth', type: 'integer' },
    { name: 'conditionValueSet', type: 'canonical' },
    { name: 'layout', type: 'code' },
    { name: 'conceptMap', type: 'canonical', repeats: true },
    { name: 'date', type: 'dateTime' },
    { name: 'dateFromPeriod', type: 'boolean' },
  ],
};

const OFFER_RULES: OfferRule[] = ['each-target', 'exclude'];
const MAX_COUNT = 1_000_000_000;

const COLUMN_ALIASES: Record<string, keyof Omit<RollupRow, 'line'>> = {
  kommunekode: 'kommunekode', kommune: 'kommunekode', system: 'system', code: 'code', kode: 'code', count: 'count', antal: 'count',
  period: 'period', periode: 'period', district: 'district', bydel: 'district', omraade: 'district', område: 'district',
};

function checkedRow(line: number, raw: Partial<Record<keyof Omit<RollupRow, 'line'>, unknown>>, where: Bilingual): RollupRow {
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
function rowPlace(line: number, fromCsv: boolean): Bilingual {
  return fromCsv ? { en: `CSV line ${line}`, da: `CSV-linje ${line}` } : { en: `row ${line}`, da: `række ${line}` };
}

function rowsFromParameters(parts: ParametersParameter[]): RollupRow[] {
  return parts.map((p, i) => {
    const raw: Record<string, unknown> = {};
    for (const x of Array.isArray(p.part) ? p.part : []) {
      const field = x && typeof x.name === 'string' ? COLUMN_ALIASES[x.name] : undefined;
      const key = x ? valueField(x) : undefined;
      if (field && key) raw[field] = (x as unknown as Record<string, unknown>)[key];
    }
    return checkedRow(i + 1, raw, rowPlace(i + 1, false));
  });
}

async function rowsFromCsv(csv: string): Promise<RollupRow[]> {
  const read = await readCsvRecordsInTurns(csv, { delimiter: readCsvHeaderLine(csv).delimiter, to: MAX_ROLLUP_ROWS + 2, maxFields: MAX_ROLLUP_COLUMNS, relaxColumnCount: false });
  if ('problem' in read) {
    const { text } = read.problem;
    throw FhirError.invalid(typeof text === 'string' ? text : text.en, { expression: ['csv'], da: typeof text === 'string' ? undefined : text.da });
  }
  const { records } = read;
  const header = (records[0]?.record ?? []).map((h) => COLUMN_ALIASES[h.toLowerCase()]);
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

/**
 * The roll-up of the rows given: a CSV read a slice at a time, the rows counted a slice at a time, and a turn before
 * the answer is made from them (other requests are answered in between; rollupInTurns counts every row with the same
 * catalogs).
 */
async function compute(input: OperationInput, ctx: OperationContext): Promise<RollupResult> {
  const parts = input.all<ParametersParameter>('row');
  const csv = input.string('csv');
  if (parts.length > 0 && csv !== undefined) {
    throw FhirError.invalid("Give the rows as 'row' parameters or as CSV, not both", { da: "Angiv rækkerne som 'row'-parametre eller som CSV, ikke begge dele" });
  }
  if (parts.length > MAX_ROLLUP_ROWS) {
    throw FhirError.invalid(`At most ${MAX_ROLLUP_ROWS} rows in one request`, { expression: ['row'], da: `Højst ${MAX_ROLLUP_ROWS} rækker i én forespørgsel` });
  }
  const rows = csv !== undefined ? await rowsFromCsv(csv) : rowsFromParameters(parts);
  await nextTurn();
  if (rows.length === 0) {
    throw FhirError.invalid("No rows to roll up: give 'row' parameters or a CSV (text/csv body)", {
      expression: ['row'], da: "Ingen rækker at opsummere: angiv 'row'-parametre eller en CSV-fil (text/csv-krop)",
    });
  }
  const offers = (input.string('offers') ?? 'each-target') as OfferRule;
  if (!OFFER_RULES.includes(offers)) {
    throw FhirError.invalid(`offers must be ${OFFER_RULES.join(' or ')}, not '${excerpt(offers)}'`, {
      expression: ['offers'], da: `offers skal være ${OFFER_RULES.join(' eller ')}, ikke '${excerpt(offers)}'`,
    });
  }
  const conditionDepth = input.integer('conditionDepth') ?? 1;
  if (conditionDepth < 0 || conditionDepth > 20) {
    throw FhirError.invalid('conditionDepth must be from 0 (the root) to 20', { expression: ['conditionDepth'], da: 'conditionDepth skal være fra 0 (roden) til 20' });
  }
  const conceptMaps: ConceptMap[] = [];
  for (const ref of input.all<string>('conceptMap')) {
    const cm = conceptMapVersion(ctx, ref, 'conceptMap');
    if (!ownerOf(cm)) throw notMunicipalMap(ref);
    const same = conceptMaps.find((c) => c.url === cm.url);
    if (same && same.version === cm.version) continue;
    if (same) throw twoVersionsOfOneMap(cm.url!, same.version, cm.version);
    conceptMaps.push(cm);
  }
  const date = input.string('date');
  if (date !== undefined && conceptMaps.length > 0) {
    throw FhirError.invalid("Give either 'date' or map versions (conceptMap), not both", {
      expression: ['date'], da: "Angiv enten 'date' eller versioner af koblinger (conceptMap), ikke begge",
    });
  }
  const fromPeriod = input.boolean('dateFromPeriod') === true;
  if (fromPeriod && (date !== undefined || conceptMaps.length > 0)) {
    throw FhirError.invalid(`Give one of 'dateFromPeriod', 'date' and map versions (conceptMap), not ${date !== undefined ? "'date'" : 'conceptMap'} as well`, {
      expression: ['dateFromPeriod'],
      da: `Angiv én af 'dateFromPeriod', 'date' og versioner af koblinger (conceptMap), ikke ${date !== undefined ? "'date'" : 'conceptMap'} også`,
    });
  }
  const options: RollupOptions = {
    offers, conditionDepth, conditionValueSet: input.string('conditionValueSet') ?? DEFAULT_CONDITION_VALUESET,
    ...(conceptMaps.length > 0 ? { conceptMaps } : {}),
    ...(date !== undefined ? { inForceOn: inForceOn(ctx, date) } : {}),
    ...(fromPeriod ? { inForceByPeriod: inForceByPeriod(ctx, rows, csv !== undefined) } : {}),
  };
  const result = await rollupInTurns(ctx.registry, rows, options);
  checkFhirIntegers(result);
  // the answer is made from the counts after another turn
  await nextTurn();
  return result;
}

/** The version of a municipality's map or local catalog in force on `date` ($translate's rule, terminology/in-force.ts). */
function inForceOn(ctx: OperationContext, date: string): InForceOn {
  return {
    date,
    map: (newest) => versionInForce(ctx.registry, 'ConceptMap', newest.url!, date, ctx.written),
    catalog: (newest) => versionInForce(ctx.registry, 'CodeSystem', newest.url!, date, ctx.written),
    deleted: (kommunekode) => ({
      maps: deletedLocal(ctx.registry, 'ConceptMap', ctx.written?.deletedUrls?.('ConceptMap') ?? [], kommunekode),
      catalogs: deletedLocal(ctx.registry, 'CodeSystem', ctx.written?.deletedUrls?.('CodeSystem') ?? [], kommunekode),
    }),
  };
}

/** For `dateFromPeriod`: each period of the rows with the maps and catalogs at its end; 400 for a row without a period that reads as a date. */
function inForceByPeriod(ctx: OperationContext, rows: RollupRow[], fromCsv: boolean): Map<string, InForceOn> {
  const byPeriod = new Map<string, InForceOn>();
  for (const row of rows) {
    const period = row.period ?? '';
    if (byPeriod.has(period)) continue;
    const date = period ? periodEndDate(period) : undefined;
    if (date === undefined) {
      const where = rowPlace(row.line, fromCsv);
      const what = period ? { en: `its period '${excerpt(period, 40)}' is not`, da: `dens periode '${excerpt(period, 40)}' er ikke` }
        : { en: 'it has no period, and each row needs', da: 'den har ingen periode, og hver række skal have' };
      throw FhirError.invalid(`${where.en}: with dateFromPeriod each row's period is read as a date, but ${what.en} ${PERIOD_FORMS.en}`, {
        expression: [fromCsv ? 'csv' : 'row'],
        da: `${where.da}: med dateFromPeriod læses hver rækkes periode som en dato, men ${what.da} ${PERIOD_FORMS.da}`,
      });
    }
    byPeriod.set(period, inForceOn(ctx, date));
  }
  return byPeriod;
}

/** A roll-up is against one version of each map: two versions of one url would count their codes twice. */
function twoVersionsOfOneMap(url: string, a: string | undefined, b: string | undefined): FhirError {
  return FhirError.invalid(`conceptMap names two versions of ${url} (${a ?? '(no version)'} and ${b ?? '(no version)'}); a roll-up uses one version of each map`, {
    expression: ['conceptMap'], da: `conceptMap angiver to versioner af ${url} (${a ?? '(ingen version)'} og ${b ?? '(ingen version)'}); en optælling bruger én version af hver kobling`,
  });
}

const sum = (xs: { count: number }[]) => xs.reduce((n, x) => n + x.count, 0);

/** The largest value of a FHIR R4 integer (32-bit signed). */
const FHIR_INTEGER_MAX = 2_147_483_647;

/**
 * Every count of the answer fits a FHIR integer, or the roll-up is refused (in every format, so that a table and the
 * Parameters never disagree). Counts are ≥ 0, so each one is at most one of these totals: a niveau-2 or niveau-1 line
 * at most niveau2Total (= niveau1Total), an area at most areaTotal, a row and the other summary parts at most inputCount.
 */
function checkFhirIntegers(r: RollupResult): void {
  const totals: [string, number][] = [['inputCount', r.inputCount], ['niveau2Total', sum(r.niveau2)], ['niveau1Total', sum(r.niveau1)], ['areaTotal', sum(r.areas)]];
  const over = totals.filter(([, n]) => n > FHIR_INTEGER_MAX).map(([name, n]) => `${name} ${n}`).join(', ');
  if (!over) return;
  throw new FhirError(422, 'business-rule', `The roll-up's totals do not fit a FHIR integer (at most ${FHIR_INTEGER_MAX}): ${over}; ` +
    'roll up fewer rows at a time (e.g. one municipality or period per request) and add the answers', {
    da: `Optællingens totaler er for store til et FHIR-heltal (højst ${FHIR_INTEGER_MAX}): ${over}; ` +
      'opsummér færre rækker ad gangen (fx én kommune eller periode pr. forespørgsel) og læg svarene sammen',
  });
}

function where(scope: Scope): ParametersParameter[] {
  return [{ name: 'kommunekode', valueCode: scope.kommunekode }, ...(scope.district ? [{ name: 'district', valueString: scope.district }] : []),
    ...(scope.period ? [{ name: 'period', valueString: scope.period }] : [])];
}

function coding(name: string, c: Coding | undefined): ParametersParameter[] {
  return c ? [{ name, valueCoding: c }] : [];
}

/** The answer's parameters, in order, made as they are serialized (parametersInTurns). */
function* answerParameters(r: RollupResult, language: MessageLanguage): Generator<ParametersParameter> {
  const part = (name: string, parts: ParametersParameter[]): ParametersParameter => ({ name, part: parts });
  yield { name: 'counting', valueString: countingRule(r.options, language) };
  yield { name: 'offers', valueCode: r.options.offers };
  yield { name: 'conditionDepth', valueInteger: r.options.conditionDepth };
  yield { name: 'conditionValueSet', valueCanonical: r.options.conditionValueSet };
  if (r.options.inForceOn) yield { name: 'date', valueDateTime: r.options.inForceOn.date };
  for (const [period, on] of r.options.inForceByPeriod ?? []) yield part('periodDate', [{ name: 'period', valueString: period }, { name: 'date', valueDate: on.date }]);
  yield part('summary', [
    { name: 'rows', valueInteger: r.rows },
    { name: 'inputCount', valueInteger: r.inputCount },
    { name: 'interventionInput', valueInteger: r.interventionInput },
    { name: 'conditionInput', valueInteger: r.conditionInput },
    { name: 'notCountedInput', valueInteger: r.notCountedInput },
    { name: 'offerExtra', valueInteger: r.offerExtra },
    { name: 'niveau2Total', valueInteger: sum(r.niveau2) },
    { name: 'niveau1Total', valueInteger: sum(r.niveau1) },
    { name: 'areaTotal', valueInteger: sum(r.areas) },
  ]);
  for (const n of r.niveau2) {
    yield part('niveau2', [...where(n), ...coding('intervention', n.intervention), ...coding('niveau1', n.niveau1),
      ...(n.lovparagraf ? [{ name: 'lovparagraf', valueString: n.lovparagraf }] : []), { name: 'count', valueInteger: n.count },
      { name: 'direct', valueInteger: n.direct }, { name: 'viaOffers', valueInteger: n.viaOffers }]);
  }
  for (const n of r.niveau1) {
    yield part('niveau1', [...where(n), ...coding('niveau1', n.niveau1),
      ...(n.lovparagraf ? [{ name: 'lovparagraf', valueString: n.lovparagraf }] : []), { name: 'count', valueInteger: n.count }]);
  }
  for (const a of r.areas) yield part('area', [...where(a), ...coding('area', a.area), { name: 'count', valueInteger: a.count }]);
  for (const n of r.notCounted) {
    yield part('notCounted', [{ name: 'line', valueInteger: n.row.line }, ...where(n.row),
      { name: 'system', valueUri: n.row.system }, { name: 'code', valueCode: n.row.code }, { name: 'count', valueInteger: n.row.count },
      { name: 'reason', valueCode: n.reason }, { name: 'message', valueString: n.message[language] }]);
  }
  for (const x of r.replaced) {
    const { status, ...replaced } = x.replaced;
    yield part('replaced', [{ name: 'line', valueInteger: x.row.line }, ...where(x.row), { name: 'code', valueCode: x.row.code },
      ...coding('replaced', replaced), { name: 'status', valueCode: status }, ...coding('replacement', x.replacement), { name: 'count', valueInteger: x.row.count }]);
  }
  for (const x of r.outdated) {
    const { status, ...code } = x.code;
    yield part('outdated', [{ name: 'line', valueInteger: x.row.line }, ...where(x.row), ...coding('concept', code),
      { name: 'status', valueCode: status }, { name: 'count', valueInteger: x.row.count }]);
  }
}

const COLUMNS = ['level', 'kommunekode', 'district', 'period', 'system', 'code', 'display', 'niveau1_code', 'niveau1_display', 'lovparagraf', 'count', 'direct',
  'via_offers', 'reason', 'note'] as const;

/** The long table's rows; its notes in the caller's language (the codes in `level` and `reason` are the API's). */
function* tableRows(r: RollupResult, language: MessageLanguage): Generator<(string | number | undefined)[]> {
  const line = (n: number) => (language === 'da' ? `linje ${n}` : `line ${n}`);
  for (const n of r.niveau2) {
    yield ['niveau2', n.kommunekode, n.district, n.period, n.intervention.system, n.intervention.code, n.intervention.display, n.niveau1?.code, n.niveau1?.display,
      n.lovparagraf, n.count, n.direct, n.viaOffers, undefined, undefined];
  }
  for (const n of r.niveau1) {
    yield ['niveau1', n.kommunekode, n.district, n.period, n.niveau1?.system, n.niveau1?.code, n.niveau1?.display, n.niveau1?.code, n.niveau1?.display, n.lovparagraf,
      n.count, undefined, undefined, undefined, undefined];
  }
  for (const a of r.areas) yield ['area', a.kommunekode, a.district, a.period, a.area.system, a.area.code, a.area.display, undefined, undefined, undefined, a.count];
  for (const n of r.notCounted) {
    yield ['not-counted', n.row.kommunekode, n.row.district, n.row.period, n.row.system, n.row.code, undefined, undefined, undefined, undefined, n.row.count, undefined,
      undefined, n.reason, `${line(n.row.line)}: ${n.message[language]}`];
  }
  for (const x of r.replaced) {
    yield ['replaced', x.row.kommunekode, x.row.district, x.row.period, x.replaced.system, x.replaced.code, x.replaced.display, undefined, undefined, undefined, x.row.count,
      undefined, undefined, x.replaced.status,
      `${line(x.row.line)}: ${x.row.code} ${language === 'da' ? 'talt på' : 'counted on'} ${x.replacement.code} (${x.replacement.display ?? ''})`];
  }
  for (const x of r.outdated) {
    yield ['outdated', x.row.kommunekode, x.row.district, x.row.period, x.code.system, x.code.code, x.code.display, undefined, undefined, undefined, x.row.count,
      undefined, undefined, x.code.status, language === 'da'
        ? `${line(x.row.line)}: talt på ${x.code.code} selv (${statusNameDa(x.code.status)}; ingen afløser er angivet)`
        : `${line(x.row.line)}: counted on ${x.code.code} itself (${x.code.status}; no successor is named)`];
  }
}

/**
 * The comparison table (layout=wide): one line per niveau-2 intervention, niveau 1 and area, one count column per
 * municipality (and district, and period when the rows have several), and a line with what was not counted.
 */
const LEVEL_ORDER = ['niveau2', 'niveau1', 'area', 'not-counted'];

/** The title of the wide table's line of what was not counted, in the caller's language (the web page asks for Danish). */
const NOT_COUNTED_LINE: Bilingual = { en: 'not counted (see the long layout)', da: 'ikke talt (hver række og årsagen står i den lange opstilling)' };

function sharedColumn(column: string, a: Scope, b: Scope): FhirError {
  const show = (x: Scope) => `(${[x.kommunekode, x.district ?? '', x.period ?? ''].map((p) => `'${excerpt(p, 40)}'`).join(', ')})`;
  return FhirError.invalid(`layout=wide would give ${show(a)} and ${show(b)} (kommunekode, district, period) the same column '${excerpt(column, 100)}'; ` +
    'use layout=long, which keeps district and period apart', {
    expression: ['layout'],
    da: `layout=wide ville give ${show(a)} og ${show(b)} (kommunekode, bydel, periode) samme kolonne '${excerpt(column, 100)}'; brug layout=long, der holder bydel og periode adskilt`,
  });
}

function wideTable(r: RollupResult, language: MessageLanguage): Table {
  const scopes = [...r.niveau2, ...r.niveau1, ...r.areas, ...r.notCounted.map((n) => n.row)];
  const periods = new Set(scopes.map((x) => x.period ?? ''));
  const label = (x: Scope) => [x.kommunekode, x.district, periods.size > 1 ? x.period : undefined].filter((p) => p).join(' ');
  // two scopes must never share a column: a district and period that run together into another's label are refused
  const scopeOfColumn = new Map<string, Scope>();
  for (const x of scopes) {
    const column = label(x);
    const other = scopeOfColumn.get(column);
    if (!other) scopeOfColumn.set(column, x);
    else if (other.district !== x.district || (periods.size > 1 && other.period !== x.period)) throw sharedColumn(column, other, x);
  }
  const columns = [...scopeOfColumn.keys()].sort(byText);
  const lines = new Map<string, { head: (string | undefined)[]; counts: Map<string, number> }>();
  const add = (key: string, head: (string | undefined)[], column: string, count: number) => {
    const line = lines.get(key) ?? { head, counts: new Map<string, number>() };
    line.counts.set(column, (line.counts.get(column) ?? 0) + count);
    lines.set(key, line);
  };
  for (const n of r.niveau2) {
    add(`niveau2|${n.intervention.system}|${n.intervention.code}`, ['niveau2', n.intervention.code, n.intervention.display, n.lovparagraf],
      label(n), n.count);
  }
  for (const n of r.niveau1) add(`niveau1|${n.niveau1?.code}`, ['niveau1', n.niveau1?.code, n.niveau1?.display, n.lovparagraf], label(n), n.count);
  for (const a of r.areas) add(`area|${a.area.system}|${a.area.code}`, ['area', a.area.code, a.area.display, undefined], label(a), a.count);
  for (const n of r.notCounted) add('not-counted', ['not-counted', undefined, NOT_COUNTED_LINE[language], undefined], label(n.row), n.row.count);
  return {
    columns: ['level', 'code', 'display', 'lovparagraf', ...columns],
    // by level (as added), then paragraph and title
    rows: [...lines.values()]
      .sort((a, b) => LEVEL_ORDER.indexOf(a.head[0]!) - LEVEL_ORDER.indexOf(b.head[0]!) || byText(a.head[3], b.head[3]) || byText(a.head[2], b.head[2]))
      .map((l) => [...l.head, ...columns.map((c) => l.counts.get(c) ?? 0)]),
    filename: 'rollup',
  };
}

/** The parts of the answer's counts that say whose they are, and the others several of them have. */
const SCOPE_PARTS: ParameterDocumentation[] = [
  { name: 'kommunekode', type: 'code', min: 1, documentation: 'The municipality' },
  { name: 'district', type: 'string', documentation: 'The district, when the rows give one' },
  { name: 'period', type: 'string', documentation: 'The period, when the rows give one' },
];
const NIVEAU1_PART: ParameterDocumentation = { name: 'niveau1', type: 'Coding', documentation: 'The niveau-1 grouping' };
const LOVPARAGRAF_PART: ParameterDocumentation = { name: 'lovparagraf', type: 'string', documentation: 'The law paragraph' };
const COUNT_PART: ParameterDocumentation = { name: 'count', type: 'integer', min: 1, documentation: 'The count' };
const LINE_PART: ParameterDocumentation = { name: 'line', type: 'integer', min: 1, documentation: 'The row (its number, or its CSV line)' };
const total = (name: string, documentation: string): ParameterDocumentation => ({ name, type: 'integer', min: 1, documentation });

export const rollupOperation: OperationHandler = {
  spec,
  resourceType: 'ConceptMap',
  levels: ['type'],
  definition: 'http://faelles-tx.dk/fhir/OperationDefinition/ConceptMap-rollup',
  csvParameter: 'csv',
  documentation: {
    description: 'Rolls counts documented on local (niveau 3) or common codes up to the common interventions (niveau 2), their law paragraph ' +
      '(niveau 1) and, for conditions, their area, per municipality (and district and period). Counts are documented interventions and conditions, not ' +
      'citizens; a local code counts once on the targets of its map (maps in use that disagree about it: not counted, reason conflicting-maps). ' +
      'Every count and total is a FHIR integer: a roll-up whose totals exceed 2147483647 is refused with 422. Input as row parameters or as CSV (a text/csv body with the columns kommunekode, system, code or kode, count or antal, ' +
      `optionally district (or bydel, omraade) and period (or periode); at most ${MAX_ROLLUP_ROWS} rows and ${MAX_ROLLUP_COLUMNS} columns). Output as Parameters, or CSV / NDJSON (Accept: text/csv or application/x-ndjson, or _format).`,
    inputs: {
      row: {
        documentation: 'One input row (the CSV\'s column names are also read as part names: kode, antal, kommune, bydel, omraade, periode)',
        parts: [
          { name: 'kommunekode', type: 'code', min: 1, documentation: 'The municipality (three digits)' },
          { name: 'system', type: 'uri', min: 1, documentation: "A local CodeSystem, KL's gateway system for local codes, or FSIII/FFB" },
          { name: 'code', type: 'code', min: 1, documentation: 'The code documented' },
          { name: 'count', type: 'integer', min: 1, documentation: 'How many times it was documented (0 or more)' },
          { name: 'district', type: 'string', documentation: 'The district (bydel, område) counted on its own' },
          { name: 'period', type: 'string', documentation: 'The period counted on its own' },
        ],
      },
      csv: 'The rows as CSV text (the same as a text/csv body)',
      offers: 'each-target (default): an offer (tilbud) counts once for each of its niveau-2 interventions; exclude: offers are not counted and are listed under notCounted',
      conditionDepth: 'Depth of the condition hierarchy that is counted as the area: 0 the root, 1 (default) the area (e.g. Mental sundhed), 2 the condition',
      conceptMap: 'A map version to translate with (url|version; also a version an update has replaced) instead of that municipality\'s newest map of the same url, ' +
        "with the municipality's local catalogs, for its local codes and those under KL's gateway system, in the version the map names as their source " +
        '(group.sourceVersion), else the newest; repeats, with one version of each url (two versions of one url are refused with 400)',
      date: "Roll up as of this date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime, read in UTC), e.g. last year's counts with last year's catalogs: " +
        "each municipality's maps in the version in force then, by $translate's rule for its 'date' (of the versions that are not drafts, the one " +
        'that came into use last by the end of the date; a version comes into use at its date, or, without one, when it was first written to this ' +
        'server; a map not in use yet is left out), and its local catalogs in the version those maps name as their source (group.sourceVersion), ' +
        'else the one in force then, else the newest. Not with conceptMap',
      dateFromPeriod: "true: each row's period is read as a date, and the row is rolled up with the maps and catalogs as they were at the end of its period " +
        "(chosen as for 'date'), so one request counts several years, each with its own maps: a year (2025), a month (2025-03, 2025M03, marts 2025, mar. 2025), " +
        'an ISO week (2025-W12, 2025U12, uge 12 2025), a day (2025-03-31), a quarter (2025-Q1, 2025K1, Q1 2025, 1. kvartal 2025), a half-year (2025-H2, 2. halvår 2025), ' +
        "or an interval start/end of them (M, U, K and H as in Danmarks Statistik's tables). A row without such a period is refused with 400. " +
        'Not with date or conceptMap',
      layout: 'For CSV and NDJSON: long (default) one line per municipality and count, with the rows not counted, replaced and outdated; ' +
        'wide, the comparison table: one line per niveau-2 intervention, niveau 1 and area, one count column per municipality (and district, and period when the rows have several), ' +
        'labelled with them joined by spaces; when two of them would get the same label (district \'Bydel 1\' and period \'2026\', district \'Bydel\' and period \'1 2026\') it is refused with 400: use long',
      conditionValueSet: `The value set whose codes (and the groupings above them) count as conditions (default ${DEFAULT_CONDITION_VALUESET})`,
    },
    outputs: [
      { name: 'counting', type: 'string', documentation: 'What is counted and how, in words' },
      { name: 'date', type: 'dateTime', documentation: "The date given: the maps and catalogs were those in force then" },
      {
        name: 'periodDate', repeats: true, documentation: 'With dateFromPeriod: each period of the rows and the date it was read as (the end of the period), whose maps and catalogs counted its rows',
        parts: [{ name: 'period', type: 'string', min: 1, documentation: 'The period, as the rows give it' }, { name: 'date', type: 'date', min: 1, documentation: 'The date it ends with' }],
      },
      { name: 'offers', type: 'code', min: 1, documentation: 'The offers rule applied (each-target | exclude)' },
      { name: 'conditionDepth', type: 'integer', min: 1, documentation: 'The depth of the condition hierarchy counted as the area' },
      { name: 'conditionValueSet', type: 'canonical', min: 1, documentation: 'The value set whose codes count as conditions' },
      {
        name: 'summary', min: 1, documentation: 'The totals: inputCount = interventionInput + conditionInput + notCountedInput; niveau2Total = interventionInput + offerExtra = niveau1Total; areaTotal = conditionInput',
        parts: [
          total('rows', 'The rows given'), total('inputCount', 'The sum of the counts given'), total('interventionInput', 'Counts on interventions'),
          total('conditionInput', 'Counts on conditions'), total('notCountedInput', 'Counts not counted (see notCounted)'),
          total('offerExtra', 'What offers counting for several interventions add'), total('niveau2Total', 'The sum of the niveau-2 counts'),
          total('niveau1Total', 'The sum of the niveau-1 counts'), total('areaTotal', 'The sum of the area counts'),
        ],
      },
      {
        name: 'niveau2', repeats: true, documentation: 'A niveau-2 intervention\'s count, per municipality (and district and period)',
        parts: [...SCOPE_PARTS, { name: 'intervention', type: 'Coding', min: 1, documentation: 'The niveau-2 intervention' }, NIVEAU1_PART, LOVPARAGRAF_PART,
          { name: 'count', type: 'integer', min: 1, documentation: 'direct + viaOffers' },
          { name: 'direct', type: 'integer', min: 1, documentation: 'Counted on local interventions and common codes' },
          { name: 'viaOffers', type: 'integer', min: 1, documentation: 'Counted through offers (tilbud) that stand for it' }],
      },
      {
        name: 'niveau1', repeats: true, documentation: 'A niveau-1 grouping\'s count, per municipality (and district and period)',
        parts: [...SCOPE_PARTS, NIVEAU1_PART, LOVPARAGRAF_PART, { name: 'count', type: 'integer', min: 1, documentation: 'The sum of its niveau-2 counts' }],
      },
      {
        name: 'area', repeats: true, documentation: 'A condition area\'s count, per municipality (and district and period)',
        parts: [...SCOPE_PARTS, { name: 'area', type: 'Coding', min: 1, documentation: 'The area (the condition at conditionDepth)' }, COUNT_PART],
      },
      {
        name: 'notCounted', repeats: true, documentation: 'A row that was not counted, and why',
        parts: [LINE_PART, ...SCOPE_PARTS, { name: 'system', type: 'uri', min: 1, documentation: 'The row\'s system' },
          { name: 'code', type: 'code', min: 1, documentation: 'The row\'s code' }, COUNT_PART,
          { name: 'reason', type: 'code', min: 1, documentation: 'unknown-system | unknown-code | other-municipality | unmapped | offer-excluded | conflicting-maps (two of the municipality\'s maps in use give the local code different niveau-2 interventions)' },
          { name: 'message', type: 'string', min: 1, documentation: 'Why, in words' }],
      },
      {
        name: 'replaced', repeats: true, documentation: 'A row whose code maps to a retired or outgoing code: counted on the code that replaces it',
        parts: [LINE_PART, ...SCOPE_PARTS, { name: 'code', type: 'code', min: 1, documentation: 'The row\'s code' },
          { name: 'replaced', type: 'Coding', min: 1, documentation: 'The retired or outgoing code the row maps to' },
          { name: 'status', type: 'code', min: 1, documentation: 'Its status' },
          { name: 'replacement', type: 'Coding', min: 1, documentation: 'The code counted' }, COUNT_PART],
      },
      {
        name: 'outdated', repeats: true, documentation: 'A row counted on a retired or outgoing code as it is: no successor is named',
        parts: [LINE_PART, ...SCOPE_PARTS, { name: 'concept', type: 'Coding', min: 1, documentation: 'The code counted' },
          { name: 'status', type: 'code', min: 1, documentation: 'Its status' }, COUNT_PART],
      },
    ],
  },
  async handle(input, ctx) {
    // a large answer (many districts and periods) is serialized a slice at a time, other requests answered between
    return parametersInTurns(answerParameters(await compute(input, ctx), messageLanguageOf(ctx.acceptLanguages)));
  },
  async table(input, ctx): Promise<Table> {
    const layout = input.string('layout') ?? 'long';
    if (layout !== 'long' && layout !== 'wide') {
      throw FhirError.invalid(`layout must be long or wide, not '${excerpt(layout)}'`, { expression: ['layout'], da: `layout skal være long eller wide, ikke '${excerpt(layout)}'` });
    }
    const result = await compute(input, ctx);
    const language = messageLanguageOf(ctx.acceptLanguages);
    return layout === 'wide' ? wideTable(result, language) : { columns: COLUMNS, rows: tableRows(result, language), filename: 'rollup' };
  },
};
