import { FhirError } from '../errors/fhir-error';
import type { Bilingual } from '../errors/issue';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import type { ClosureTableStore } from './closure-store';
import type { CommitGate } from './commit-gate';
import type { PackageRecord, PackageUnload, StoredPackage } from './packages';
import type { AuditLog, AuditOfWrite, AuditRecord } from './audit-log';
import type { WrittenVersion } from './past-version';

/** One version of a stored resource, as kept in its history. */
export interface StoredVersion {
  resourceType: TerminologyType;
  id: string;
  /** meta.versionId: 1, 2, 3 … per resource, never reused (a delete takes a version too). */
  versionId: string;
  /** meta.lastUpdated, an ISO instant. */
  lastUpdated: string;
  method: 'create' | 'update' | 'delete';
  /**
   * The HTTP method of the write that made this version (a create by PUT to a new id is PUT). Absent for a version
   * written before the stores recorded it: the method is then create POST, update PUT, delete DELETE.
   */
  requestMethod?: RequestMethod;
  /** The resource as of this version (with meta.versionId and meta.lastUpdated); absent for a delete. */
  resource?: TerminologyResource;
}

export type RequestMethod = 'POST' | 'PUT' | 'DELETE';

/** A page of the history of every stored resource, or of one type's (`historyPage`). */
export interface HistoryQuery {
  type?: TerminologyType;
  /** Only versions written at or after this instant (an ISO instant in UTC with milliseconds, as the store writes them). */
  since?: string;
  /**
   * Only versions written at or before this instant (as `since`). A history's later pages are bounded by the newest
   * version its first page was read with, so that versions written while a client pages do not shift the pages it
   * has not read.
   */
  until?: string;
  /** Versions skipped, newest first. */
  offset: number;
  /** At most this many versions. */
  count: number;
}

export interface HistoryPage {
  /** How many versions the query matches in all. */
  total: number;
  /** The lastUpdated of the newest version the query matches (none when it matches none). */
  newest?: string;
  versions: StoredVersion[];
}

/**
 * One change to the store. `expectedVersion` makes the change conditional on the current meta.versionId
 * (If-Match, or the versionId the client read); when it does not match, the store throws StoreConflictError.
 * `expectAbsent` makes an update conditional on the id having no live version (never written, or deleted: a PUT
 * with If-None-Match: * of an id the write found none at), 'exists' when another write made one meanwhile.
 */
export type WriteOperation =
  | { kind: 'create'; resource: TerminologyResource; /** POST by default */ requestMethod?: 'POST' | 'PUT' }
  | { kind: 'update'; resource: TerminologyResource; expectedVersion?: string; expectAbsent?: boolean }
  | { kind: 'delete'; resourceType: TerminologyType; id: string; expectedVersion?: string };

export type ConflictReason = 'version-mismatch' | 'already-exists' | 'not-found' | 'exists';

/** A write the store refused because of the current state: a stale expected version, or an id already taken (in both languages). */
export class StoreConflictError extends FhirError {
  constructor(text: Bilingual, readonly reason: ConflictReason, readonly currentVersion?: string) {
    super(409, 'conflict', text.en, { da: text.da });
    this.name = 'StoreConflictError';
  }
}

/** The store's content could not be read at start (e.g. a damaged schema): the server does not start (exit 4). */
export class StoreLoadError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'StoreLoadError';
  }
}

/**
 * Where the resources users write (municipalities' local catalogs and maps) live. The published catalogs are not
 * in the store: they are loaded read-only from the terminology folder at start. The store also keeps the closure
 * tables of $closure (ClosureTableStore, src/store/closure-store.ts).
 */
export interface TerminologyStore extends ClosureTableStore, AuditLog {
  /** Every current resource, to build the in-memory indexes at start. */
  loadAll(): Promise<TerminologyResource[]>;
  /** The current version, or undefined when the resource never existed or is deleted. */
  read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined>;
  /** One version (also a delete, which has no resource), or undefined when there is no such version. */
  readVersion(type: TerminologyType, id: string, versionId: string): Promise<StoredVersion | undefined>;
  /** Every version of a resource, newest first; empty when the id was never written. */
  history(type: TerminologyType, id: string): Promise<StoredVersion[]>;
  /**
   * The versions of every resource (or of one type), newest first: by lastUpdated, then resource type, id and
   * version (newest first), so that versions written in the same instant come in one order in every store.
   */
  historyPage(query: HistoryQuery): Promise<HistoryPage>;
  /**
   * Applies the changes all or nothing, in one transaction: each change writes the resource row and a history
   * row. Stamps meta.versionId and meta.lastUpdated. `create` needs an id not used before; `update` creates the
   * resource when it does not exist (or was deleted); `delete` of something absent or deleted is a no-op (no
   * version). Returns the versions written, in the order of the changes (undefined for a no-op delete).
   * With a gate, the changes are committed only if `gate.enterCommit()` allows it right before the commit; a
   * write abandoned before is not written (503). When the commit's outcome cannot be known (the database did not
   * answer it), the error says so (504): it is never reported as a failure that may still commit.
   * With `audit`, the write's AuditEvent (made from the versions written) is stored in the same transaction.
   */
  apply(changes: WriteOperation[], gate?: CommitGate, audit?: AuditOfWrite): Promise<(StoredVersion | undefined)[]>;
  /** Every version ever written that has content (not deletes), any order: the versions kept addressable by url|version. */
  loadHistory(): Promise<WrittenVersion[]>;
  /** Every delete ever written, any order: when each resource stopped being in use (the in-force rule's end of its versions). */
  loadDeletions(): Promise<Deletion[]>;
  /**
   * Reads one version that has content, synchronously, each time the function is called (a version once written never
   * changes): how a version that a later write replaced stays addressable without being held in memory
   * (VersionHistory.superseded). Throws when the store no longer has it.
   */
  versionLoader(type: TerminologyType, id: string, versionId: string): () => TerminologyResource;
  create(resource: TerminologyResource): Promise<StoredVersion>;
  update(resource: TerminologyResource, expectedVersion?: string): Promise<StoredVersion>;
  delete(type: TerminologyType, id: string, expectedVersion?: string): Promise<StoredVersion | undefined>;
  /**
   * Resolves when the store answers (within timeoutMs, where the store can bound it); rejects when it is
   * unreachable, or (StoreProblem, src/store/readiness.ts) when it is out of space for writes, cannot write its file or
   * found it damaged (readiness).
   */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;

  // ---- FHIR packages loaded at run time (src/packages/, src/store/packages.ts) ----
  /**
   * Keeps a package (all its resources, one transaction) and tells the replicas (ChangeSink.applyPackages).
   * A name#version already loaded is refused (StoreConflictError, 409) and nothing changes.
   */
  savePackage(pkg: PackageRecord, commit?: PackageCommit): Promise<StoredPackage>;
  /** Every package loaded at run time, in the order they were loaded. */
  listPackages(): Promise<StoredPackage[]>;
  /**
   * Takes a package loaded at run time out of the store and tells the replicas (ChangeSink.unloadPackages); a
   * name#version not loaded is refused (FhirError 404). The same name#version may be loaded again afterwards.
   */
  unloadPackage(name: string, version: string, by?: string, commit?: PackageCommit): Promise<PackageUnload>;
}

/** How a package load or unload commits, as `apply` does a write: with its gate, and its AuditEvent in its transaction. */
export interface PackageCommit {
  /** Committed only if `gate.enterCommit()` allows it right before the commit; abandoned before, nothing changes (503). */
  gate?: CommitGate;
  /** The AuditEvent of the load or unload, made with its time (loadedAt, unloadedAt): no load or unload without its event. */
  audit?: (at: string) => AuditRecord;
}

/** A delete as the store's history has it: which resource, and when (meta.lastUpdated of the delete's version). */
export interface Deletion {
  resourceType: TerminologyType;
  id: string;
  deletedAt: string;
}

/** The state of one resource after a change: its latest version, and the resource unless that version is a delete. */
export interface ResourceChange {
  resourceType: TerminologyType;
  id: string;
  versionId: number;
  /** Absent when the resource is deleted. */
  resource?: TerminologyResource;
  /** When the change was written (the delete's time, for the versions the delete ends); absent from a store that does not say. */
  lastUpdated?: string;
}

/** Receives the changes of a store (src/store/written-layer.ts keeps the registry's written layer with it). */
export interface ChangeSink {
  /**
   * Applies the changes, all or none, atomically for the readers of the sink. A change older than (or as old as)
   * what the sink already has for that resource is ignored, so the same change may be delivered more than once.
   */
  apply(changes: ResourceChange[]): void;
  /** Packages loaded at run time (by any replica); a package delivered again is ignored. */
  applyPackages?(packages: StoredPackage[]): void;
  /** Packages unloaded (by any replica), in order with the loads; an unload of a load the sink does not serve is ignored. */
  unloadPackages?(unloads: PackageUnload[]): void;
}

/**
 * A store shared by several server processes (replicas), which tells each of them about the writes of all. Stores
 * used by one process only (memory, SQLite) do not have it: the writer updates the layer itself.
 */
export interface ChangeFeed {
  /**
   * Delivers the current state to the sink, then every change committed afterwards, by any process, until the
   * store is closed. Resolves once the current state has been delivered.
   */
  follow(sink: ChangeSink): Promise<void>;
  /**
   * Resolves once every change committed before the call has been delivered to the sink. `before` 'write': the
   * catch-up of a write (or a package load) about to be checked, nothing of it sent yet: a failure says nothing was written.
   */
  catchUp(before?: 'write'): Promise<void>;
}

export function hasChangeFeed(store: TerminologyStore): store is TerminologyStore & ChangeFeed {
  const s = store as Partial<ChangeFeed>;
  return typeof s.follow === 'function' && typeof s.catchUp === 'function';
}
