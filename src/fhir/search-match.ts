import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import { splitEscaped, unescapeSearch } from './search-query';
import { dateApproximation, dateRange, meets, numberRange, withPrefix, type Range } from './search-ranges';

export type SearchParamType = 'uri' | 'token' | 'string' | 'reference' | 'date' | 'quantity';

/** A token as searched: `code`, `system|code`, `|code` (system '': none) or `system|` (code undefined: any). */
export interface WantedToken {
  system?: string;
  code?: string;
}

/**
 * A search parameter of a resource type: its R4 name and type (also for the CapabilityStatement) and the elements of
 * a resource it reads, as FHIR JSON (strings, booleans, Coding, CodeableConcept, Identifier, Quantity, Range; arrays
 * and absent values allowed), which the search matches by the parameter's type and modifier.
 */
export interface SearchParam<R, C = undefined> {
  name: string;
  type: SearchParamType;
  values(resource: R, context: C): readonly unknown[];
  /** A token whose values are costly to list (the codes of a packed catalog): whether the resource has this one. */
  hasToken?(resource: R, token: WantedToken, context: C): boolean;
}

export type Predicate<R, C> = (resource: R, context: C) => boolean;

/** The modifiers each type takes here (R4 search §3.1.1.5: string, uri, token; `missing` on all). */
const MODIFIERS: Record<SearchParamType, readonly string[]> = {
  string: ['exact', 'contains', 'missing'],
  uri: ['below', 'above', 'missing'],
  token: ['not', 'missing'],
  reference: ['missing'],
  date: ['missing'],
  quantity: ['missing'],
};

export function supportsModifier(type: SearchParamType, modifier: string | undefined): boolean {
  return modifier === undefined || MODIFIERS[type].includes(modifier);
}

export function modifiersOf(type: SearchParamType): readonly string[] {
  return MODIFIERS[type];
}

/** The resource's values of a parameter, arrays flattened and absent ones left out. */
function presentValues<R, C>(param: SearchParam<R, C>, resource: R, context: C): unknown[] {
  return param.values(resource, context).flat().filter((v) => v !== undefined && v !== null);
}

/** FHIR's string search compares without case and accents. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function strings(values: readonly unknown[]): string[] {
  return values.flatMap((v) => (typeof v === 'string' ? [v] : typeof v === 'object' && typeof (v as { reference?: unknown }).reference === 'string' ? [(v as { reference: string }).reference] : []));
}

/** The tokens of an element: a code, a boolean, a Coding, the Codings of a CodeableConcept, an Identifier. */
function tokensOf(value: unknown): WantedToken[] {
  if (typeof value === 'string' || typeof value === 'boolean') return [{ code: String(value) }];
  if (typeof value !== 'object' || value === null) return [];
  const v = value as { coding?: unknown[]; system?: string; code?: string; value?: string };
  if (Array.isArray(v.coding)) return v.coding.flatMap(tokensOf);
  return [{ system: v.system, code: v.code ?? v.value }];
}

export function tokenMatches(found: WantedToken, wanted: WantedToken): boolean {
  if (wanted.system !== undefined && (wanted.system === '' ? found.system !== undefined : found.system !== wanted.system)) return false;
  return wanted.code === undefined || found.code === wanted.code;
}

/** A token search value, `code`, `system|code` or `system|`, its escapes removed. */
export function wantedToken(text: string): WantedToken {
  const parts = splitEscaped(text, '|');
  if (parts.length === 1) return { code: unescapeSearch(text) };
  const code = unescapeSearch(parts.slice(1).join('|'));
  return { system: unescapeSearch(parts[0]!), ...(code === '' ? {} : { code }) };
}

function invalidValue(name: string, value: string, expected: string, expectedDa: string): FhirError {
  return FhirError.invalid(`The search parameter '${name}' needs ${expected}, not '${excerpt(value)}'`, {
    expression: [name], da: `Søgeparameteren '${name}' skal have ${expectedDa}, ikke '${excerpt(value)}'`,
  });
}

/** A date and its prefix; the resource's dates (date or dateTime) must meet it. */
function dateTest(name: string, text: string): (values: readonly unknown[]) => boolean {
  const { prefix, value } = withPrefix(text);
  const searched = dateRange(value);
  if (!searched) throw invalidValue(name, text, 'a date or dateTime with an optional prefix (eq, ne, gt, lt, ge, le, sa, eb, ap), e.g. ge2026-01', 'en date eller dateTime med et eventuelt præfiks (eq, ne, gt, lt, ge, le, sa, eb, ap), fx ge2026-01');
  const approximately = dateApproximation(searched);
  return (values) => strings(values).some((v) => {
    const found = dateRange(v);
    return found !== undefined && meets(prefix, searched, found, approximately);
  });
}

interface QuantityLike {
  value?: number;
  system?: string;
  code?: string;
  unit?: string;
}

/** A Quantity's value as a point, a Range as what lies between its ends; with the unit of either. */
function quantityOf(value: unknown): { range: Range; unit: QuantityLike } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as QuantityLike & { low?: QuantityLike; high?: QuantityLike };
  if (typeof v.value === 'number') return { range: { low: v.value, high: v.value }, unit: v };
  if (v.low === undefined && v.high === undefined) return undefined;
  return { range: { low: v.low?.value ?? -Infinity, high: v.high?.value ?? Infinity }, unit: v.low ?? v.high ?? {} };
}

/** `[prefix]number|system|code` (system and code optional; an empty system compares the code with the unit too). */
function quantityTest(name: string, text: string): (values: readonly unknown[]) => boolean {
  const { prefix, value } = withPrefix(text);
  const [number, system, code] = splitEscaped(value, '|').map(unescapeSearch);
  const precise = numberRange(number!);
  if (!precise) throw invalidValue(name, text, 'a number with an optional prefix and unit, e.g. ge5.4|http://unitsofmeasure.org|mg', 'et tal med et eventuelt præfiks og en enhed, fx ge5.4|http://unitsofmeasure.org|mg');
  const exact = Number(number);
  const searched = prefix === 'eq' || prefix === 'ne' || prefix === 'ap' ? precise : { low: exact, high: exact };
  return (values) => values.some((v) => {
    const found = quantityOf(v);
    if (!found) return false;
    const { unit } = found;
    if (system && unit.system !== system) return false;
    if (code && unit.code !== code && (system || unit.unit !== code)) return false;
    return meets(prefix, searched, found.range, 0.1 * Math.abs(exact));
  });
}

/** What one value (one of the comma-separated alternatives) asks of the resource's values. */
function valueTest(type: SearchParamType, name: string, modifier: string | undefined, text: string): (values: readonly unknown[]) => boolean {
  switch (type) {
    case 'string': {
      const wanted = unescapeSearch(text);
      const folded = fold(wanted);
      if (modifier === 'exact') return (values) => strings(values).includes(wanted);
      if (modifier === 'contains') return (values) => strings(values).some((v) => fold(v).includes(folded));
      return (values) => strings(values).some((v) => fold(v).startsWith(folded));
    }
    case 'uri': {
      const wanted = unescapeSearch(text);
      if (modifier === 'below') return (values) => strings(values).some((v) => v.startsWith(wanted));
      if (modifier === 'above') return (values) => strings(values).some((v) => v !== '' && wanted.startsWith(v));
      return (values) => strings(values).includes(wanted);
    }
    case 'reference': {
      // a canonical: `url` finds every version, `url|version` that one
      const wanted = unescapeSearch(text);
      return (values) => strings(values).some((v) => v === wanted || (!wanted.includes('|') && v.startsWith(`${wanted}|`)));
    }
    case 'token': {
      const wanted = wantedToken(text);
      return (values) => values.some((v) => tokensOf(v).some((t) => tokenMatches(t, wanted)));
    }
    case 'date': return dateTest(name, text);
    case 'quantity': return quantityTest(name, text);
  }
}

/**
 * The most comma-separated values one parameter may give: each is tried against every value of every resource, so
 * thousands of them over a large value set's codes held the server for seconds.
 */
export const MAX_ALTERNATIVES = 100;

function tooManyAlternatives(name: string, count: number): FhirError {
  return FhirError.tooCostly(`The search parameter '${name}' gives ${count} values; at most ${MAX_ALTERNATIVES} are taken (search again for the others)`, {
    expression: [name], da: `Søgeparameteren '${name}' har ${count} værdier; højst ${MAX_ALTERNATIVES} kan bruges (søg igen efter de andre)`,
  });
}

function missingWanted(name: string, value: string): boolean {
  if (value !== 'true' && value !== 'false') throw invalidValue(`${name}:missing`, value, 'true or false', 'true eller false');
  return value === 'true';
}

/**
 * One parameter as given once (`name:modifier=value`) as a test of a resource: `:missing=true|false`, else any of its
 * comma-separated values (OR), negated by `:not`; an empty value is no test. Values are read here, so a malformed one is refused before the
 * search runs.
 */
export function criterion<R, C>(param: SearchParam<R, C>, modifier: string | undefined, value: string): Predicate<R, C> {
  if (modifier === 'missing') {
    const missing = missingWanted(param.name, value);
    return (r, c) => (presentValues(param, r, c).length === 0) === missing;
  }
  // an empty value, or an empty alternative among them (`name=a,`), asks for nothing: FHIR ignores empty parameters
  const alternatives = splitEscaped(value, ',').filter((a) => a !== '');
  if (alternatives.length === 0) return () => true;
  if (alternatives.length > MAX_ALTERNATIVES) throw tooManyAlternatives(param.name, alternatives.length);
  let test: Predicate<R, C>;
  if (param.type === 'token' && param.hasToken) {
    const has = param.hasToken;
    const tokens = alternatives.map(wantedToken);
    test = (r, c) => tokens.some((t) => has(r, t, c));
  } else {
    const tests = alternatives.map((a) => valueTest(param.type, param.name, modifier, a));
    test = (r, c) => {
      const values = presentValues(param, r, c);
      return tests.some((t) => t(values));
    };
  }
  return modifier === 'not' ? (r, c) => !test(r, c) : test;
}

/**
 * The values a resource is sorted by for a parameter (`_sort`): strings without case and accents, uris and
 * references as written, a token's codes, a date's start and a quantity's value as numbers; empty when it has none.
 */
export function sortValues<R, C>(param: SearchParam<R, C>, resource: R, context: C): (string | number)[] {
  const values = presentValues(param, resource, context);
  switch (param.type) {
    case 'string': return strings(values).map(fold);
    case 'uri': case 'reference': return strings(values);
    case 'token': return values.flatMap(tokensOf).flatMap((t) => (t.code === undefined ? [] : [t.code]));
    case 'date': return strings(values).flatMap((v) => { const r = dateRange(v); return r ? [r.low] : []; });
    case 'quantity': return values.flatMap((v) => { const q = quantityOf(v); return q && Number.isFinite(q.range.low) ? [q.range.low] : []; });
  }
}

