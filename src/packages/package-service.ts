import type { OperationOutcome } from 'fhir/r4';
import { FhirError } from '../errors/fhir-error';
import { issue, operationOutcome } from '../errors/operation-outcome';
import type { StoredPackage } from '../store/packages';
import type { TerminologyStore } from '../store/store';
import { TerminologyLoadError } from '../terminology/loader';
import type { ResourceSet } from '../terminology/resource-set';
import { checkPackage } from './package-check';
import { PackageError } from './package-error';
import { readPackagePath, readPackageTarball } from './package-reader';
import type { PublishedLayer } from './published-layer';

export interface PackageServiceDeps {
  store: TerminologyStore;
  layer: PublishedLayer;
  written: ResourceSet;
  /** The store delivers loaded packages to the layer itself (a store shared by replicas). */
  layerFollowsStore: boolean;
  /** Runs before a package is checked: a replica first catches up with the packages the others loaded. */
  beforeLoad?: () => Promise<void>;
}

/** Loads a package at run time (`$load-package`): read, checked whole, kept in the store, then served. */
export class PackageService {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PackageServiceDeps) {}

  /** One load at a time in this process, so two loads never pass their checks against the same state. */
  load(bytes: Buffer, source: string): Promise<StoredPackage> {
    const run = this.queue.then(() => this.loadNow(bytes, source));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** `$load-package`: loads the archive, and says in Danish what was loaded. */
  async loadOutcome(bytes: Buffer): Promise<OperationOutcome> {
    if (bytes.length === 0) throw FhirError.invalid('Forespørgslen har ingen pakke (.tgz) i kroppen');
    const pkg = await this.load(bytes, 'pakken');
    const count = (t: string) => pkg.resources.filter((r) => r.resourceType === t).length;
    return operationOutcome([issue({
      severity: 'information', code: 'informational',
      text: `Pakken ${pkg.name}#${pkg.version} er indlæst: ${count('CodeSystem')} kodesystemer, ${count('ValueSet')} værdisæt og ${count('ConceptMap')} mapninger`,
    })]);
  }

  private async loadNow(bytes: Buffer, source: string): Promise<StoredPackage> {
    const { store, layer, written } = this.deps;
    await this.deps.beforeLoad?.();
    const pkg = checkPackage(await readPackageTarball(bytes, source));
    layer.check(pkg, written);
    const stored = await store.savePackage({
      name: pkg.name, version: pkg.version, fhirVersion: pkg.fhirVersion, dependencies: pkg.dependencies,
      ...(pkg.description !== undefined ? { description: pkg.description } : {}), resources: pkg.resources,
    });
    if (!this.deps.layerFollowsStore) layer.applyPackages([stored]);
    return stored;
  }
}

/** The packages named in PACKAGES, checked and added in the order given; a problem stops start-up (exit 3). */
export async function addConfiguredPackages(paths: readonly string[], layer: PublishedLayer, written: ResourceSet): Promise<void> {
  for (const p of paths) {
    try {
      const pkg = checkPackage(await readPackagePath(p));
      layer.check(pkg, written);
      layer.addConfigured(pkg);
    } catch (e) {
      if (e instanceof PackageError) throw new TerminologyLoadError(e.problems.slice(0, 20).join('; '));
      throw e;
    }
  }
}
