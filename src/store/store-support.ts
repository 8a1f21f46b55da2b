import { FhirError } from '../errors/fhir-error';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import type { AuditOfWrite } from './audit-log';
import type { ClosureConcept, ClosureEntry, ClosureInitResult, ClosureTableState, ClosureTableStore, StoredClosureEntry } from './closure-store';
import type { CommitGate } from './commit-gate';
import { StoreConflictError, type RequestMethod, type StoredVersion, type TerminologyStore, type WriteOperation } from './store';

/**
 * FHIR's id rule, 1–64 of A–Z, a–z, 0–9, '-' and '.', but for `.` and `..`: as a URL's segment they are the path's
 * own dot segments (RFC 3986 §5.2.4), so no client could address such a resource (`CodeSystem/..` is the base).
 */
export const FHIR_ID = /^(?!\.\.?$)[A-Za-z0-9\-.]{1,64}$/;

/**
 * A version id as a store writes them (1, 2, 3 …, at most 15 digits, no leading zero): version ids are strings, so
 * `01` names no version, as in the memory store; undefined for any other text.
 */
export function versionNumber(versionId: string): number | undefined {
  return /^[1-9]\d{0,14}$/.test(versionId) ? Number(versionId) : undefined;
}

export const WRITABLE_TYPES: readonly TerminologyType[] = ['CodeSystem', 'ValueSet', 'ConceptMap'];

/** What a store knows about one id before a change: its latest version number and whether that is a delete. */
export interface RowState {
  versionId: number;
  deleted: boolean;
}

export interface PlannedChange {
  resourceType: TerminologyType;
  id: string;
  versionId: number;
  method: StoredVersion['method'];
  requestMethod: RequestMethod;
  /** The stamped resource; undefined for a delete. */
  resource?: TerminologyResource;
}

export function targetOf(change: WriteOperation): { resourceType: TerminologyType; id: string } {
  if (change.kind === 'delete') return { resourceType: change.resourceType, id: change.id };
  const { resourceType, id } = change.resource;
  if (!WRITABLE_TYPES.includes(resourceType)) throw FhirError.invalid(`Cannot store a ${String(resourceType)}`, { da: `En ${String(resourceType)} kan ikke gemmes` });
  if (typeof id !== 'string' || !FHIR_ID.test(id)) {
    throw FhirError.invalid(`A stored ${resourceType} needs a valid id, not '${String(id)}'`, { da: `En ${resourceType} skal have et gyldigt id for at blive gemt, ikke '${String(id)}'` });
  }
  return { resourceType, id };
}

/** A deep copy of the resource with meta.versionId and meta.lastUpdated set (other meta kept). */
export function stamp(resource: TerminologyResource, versionId: number, lastUpdated: string): TerminologyResource {
  const copy = structuredClone(resource);
  copy.meta = { ...(copy.meta ?? {}), versionId: String(versionId), lastUpdated };
  return copy;
}

/**
 * Decides what one change does given the current state of its id: the one place where create/update/delete and
 * the expected-version check are defined, so every store implementation behaves the same. Returns undefined for
 * a delete that has nothing to delete.
 */
export function planChange(change: WriteOperation, state: RowState | undefined, lastUpdated: string): PlannedChange | undefined {
  const { resourceType, id } = targetOf(change);
  const live = state !== undefined && !state.deleted;
  const where = `${resourceType}/${id}`;
  if (change.kind !== 'create' && change.expectedVersion !== undefined) {
    if (!live) {
      throw new StoreConflictError({
        en: `${where} does not exist, so it cannot be at version ${change.expectedVersion}`,
        da: `${where} findes ikke, så den kan ikke være i version ${change.expectedVersion}.`,
      }, 'not-found');
    }
    if (String(state.versionId) !== change.expectedVersion) {
      throw new StoreConflictError({
        en: `${where} is at version ${state.versionId}, not ${change.expectedVersion}: it was changed since it was read`,
        da: `${where} er nu i version ${state.versionId}, ikke ${change.expectedVersion}: en anden har ændret den, siden den blev hentet.`,
      }, 'version-mismatch', String(state.versionId));
    }
  }
  const next = (state?.versionId ?? 0) + 1;
  switch (change.kind) {
    case 'create':
      if (state !== undefined) {
        throw new StoreConflictError({
          en: `${where} already exists${state.deleted ? ' (deleted; ids are not reused by create)' : ''}`,
          da: `${where} findes allerede${state.deleted ? ' (slettet; et id bruges ikke igen ved oprettelse)' : ''}.`,
        }, 'already-exists',
          String(state.versionId));
      }
      return { resourceType, id, versionId: next, method: 'create', requestMethod: change.requestMethod ?? 'POST', resource: stamp(change.resource, next, lastUpdated) };
    case 'update':
      if (change.expectAbsent && live) {
        throw new StoreConflictError({
          en: `${where} was written (version ${state.versionId}) since it was read, when it had no current version`,
          da: `${where} er skrevet (version ${state.versionId}), siden den blev læst uden en gældende version.`,
        }, 'exists', String(state.versionId));
      }
      return { resourceType, id, versionId: next, method: live ? 'update' : 'create', requestMethod: 'PUT', resource: stamp(change.resource, next, lastUpdated) };
    case 'delete':
      if (!live) return undefined;
      return { resourceType, id, versionId: next, method: 'delete', requestMethod: 'DELETE' };
  }
}

/** A row of the SQL stores' resource_history table. */
export interface HistoryRow {
  resource_type: TerminologyType;
  id: string;
  version_id: number;
  method: StoredVersion['method'];
  /** Null in the rows written before it was recorded. */
  request_method: RequestMethod | null;
  last_updated: string;
  content: string | null;
}

/**
 * A stored row whose text the server cannot read back (damaged where the database's own checks do not look): the
 * store answers it as a damaged file, never as a 500.
 */
export class UnreadableRowError extends Error {
  constructor(readonly row: string, cause: string) {
    super(`${row} cannot be read (${cause})`);
    this.name = 'UnreadableRowError';
  }
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A stored JSON text (`row` names where it is) read back as what was written: an object, or what `is` accepts;
 * UnreadableRowError when it is not JSON or not that.
 */
export function parseStored<T>(text: string, row: string, is: (v: unknown) => boolean = isObject): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UnreadableRowError(row, (e as Error).message);
  }
  if (!is(value)) throw new UnreadableRowError(row, 'not what was written there');
  return value as T;
}

export function storedVersionOf(row: HistoryRow): StoredVersion {
  return {
    resourceType: row.resource_type,
    id: row.id,
    versionId: String(row.version_id),
    lastUpdated: row.last_updated,
    method: row.method,
    ...(row.request_method ? { requestMethod: row.request_method } : {}),
    resource: row.content === null ? undefined : parseStored<TerminologyResource>(row.content, `${row.resource_type}/${row.id}/_history/${row.version_id}`),
  };
}

export function toStoredVersion(p: PlannedChange, lastUpdated: string): StoredVersion {
  return { resourceType: p.resourceType, id: p.id, versionId: String(p.versionId), lastUpdated, method: p.method, requestMethod: p.requestMethod, resource: p.resource };
}

/** meta.lastUpdated for a write now: an ISO instant with milliseconds. */
/** The order of historyPage (store.ts): lastUpdated newest first, then resource type, id, and version newest first. */
export function newestFirst(a: StoredVersion, b: StoredVersion): number {
  if (a.lastUpdated !== b.lastUpdated) return a.lastUpdated < b.lastUpdated ? 1 : -1;
  if (a.resourceType !== b.resourceType) return a.resourceType < b.resourceType ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return Number(b.versionId) - Number(a.versionId);
}

export function nowInstant(): string {
  return new Date().toISOString();
}

/**
 * The lastUpdated of a write: now, or a millisecond after the newest version already written when the clock has not
 * passed it. Each write then has an instant later than every version before it, so the bound a history's later pages
 * carry (`until`: the newest version its first page was read with) leaves out everything written after that read,
 * within the same millisecond too.
 */
export function writeInstant(newestWritten: string | undefined): string {
  const after = newestWritten === undefined ? Number.NEGATIVE_INFINITY : Date.parse(newestWritten) + 1;
  return new Date(Math.max(Date.now(), after)).toISOString();
}

/** create/update/delete expressed through apply, shared by the store implementations. */
/**
 * TerminologyStore.versionLoader for a store that reads a version synchronously (`read`: its own lookup, as readVersion
 * makes it): the version's resource each time, and an error when the store no longer has it.
 */
export function syncVersionLoader(read: () => StoredVersion | undefined, type: TerminologyType, id: string, versionId: string): () => TerminologyResource {
  return () => {
    const resource = read()?.resource;
    if (!resource) throw new Error(`${type}/${id}/_history/${versionId} is no longer in the store`);
    return resource;
  };
}

export abstract class BaseStore {
  /** Where the store keeps the closure tables of $closure (closure-memory.ts, closure-sqlite.ts, closure-postgres.ts). */
  protected abstract readonly closures: ClosureTableStore;

  initClosureTable(name: string, maxTables: number, gate?: CommitGate): Promise<ClosureInitResult> {
    return this.closures.initClosureTable(name, maxTables, gate);
  }
  readClosureTable(name: string): Promise<ClosureTableState | undefined> {
    return this.closures.readClosureTable(name);
  }
  appendClosureTable(name: string, expectedVersion: number, concepts: ClosureConcept[], entries: ClosureEntry[], gate?: CommitGate): Promise<number | undefined> {
    return this.closures.appendClosureTable(name, expectedVersion, concepts, entries, gate);
  }
  closureEntriesSince(name: string, version: number): Promise<StoredClosureEntry[]> {
    return this.closures.closureEntriesSince(name, version);
  }

  abstract apply(changes: WriteOperation[], gate?: CommitGate, audit?: AuditOfWrite): Promise<(StoredVersion | undefined)[]>;

  async create(resource: TerminologyResource): Promise<StoredVersion> {
    const [v] = await this.apply([{ kind: 'create', resource }]);
    return v!;
  }
  async update(resource: TerminologyResource, expectedVersion?: string): Promise<StoredVersion> {
    const [v] = await this.apply([{ kind: 'update', resource, expectedVersion }]);
    return v!;
  }
  async delete(type: TerminologyType, id: string, expectedVersion?: string): Promise<StoredVersion | undefined> {
    const [v] = await this.apply([{ kind: 'delete', resourceType: type, id, expectedVersion }]);
    return v;
  }
}

export type { TerminologyStore };

