import type { Bundle, BundleEntry } from 'fhir/r4';
import { FhirError } from '../../errors/fhir-error';
import type { TerminologyRegistry } from '../../terminology/registry';
import type { TerminologyResource, TerminologyType } from '../../terminology/resource-set';

const SEARCH_PARAMS = new Set(['url', 'version', 'name', 'title', 'status', 'identifier', '_id', '_summary', '_count', '_format', '_pretty', '_elements']);
const MAX_COUNT = 1000;

function text(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw FhirError.invalid('Each search parameter may be given once, as text');
  return v;
}

function startsWithFolded(value: string | undefined, wanted: string): boolean {
  return !!value && value.toLowerCase().startsWith(wanted.toLowerCase());
}

function identifierMatches(resource: TerminologyResource, wanted: string): boolean {
  const bar = wanted.indexOf('|');
  const system = bar >= 0 ? wanted.slice(0, bar) : undefined;
  const value = bar >= 0 ? wanted.slice(bar + 1) : wanted;
  const ids = Array.isArray(resource.identifier) ? resource.identifier : resource.identifier ? [resource.identifier] : [];
  return ids.some((i) => (system === undefined || i.system === system) && (value === '' || i.value === value));
}

const HEAVY_FIELDS = new Set(['concept', 'compose', 'expansion', 'group', 'text']);

/** Summary form of a terminology resource: no concepts, compose or groups. */
export function summarise(resource: TerminologyResource): TerminologyResource {
  const copy: Record<string, unknown> = {};
  // the heavy fields are not even read: a published catalog's concepts and map elements are parsed on each read
  for (const key of Object.keys(resource)) if (!HEAVY_FIELDS.has(key)) copy[key] = (resource as unknown as Record<string, unknown>)[key];
  copy.meta = { ...(resource.meta ?? {}), tag: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] };
  return copy as unknown as TerminologyResource;
}

/** Search over terminology resources by the common canonical-resource parameters. */
export function search(registry: TerminologyRegistry, type: TerminologyType, query: Record<string, unknown>, selfUrl: string, baseUrl: string): Bundle {
  for (const name of Object.keys(query)) {
    if (!SEARCH_PARAMS.has(name)) throw FhirError.invalid(`Unknown search parameter '${name}' for ${type}`, { expression: [name] });
  }
  const url = text(query.url);
  const version = text(query.version);
  const name = text(query.name);
  const title = text(query.title);
  const status = text(query.status);
  const identifier = text(query.identifier);
  const id = text(query._id);
  const summary = text(query._summary);
  const countRaw = text(query._count);
  if (summary !== undefined && !['true', 'false', 'count', 'data', 'text'].includes(summary)) {
    throw FhirError.invalid(`_summary must be true, false, count, data or text, not '${summary}'`);
  }
  if (countRaw !== undefined && !/^\d{1,6}$/.test(countRaw)) throw FhirError.invalid(`_count must be a non-negative integer, not '${countRaw}'`);
  const count = countRaw === undefined ? 100 : Math.min(Number(countRaw), MAX_COUNT);
  let matches = registry.list(type).filter((r) =>
    (url === undefined || r.url === url) &&
    (version === undefined || r.version === version) &&
    (name === undefined || startsWithFolded(r.name, name)) &&
    (title === undefined || startsWithFolded(r.title, title)) &&
    (status === undefined || r.status === status) &&
    (id === undefined || r.id === id) &&
    (identifier === undefined || identifierMatches(r, identifier)));
  matches = matches.sort((a, b) => `${a.url}|${a.version}`.localeCompare(`${b.url}|${b.version}`));
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', total: matches.length, link: [{ relation: 'self', url: selfUrl }] };
  if (summary === 'count') return bundle;
  bundle.entry = matches.slice(0, count).map((r): BundleEntry => ({
    fullUrl: `${baseUrl}/${type}/${r.id}`,
    resource: summary === 'true' ? summarise(r) : r,
    search: { mode: 'match' },
  }));
  return bundle;
}
