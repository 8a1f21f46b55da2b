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

/** A search of the audit log; every given criterion must hold, a list when any of its alternatives does (FHIR's comma). */
export interface AuditQuery {
  /** Only events touching a resource of this municipality (a municipality's token); absent: all (an admin). */
  owner?: string;
  /** The events with one of these ids (`_id`, and a read of `AuditEvent/{id}`). */
  ids?: readonly string[];
  /** `Type/id`, `Type/id/_history/n`, `url` or `url|version` of a written resource. */
  entity?: readonly string[];
  /** A token's sub or kommunekode. */
  agent?: readonly string[];
  /** The event's outcome: 0 success, 4 a write refused (the client's), 8 one that failed (the server's). */
  outcome?: readonly string[];
  /** The event's action: C create, U update, D delete, E execute (a transaction, an import). */
  action?: readonly string[];
  /** recorded ≥ this instant (inclusive). */
  from?: string;
  /** recorded < this instant (exclusive). */
  before?: string;
  /** recorded in none of these ranges, each from `from` (inclusive) up to `before` (exclusive): `date=ne…`. */
  outside?: readonly { from: string; before: string }[];
  /** Oldest first (`_sort=date`) instead of newest first: recorded, then the order of recording, either way. */
  oldestFirst?: boolean;
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
  /** The page of the events matching the query, newest first (recorded, then the order of recording), or oldest first. */
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

const VERSION_REFERENCE = /^([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})\/_history\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * How an event is found by one `entity` value: it has the value as a key, or, for a version `Type/id/_history/n`,
 * it has the key `Type/id` and an entity whose `what.reference` is that version. The keys name no versions, so the
 * version is read from the event itself (the events recorded so far are found too).
 */
export function entityWanted(entity: string): { key: string; version?: { key: string; reference: string } } {
  const m = VERSION_REFERENCE.exec(entity);
  return m ? { key: entity, version: { key: m[1]!, reference: entity } } : { key: entity };
}

/** What the stored text of an event (JSON.stringify) contains when one of its entities is `what.reference` = reference. */
export function referenceNeedle(reference: string): string {
  return `"reference":${JSON.stringify(reference)}`;
}

/** What the stored text of an event (JSON.stringify) contains when its top-level code element `name` is `code` (outcome, action: a string inside another element is escaped). */
export function elementNeedle(name: 'outcome' | 'action', code: string): string {
  return `${JSON.stringify(name)}:${JSON.stringify(code)}`;
}

/**
 * The WHERE clause of a query in the SQL stores: `contains(column, param)` is the database's test of a text column
 * containing a value (instr, strpos), `bind(value)` adds a value and gives its placeholder.
 */
export function auditFilter(q: AuditQuery, contains: (column: string, param: string) => string, bind: (value: unknown) => string): string {
  const where: string[] = [];
  const hasKey = (column: string, key: string) => contains(column, bind(keyNeedle(key)));
  const any = (tests: string[]) => (tests.length === 1 ? tests[0]! : `(${tests.join(' OR ')})`);
  if (q.owner !== undefined) where.push(hasKey('owners', q.owner));
  if (q.ids !== undefined) where.push(q.ids.length === 0 ? '1 = 0' : `id IN (${q.ids.map(bind).join(', ')})`);
  if (q.entity !== undefined) {
    where.push(any(q.entity.map(entityWanted).map(({ key, version }) => (!version ? hasKey('entities', key)
      : `(${hasKey('entities', key)} OR (${hasKey('entities', version.key)} AND ${contains('content', bind(referenceNeedle(version.reference)))}))`))));
  }
  if (q.agent !== undefined) where.push(any(q.agent.map((key) => hasKey('agents', key))));
  for (const name of ['outcome', 'action'] as const) {
    const codes = q[name];
    if (codes !== undefined) where.push(codes.length === 0 ? '1 = 0' : any(codes.map((code) => contains('content', bind(elementNeedle(name, code))))));
  }
  if (q.from !== undefined) where.push(`recorded >= ${bind(q.from)}`);
  if (q.before !== undefined) where.push(`recorded < ${bind(q.before)}`);
  for (const o of q.outside ?? []) where.push(`NOT (recorded >= ${bind(o.from)} AND recorded < ${bind(o.before)})`);
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

/** The ORDER BY of the SQL stores' search: by `recorded` (as the column is compared, e.g. with a collation), then `seq`. */
export function auditOrder(q: AuditQuery, recorded = 'recorded'): string {
  const direction = q.oldestFirst ? 'ASC' : 'DESC';
  return `ORDER BY ${recorded} ${direction}, seq ${direction}`;
}

/** Whether a record matches a query (the memory store; the SQL stores say the same in SQL, `auditFilter`). */
export function auditMatches(r: AuditRecord, q: AuditQuery): boolean {
  const has = (keys: readonly string[], key: string) => joinKeys(keys).includes(keyNeedle(key));
  const names = (reference: string) => (r.event.entity ?? []).some((e) => e.what?.reference === reference);
  const hasEntity = (entity: string) => {
    const { key, version } = entityWanted(entity);
    return has(r.entities, key) || (version !== undefined && has(r.entities, version.key) && names(version.reference));
  };
  if (q.owner !== undefined && !has(r.owners, q.owner)) return false;
  if (q.ids !== undefined && !q.ids.includes(r.event.id)) return false;
  if (q.entity !== undefined && !q.entity.some(hasEntity)) return false;
  if (q.agent !== undefined && !q.agent.some((a) => has(r.agents, a))) return false;
  if (q.outcome !== undefined && !q.outcome.includes(r.event.outcome ?? '')) return false;
  if (q.action !== undefined && !q.action.includes(r.event.action ?? '')) return false;
  if (q.from !== undefined && r.event.recorded < q.from) return false;
  if (q.before !== undefined && r.event.recorded >= q.before) return false;
  if (q.outside?.some((o) => r.event.recorded >= o.from && r.event.recorded < o.before)) return false;
  return true;
}
