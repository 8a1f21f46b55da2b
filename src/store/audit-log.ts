import type { AuditEvent } from 'fhir/r4';
import type { StoredVersion } from './store';

/**
 * Who changed what: one AuditEvent per write request (src/write/audit.ts builds it), with the keys it is searched by.
 * Keys are kept beside the event so every store searches the same way: `owners` (the municipalities whose resources
 * the write touched; none for the common catalogs), `agents` (the token's sub and kommunekode) and `entities`
 * (`Type/id`, `url` and `url|version` of every resource written).
 */
export interface AuditRecord {
  event: AuditEvent & { id: string; recorded: string };
  owners: string[];
  agents: string[];
  entities: string[];
}

/** A successful write's record, built from the versions the store writes (within the store's transaction). */
export type AuditOfWrite = (versions: readonly (StoredVersion | undefined)[]) => AuditRecord;

/** A search of the audit log; every given criterion must hold. */
export interface AuditQuery {
  /** Only events touching a resource of this municipality (a municipality's token); absent: all (an admin). */
  owner?: string;
  /** `Type/id`, `url` or `url|version` of a written resource. */
  entity?: string;
  /** A token's sub or kommunekode. */
  agent?: string;
  /** recorded ≥ this instant (inclusive). */
  from?: string;
  /** recorded < this instant (exclusive). */
  before?: string;
  /** Events skipped, in the order of the search. */
  offset: number;
  /** At most this many, in the order of the search. */
  count: number;
}

/** A page of the audit log (`searchAudit`): newest first (recorded, then the order they were recorded in), so pages neither skip nor repeat an event. */
export interface AuditPage {
  /** How many events the query matches in all. */
  total: number;
  events: AuditEvent[];
}

/** The store side of the audit log (every TerminologyStore has it). */
export interface AuditLog {
  /** Records a write that was refused (the successes are recorded by `apply` in the write's own transaction). */
  recordAudit(record: AuditRecord): Promise<void>;
  /** The page of the events matching the query, newest first (recorded, then the order of recording). */
  searchAudit(query: AuditQuery): Promise<AuditPage>;
}

/** Keys joined as stored in a text column: ` a b c ` (whitespace in a key becomes `_`), so ` key ` finds one whole key. */
export function joinKeys(keys: readonly string[]): string {
  return ` ${keys.map((k) => k.replace(/\s/g, '_')).join(' ')} `;
}

/** What a joinKeys column contains when it has the key: `instr(column, needle) > 0` (exact, case-sensitive, no wildcards). */
export function keyNeedle(key: string): string {
  return ` ${key.replace(/\s/g, '_')} `;
}

/** Whether a record matches a query (the memory store; the SQL stores say the same in SQL). */
export function auditMatches(r: AuditRecord, q: AuditQuery): boolean {
  const has = (keys: readonly string[], key: string | undefined) => key === undefined || joinKeys(keys).includes(keyNeedle(key));
  if (!has(r.owners, q.owner) || !has(r.entities, q.entity) || !has(r.agents, q.agent)) return false;
  if (q.from !== undefined && r.event.recorded < q.from) return false;
  if (q.before !== undefined && r.event.recorded >= q.before) return false;
  return true;
}
