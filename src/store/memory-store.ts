import { ResourceSet, type TerminologyResource, type TerminologyType } from '../terminology/resource-set';
import { auditMatches, type AuditOfWrite, type AuditPage, type AuditQuery, type AuditRecord } from './audit-log';
import { abandonedWrite, type CommitGate } from './commit-gate';
import { headOf, type WrittenVersion } from './past-version';
import type { Deletion, HistoryPage, HistoryQuery, PackageCommit, StoredVersion, TerminologyStore, WriteOperation } from './store';
import { MemoryClosureTables } from './closure-memory';
import { packageAlreadyLoaded, packageNotLoaded, type PackageRecord, type PackageUnload, type StoredPackage } from './packages';
import { BaseStore, syncVersionLoader, newestFirst, nowInstant, planChange, targetOf, toStoredVersion, writeInstant, type RowState } from './store-support';

/** A store that keeps resources in memory only (tests, and servers whose writes need not survive a restart). */
export class MemoryStore extends BaseStore implements TerminologyStore {
  private set = new ResourceSet();
  /** Every version per `type/id`, oldest first. */
  private versions = new Map<string, StoredVersion[]>();
  /** The lastUpdated of the newest version written (writeInstant). */
  private newestWritten?: string;
  /** Resources given to the constructor without an id (kept as they are, never versioned). */
  private readonly unversioned: TerminologyResource[] = [];
  protected readonly closures = new MemoryClosureTables();

  constructor(resources: TerminologyResource[] = []) {
    super();
    const lastUpdated = nowInstant();
    if (resources.some((r) => r.id)) this.newestWritten = lastUpdated;
    for (const r of resources) {
      if (!r.id) {
        this.unversioned.push(r);
        this.set.add(r);
        continue;
      }
      const v: StoredVersion = { resourceType: r.resourceType, id: r.id, versionId: r.meta?.versionId ?? '1', lastUpdated, method: 'create', resource: r };
      this.versions.set(`${r.resourceType}/${r.id}`, [v]);
      this.set.add(r);
    }
  }

  async loadAll(): Promise<TerminologyResource[]> {
    const current: TerminologyResource[] = [...this.unversioned];
    for (const list of this.versions.values()) {
      const last = list[list.length - 1]!;
      if (last.resource) current.push(last.resource);
    }
    return current;
  }
  async read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined> {
    return this.set.byResourceId(type, id);
  }
  async readVersion(type: TerminologyType, id: string, versionId: string): Promise<StoredVersion | undefined> {
    return this.storedVersion(type, id, versionId);
  }
  private storedVersion(type: TerminologyType, id: string, versionId: string): StoredVersion | undefined {
    return this.versions.get(`${type}/${id}`)?.find((v) => v.versionId === versionId);
  }
  async history(type: TerminologyType, id: string): Promise<StoredVersion[]> {
    return [...(this.versions.get(`${type}/${id}`) ?? [])].reverse();
  }

  async historyPage(query: HistoryQuery): Promise<HistoryPage> {
    const matching = [...this.versions.values()].flat()
      .filter((v) => (query.type === undefined || v.resourceType === query.type) && (query.since === undefined || v.lastUpdated >= query.since)
        && (query.until === undefined || v.lastUpdated <= query.until))
      .sort(newestFirst);
    const page: HistoryPage = { total: matching.length, versions: matching.slice(query.offset, query.offset + query.count) };
    if (matching.length > 0) page.newest = matching[0]!.lastUpdated;
    return page;
  }

  async apply(changes: WriteOperation[], gate?: CommitGate, audit?: AuditOfWrite): Promise<(StoredVersion | undefined)[]> {
    const lastUpdated = writeInstant(this.newestWritten);
    // Plan every change against a working copy first, so a conflict in any of them changes nothing.
    const working = new Map<string, StoredVersion[]>();
    const listOf = (key: string): StoredVersion[] => working.get(key) ?? this.versions.get(key) ?? [];
    const results: (StoredVersion | undefined)[] = [];
    for (const change of changes) {
      const { resourceType, id } = targetOf(change);
      const key = `${resourceType}/${id}`;
      const list = listOf(key);
      const last = list[list.length - 1];
      const state: RowState | undefined = last ? { versionId: Number(last.versionId), deleted: last.method === 'delete' } : undefined;
      const planned = planChange(change, state, lastUpdated);
      if (!planned) {
        results.push(undefined);
        continue;
      }
      const version = toStoredVersion(planned, lastUpdated);
      working.set(key, [...list, version]);
      results.push(version);
    }
    const record = audit?.(results);
    if (gate && !gate.enterCommit()) throw abandonedWrite();
    if (record) this.audit.push(record);
    for (const [key, list] of working) {
      const previous = this.versions.get(key);
      const before = previous?.[previous.length - 1]?.resource;
      if (before) this.set.remove(before);
      const after = list[list.length - 1]!.resource;
      if (after) this.set.add(after);
      this.versions.set(key, list);
    }
    if (working.size > 0) this.newestWritten = lastUpdated;
    return results;
  }


  // --- Past versions and the audit log (who changed what) ---

  private readonly audit: AuditRecord[] = [];

  async loadHistory(): Promise<WrittenVersion[]> {
    const out: WrittenVersion[] = [];
    for (const list of this.versions.values()) {
      for (const v of list) {
        const resource = v.resource;
        if (resource) out.push({ head: headOf(resource), lastUpdated: v.lastUpdated, load: () => resource });
      }
    }
    return out;
  }

  async loadDeletions(): Promise<Deletion[]> {
    const out: Deletion[] = [];
    for (const list of this.versions.values()) {
      for (const v of list) if (v.method === 'delete') out.push({ resourceType: v.resourceType, id: v.id, deletedAt: v.lastUpdated });
    }
    return out;
  }

  versionLoader(type: TerminologyType, id: string, versionId: string): () => TerminologyResource {
    return syncVersionLoader(() => this.storedVersion(type, id, versionId), type, id, versionId);
  }

  async recordAudit(record: AuditRecord): Promise<void> {
    this.audit.push(structuredClone(record));
  }

  async searchAudit(query: AuditQuery): Promise<AuditPage> {
    // newest first (or oldest), as the SQL stores: recorded, then the order of recording (their seq)
    const direction = query.oldestFirst ? -1 : 1;
    const hits = this.audit.map((r, seq) => ({ r, seq })).filter(({ r }) => auditMatches(r, query))
      .sort((a, b) => direction * (a.r.event.recorded === b.r.event.recorded ? b.seq - a.seq : a.r.event.recorded < b.r.event.recorded ? 1 : -1));
    return { total: hits.length, events: hits.slice(query.offset, query.offset + query.count).map(({ r }) => structuredClone(r.event)) };
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}

  // ---- FHIR packages loaded at run time ----
  private readonly packages: StoredPackage[] = [];

  async savePackage(pkg: PackageRecord, commit: PackageCommit = {}): Promise<StoredPackage> {
    if (this.packages.some((p) => p.name === pkg.name && p.version === pkg.version)) throw packageAlreadyLoaded(pkg.name, pkg.version);
    const stored: StoredPackage = structuredClone({ ...pkg, loadedAt: nowInstant() });
    const record = commit.audit?.(stored.loadedAt);
    if (commit.gate && !commit.gate.enterCommit()) throw abandonedWrite();
    if (record) this.audit.push(structuredClone(record));
    this.packages.push(stored);
    return structuredClone(stored);
  }

  async listPackages(): Promise<StoredPackage[]> {
    return structuredClone(this.packages);
  }

  async unloadPackage(name: string, version: string, by?: string, commit: PackageCommit = {}): Promise<PackageUnload> {
    const i = this.packages.findIndex((p) => p.name === name && p.version === version);
    if (i < 0) throw packageNotLoaded(name, version);
    const unload: PackageUnload = { name, version, loadedAt: this.packages[i]!.loadedAt, unloadedAt: nowInstant(), ...(by ? { unloadedBy: by } : {}) };
    const record = commit.audit?.(unload.unloadedAt);
    if (commit.gate && !commit.gate.enterCommit()) throw abandonedWrite();
    if (record) this.audit.push(structuredClone(record));
    this.packages.splice(i, 1);
    return unload;
  }
}
