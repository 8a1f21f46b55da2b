/**
 * "Sammenlign kommuner", without the browser (jest tests this module against the server's answers): the catalogs
 * compared on, the coverage matrix read from ConceptMap/$coverage-matrix, the roll-up read from ConceptMap/$rollup,
 * and the bar chart's data for one catalog.
 */
import type { Coding, Parameters, ParametersParameter } from 'fhir/r4';
import { NOT_UTF8_CSV } from '../../src/municipal/municipality';
import { kommuneByKode, municipalityNameWithCode } from '../../src/municipal/kommuner';
import { param, params, paramValue } from './fhir';
import { danishDate } from './words';

const VS = 'http://faelles-tx.dk/fhir/ValueSet/';

/** A catalog of common interventions the page compares on; each value set with the key of the Kataloger view that shows it. */
export interface CompareCatalog {
  key: string;
  label: string;
  valueSets: { url: string; label: string; browseKey: string }[];
}

export const COMPARE_CATALOGS: CompareCatalog[] = [
  { key: '119', label: '§119 Forebyggelse', valueSets: [{ url: `${VS}indsatskatalog-119`, label: '§119 Forebyggelse', browseKey: '119' }] },
  { key: '140', label: '§140 Genoptræning', valueSets: [{ url: `${VS}indsatskatalog-140`, label: '§140 Genoptræning', browseKey: '140' }] },
  {
    key: 'ffb', label: 'FFB (voksne)', valueSets: [
      { url: `${VS}ffb-sociale-tilbud`, label: 'Sociale tilbud', browseKey: 'ffb-sociale-tilbud' },
      { url: `${VS}ffb-ydelser`, label: 'Ydelser', browseKey: 'ffb-ydelser' },
    ],
  },
];

/**
 * The server's counting rule (Danish) for staff: without the API's names for the choices in brackets
 * ("(offers=each-target)", "(conflicting-maps)"), without the value set's URL, and with Danish dates.
 */
export function plainCounting(text: string): string {
  return text
    .replace(/ \((?:offers=[\w-]+|conflicting-maps)\)/g, '')
    .replace(/ \(koder i [^\s)]+\)/g, '')
    .replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => danishDate(d));
}

export function compareCatalogKnown(key: string): boolean {
  return COMPARE_CATALOGS.some((c) => c.key === key);
}

export function compareCatalog(key: string | undefined): CompareCatalog {
  return COMPARE_CATALOGS.find((c) => c.key === key) ?? COMPARE_CATALOGS[0]!;
}

const int = (p: ParametersParameter | undefined, name: string): number => Number(paramValue(p ? param(p, name) : undefined) ?? 0);
const text = (p: ParametersParameter, name: string): string | undefined => paramValue(param(p, name)) as string | undefined;
const coding = (p: ParametersParameter, name: string): Coding | undefined => paramValue(param(p, name)) as Coding | undefined;

// ---- the coverage matrix ----

export interface MatrixCell {
  indsats: number;
  tilbud: number;
}

export interface MatrixLine {
  system: string;
  code: string;
  display: string;
  lovparagraf?: string;
  /** How many municipalities cover it. */
  municipalities: number;
  cells: Map<string, MatrixCell>;
}

export interface MatrixGroup {
  /** The value set's label when the catalog has several (FFB). */
  label?: string;
  browseKey: string;
  lines: MatrixLine[];
}

export interface Matrix {
  municipalities: { kommunekode: string; localCodes: number; covered: number }[];
  groups: MatrixGroup[];
  /** Interventions in the catalog. */
  interventions: number;
}

/** The answer of $coverage-matrix, grouped by the catalog's value sets. */
export function readMatrix(catalog: CompareCatalog, p: Parameters): Matrix {
  const groups: MatrixGroup[] = catalog.valueSets.map((vs) => ({
    ...(catalog.valueSets.length > 1 ? { label: vs.label } : {}), browseKey: vs.browseKey, lines: [],
  }));
  for (const line of params(p, 'intervention')) {
    const concept = coding(line, 'concept');
    if (!concept?.code || !concept.system) continue;
    const url = (text(line, 'valueSet') ?? '').split('|')[0];
    const at = Math.max(0, catalog.valueSets.findIndex((vs) => vs.url === url));
    groups[at]!.lines.push({
      system: concept.system, code: concept.code, display: concept.display ?? concept.code, lovparagraf: text(line, 'lovparagraf'),
      municipalities: int(line, 'municipalities'),
      cells: new Map(params(line, 'cell').map((c) => [text(c, 'kommunekode') ?? '', { indsats: int(c, 'indsats'), tilbud: int(c, 'tilbud') }])),
    });
  }
  return {
    municipalities: params(p, 'municipality').map((m) => ({ kommunekode: text(m, 'kommunekode') ?? '', localCodes: int(m, 'localCodes'), covered: int(m, 'covered') })),
    groups: groups.filter((g) => g.lines.length > 0),
    interventions: groups.reduce((n, g) => n + g.lines.length, 0),
  };
}

/** The heat-map step of a cell: 0 none, 1, 2, 3 (3–4), 4 (5 or more local codes). */
export function heatLevel(localCodes: number): number {
  if (localCodes <= 0) return 0;
  if (localCodes <= 2) return localCodes;
  return localCodes <= 4 ? 3 : 4;
}

export const HEAT_LEGEND = ['ingen', '1', '2', '3–4', '5 eller flere'];

export function cellTotal(cell: MatrixCell | undefined): number {
  return cell ? cell.indsats + cell.tilbud : 0;
}

/** "1 indsats og 2 tilbud", for the cell's text alternative. */
export function cellText(cell: MatrixCell | undefined): string {
  if (!cell || cellTotal(cell) === 0) return 'ingen lokale koder';
  const parts = [cell.indsats > 0 ? `${cell.indsats} ${cell.indsats === 1 ? 'indsats' : 'indsatser'}` : '', cell.tilbud > 0 ? `${cell.tilbud} tilbud` : ''];
  return parts.filter((x) => x).join(' og ');
}

// ---- the roll-up ----

/** Why a row was not counted, in Danish (the reasons of $rollup's notCounted). */
export const NOT_COUNTED_REASON: Record<string, string> = {
  'unknown-system': 'ukendt kodesystem',
  'unknown-code': 'ukendt kode',
  'other-municipality': 'en anden kommunes lokale kode',
  unmapped: 'ikke koblet til en fælleskommunal indsats',
  'offer-excluded': 'tilbud tælles ikke',
  'conflicting-maps': 'kommunens koblinger giver forskellige fælleskommunale indsatser',
};

export interface RollupLine {
  system: string;
  code: string;
  display: string;
  lovparagraf?: string;
  /** Column label (kommunekode, district, period) → count. */
  counts: Map<string, number>;
}

export interface RollupRowNote {
  line: number;
  kommunekode: string;
  code: string;
  count: number;
}

export interface Rollup {
  counting: string;
  summary: Record<string, number>;
  /** The columns: one per municipality (and district, and period when the rows have several). */
  columns: string[];
  niveau2: RollupLine[];
  notCounted: (RollupRowNote & { reason: string })[];
  replaced: (RollupRowNote & { replaced: Coding; replacement: Coding })[];
  outdated: (RollupRowNote & { concept: Coding })[];
}

function note(p: ParametersParameter): RollupRowNote {
  return { line: int(p, 'line'), kommunekode: text(p, 'kommunekode') ?? '', code: text(p, 'code') ?? coding(p, 'concept')?.code ?? '', count: int(p, 'count') };
}

/** The answer of $rollup (Parameters). */
export function readRollup(p: Parameters): Rollup {
  const lines = params(p, 'niveau2');
  const periods = new Set(lines.map((l) => text(l, 'period') ?? ''));
  const label = (l: ParametersParameter) => [text(l, 'kommunekode'), text(l, 'district'), periods.size > 1 ? text(l, 'period') : undefined].filter((x) => x).join(' ');
  const byCode = new Map<string, RollupLine>();
  for (const l of lines) {
    const c = coding(l, 'intervention');
    if (!c?.code || !c.system) continue;
    const key = `${c.system}|${c.code}`;
    const line = byCode.get(key) ?? { system: c.system, code: c.code, display: c.display ?? c.code, lovparagraf: text(l, 'lovparagraf'), counts: new Map() };
    const column = label(l);
    line.counts.set(column, (line.counts.get(column) ?? 0) + int(l, 'count'));
    byCode.set(key, line);
  }
  const summary: Record<string, number> = {};
  for (const s of param(p, 'summary')?.part ?? []) summary[s.name] = Number(paramValue(s));
  return {
    counting: (paramValue(param(p, 'counting')) as string | undefined) ?? '',
    summary,
    columns: [...new Set(lines.map(label))].sort((a, b) => a.localeCompare(b, 'da')),
    niveau2: [...byCode.values()],
    notCounted: params(p, 'notCounted').map((n) => ({ ...note(n), reason: text(n, 'reason') ?? '' })),
    replaced: params(p, 'replaced').map((n) => ({ ...note(n), replaced: coding(n, 'replaced') ?? {}, replacement: coding(n, 'replacement') ?? {} })),
    outdated: params(p, 'outdated').map((n) => ({ ...note(n), concept: coding(n, 'concept') ?? {} })),
  };
}

/**
 * The counts file's text when it is UTF-8 (a spreadsheet's "CSV UTF-8"; a byte order mark dropped), else the problem
 * to show, in the words of the import: read as UTF-8 regardless, a Windows-1252 file's æ, ø and å would all become
 * the same replacement character, and districts differing in them would be counted as one.
 */
export function countsFileText(bytes: ArrayBuffer | Uint8Array): { text: string } | { problem: string } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { problem: NOT_UTF8_CSV.da };
  }
}

/** The CSV's header names the columns $rollup needs (checked here to say so in Danish before the file is sent). */
export function missingRollupColumns(csv: string): string[] {
  const header = (csv.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? '').toLowerCase().split(/[;,]/).map((h) => h.trim().replace(/^"|"$/g, ''));
  const needed: [string, string[]][] = [['kommunekode', ['kommunekode', 'kommune']], ['system', ['system']], ['kode', ['kode', 'code']], ['antal', ['antal', 'count']]];
  return needed.filter(([, names]) => !names.some((n) => header.includes(n))).map(([name]) => name);
}

/** A roll-up column's municipality and what follows it: `101 Bydel 1` → 101 and `Bydel 1` (district, period). */
function columnParts(column: string): { kommunekode: string; rest: string } {
  const [kommunekode = '', ...rest] = column.split(' ');
  return { kommunekode, rest: rest.join(' ') };
}

/**
 * A roll-up column as the page names it: `Københavns Kommune (101) Bydel 1`; `short`, where room is short (the
 * chart's bar labels): `København Bydel 1`. A kommunekode not in the list: `Kommune 999`.
 */
export function columnName(column: string, short = false): string {
  const { kommunekode, rest } = columnParts(column);
  const k = kommuneByKode(kommunekode);
  const name = k && short ? k.navn : municipalityNameWithCode(kommunekode).da;
  return rest ? `${name} ${rest}` : name;
}

// ---- the chart of one catalog ----

export interface ChartData {
  /** One bar per column (municipality), in this order, named as the chart names them (columnName short). */
  series: string[];
  categories: { code: string; label: string; values: number[] }[];
  /** What the roll-up counted for these columns on niveau-2 interventions that are not in the catalog. */
  outside: number;
}

/** The roll-up's niveau-2 counts on the catalog's interventions (in the catalog's order), for the chosen columns. */
export function chartData(rollup: Rollup, matrix: Matrix, columns: string[]): ChartData {
  const inCatalog = new Map(rollup.niveau2.map((l) => [`${l.system}|${l.code}`, l]));
  const categories: ChartData['categories'] = [];
  const used = new Set<string>();
  for (const line of matrix.groups.flatMap((g) => g.lines)) {
    const counted = inCatalog.get(`${line.system}|${line.code}`);
    if (!counted) continue;
    used.add(`${line.system}|${line.code}`);
    categories.push({ code: line.code, label: line.display, values: columns.map((c) => counted.counts.get(c) ?? 0) });
  }
  let outside = 0;
  for (const l of rollup.niveau2) if (!used.has(`${l.system}|${l.code}`)) for (const c of columns) outside += l.counts.get(c) ?? 0;
  return { series: columns.map((c) => columnName(c, true)), categories, outside };
}
