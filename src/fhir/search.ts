import type { Bundle, BundleEntry, BundleLink, Meta } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import type { SubsettableType } from './r4-elements';
import { requestedSubset, subsetter } from './resource-subset';
import { searchCount, searchOffset, searchText } from './search-query';

export { MAX_SEARCH_COUNT, searchCount, searchText } from './search-query';

export type SearchParamType = 'uri' | 'token' | 'string' | 'reference' | 'date';

/** A search parameter of a resource type: its name and type (for the CapabilityStatement) and how it matches. */
export interface SearchParam<R> {
  name: string;
  type: SearchParamType;
  matches(resource: R, value: string): boolean;
}

/** The result parameters every search takes besides its own. */
const CONTROL_PARAMS = new Set(['_id', '_summary', '_count', '_offset', '_format', '_pretty', '_elements']);

/** Refuses a parameter that is neither one of `names` nor a result parameter. */
export function checkSearchNames(query: Record<string, unknown>, names: ReadonlySet<string>, type: string): void {
  for (const name of Object.keys(query)) {
    if (!names.has(name) && !CONTROL_PARAMS.has(name)) {
      throw FhirError.invalid(`Unknown search parameter '${name}' for ${type}`, { expression: [name], da: `Ukendt søgeparameter '${name}' for ${type}` });
    }
  }
}

/** Whether `value` starts with `wanted`, ignoring case (FHIR's string search). */
export function startsWithFolded(value: string | undefined, wanted: string): boolean {
  return !!value && value.toLowerCase().startsWith(wanted.toLowerCase());
}

/** The common parameters of canonical resources (R4: url, version, name, title, status). */
export function canonicalSearchParams<R extends { url?: string; version?: string; name?: string; title?: string; status?: string }>(): SearchParam<R>[] {
  return [
    { name: 'url', type: 'uri', matches: (r, v) => r.url === v },
    { name: 'version', type: 'token', matches: (r, v) => r.version === v },
    { name: 'name', type: 'string', matches: (r, v) => startsWithFolded(r.name, v) },
    { name: 'title', type: 'string', matches: (r, v) => startsWithFolded(r.title, v) },
    { name: 'status', type: 'token', matches: (r, v) => r.status === v },
  ];
}

export interface SearchOptions {
  type: SubsettableType;
  /** The search's own URL (the Bundle's self link) and the FHIR base (for fullUrls). */
  selfUrl: string;
  baseUrl: string;
}

/**
 * The URL of the page at `offset` of the search asked as `selfUrl`: its query as the client wrote it (each key
 * decoded only to compare), without `_offset`, then `_offset` of that page when it is not 0.
 */
function pageUrl(selfUrl: string, offset: number): string {
  const q = selfUrl.indexOf('?');
  const path = q < 0 ? selfUrl : selfUrl.slice(0, q);
  const kept = (q < 0 ? [] : selfUrl.slice(q + 1).split('&')).filter((part) => {
    if (part === '') return false;
    const eq = part.indexOf('=');
    let key = eq < 0 ? part : part.slice(0, eq);
    try {
      key = decodeURIComponent(key.replace(/\+/g, ' '));
    } catch {
      /* kept as written: the query parser read it the same way */
    }
    return key !== '_offset';
  });
  if (offset > 0) kept.push(`_offset=${offset}`);
  return kept.length > 0 ? `${path}?${kept.join('&')}` : path;
}

/** self, and with a page size: first, previous, next and last (by `_offset`), for clients that page with the links. */
function pageLinks(selfUrl: string, offset: number, count: number, total: number): BundleLink[] {
  const link = (relation: string, at: number): BundleLink => ({ relation, url: pageUrl(selfUrl, at) });
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
 * A search over canonical resources held in memory: `params` and `_id` filter (each given once), the matches sorted
 * by url|version; `_summary` (true, count…), `_elements`, `_count` and `_offset` shape the searchset Bundle, whose
 * links page through the matches.
 */
export function searchResources<R extends { resourceType: string; id?: string; url?: string; version?: string; meta?: Meta }>(
  resources: readonly R[], params: readonly SearchParam<R>[], query: Record<string, unknown>, options: SearchOptions,
): Bundle {
  checkSearchNames(query, new Set(params.map((p) => p.name)), options.type);
  const subset = requestedSubset(query, true);
  const count = searchCount(query);
  const offset = searchOffset(query);
  const id = searchText(query, '_id');
  const given = params.flatMap((p) => {
    const value = searchText(query, p.name);
    return value === undefined ? [] : [{ p, value }];
  });
  const matches = resources.filter((r) => (id === undefined || r.id === id) && given.every(({ p, value }) => p.matches(r, value)))
    .sort((a, b) => `${a.url}|${a.version}`.localeCompare(`${b.url}|${b.version}`));
  if (subset === 'count') {
    return { resourceType: 'Bundle', type: 'searchset', total: matches.length, link: [{ relation: 'self', url: pageUrl(options.selfUrl, 0) }] };
  }
  const shape = subset ? subsetter<R>(options.type, subset) : (r: R) => r;
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: matches.length,
    link: pageLinks(options.selfUrl, offset, count, matches.length),
    entry: matches.slice(offset, offset + count).map((r): BundleEntry => ({
      fullUrl: `${options.baseUrl}/${options.type}/${r.id}`,
      resource: shape(r) as unknown as BundleEntry['resource'],
      search: { mode: 'match' },
    })),
  };
}
