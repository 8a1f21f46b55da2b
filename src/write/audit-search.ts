import type { Bundle, CapabilityStatementRestResource } from 'fhir/r4';
import type { Principal } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import { pageLinks } from '../fhir/search';
import { searchCount, searchOffset, searchText } from '../fhir/search-query';
import type { AuditLog, AuditQuery } from '../store/audit-log';
import { endOfDate, startOfDate } from '../fhir/date-time';
import { excerpt } from '../errors/excerpt';

const PARAMS = new Set(['entity', 'agent', 'date', '_count', '_offset', '_format', '_pretty']);
const DATE_SEARCH = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}.*)$/;

/** How the CapabilityStatement lists the audit log. */
export const AUDIT_EVENT_CAPABILITY: CapabilityStatementRestResource = {
  type: 'AuditEvent',
  documentation: "Who changed what: one event per write (create, update, delete, transaction, $import-local), successes and refusals, newest first, in pages of _count (_offset, with first, previous, next and last links). Needs a Bearer token: a municipality's token finds the events of its own resources, an admin token all.",
  interaction: [{ code: 'search-type' }],
  searchParam: [
    { name: 'entity', type: 'reference', documentation: 'Type/id of a written resource; also its url or url|version' },
    { name: 'agent', type: 'reference', documentation: "The token's sub or kommunekode" },
    { name: 'date', type: 'date', documentation: 'When it was recorded (eq, ge, gt, le, lt; repeats); a time without a zone is read in UTC' },
  ],
};

/** date=ge2026-01-01&date=lt2026-02 → the recorded range, as ISO instants; a time without a zone in UTC, the server's zone (FHIR search lets a server assume its own). */
export function dateRange(values: string[]): Pick<AuditQuery, 'from' | 'before'> {
  let from = Number.NEGATIVE_INFINITY;
  let before = Number.POSITIVE_INFINITY;
  for (const raw of values) {
    const m = DATE_SEARCH.exec(raw);
    const start = m ? startOfDate(m[2]!, 'utc') : undefined;
    const end = m ? endOfDate(m[2]!, 'utc') : undefined;
    if (!m || start === undefined || end === undefined) {
      throw FhirError.invalid(`date must be a date or dateTime with an optional prefix eq, ge, gt, le or lt, e.g. ge2026-01-01; not '${excerpt(raw)}'`, {
        expression: ['date'], da: `date skal være en date eller dateTime med et eventuelt præfiks eq, ge, gt, le eller lt, fx ge2026-01-01; ikke '${excerpt(raw)}'`,
      });
    }
    switch (m[1] ?? 'eq') {
      case 'eq': from = Math.max(from, start); before = Math.min(before, end); break;
      case 'ge': from = Math.max(from, start); break;
      case 'gt': from = Math.max(from, end); break;
      case 'le': before = Math.min(before, end); break;
      case 'lt': before = Math.min(before, start); break;
      default: throw FhirError.notSupported(`The date prefix '${excerpt(m[1])}' is not supported here; use eq, ge, gt, le or lt`, {
        da: `Datopræfikset '${excerpt(m[1])}' understøttes ikke her; brug eq, ge, gt, le eller lt`,
      });
    }
  }
  return {
    ...(Number.isFinite(from) ? { from: new Date(from).toISOString() } : {}),
    ...(Number.isFinite(before) ? { before: new Date(before).toISOString() } : {}),
  };
}

/**
 * `AuditEvent?entity=&agent=&date=` (src/write/audit.ts writes the events): a municipality's token sees the events
 * that touch its own resources (and its own refused writes), an admin token all; a token with neither, 403. Newest
 * first (recorded, then the order of recording), in pages of `_count` from `_offset` with the links of the other searches.
 */
export async function searchAudit(log: AuditLog, principal: Principal, query: Record<string, unknown>, selfUrl: string, baseUrl: string): Promise<Bundle> {
  if (!principal.admin && !principal.kommunekode) {
    throw new FhirError(403, 'forbidden', 'The audit log needs a token that names a municipality (claim kommunekode) or has the admin scope', {
      da: 'Revisionsloggen kræver et token, der angiver en kommune (claim kommunekode) eller har scope admin',
    });
  }
  for (const name of Object.keys(query)) {
    if (!PARAMS.has(name)) {
      throw FhirError.invalid(`Unknown search parameter '${excerpt(name)}' for AuditEvent (entity, agent, date, _count, _offset)`, {
        expression: [excerpt(name)], da: `Ukendt søgeparameter '${excerpt(name)}' for AuditEvent (entity, agent, date, _count, _offset)`,
      });
    }
  }
  const count = searchCount(query);
  const offset = searchOffset(query);
  const dates = query.date === undefined ? [] : Array.isArray(query.date) ? query.date.map(String) : [String(query.date)];
  const entity = searchText(query, 'entity');
  const agent = searchText(query, 'agent');
  if (entity === '' || agent === '') {
    const empty = entity === '' ? 'entity' : 'agent';
    throw FhirError.invalid(`${empty} may not be empty`, { expression: [empty], da: `${empty} må ikke være tom` });
  }
  const q: AuditQuery = {
    offset,
    count,
    ...(principal.admin ? {} : { owner: principal.kommunekode }),
    // a reference: `Type/id`, also given as an absolute URL of this server
    entity: entity?.startsWith(`${baseUrl}/`) ? entity.slice(baseUrl.length + 1) : entity,
    // an identifier `system|value`: its value
    agent: agent?.includes('|') ? agent.slice(agent.lastIndexOf('|') + 1) : agent,
    ...dateRange(dates),
  };
  const page = await log.searchAudit(q);
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: page.total,
    link: pageLinks(selfUrl, new Set(), offset, count, page.total),
    entry: page.events.map((e) => ({ fullUrl: `${baseUrl}/AuditEvent/${e.id}`, resource: e, search: { mode: 'match' as const } })),
  };
}
