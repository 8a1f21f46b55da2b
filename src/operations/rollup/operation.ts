import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ConceptMap, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { OperationInput, OperationSpec } from '../../fhir/parameters';
import { parametersInTurns } from '../../fhir/serialized';
import { ownerOf } from '../../municipal/municipality';
import { deletedLocal } from '../../municipal/local-catalogs';
import { versionInForce } from '../../terminology/in-force';
import { excerpt } from '../../errors/excerpt';
import { messageLanguageOf } from '../../errors/message-language';
import type { OperationContext, OperationHandler, ParameterDocumentation, Table } from '../context';
import { conceptMapVersion, notMunicipalMap } from '../map-version';
import { answerParameters, checkFhirIntegers, COLUMNS, tableRows, wideTable } from './answer';
import {
  DEFAULT_CONDITION_VALUESET, MAX_ROLLUP_COLUMNS, MAX_ROLLUP_ROWS, rollupInTurns, type InForceOn, type OfferRule, type RollupOptions, type RollupResult, type RollupRow,
} from './counts';
import { PERIOD_FORMS, periodEndDate } from './period';
import { ROW_PARTS, rowPlace, rowsFromCsv, rowsFromParameters } from './rows';

/**
 * ConceptMap/$rollup (this server's operation): counts documented on local or common codes, rolled up to niveau 2,
 * niveau 1 and condition areas per municipality (counts.ts). Input: `row` parameters (parts kommunekode,
 * system, code, count, district, period) or a CSV (`text/csv` body, or parameter `csv`) with the columns kommunekode,
 * system, code (or kode), count (or antal) and optionally district (bydel, omraade) and period (or periode). Output: Parameters, or CSV/NDJSON.
 */
const spec: OperationSpec = {
  name: 'rollup',
  params: [
    { name: 'row', type: 'part', repeats: true, parts: ROW_PARTS },
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
        documentation: 'One input row (the CSV\'s column names are also read as part names: kode, antal, kommune, bydel, omraade, område, periode); ' +
          'a part of another name, or a value of another type than its part\'s, is refused with 400',
        parts: [
          { name: 'kommunekode', type: 'code', min: 1, documentation: 'The municipality (three digits)' },
          { name: 'system', type: 'uri', min: 1, documentation: "A local CodeSystem, KL's gateway system for local codes, or FSIII/FFB" },
          { name: 'code', type: 'code', min: 1, documentation: 'The code documented' },
          { name: 'count', type: 'integer', min: 1, documentation: 'How many times it was documented (0 or more)' },
          { name: 'district', type: 'string', documentation: 'The district (bydel, område) counted on its own' },
          { name: 'period', type: 'string', documentation: 'The period counted on its own' },
          { name: 'kommune', type: 'string', documentation: "Beside kommunekode the municipality's name (not read); alone, the kommunekode" },
          { name: 'kode', type: 'code', documentation: 'code, by its CSV column name' },
          { name: 'antal', type: 'integer', documentation: 'count, by its CSV column name' },
          ...['bydel', 'omraade', 'område'].map((name): ParameterDocumentation => ({ name, type: 'string', documentation: 'district, by its CSV column name' })),
          { name: 'periode', type: 'string', documentation: 'period, by its CSV column name' },
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
          { name: 'reason', type: 'code', min: 1, documentation: 'unknown-system | unknown-code | not-niveau2 (a common code that is neither a niveau-2 intervention, service or offer nor a condition) | other-municipality | unmapped | offer-excluded | conflicting-maps (two of the municipality\'s maps in use give the local code different niveau-2 interventions)' },
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