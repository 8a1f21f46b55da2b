import type { OperationOutcome } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { counted } from '../errors/counted';
import { operationOutcome } from '../errors/operation-outcome';
import type { Principal } from '../auth/verifier';
import { outcomeIssue, type Bilingual, type Language } from '../errors/issue';
import type { PackageUnload, StoredPackage } from '../store/packages';
import { auditOfPackage, type AuditedPackage } from '../write/audit';
import { abandonedWrite, type CommitGate } from '../store/commit-gate';
import type { PackageCommit, TerminologyStore } from '../store/store';
import { TerminologyLoadError } from '../terminology/loader';
import type { ResourceSet } from '../terminology/resource-set';
import { checkPackage, manifestId } from './package-check';
import { PackageError } from './package-error';
import { readPackagePath, readPackageTarball, sourceName, UPLOADED, type PackageSource, type RawPackage } from './package-reader';
import type { PublishedLayer } from './published-layer';

export interface PackageServiceDeps {
  store: TerminologyStore;
  layer: PublishedLayer;
  written: ResourceSet;
  /** The store delivers loaded packages to the layer itself (a store shared by replicas). */
  layerFollowsStore: boolean;
  /** Runs before a package is checked: a replica first catches up with the packages the others loaded. */
  beforeLoad?: () => Promise<void>;
  /** Runs a load or unload between this server's writes (ResourceWriter.betweenWrites); else one at a time on its own. */
  betweenWrites?: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** Who asks for a package to be loaded or unloaded: an admin's token, or the server itself (the watched folder). */
export interface PackageActor {
  principal: Principal;
  /** The request's commit gate: a load or unload its timeout comes before is abandoned, as a write is. */
  gate?: CommitGate;
}

/**
 * Loads and unloads packages at run time (`$load-package`, `$unload-package`, the watched folder): read, checked
 * whole, kept in the store (every replica follows), then served; each attempt is recorded in the audit log like a
 * write, refused ones too.
 */
/** A package loaded, and what it uses that is not served (PACKAGE_REFERENCES=warn; none otherwise). */
export interface LoadedPackage {
  stored: StoredPackage;
  warnings: Bilingual[];
}

export class PackageService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PackageServiceDeps) {}

  /**
   * One load or unload at a time in this process, and none while a write runs, so that two never pass their checks
   * against the same state (two loads; a load bringing a url and a write of it).
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    if (this.deps.betweenWrites) return this.deps.betweenWrites(fn);
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** `$load-package`: loads the archive, and says what was loaded (in `lang`, the other language as a translation). */
  async loadOutcome(bytes: Buffer, lang: Language, actor?: PackageActor): Promise<OperationOutcome> {
    if (bytes.length === 0) throw new FhirError(400, 'required', 'The request has no package (.tgz) in its body', { da: 'Forespørgslen har ingen pakke (.tgz) i kroppen' });
    const { stored: pkg, warnings } = await this.load(bytes, UPLOADED, actor);
    const count = (t: string) => pkg.resources.filter((r) => r.resourceType === t).length;
    const id = `${pkg.name}#${pkg.version}`;
    return operationOutcome([outcomeIssue({
      severity: 'information', code: 'informational',
      text: {
        en: `Package ${id} is loaded: ${counted(count('CodeSystem'), 'code system', 'code systems')}, ${counted(count('ValueSet'), 'value set', 'value sets')} ` +
          `and ${counted(count('ConceptMap'), 'concept map', 'concept maps')}`,
        da: `Pakken ${id} er indlæst: ${counted(count('CodeSystem'), 'kodesystem', 'kodesystemer')}, ${count('ValueSet')} værdisæt ` +
          `og ${counted(count('ConceptMap'), 'mapning', 'mapninger')}`,
      },
    }, lang), ...warnings.map((text) => outcomeIssue({ severity: 'warning', code: 'not-found', text }, lang))]);
  }

  load(bytes: Buffer, source: PackageSource, actor?: PackageActor): Promise<LoadedPackage> {
    return this.loadRead(() => readPackageTarball(bytes, source), source, actor);
  }

  /** Loads a package read already (the watched folder reads its file once, to see first what package it is). */
  loadPackage(raw: RawPackage, actor?: PackageActor): Promise<LoadedPackage> {
    return this.loadRead(() => Promise.resolve(raw), raw.source, actor);
  }

  private loadRead(read: () => Promise<RawPackage>, source: PackageSource, actor?: PackageActor): Promise<LoadedPackage> {
    return this.serial(() => this.audited('load-package', actor, { label: sourceName(source).en, resources: [] }, async (audited, commit) => {
      const { store, layer } = this.deps;
      await this.deps.beforeLoad?.();
      const raw = await read();
      // named as its package.json names it from here on, a refusal by the check too
      audited.label = manifestId(raw.manifest) ?? audited.label;
      // the check gives the event loop turns: a request answered by its timeout meanwhile stops it there
      const pkg = await checkPackage(raw, { checkpoint: () => stopIfAbandoned(actor?.gate) });
      audited.resources = pkg.resources;
      const warnings = layer.check(pkg);
      const stored = await commit((c) => store.savePackage({
        name: pkg.name, version: pkg.version, fhirVersion: pkg.fhirVersion, dependencies: pkg.dependencies,
        ...(pkg.description !== undefined ? { description: pkg.description } : {}), resources: pkg.resources,
        ...(pkg.defaultSupplements?.length ? { defaultSupplements: pkg.defaultSupplements } : {}),
        ...(actor?.principal.subject ? { loadedBy: actor.principal.subject } : {}),
      }, c));
      if (!this.deps.layerFollowsStore) layer.applyPackages([stored]);
      return { stored, warnings };
    }));
  }

  /**
   * Takes a package loaded at run time out of service on every replica; refused (nothing changes) when it is not
   * loaded (404), is configuration (the terminology folder, PACKAGES: 409), or is used by another package served (409).
   * The warnings name the resources municipalities wrote that use what only the package served.
   */
  unload(name: string, version: string, actor?: PackageActor): Promise<{ unload: PackageUnload; warnings: Bilingual[] }> {
    return this.serial(() => this.audited('unload-package', actor, { label: `${name}#${version}`, resources: [] }, async (audited, commit) => {
      const { store, layer, written } = this.deps;
      await this.deps.beforeLoad?.();
      audited.resources = layer.packageResources(name, version);
      const { status, problems } = layer.unloadProblems(name, version);
      if (problems.length > 0) throw new PackageError(problems, status);
      const warnings = layer.writtenUsing(name, version, written);
      const unload = await commit((c) => store.unloadPackage(name, version, actor?.principal.subject, c));
      if (!this.deps.layerFollowsStore) layer.unloadPackages([unload]);
      return { unload, warnings };
    }));
  }

  /**
   * When `name#version` was last taken out of service, if that is the last thing done to it: the newest successful
   * load or unload in the audit log (shared by every replica, kept across restarts) is an unload.
   */
  async unloadedAt(name: string, version: string): Promise<string | undefined> {
    const { events } = await this.deps.store.searchAudit({ entity: [`${name}#${version}`], offset: 0, count: 100 });
    const last = events.find((e) => e.outcome === '0' && (e.subtype?.[0]?.display === '$load-package' || e.subtype?.[0]?.display === '$unload-package'));
    return last?.subtype?.[0]?.display === '$unload-package' ? last.recorded : undefined;
  }

  /** Records a request refused before it reached the service (403: a token without the admin scope), as a write's refusal is. */
  async recordRefusal(operation: 'load-package' | 'unload-package', actor: PackageActor, label: string, error: unknown): Promise<void> {
    await this.deps.store.recordAudit(auditOfPackage(actor.principal, operation, { label, resources: [] }, error)).catch(() => undefined);
  }

  /**
   * Runs a load or unload with its audit: `fn` commits through `commit`, which gives the store the request's gate and
   * the AuditEvent to store in the same transaction (no load or unload without its event); a refusal is recorded after.
   */
  private async audited<T>(operation: 'load-package' | 'unload-package', actor: PackageActor | undefined, pkg: AuditedPackage,
    fn: (pkg: AuditedPackage, commit: <R>(save: (c: PackageCommit) => Promise<R>) => Promise<R>) => Promise<T>): Promise<T> {
    const principal = actor?.principal ?? SERVER_PRINCIPAL;
    const gate = actor?.gate;
    let committed = false;
    const commit = async <R>(save: (c: PackageCommit) => Promise<R>): Promise<R> => {
      const result = await save({ ...(gate ? { gate } : {}), audit: (at) => auditOfPackage(principal, operation, pkg, undefined, at) });
      committed = true;
      return result;
    };
    try {
      // timed out while the loads before it ran: not begun
      stopIfAbandoned(gate);
      return await fn(pkg, commit);
    } catch (e) {
      if (!committed) await this.deps.store.recordAudit(auditOfPackage(principal, operation, pkg, e)).catch(() => undefined);
      throw e;
    }
  }
}

/** A load or unload whose request was answered by its timeout goes no further. */
function stopIfAbandoned(gate: CommitGate | undefined): void {
  if (gate?.abandoned) throw abandonedWrite();
}

/** The server itself, as the audit log names it for what it does on its own (a package from the watched folder). */
export const SERVER_PRINCIPAL: Principal = { subject: 'faelles-tx (PACKAGES_WATCH)', scopes: [], admin: true };

/**
 * The packages named in PACKAGES, checked and added in the order given; a problem stops start-up (exit 3). Run once
 * the layer knows what was written (the store's history), so that the check sees it.
 */
export async function addConfiguredPackages(paths: readonly string[], layer: PublishedLayer, warn: (text: string) => void = () => undefined): Promise<void> {
  for (const p of paths) {
    try {
      const pkg = await checkPackage(await readPackagePath(p));
      for (const w of layer.check(pkg)) warn(w.da);
      layer.addConfigured(pkg);
    } catch (e) {
      if (e instanceof PackageError) throw new TerminologyLoadError(e.problems.slice(0, 20).join('; '));
      throw e;
    }
  }
}

/**
 * Stops start-up (exit 3, in Danish as the other reasons) when the store holds packages the published layer did not
 * serve (PublishedLayer.applyPackages): a package of PACKAGES and one loaded at run time under one name#version.
 */
export function refuseStoredAtStart(refused: readonly Bilingual[]): void {
  if (refused.length > 0) throw new TerminologyLoadError(refused.map((p) => p.da).join('; '));
}
