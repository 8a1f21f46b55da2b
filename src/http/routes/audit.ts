import { Router } from 'express';
import type { Bundle, CapabilityStatementRestResource } from 'fhir/r4';
import type { TokenVerifier } from '../../auth/verifier';
import { FhirError } from '../../errors/fhir-error';
import type { AuditLog, AuditQuery } from '../../store/audit-log';
import { endOfDate } from '../../terminology/in-force';
import { sendResource } from '../pipeline/fhir-json';
import { authenticate } from './writes';

const PARAMS = new Set(['entity', 'agent', 'date', '_count', '_format', '_pretty']);
const MAX_COUNT = 1000;
const DATE_SEARCH = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}.*)$/;

/** How the CapabilityStatement lists the audit log. */
export const AUDIT_EVENT_CAPABILITY: CapabilityStatementRestResource = {
  type: 'AuditEvent',
  documentation: "Who changed what: one event per write (create, update, delete, transaction, $import-local), successes and refusals. Needs a Bearer token: a municipality's token finds the events of its own resources, an admin token all.",
  interaction: [{ code: 'search-type' }],
  searchParam: [
    { name: 'entity', type: 'reference', documentation: 'Type/id of a written resource; also its url or url|version' },
    { name: 'agent', type: 'reference', documentation: "The token's sub or kommunekode" },
    { name: 'date', type: 'date', documentation: 'When it was recorded (eq, ge, gt, le, lt; repeats)' },
  ],
};

function one(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw FhirError.invalid(`${name} may be given once, as text`, { expression: [name] });
  return v;
}

/** The start of a FHIR date or dateTime, in epoch milliseconds. */
function startOf(date: string): number | undefined {
  const end = endOfDate(date);
  if (end === undefined) return undefined;
  if (date.includes('T')) return Date.parse(date);
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y!, (m ?? 1) - 1, d ?? 1);
}

/** date=ge2026-01-01&date=lt2026-02 → the recorded range, as ISO instants. */
export function dateRange(values: string[]): Pick<AuditQuery, 'from' | 'before'> {
  let from = Number.NEGATIVE_INFINITY;
  let before = Number.POSITIVE_INFINITY;
  for (const raw of values) {
    const m = DATE_SEARCH.exec(raw);
    const start = m ? startOf(m[2]!) : undefined;
    const end = m ? endOfDate(m[2]!) : undefined;
    if (!m || start === undefined || end === undefined) {
      throw FhirError.invalid(`date must be a date or dateTime with an optional prefix eq, ge, gt, le or lt, e.g. ge2026-01-01; not '${raw}'`, { expression: ['date'] });
    }
    switch (m[1] ?? 'eq') {
      case 'eq': from = Math.max(from, start); before = Math.min(before, end); break;
      case 'ge': from = Math.max(from, start); break;
      case 'gt': from = Math.max(from, end); break;
      case 'le': before = Math.min(before, end); break;
      case 'lt': before = Math.min(before, start); break;
      default: throw FhirError.notSupported(`The date prefix '${m[1]}' is not supported here; use eq, ge, gt, le or lt`);
    }
  }
  return {
    ...(Number.isFinite(from) ? { from: new Date(from).toISOString() } : {}),
    ...(Number.isFinite(before) ? { before: new Date(before).toISOString() } : {}),
  };
}

/** The value of a reference search: `Type/id`, or an identifier given as `system|value` (its value) for agents. */
function referenceValue(v: string | undefined, base: string): string | undefined {
  if (v === undefined) return undefined;
  return v.startsWith(`${base}/`) ? v.slice(base.length + 1) : v;
}

export interface AuditRouteDeps {
  store: AuditLog;
  verifier: TokenVerifier;
  baseUrlOf: (req: import('node:http').IncomingMessage) => string;
}

/**
 * GET [base]/AuditEvent?entity=&agent=&date=: the audit log (src/write/audit.ts). A municipality's token sees the
 * events that touch its own resources (and its own refused writes), an admin token all; without either, 403.
 */
export function auditRoute(deps: AuditRouteDeps): Router {
  const router = Router();
  router.get(/^\/AuditEvent\/?$/, authenticate(deps.verifier), async (req, res, next) => {
    try {
      const principal = req.principal!;
      if (!principal.admin && !principal.kommunekode) {
        throw new FhirError(403, 'forbidden', 'The audit log needs a token that names a municipality (claim kommunekode) or has the admin scope');
      }
      const query = req.query as Record<string, unknown>;
      for (const name of Object.keys(query)) {
        if (!PARAMS.has(name)) throw FhirError.invalid(`Unknown search parameter '${name}' for AuditEvent (entity, agent, date, _count)`, { expression: [name] });
      }
      const base = deps.baseUrlOf(req);
      const countRaw = one(query, '_count');
      if (countRaw !== undefined && !/^\d{1,6}$/.test(countRaw)) throw FhirError.invalid(`_count must be a non-negative integer, not '${countRaw}'`);
      const dates = query.date === undefined ? [] : Array.isArray(query.date) ? query.date.map(String) : [String(query.date)];
      const agentRaw = one(query, 'agent');
      const q: AuditQuery = {
        count: countRaw === undefined ? 100 : Math.min(Number(countRaw), MAX_COUNT),
        ...(principal.admin ? {} : { owner: principal.kommunekode }),
        entity: referenceValue(one(query, 'entity'), base),
        agent: agentRaw?.includes('|') ? agentRaw.slice(agentRaw.lastIndexOf('|') + 1) : agentRaw,
        ...dateRange(dates),
      };
      const events = await deps.store.searchAudit(q);
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'searchset',
        ...(q.count > events.length ? { total: events.length } : {}),
        link: [{ relation: 'self', url: `${base}${req.url}` }],
        entry: events.map((e) => ({ fullUrl: `${base}/AuditEvent/${e.id}`, resource: e, search: { mode: 'match' as const } })),
      };
      sendResource(res, 200, bundle);
    } catch (e) {
      next(e);
    }
  });
  return router;
}
