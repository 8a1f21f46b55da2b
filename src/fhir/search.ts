import type { Bundle, BundleEntry } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';

export type SearchParamType = 'uri' | 'token' | 'string' | 'reference' | 'date';

/** A search parameter of a resource type: its name and type (for the CapabilityStatement) and how it matches. */
export interface SearchParam<R> {
  name: string;
  type: SearchParamType;
  matches(resource: R, value: string): boolean;
}

/** The result parameters every search takes besides its own. */
const CONTROL_PARAMS = new Set(['_id', '_summary', '_count', '_format', '_pretty', '_elements']);
const SUMMARY_VALUES = ['true', 'false', 'count', 'data', 'text'];
export const MAX_SEARCH_COUNT = 1000;

/** A search parameter given once as text (undefined when not given); 400 when it repeats. */
export function searchText(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') {
    throw FhirError.invalid(`The search parameter '${name}' may be given once, as text`, { expression: [name], da: `Søgeparameteren '${name}' må kun gives én gang, som tekst` });
  }
  return v;
}

/** `_count` (default 100, at most MAX_SEARCH_COUNT). */
export function searchCount(query: Record<string, unknown>): number {
  const raw = searchText(query, '_count');
  if (raw !== undefined && !/^\d{1,6}$/.test(raw)) {
    throw FhirError.invalid(`_count must be a non-negative integer, not '${raw}'`, { expression: ['_count'], da: `_count skal være et heltal på 0 eller mere, ikke '${raw}'` });
  }
  return raw === undefined ? 100 : Math.min(Number(raw), MAX_SEARCH_COUNT);
}

/** `_offset`: how many matches a page skips (default 0). */
export function searchOffset(query: Record<string, unknown>): number {
  const raw = searchText(query, '_offset');
  if (raw !== undefined && !/^\d{1,9}$/.test(raw)) {
    throw FhirError.invalid(`_offset must be a non-negative integer, not '${raw}'`, { expression: ['_offset'], da: `_offset skal være et heltal på 0 eller mere, ikke '${raw}'` });
  }
  return raw === undefined ? 0 : Number(raw);
}

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
  type: string;
  /** The search's own URL (the Bundle's self link) and the FHIR base (for fullUrls). */
  selfUrl: string;
  baseUrl: string;
  /** Fields left out of the summary form (`_summary=true`). */
  heavy: ReadonlySet<string>;
}

/** The summary form of a resource: without its heavy fields (which are not even read), tagged SUBSETTED. */
function summarised<R extends { meta?: object }>(resource: R, heavy: ReadonlySet<string>): R {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(resource)) if (!heavy.has(key)) copy[key] = (resource as Record<string, unknown>)[key];
  copy.meta = { ...(resource.meta ?? {}), tag: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] };
  return copy as R;
}

/**
 * A search over canonical resources held in memory: `params` and `_id` filter (each given once), the matches sorted
 * by url|version, `_summary` (true, count…) and `_count` shape the searchset Bundle.
 */
export function searchResources<R extends { resourceType: string; id?: string; url?: string; version?: string; meta?: object }>(
  resources: readonly R[], params: readonly SearchParam<R>[], query: Record<string, unknown>, options: SearchOptions,
): Bundle {
  checkSearchNames(query, new Set(params.map((p) => p.name)), options.type);
  const summary = searchText(query, '_summary');
  if (summary !== undefined && !SUMMARY_VALUES.includes(summary)) {
    throw FhirError.invalid(`_summary must be true, false, count, data or text, not '${summary}'`, {
      expression: ['_summary'], da: `_summary skal være true, false, count, data eller text, ikke '${summary}'`,
    });
  }
  const count = searchCount(query);
  const id = searchText(query, '_id');
  const given = params.flatMap((p) => {
    const value = searchText(query, p.name);
    return value === undefined ? [] : [{ p, value }];
  });
  const matches = resources.filter((r) => (id === undefined || r.id === id) && given.every(({ p, value }) => p.matches(r, value)))
    .sort((a, b) => `${a.url}|${a.version}`.localeCompare(`${b.url}|${b.version}`));
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: matches.length, link: [{ relation: 'self', url: options.selfUrl }] };
  if (summary === 'count') return bundle;
  bundle.entry = matches.slice(0, count).map((r): BundleEntry => ({
    fullUrl: `${options.baseUrl}/${options.type}/${r.id}`,
    resource: (summary === 'true' ? summarised(r, options.heavy) : r) as unknown as BundleEntry['resource'],
    search: { mode: 'match' },
  }));
  return bundle;
}
