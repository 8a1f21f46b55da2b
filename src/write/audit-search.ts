import type { AuditEvent, Bundle, CapabilityStatementRestResource } from 'fhir/r4';
import type { Principal } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import { requestedSubset, subsetter } from '../fhir/resource-subset';
import { pageBundle, pageLinks, pageUrl } from '../fhir/search';
import { wantedToken } from '../fhir/search-match';
import { searchCount, searchOffset, searchText, splitEscaped, unescapeSearch } from '../fhir/search-query';
import type { AuditLog, AuditQuery } from '../store/audit-log';
import { dateApproximation, dateRange as valueRange, instantsMeeting, withPrefix } from '../fhir/search-ranges';
import { excerpt } from '../errors/excerpt';
import { notKnown } from '../errors/common-errors';

const PARAMS = new Set(['_id', 'entity', 'agent', 'date', 'outcome', 'action', '_sort', '_count', '_offset', '_summary', '_elements', '_format', '_pretty']);

/** The audit log's search: `AuditEvent` (GET) and `AuditEvent/_search` (GET and POST, `AUDIT_POST_SEARCH_PATH`). */
export const AUDIT_SEARCH_PATHS = /^\/AuditEvent(?:\/_search)?\/?$/;
export const AUDIT_POST_SEARCH_PATH = /^\/AuditEvent\/_search\/?$/;
/** One event, read by its id (the fullUrl of a search's entry): `AuditEvent/{id}`. */
export const AUDIT_READ_PATH = /^\/AuditEvent\/([A-Za-z0-9\-.]{1,64})\/?$/;

/** How the CapabilityStatement lists the audit log. */
export const AUDIT_EVENT_CAPABILITY: CapabilityStatementRestResource = {
  type: 'AuditEvent',
  documentation: "Who changed what: one event per write (create, update, delete, transaction, $import-local), successes and refusals, newest first (_sort=-date; _sort=date oldest first), in pages of _count (_offset, with first, previous, next and last links); _summary (true, text, data, count) and _elements as for the other searches. Needs a Bearer token: a municipality's token finds the events of its own resources, an admin token all.",
  interaction: [{ code: 'read' }, { code: 'search-type' }],
  searchParam: [
    { name: '_id', type: 'token', documentation: 'The id of an event; a comma separates alternatives' },
    { name: 'entity', type: 'reference', documentation: 'Type/id of a written resource, or Type/id/_history/n of one version; also its url or url|version; a comma separates alternatives' },
    { name: 'agent', type: 'reference', documentation: "The token's sub or kommunekode; a comma separates alternatives" },
    { name: 'date', type: 'date', documentation: 'When it was recorded: a date or dateTime stands for the whole of its precision (a day, a second), with R4\'s prefixes (eq, ne, gt, lt, ge, le, sa, eb, ap; repeats); a time without a zone is read in UTC' },
    { name: 'outcome', type: 'token', documentation: 'The outcome: 0 done, 4 a write refused (e.g. outcome=4 for the refusals), 8 a write that failed; a comma separates alternatives' },
    { name: 'action', type: 'token', documentation: 'The action: C create, U update, D delete, E a transaction or an import; a comma separates alternatives' },
  ],
};

/** The codes of the events' `outcome` and `action` (R4's required bindings), by their code systems. */
const CODED_ELEMENTS = {
  outcome: { system: 'http://hl7.org/fhir/audit-event-outcome', codes: ['0', '4', '8', '12'] },
  action: { system: 'http://hl7.org/fhir/audit-event-action', codes: ['C', 'R', 'U', 'D', 'E'] },
} as const;

/**
 * `_sort`: by the time recorded, newest first (`-date`, the default) or oldest first (`date`); another order is 400, or
 * with `lenient` the default, `_sort` then left out of the links (`ignored`).
 */
function oldestFirst(query: Record<string, unknown>, lenient: boolean, ignored: Set<string>): boolean {
  const sort = searchText(query, '_sort');
  if (sort === undefined || sort === '-date') return false;
  if (sort === 'date') return true;
  if (lenient) {
    ignored.add('_sort');
    return false;
  }
  throw FhirError.invalid(`The audit log is sorted by date only: _sort=date (oldest first) or _sort=-date (newest first, the default), not '${excerpt(sort)}'`, {
    expression: ['_sort'], da: `Revisionsloggen sorteres kun efter dato: _sort=date (ældste først) eller _sort=-date (nyeste først, standard), ikke '${excerpt(sort)}'`,
  });
}

/** `outcome=4,8` or `action=http://hl7.org/fhir/audit-event-action|D`: the codes wanted; 400 for one the element cannot have. */
function codesWanted(query: Record<string, unknown>, name: keyof typeof CODED_ELEMENTS): string[] | undefined {
  const { system, codes } = CODED_ELEMENTS[name];
  return alternatives(query, name)?.map((text) => {
    const wanted = wantedToken(text);
    if ((wanted.system !== undefined && wanted.system !== system) || !(codes as readonly string[]).includes(wanted.code ?? '')) {
      throw FhirError.invalid(`${name} is one of ${codes.join(', ')} (optionally as ${system}|code), not '${excerpt(text)}'`, {
        expression: [name], da: `${name} er en af ${codes.join(', ')} (eventuelt som ${system}|kode), ikke '${excerpt(text)}'`,
      });
    }
    return wanted.code!;
  });
}

const isoInstant = (ms: number): string => new Date(ms).toISOString();

/**
 * date=ge2026-01-01&date=lt2026-02 → the recorded range, as ISO instants. Each value stands for the range of its
 * precision (a day, a second, a millisecond; R4 search, date parameters) and each prefix is R4's, as the resources'
 * searches compare them (search-ranges.ts); a time without a zone in UTC, the server's zone (FHIR search lets a server assume its own).
 */
export function dateRange(values: string[]): Pick<AuditQuery, 'from' | 'before' | 'outside'> {
  let from = Number.NEGATIVE_INFINITY;
  let before = Number.POSITIVE_INFINITY;
  const outside: { from: string; before: string }[] = [];
  for (const raw of values) {
    if (splitEscaped(raw, ',').length > 1) {
      throw FhirError.notSupported(`date takes one value here, not alternatives separated by a comma: '${excerpt(raw)}'`, {
        expression: ['date'], da: `date tager én værdi her, ikke alternativer adskilt af komma: '${excerpt(raw)}'`,
      });
    }
    const { prefix, value } = withPrefix(raw);
    const searched = valueRange(value);
    if (!searched) {
      throw FhirError.invalid(`date must be a date or dateTime with an optional prefix (eq, ne, gt, lt, ge, le, sa, eb, ap), e.g. ge2026-01-01; not '${excerpt(raw)}'`, {
        expression: ['date'], da: `date skal være en date eller dateTime med et eventuelt præfiks (eq, ne, gt, lt, ge, le, sa, eb, ap), fx ge2026-01-01; ikke '${excerpt(raw)}'`,
      });
    }
    const bounds = instantsMeeting(prefix, searched, dateApproximation(searched));
    if (bounds.from !== undefined) from = Math.max(from, bounds.from);
    if (bounds.before !== undefined) before = Math.min(before, bounds.before);
    if (bounds.outside) outside.push({ from: isoInstant(bounds.outside.low), before: isoInstant(bounds.outside.high) });
  }
  return {
    ...(Number.isFinite(from) ? { from: isoInstant(from) } : {}),
    ...(Number.isFinite(before) ? { before: isoInstant(before) } : {}),
    ...(outside.length > 0 ? { outside } : {}),
  };
}

/** The most alternatives one parameter may name: each is a test of the stores' query, which SQLite nests no deeper than 1,000. */
export const MAX_ALTERNATIVES = 100;

/** A parameter's alternatives (FHIR's comma; `\,` is a comma in a value), escapes kept, each once; 400 when it has none or too many. */
function alternatives(query: Record<string, unknown>, name: string): string[] | undefined {
  const text = searchText(query, name);
  if (text === undefined) return undefined;
  const values = [...new Set(splitEscaped(text, ',').filter((a) => a !== ''))];
  if (values.length === 0) throw FhirError.invalid(`${name} may not be empty`, { expression: [name], da: `${name} må ikke være tom` });
  if (values.length > MAX_ALTERNATIVES) {
    throw new FhirError(400, 'too-costly', `${name} names ${values.length} alternatives; at most ${MAX_ALTERNATIVES} are searched at once`, {
      expression: [name], da: `${name} angiver ${values.length} alternativer; højst ${MAX_ALTERNATIVES} søges ad gangen`,
    });
  }
  return values;
}

/** The query's parameters this search does not take: refused, or with `lenient` (Prefer: handling=lenient) left out. */
function unknownParameters(query: Record<string, unknown>, lenient: boolean): Set<string> {
  const ignored = new Set<string>();
  for (const name of Object.keys(query)) {
    if (PARAMS.has(name)) continue;
    if (lenient) ignored.add(name);
    else {
      throw FhirError.invalid(`Unknown search parameter '${excerpt(name)}' for AuditEvent (_id, entity, agent, date, outcome, action, _sort, _count, _offset, _summary, _elements)`, {
        expression: [excerpt(name)], da: `Ukendt søgeparameter '${excerpt(name)}' for AuditEvent (_id, entity, agent, date, outcome, action, _sort, _count, _offset, _summary, _elements)`,
      });
    }
  }
  return ignored;
}

/**
 * `AuditEvent/{id}`: one event, for the token that may see it in a search (its municipality's, or an admin's); 404
 * for an event it may not see, as for one that is not there (the audit log says nothing of other municipalities).
 */
export async function readAuditEvent(log: AuditLog, principal: Principal, id: string): Promise<AuditEvent> {
  checkReader(principal);
  const page = await log.searchAudit({ offset: 0, count: 1, ids: [id], ...(principal.admin ? {} : { owner: principal.kommunekode }) });
  const event = page.events[0];
  if (!event) throw notKnown('AuditEvent', excerpt(id));
  return event;
}

function checkReader(principal: Principal): void {
  if (!principal.admin && !principal.kommunekode) {
    throw new FhirError(403, 'forbidden', 'The audit log needs a token that names a municipality (claim kommunekode) or has the admin scope', {
      da: 'Revisionsloggen kræver et token, der angiver en kommune (claim kommunekode) eller har scope admin',
    });
  }
}

/**
 * `AuditEvent?entity=&agent=&date=&outcome=&action=` (src/write/audit.ts writes the events): a municipality's token sees the events
 * that touch its own resources (and its own refused writes), an admin token all; a token with neither, 403. Newest
 * first, or oldest with `_sort=date` (recorded, then the order of recording), in pages of `_count` from `_offset` with the links of the other
 * searches; a comma separates alternatives of `entity` and `agent`.
 */
export async function searchAudit(log: AuditLog, principal: Principal, query: Record<string, unknown>, selfUrl: string, baseUrl: string,
  options: { lenient?: boolean } = {}): Promise<Bundle> {
  checkReader(principal);
  const ignored = unknownParameters(query, options.lenient === true);
  const subset = requestedSubset(query, true);
  const count = subset === 'count' ? 0 : searchCount(query);
  const offset = searchOffset(query);
  const dates = query.date === undefined ? [] : Array.isArray(query.date) ? query.date.map(String) : [String(query.date)];
  const ids = alternatives(query, '_id')?.map(unescapeSearch);
  const entity = alternatives(query, 'entity')?.map(unescapeSearch);
  const agent = alternatives(query, 'agent');
  const outcome = codesWanted(query, 'outcome');
  const action = codesWanted(query, 'action');
  const q: AuditQuery = {
    offset,
    count,
    ...(oldestFirst(query, options.lenient === true, ignored) ? { oldestFirst: true } : {}),
    ...(principal.admin ? {} : { owner: principal.kommunekode }),
    ...(ids ? { ids } : {}),
    // a reference: `Type/id`, also given as an absolute URL of this server
    ...(entity ? { entity: entity.map((e) => (e.startsWith(`${baseUrl}/`) ? e.slice(baseUrl.length + 1) : e)) } : {}),
    // an identifier `system|value`: its value
    ...(agent ? { agent: agent.map((a) => wantedToken(a).code ?? '') } : {}),
    ...(outcome ? { outcome } : {}),
    ...(action ? { action } : {}),
    ...dateRange(dates),
  };
  const page = await log.searchAudit(q);
  if (subset === 'count') return pageBundle('searchset', page.total, [{ relation: 'self', url: pageUrl(selfUrl, ignored, 0) }]);
  const shape = subset ? subsetter<AuditEvent>('AuditEvent', subset) : (e: AuditEvent) => e;
  return pageBundle('searchset', page.total, pageLinks(selfUrl, ignored, offset, count, page.total),
    page.events.map((e) => ({ fullUrl: `${baseUrl}/AuditEvent/${e.id}`, resource: shape(e), search: { mode: 'match' as const } })));
}
