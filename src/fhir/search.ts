import type { Bundle, BundleEntry, BundleLink, Meta } from 'fhir/r4';
import { excerpt } from '../errors/excerpt';
import { FhirError } from '../errors/fhir-error';
import type { SubsettableType } from './r4-elements';
import { requestedSubset, subsetter } from './resource-subset';
import { criterion, modifiersOf, supportsModifier, type Predicate, type SearchParam } from './search-match';
import { searchCount, searchOffset } from './search-query';
import { refuseTextProblem } from './primitive-text';
import { checkTotal, sortKeys, sortResources } from './search-sort';

export type { SearchParam, SearchParamType, WantedToken } from './search-match';
export { MAX_SEARCH_COUNT, searchCount, searchText } from './search-query';

/** The result parameters every search takes besides its own. */
const CONTROL_PARAMS = new Set(['_summary', '_count', '_offset', '_format', '_pretty', '_elements', '_sort', '_total']);

/**
 * 400 for a search that is to select one resource (a conditional create, update or delete; a conditional reference)
 * and names no search parameter: nothing, or only result parameters (`_count`, `_sort`, `_summary` …), which shape an
 * answer and select nothing, so the search would select every resource.
 */
export function refuseSelectingNothing(query: Record<string, unknown>): void {
  const names = Object.keys(query);
  if (names.some((name) => !CONTROL_PARAMS.has(name))) return;
  const only = names.length > 0 ? { en: `, only result parameters (${names.join(', ')}), which select none`, da: `, kun resultatparametre (${names.join(', ')}), som ikke udvælger nogen` } : { en: '', da: '' };
  throw FhirError.invalid(`it names no search parameter${excerpt(only.en, 200)}`, { da: `den nævner ingen søgeparameter${excerpt(only.da, 200)}` });
}

export interface SearchOptions<C> {
  type: SubsettableType;
  /** The search's own URL as it was asked (the links are made from it) and the FHIR base (for fullUrls). */
  selfUrl: string;
  baseUrl: string;
  /** `Prefer: handling=lenient`: unknown parameters and unsupported modifiers are left out instead of refused. */
  lenient?: boolean;
  /** What the parameters' `values` and `hasToken` are given besides the resource (the registry, for codes). */
  context?: C;
}

/** `name:modifier` → name and modifier. */
function nameAndModifier(key: string): { name: string; modifier?: string } {
  const colon = key.indexOf(':');
  return colon < 0 ? { name: key } : { name: key.slice(0, colon), modifier: key.slice(colon + 1) };
}

/**
 * A search value, refused as operation parameters are when it holds what no FHIR text may (a control character, a lone
 * surrogate); an empty one asks for nothing (see criterion).
 */
function checkedValue(key: string, value: string): string {
  if (value.length > 0) refuseTextProblem(value, { en: `The search parameter '${excerpt(key)}'`, da: `Søgeparameteren '${excerpt(key)}'` }, [excerpt(key)]);
  return value;
}

/**
 * The tests the query asks for: each parameter given (repeated: AND) as a test, and the query's keys left out (with
 * `lenient`, the unknown ones and those with a modifier not supported; else those are refused).
 */
function criteria<R, C>(query: Record<string, unknown>, params: readonly SearchParam<R, C>[], type: string, lenient: boolean):
  { tests: Predicate<R, C>[]; ignored: Set<string> } {
  const tests: Predicate<R, C>[] = [];
  const ignored = new Set<string>();
  for (const [key, raw] of Object.entries(query)) {
    if (CONTROL_PARAMS.has(key)) continue;
    const { name, modifier } = nameAndModifier(key);
    const param = params.find((p) => p.name === name);
    if (!param || !supportsModifier(param.type, modifier)) {
      if (lenient) {
        ignored.add(key);
        continue;
      }
      if (!param) throw FhirError.invalid(`Unknown search parameter '${excerpt(key)}' for ${type}`, { expression: [excerpt(key)], da: `Ukendt søgeparameter '${excerpt(key)}' for ${type}` });
      const supported = modifiersOf(param.type).map((m) => `:${m}`).join(', ');
      throw FhirError.notSupported(`The modifier ':${excerpt(modifier)}' is not supported for the ${param.type} parameter '${name}' (supported: ${supported})`, {
        expression: [excerpt(key)], da: `Modifikatoren ':${excerpt(modifier)}' understøttes ikke for ${param.type}-parameteren '${name}' (understøttet: ${supported})`,
      });
    }
    for (const value of Array.isArray(raw) ? raw : [raw]) tests.push(criterion(param, modifier, checkedValue(key, String(value))));
  }
  return { tests, ignored };
}

/**
 * The URL of the page at `offset` of the search asked as `selfUrl`: its query as the client wrote it (each key
 * decoded only to compare), without the ignored keys and `_offset`, with `_count` as the page size applied when that
 * is given (a count above the largest page is asked as written, answered in pages of the largest), then the `pinned`
 * parameters with a value that it does not have yet, then `_offset` of that page when it is not 0.
 */
export function pageUrl(selfUrl: string, ignored: ReadonlySet<string>, offset: number, pinned: Readonly<Record<string, string | undefined>> = {},
  count?: number): string {
  const q = selfUrl.indexOf('?');
  const path = q < 0 ? selfUrl : selfUrl.slice(0, q);
  const present = new Set<string>();
  const kept: string[] = [];
  for (const part of q < 0 ? [] : selfUrl.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key = eq < 0 ? part : part.slice(0, eq);
    try {
      key = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      /* kept as written: the query parser read it the same way */
    }
    if (Object.hasOwn(pinned, key)) present.add(key);
    if (key === '_offset' || ignored.has(key)) continue;
    kept.push(key === '_count' && count !== undefined ? `_count=${count}` : part);
  }
  for (const [key, value] of Object.entries(pinned)) {
    if (value !== undefined && !present.has(key)) kept.push(`${key}=${encodeURIComponent(value)}`);
  }
  if (offset > 0) kept.push(`_offset=${offset}`);
  return kept.length > 0 ? `${path}?${kept.join('&')}` : path;
}

/** self, and with a page size: first, previous, next and last (by `_offset`), for clients that page with the links (searches, histories). */
export function pageLinks(selfUrl: string, ignored: ReadonlySet<string>, offset: number, count: number, total: number,
  pinned: Readonly<Record<string, string | undefined>> = {}): BundleLink[] {
  const link = (relation: string, at: number): BundleLink => ({ relation, url: pageUrl(selfUrl, ignored, at, relation === 'self' ? {} : pinned, count) });
  const links = [link('self', offset)];
  if (count === 0) return links;
  const last = total === 0 ? 0 : Math.floor((total - 1) / count) * count;
  links.push(link('first', 0));
  if (offset > 0) links.push(link('previous', Math.max(0, Math.min(offset - count, last))));
  if (offset + count < total) links.push(link('next', offset + count));
  links.push(link('last', last));
  return links;
}

/**
 * A page of a search or a history as a Bundle: `self` alone when only the count was asked (`_summary=count`), else
 * the page links. FHIR's JSON has no empty array, so a page without matches has no `entry`.
 */
export function pageBundle(type: 'searchset' | 'history', total: number, link: BundleLink[], entries?: BundleEntry[]): Bundle {
  const bundle: Bundle = { resourceType: 'Bundle', type, total, link };
  if (entries && entries.length > 0) bundle.entry = entries;
  return bundle;
}

/** The parameters every search here takes besides its type's own: `_id`, and `_lastUpdated` (meta.lastUpdated). */
export function commonSearchParams<R extends { id?: string; meta?: Meta }, C = undefined>(): SearchParam<R, C>[] {
  return [
    { name: '_id', type: 'token', values: (r) => [r.id] },
    // a written resource's last write; a published one has it only where its file does
    { name: '_lastUpdated', type: 'date', values: (r) => [r.meta?.lastUpdated] },
  ];
}

/**
 * A search over canonical resources held in memory: `params`, `_id` and `_lastUpdated` filter (modifiers, comma = OR, a repeated
 * parameter = AND), the matches sorted by url|version, or by `_sort` (then url|version); `_summary`, `_elements`,
 * `_count` and `_offset` shape the searchset Bundle, whose links page through the matches; `_total` is always met.
 */
export function searchResources<R extends { resourceType: string; id?: string; url?: string; version?: string; meta?: Meta }, C = undefined>(
  resources: readonly R[], params: readonly SearchParam<R, C>[], query: Record<string, unknown>, options: SearchOptions<C>,
): Bundle {
  const all: readonly SearchParam<R, C>[] = [...commonSearchParams<R, C>(), ...params];
  const { matched, ignored } = filtered(resources, all, query, options);
  const sort = sortKeys(query, all, options.type, options.lenient === true);
  if (sort?.ignored && sort.keys.length === 0) ignored.add('_sort');
  checkTotal(query);
  const subset = requestedSubset(query, true);
  const count = searchCount(query);
  const offset = searchOffset(query);
  const context = options.context as C;
  const byCanonical = matched
    .sort((a, b) => `${a.url}|${a.version}`.localeCompare(`${b.url}|${b.version}`));
  const matches = sort ? sortResources(byCanonical, sort.keys, context) : byCanonical;
  if (subset === 'count') {
    return pageBundle('searchset', matches.length, [{ relation: 'self', url: pageUrl(options.selfUrl, ignored, 0) }]);
  }
  const shape = subset ? subsetter<R>(options.type, subset) : (r: R) => r;
  return pageBundle('searchset', matches.length, pageLinks(options.selfUrl, ignored, offset, count, matches.length),
    matches.slice(offset, offset + count).map((r): BundleEntry => ({
      fullUrl: `${options.baseUrl}/${options.type}/${r.id}`,
      resource: shape(r) as unknown as BundleEntry['resource'],
      search: { mode: 'match' },
    })));
}

/**
 * The resources the query's filtering parameters match, in no order; the result parameters (`_count`, `_sort`,
 * `_summary`, …) are ignored. A search as a conditional reference makes it (R4 http.html#trules): only the matches count.
 */
export function matchingResources<R extends { resourceType: string; id?: string; url?: string; version?: string; meta?: Meta }, C = undefined>(
  resources: readonly R[], params: readonly SearchParam<R, C>[], query: Record<string, unknown>, options: Pick<SearchOptions<C>, 'type' | 'context'>,
): R[] {
  return filtered(resources, [...commonSearchParams<R, C>(), ...params], query, options).matched;
}

function filtered<R, C>(resources: readonly R[], params: readonly SearchParam<R, C>[], query: Record<string, unknown>,
  options: Pick<SearchOptions<C>, 'type' | 'lenient' | 'context'>): { matched: R[]; ignored: Set<string> } {
  const { tests, ignored } = criteria(query, params, options.type, options.lenient === true);
  const context = options.context as C;
  return { matched: resources.filter((r) => tests.every((t) => t(r, context))), ignored };
}
