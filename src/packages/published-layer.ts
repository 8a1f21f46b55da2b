import type { StoredPackage } from '../store/packages';
import { packResource } from '../terminology/packed/resource';
import type { TerminologyRegistry } from '../terminology/registry';
import { ResourceSet, type TerminologyResource, type TerminologyType } from '../terminology/resource-set';
import { versionMatches } from '../terminology/versions';
import { R4_CORE, type CheckedPackage } from './package-check';
import { PackageError, type PackageProblem } from './package-error';
import { unresolvedReferences } from './package-references';

/** The name the catalogs of the terminology folder go by, as a package (`npm run package`, `$package`). */
export const CATALOGS_PACKAGE = 'faelles-tx.catalogs';

export interface PackageInfo {
  name: string;
  version: string;
  fhirVersion: string;
  dependencies: Record<string, string>;
  /** terminology: the terminology folder; configured: PACKAGES at start; loaded: $load-package (kept in the store). */
  origin: 'terminology' | 'configured' | 'loaded';
  resources: number;
  loadedAt?: string;
}

interface Part {
  info: PackageInfo;
  resources: TerminologyResource[];
}

/**
 * The registry's layer of published catalogs: the terminology folder, the packages named in PACKAGES, and the
 * packages loaded at run time (from the store, by any replica). A package is checked against what is served before
 * it is kept (`check`); adding one builds the new layer on the side and swaps it in at once, so a request sees the
 * catalogs before or after the package, never half of it.
 */
export class PublishedLayer {
  private readonly parts: Part[] = [];
  private base: TerminologyResource[];

  constructor(private readonly set: ResourceSet, private readonly registry: TerminologyRegistry, base: TerminologyResource[], baseInfo?: Omit<PackageInfo, 'origin' | 'resources'>) {
    this.base = base;
    if (baseInfo && base.length > 0) this.parts.push({ info: { ...baseInfo, origin: 'terminology', resources: base.length }, resources: [] });
    this.rebuild();
  }

  /** From here on the terminology folder's resources are kept packed (terminology/packed/resource.ts). */
  packBase(): void {
    this.base = this.base.map(packResource);
    this.rebuild();
  }

  packages(): PackageInfo[] {
    return this.parts.map((p) => ({ ...p.info }));
  }

  /** Every published resource: the terminology folder's, then each package's in load order. */
  resources(): TerminologyResource[] {
    return [...this.base, ...this.parts.flatMap((p) => p.resources)];
  }

  private known(name: string, version: string): boolean {
    return this.parts.some((p) => p.info.name === name && p.info.version === version);
  }

  /**
   * Refuses (PackageError) a package that cannot be served beside the catalogs: already loaded (409), a dependency
   * not loaded, a url|version served already with other content (published) or written by a municipality, or a code
   * system or value set its resources use that is neither in it nor served (package-references.ts).
   */
  check(pkg: CheckedPackage, written?: ResourceSet): void {
    if (this.known(pkg.name, pkg.version)) throw new PackageError(`Pakken ${pkg.name}#${pkg.version} er allerede indlæst; en ny udgave skal have et nyt versionsnummer`, 409);
    const problems: PackageProblem[] = [];
    for (const [dep, version] of Object.entries(pkg.dependencies)) {
      if (dep === R4_CORE.name) continue;
      const ok = this.parts.some((p) => p.info.name === dep && (p.info.version === version || versionMatches(version, p.info.version)));
      if (!ok) {
        const have = this.parts.filter((p) => p.info.name === dep).map((p) => p.info.version);
        problems.push(`${pkg.name}#${pkg.version} afhænger af ${dep}#${version}, som ikke er indlæst${have.length > 0 ? ` (indlæst: ${have.join(', ')})` : ''}; indlæs den først`);
      }
    }
    for (const r of pkg.resources) {
      const label = `${r.resourceType} ${r.url}|${r.version ?? ''}`;
      const served = this.set.versions(r.resourceType as TerminologyType, r.url!).find((x) => x.version === r.version);
      if (served && JSON.stringify(served) !== JSON.stringify(r)) {
        problems.push(`${label} udgives allerede med et andet indhold; en ændret ressource skal have en ny version`);
      }
      if (written?.versions(r.resourceType as TerminologyType, r.url!).some((x) => x.version === r.version)) {
        problems.push(`${label} er skrevet af en kommune; pakken kan ikke udgive den samme url|version`);
      }
    }
    problems.push(...unresolvedReferences(pkg.resources, {
      has: (type, url, version) => this.registry.versions(type, url, true).some((x) => version === undefined || versionMatches(version, x.version)),
    }, `${pkg.name}#${pkg.version}`));
    if (problems.length > 0) throw new PackageError(problems);
  }

  /** Adds a package named in PACKAGES (checked first). */
  addConfigured(pkg: CheckedPackage): void {
    this.add(pkg, 'configured');
  }

  /** Adds the packages loaded at run time; one already served is skipped (a change feed may deliver it again). */
  applyPackages(packages: StoredPackage[]): void {
    let changed = false;
    for (const p of packages) {
      if (this.known(p.name, p.version)) continue;
      this.add({ ...p, skipped: 0 }, 'loaded', p.loadedAt, false);
      changed = true;
    }
    if (changed) this.rebuild();
  }

  private add(pkg: CheckedPackage, origin: PackageInfo['origin'], loadedAt?: string, rebuild = true): void {
    this.parts.push({
      info: {
        name: pkg.name, version: pkg.version, fhirVersion: pkg.fhirVersion, dependencies: pkg.dependencies, origin, resources: pkg.resources.length,
        ...(loadedAt ? { loadedAt } : {}),
      },
      resources: pkg.resources.map(packResource),
    });
    if (rebuild) this.rebuild();
  }

  private rebuild(): void {
    this.set.replaceContents(new ResourceSet(this.resources()));
    this.registry.touch();
  }
}
