import type { Coding, ParametersParameter } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { Bilingual } from '../../errors/issue';
import { excerpt } from '../../errors/excerpt';
import type { MessageLanguage } from '../../errors/message-language';
import { statusNameDa } from '../../terminology/status-name';
import type { Table } from '../context';
import { countingRule, type RollupResult, type Scope } from './counts';
import { byText } from './danish-order';

/** A $rollup's answer: as Parameters, as the long table, or as the wide comparison table. */

const sum = (xs: { count: number }[]) => xs.reduce((n, x) => n + x.count, 0);

/** The largest value of a FHIR R4 integer (32-bit signed). */
const FHIR_INTEGER_MAX = 2_147_483_647;

/**
 * Every count of the answer fits a FHIR integer, or the roll-up is refused (in every format, so that a table and the
 * Parameters never disagree). Counts are ≥ 0, so each one is at most one of these totals: a niveau-2 or niveau-1 line
 * at most niveau2Total (= niveau1Total), an area at most areaTotal, a row and the other summary parts at most inputCount.
 */
export function checkFhirIntegers(r: RollupResult): void {
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
export function* answerParameters(r: RollupResult, language: MessageLanguage): Generator<ParametersParameter> {
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

export const COLUMNS = ['level', 'kommunekode', 'district', 'period', 'system', 'code', 'display', 'niveau1_code', 'niveau1_display', 'lovparagraf', 'count', 'direct',
  'via_offers', 'reason', 'note'] as const;

/** The long table's rows; its notes in the caller's language (the codes in `level` and `reason` are the API's). */
export function* tableRows(r: RollupResult, language: MessageLanguage): Generator<(string | number | undefined)[]> {
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

export function wideTable(r: RollupResult, language: MessageLanguage): Table {
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

