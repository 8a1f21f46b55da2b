import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import { sortValues, type SearchParam } from './search-match';
import { searchText } from './search-query';

interface SortKey<R, C> {
  param: SearchParam<R, C>;
  descending: boolean;
}

/**
 * `_sort` (R4 search, "Sorting"): parameter names separated by commas, each with `-` for descending, the first the
 * primary order. Unknown names are refused, or with `lenient` left out (returned in `ignored`, so that the links do
 * not repeat them). Undefined when no `_sort` is given.
 */
export function sortKeys<R, C>(query: Record<string, unknown>, params: readonly SearchParam<R, C>[], type: string, lenient: boolean):
  { keys: SortKey<R, C>[]; ignored: boolean } | undefined {
  const raw = searchText(query, '_sort');
  if (raw === undefined) return undefined;
  const keys: SortKey<R, C>[] = [];
  let ignored = false;
  for (const part of raw.split(',')) {
    const descending = part.startsWith('-');
    const name = descending ? part.slice(1) : part;
    const param = params.find((p) => p.name === name);
    if (!param) {
      if (lenient) {
        ignored = true;
        continue;
      }
      throw FhirError.invalid(`_sort names '${excerpt(part)}', which is not a search parameter of ${type}`, {
        expression: ['_sort'], da: `_sort nævner '${excerpt(part)}', som ikke er en søgeparameter for ${type}`,
      });
    }
    keys.push({ param, descending });
  }
  return { keys, ignored };
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a), y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The resources in the order the keys give, each key's ties in the order they came: ascending by a resource's lowest
 * value, descending by its highest; a resource without a value last either way (as HAPI orders them).
 */
export function sortResources<R, C>(resources: readonly R[], keys: readonly SortKey<R, C>[], context: C): R[] {
  if (keys.length === 0) return [...resources];
  const decorated = resources.map((resource, position) => ({
    resource,
    position,
    values: keys.map((k) => {
      const values = sortValues(k.param, resource, context).sort(compareValues);
      return values.length === 0 ? undefined : k.descending ? values[values.length - 1]! : values[0]!;
    }),
  }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i], y = b.values[i];
      if (x === undefined || y === undefined) {
        if (x !== y) return x === undefined ? 1 : -1;
        continue;
      }
      const c = compareValues(x, y);
      if (c !== 0) return keys[i]!.descending ? -c : c;
    }
    return a.position - b.position;
  });
  return decorated.map((d) => d.resource);
}

const TOTALS = new Set(['none', 'estimate', 'accurate']);

/** `_total`: the search always counts its matches exactly, so every value FHIR names is met; another is refused. */
export function checkTotal(query: Record<string, unknown>): void {
  const raw = searchText(query, '_total');
  if (raw !== undefined && !TOTALS.has(raw)) {
    throw FhirError.invalid(`_total must be none, estimate or accurate, not '${excerpt(raw)}'`, {
      expression: ['_total'], da: `_total skal være none, estimate eller accurate, ikke '${excerpt(raw)}'`,
    });
  }
}
