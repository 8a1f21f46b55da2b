import type { CodeSystem } from 'fhir/r4';
import type { PackageRecord, PackageUnload, StoredPackage } from '../store/packages';
import { packResource } from '../terminology/packed/resource';
import type { TerminologyRegistry } from '../terminology/registry';
import { ResourceSet, type TerminologyResource, type TerminologyType } from '../terminology/resource-set';
import { versionMatches } from '../terminology/versions';
import { idMoves, withUniqueIds, yieldedIds, type TakenElsewhere } from '../terminology/served-ids';
import { R4_CORE, type CheckedPackage } from './package-check';
import type { Bilingual } from '../errors/issue';
import { ownerOf } from '../municipal/municipality';
import { WRITABLE_TYPES } from '../store/store-support';
import { canonicalJson } from '../fhir/canonical-json';
import { PackageError } from './package-error';
import { resourcesResolver, unresolvedReferences, unresolvedTargets, type ReferenceResolver, type UnresolvedTarget } from './package-references';
import { importCycle, importCycleText } from '../terminology/compose/import-cycle';
import { vurl } from '../terminology/compose/rules';

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
  /** Its resources by type. */
  counts: Record<TerminologyType, number>;
  loadedAt?: string;
  /** Who loaded it (the token's sub), for a package loaded at run time. */
  loadedBy?: string;
}

/** The reference problems of package-references.ts, said of an unload: the target is served only by `label`. */
function onlyServedBy(problems: Bilingual[], label: string): Bilingual[] {
  return problems.map((p) => ({
    en: `${p.en.replace(/, which is neither in the package.*$/, '')}, which only ${label} serves`,
    da: `${p.da.replace(/, som hverken er i pakken.*$/, '')}, som kun ${label} udgiver`,
  }));
}

function canonicalKey(r: TerminologyResource): string {
  return `${r.resourceType} ${r.url}|${r.version ?? ''}`;
}

export function countTypes(resources: readonly TerminologyResource[]): Record<TerminologyType, number> {
  const counts: Record<TerminologyType, number> = { CodeSystem: 0, ValueSet: 0, ConceptMap: 0 };
  for (const r of resources) counts[r.resourceType as TerminologyType]++;
  return counts;
}

/** What a served package lacks now (PublishedLayer.lacks). */
export interface PackageLacks {
  /** Its dependencies no served package satisfies, as name#version. */
  dependencies: string[];
  /** The code systems and value sets its resources use that nothing serves. */
  unserved: UnresolvedTarget[];
}

interface Part {
  info: PackageInfo;
  resources: TerminologyResource[];
  /** The urls of its supplements applied by default (its package.json says which). */
  defaultSupplements: readonly string[];
}

/**
 * Whether a checked package is what a part serves: its dependencies, the supplements it applies by default and its
 * resources (whatever the order of its files, of their keys or of the supplements listed).
 */
function sameContent(part: Part, pkg: PackageRecord): boolean {
  const texts = (resources: readonly TerminologyResource[]) => resources.map(canonicalJson).sort().join('\n');
  const defaults = (urls: readonly string[] | undefined) => [...urls ?? []].sort().join('\n');
  return canonicalJson(part.info.dependencies) === canonicalJson(pkg.dependencies) && defaults(part.defaultSupplements) === defaults(pkg.defaultSupplements)
    && texts(part.resources) === texts(pkg.resources);
}

/**
 * The supplements a package applies by default to code systems it does not bring (the published FSIII, say): while
 * it is loaded, what every client is told of those codes (status, display, properties) is the package's. Said as a
 * warning to the administrator who loads it.
 */
function othersSupplemented(pkg: CheckedPackage, id: string): Bilingual[] {
  const brought = new Set(pkg.resources.filter((r) => r.resourceType === 'CodeSystem' && (r as CodeSystem).content !== 'supplement').map((r) => r.url));
  return (pkg.defaultSupplements ?? []).flatMap((url): Bilingual[] => {
    const supplement = pkg.resources.find((r) => r.resourceType === 'CodeSystem' && r.url === url) as CodeSystem | undefined;
    const target = supplement?.supplements?.split('|')[0];
    if (!target || brought.has(target)) return [];
    return [{
      en: `${id} applies its supplement ${url} by default to ${target}, which it does not bring: while it is loaded, what every client is told of that code system's codes (status, display, properties) is the supplement's too`,
      da: `${id} anvender sit supplement ${url} som standard på ${target}, som pakken ikke selv indeholder: mens den er indlæst, er det, alle klienter får at vide om kodesystemets koder (status, visningsnavn, egenskaber), også supplementets`,
    }];
  });
}

/**
 * A package loaded at run time (kept in the store, so served by every replica) under the name#version of one in
 * PACKAGES with other content: two contents under one url|version.
 */
function configuredDiffersFromStored(stored: StoredPackage): Bilingual {
  const id = `${stored.name}#${stored.version}`;
  const by = stored.loadedBy ? { en: ` by ${stored.loadedBy}`, da: ` af ${stored.loadedBy}` } : { en: '', da: '' };
  return {
    en: `Package ${id} in PACKAGES has other content than ${id}, loaded at run time on ${stored.loadedAt}${by.en} and kept in the store; `
      + `a changed package needs a new version number: give the one in PACKAGES a new version, or take it out of PACKAGES (the stored one can then be unloaded with $unload-package)`,
    da: `Pakken ${id} i PACKAGES har et andet indhold end ${id}, der blev indlæst ved kørsel ${stored.loadedAt}${by.da} og gemt i lageret; `
      + `en ændret pakke skal have et nyt versionsnummer: giv den i PACKAGES et nyt versionsnummer, eller tag den ud af PACKAGES (den gemte kan så tages ud med $unload-package)`,
  };
}

/** Whether one of the parts is the package `name` in a version a package.json dependency on `wanted` takes. */
function hasPackage(parts: readonly Part[], name: string, wanted: string): boolean {
  return parts.some((p) => p.info.name === name && versionMatches(wanted, p.info.version));
}

/** What the write API holds, which the published layer leaves to it. */
export interface WrittenCatalogs {
  /**
   * Whether it holds an id for another url: a published resource with that id is served under another
   * (terminology/served-ids.ts), as the layer is rebuilt.
   */
  takenElsewhere?: TakenElsewhere;
  /**
   * Every url|version written: current, replaced by a later write, or a deleted resource's (store/past-version.ts).
   * A package may bring no version of these urls: they are their writers' to change.
   */
  everyVersion?: ResourceSet;
}

function versionList(resources: readonly TerminologyResource[]): { en: string; da: string } {
  const versions = [...new Set(resources.map((r) => r.version).filter((v): v is string => v !== undefined))];
  if (versions.length === 0) return { en: '', da: '' };
  return versions.length === 1
    ? { en: ` (version ${versions[0]})`, da: ` (version ${versions[0]})` }
    : { en: ` (versions ${versions.join(', ')})`, da: ` (versionerne ${versions.join(', ')})` };
}

/** The problem of a package's resource whose url was written here (`written`: its versions, any type). */
function writtenUrlProblem(label: string, url: string, written: readonly TerminologyResource[]): Bilingual {
  const owners = [...new Set(written.map(ownerOf))];
  const who = {
    en: owners.map((k) => (k === undefined ? 'an administrator (the common catalogs)' : `municipality ${k}`)).join(' and '),
    da: owners.map((k) => (k === undefined ? 'en administrator (de fælles kataloger)' : `kommune ${k}`)).join(' og '),
  };
  const versions = versionList(written);
  return {
    en: `${label}: ${url} was written here by ${who.en}${versions.en}; a package cannot publish any version of a url written through the write API`,
    da: `${label}: ${url} er skrevet her af ${who.da}${versions.da}; en pakke kan ikke udgive nogen version af en URL, der er skrevet gennem skrive-API'et`,
  };
}

/**
 * What a package's dependency that is not loaded, and a code system or value set its resources use that is not served,
 * do to its load: refuse it (the default), or load it with a warning each (PACKAGE_REFERENCES=warn: packages such as
 * HL7's hl7.terminology.r4, whose value sets use SNOMED CT, LOINC and other code systems no package carries, and
 * whose dependencies depend on an earlier release of it).
 */
export type UnservedPolicy = 'refuse' | 'warn';

/**
 * The registry's layer of published catalogs: the terminology folder, the packages named in PACKAGES, and the
 * packages loaded at run time (from the store, by any replica). A package is checked against what is served before
 * it is kept (`check`); adding one builds the new layer on the side and swaps it in at once, so a request sees the
 * catalogs before or after the package, never half of it.
 */
export class PublishedLayer {
  private readonly parts: Part[] = [];
  private base: TerminologyResource[];

  private readonly takenElsewhere: TakenElsewhere;
  private readonly writtenVersions: ResourceSet;

  /** `written`: what municipalities (and administrators) wrote, which the layer leaves to them. */
  constructor(
    private readonly set: ResourceSet, private readonly registry: TerminologyRegistry, base: TerminologyResource[],
    baseInfo?: Omit<PackageInfo, 'origin' | 'resources' | 'counts'>, written: WrittenCatalogs = {},
    /** What a dependency not loaded, or a code system or value set used that is not served, does (PACKAGE_REFERENCES). */
    private readonly unserved: UnservedPolicy = 'refuse',
    /**
     * The supplements the registry applies by default: given with the terminology folder's (its supplements/), kept
     * as those and each package's own (its package.json's `faelles-tx.defaultSupplements`) as packages come and go.
     */
    private readonly defaultSupplements: Set<string> = new Set(),
  ) {
    this.takenElsewhere = written.takenElsewhere ?? (() => false);
    this.writtenVersions = written.everyVersion ?? new ResourceSet();
    this.base = base;
    this.baseDefaults = [...defaultSupplements];
    if (baseInfo && base.length > 0) this.parts.push({ info: { ...baseInfo, origin: 'terminology', resources: base.length, counts: countTypes(base) }, resources: [], defaultSupplements: [] });
    this.rebuild();
    // Ids follow what municipalities wrote: one given up to a municipality's resource is taken back once that resource
    // is deleted, and one a municipality's resource arrives under (two replicas' commits at the same moment) is given up.
    registry.onTouch((changed) => {
      if (changed?.some((r) => r.id && idMoves(r.resourceType, r.id, this.set, this.yielded, this.takenElsewhere))) this.rebuild();
    });
  }

  private readonly baseDefaults: readonly string[];

  /** The urls of the supplements applied by default: the terminology folder's and those of each package served. */
  defaultSupplementUrls(): ReadonlySet<string> {
    return this.defaultSupplements;
  }

  /** Whether what is served is the terminology folder alone, each resource under its own id (no package, no id given up to a write). */
  onlyTerminologyFolder(): boolean {
    return this.parts.every((p) => p.info.origin === 'terminology') && this.yielded.size === 0;
  }

  /** What is served, in the order given, one id each (as of the last rebuild). */
  private served: TerminologyResource[] = [];
  /** The ids of published resources served under another id because another layer holds them (as of the last rebuild). */
  private yielded: ReadonlySet<string> = new Set();

  /** From here on the terminology folder's resources are kept packed (terminology/packed/resource.ts). */
  packBase(): void {
    this.base = this.base.map(packResource);
    this.rebuild();
  }

  packages(): PackageInfo[] {
    return this.parts.map((p) => ({ ...p.info, counts: { ...p.info.counts }, dependencies: { ...p.info.dependencies } }));
  }

  /** The resources of the served package name#version (none for the terminology folder's, or one not served). */
  packageResources(name: string, version: string): TerminologyResource[] {
    return [...(this.parts.find((p) => p.info.name === name && p.info.version === version)?.resources ?? [])];
  }

  /** The served package name#version, if any. */
  package(name: string, version: string): PackageInfo | undefined {
    return this.packages().find((p) => p.name === name && p.version === version);
  }

  /** Those of the resources whose url|version is not served (any more): by no package and not by the terminology folder. */
  notServed(resources: readonly TerminologyResource[]): TerminologyResource[] {
    const served = new Set(this.served.map(canonicalKey));
    return resources.filter((r) => !served.has(canonicalKey(r)));
  }

  /** Every published resource: the terminology folder's, then each package's in load order, one id each (served-ids.ts). */
  resources(): TerminologyResource[] {
    return [...this.served];
  }

  /**
   * The resources as given, one per canonical: a url|version that two packages carry (with the same content, which
   * `check` requires) is the later one, as an unversioned or versioned reference resolves it.
   */
  private given(): TerminologyResource[] {
    const all = [...this.base, ...this.parts.flatMap((p) => p.resources)];
    const last = new Map<string, TerminologyResource>();
    for (const r of all) if (r.url) last.set(canonicalKey(r), r);
    return all.filter((r) => !r.url || last.get(canonicalKey(r)) === r);
  }

  /**
   * Refuses (PackageError) a package that cannot be served beside the catalogs: already loaded (409), a dependency
   * not loaded, a url|version served already with other content (published), any version of a url written through
   * the write API, or a code system or value set its resources use that is neither in it nor served
   * (package-references.ts). With the policy `warn`, a dependency not loaded and what is used but not served are
   * warnings instead, returned (a package refused for another reason is refused with them among its reasons).
   */
  check(pkg: CheckedPackage): Bilingual[] {
    const id = `${pkg.name}#${pkg.version}`;
    const loaded = this.parts.find((p) => p.info.name === pkg.name && p.info.version === pkg.version);
    if (loaded) {
      const same = sameContent(loaded, pkg);
      throw new PackageError(same ? {
        en: `Package ${id} is already loaded; a new release needs a new version number`,
        da: `Pakken ${id} er allerede indlæst; en ny udgave skal have et nyt versionsnummer`,
      } : {
        en: `Package ${id} is already loaded, with other content; a changed package needs a new version number`,
        da: `Pakken ${id} er allerede indlæst med et andet indhold; en ændret pakke skal have et nyt versionsnummer`,
      }, 409, { loadedAlready: same });
    }
    const problems: Bilingual[] = [];
    const dependencies = this.missingDependencies(pkg.dependencies).map(({ dependency, loaded }): Bilingual => ({
      en: `${id} depends on ${dependency}, which is not loaded${loaded.length > 0 ? ` (loaded: ${loaded.join(', ')})` : ''}; load it first`,
      da: `${id} afhænger af ${dependency}, som ikke er indlæst${loaded.length > 0 ? ` (indlæst: ${loaded.join(', ')})` : ''}; indlæs den først`,
    }));
    // a clash with what is served (rather than something not served yet, which a later package may bring)
    let clashes = false;
    const writtenUrls = new Set<string>();
    for (const r of pkg.resources) {
      const label = `${r.resourceType} ${r.url}|${r.version ?? ''}`;
      const served = this.set.versions(r.resourceType as TerminologyType, r.url!).find((x) => x.version === r.version);
      // (the id aside: a resource may be served under another id than its file's, served-ids.ts; and the order of
      // the keys: each tool writes its own)
      if (served && canonicalJson({ ...served, id: r.id }) !== canonicalJson(r)) {
        clashes = true;
        problems.push({
          en: `${label} is already served with other content; a changed resource needs a new version`,
          da: `${label} udgives allerede med et andet indhold; en ændret ressource skal have en ny version`,
        });
      }
      // any version, as any type: a package's newer version would take over the url from its writer, an older one
      // would replace what a url|version written here answers (publishedCanonicalIssue is the same rule for writes)
      const written = WRITABLE_TYPES.flatMap((t) => this.writtenVersions.versions(t, r.url!));
      if (written.length > 0 && !writtenUrls.has(r.url!)) {
        writtenUrls.add(r.url!);
        clashes = true;
        problems.push(writtenUrlProblem(label, r.url!, written));
      }
    }
    const references = unresolvedReferences(pkg.resources, this.servedResolver(), id);
    const cycles = importCycleProblems(pkg.resources, this.registry);
    if (cycles.length > 0) clashes = true; // no package loaded later takes a cycle away
    // what is not served yet, which a later package may bring: warnings only, when the policy says so
    const supplementing = othersSupplemented(pkg, id);
    if (this.unserved === 'warn' && problems.length === 0 && cycles.length === 0) return [...dependencies, ...references, ...supplementing];
    const all = [...dependencies, ...problems, ...references, ...cycles];
    if (all.length > 0) throw new PackageError(all, 422, { waitsForPackages: !clashes });
    return supplementing;
  }

  /**
   * What the served package name#version lacks now (undefined: it is not served): its dependencies that no served
   * package satisfies (name#version), and the code systems and value sets its resources use that nothing serves. A
   * package is served so when PACKAGE_REFERENCES=warn let it in, until a later package or a write brings them.
   */
  lacks(name: string, version: string): PackageLacks | undefined {
    const part = this.parts.find((p) => p.info.name === name && p.info.version === version);
    if (!part) return undefined;
    // kept until the catalogs change (a package's thousands of references take tens of milliseconds to resolve)
    const known = this.lacking.get(part);
    if (known?.generation === this.registry.generation) return known.lacks;
    const lacks = {
      dependencies: this.missingDependencies(part.info.dependencies).map((m) => m.dependency),
      unserved: unresolvedTargets(part.resources, this.servedResolver()),
    };
    this.lacking.set(part, { generation: this.registry.generation, lacks });
    return lacks;
  }

  private readonly lacking = new WeakMap<Part, { generation: number; lacks: PackageLacks }>();

  /** The dependencies (name → version) no served package satisfies, each with the versions of that name served. FHIR's core package is not one. */
  private missingDependencies(dependencies: Record<string, string>): { dependency: string; loaded: string[] }[] {
    const missing: { dependency: string; loaded: string[] }[] = [];
    for (const [dep, version] of Object.entries(dependencies)) {
      if (dep === R4_CORE.name) continue;
      if (hasPackage(this.parts, dep, version)) continue;
      missing.push({ dependency: `${dep}#${version}`, loaded: this.parts.filter((p) => p.info.name === dep).map((p) => p.info.version) });
    }
    return missing;
  }

  /**
   * The packages (not the terminology folder) that the resources need: for each code system or value set they use
   * that is neither among them nor in the terminology folder, the last package added that serves it, name → version.
   */
  packagesUsedBy(resources: readonly TerminologyResource[]): Record<string, string> {
    const packages = this.parts.filter((p) => p.info.origin !== 'terminology').reverse().map((p) => ({ info: p.info, has: resourcesResolver(p.resources) }));
    const used: Record<string, string> = {};
    for (const t of unresolvedTargets(resources, resourcesResolver(this.base))) {
      const serving = packages.find((p) => p.has.has(t.type, t.url, t.version));
      if (serving) used[serving.info.name] = serving.info.version;
    }
    return used;
  }

  /**
   * Whether a code system or value set is served here as a package of the common catalogs can bring it elsewhere:
   * published, or FHIR's own and the built-in code systems, but not what a municipality wrote or derives from it.
   */
  commonResolver(): ReferenceResolver {
    return { has: (type, url, version) => this.registry.versions(type, url, true).some((x) => ownerOf(x) === undefined && (version === undefined || versionMatches(version, x.version))) };
  }

  /** Whether a code system or value set (any version, or one matching `version`) is served: published, written or FHIR's own. */
  private servedResolver(): ReferenceResolver {
    return { has: (type, url, version) => this.registry.versions(type, url, true).some((x) => version === undefined || versionMatches(version, x.version)) };
  }

  /** Adds a package named in PACKAGES (checked first). */
  addConfigured(pkg: CheckedPackage): void {
    this.add(pkg, 'configured');
  }

  /**
   * Adds the packages loaded at run time; one already served is skipped (a change feed may deliver it again), unless
   * it is another load of the same name#version (unloaded and loaded again), which replaces it. One whose
   * name#version PACKAGES serves with other content is not served: returned, as a problem naming both.
   */
  applyPackages(packages: StoredPackage[]): Bilingual[] {
    let changed = false;
    const refused: Bilingual[] = [];
    for (const p of packages) {
      const i = this.parts.findIndex((x) => x.info.name === p.name && x.info.version === p.version);
      if (i >= 0) {
        const part = this.parts[i]!;
        if (part.info.origin === 'configured' && !sameContent(part, p)) refused.push(configuredDiffersFromStored(p));
        if (part.info.origin !== 'loaded' || part.info.loadedAt === p.loadedAt) continue;
        this.parts.splice(i, 1);
      }
      this.add({ ...p, skipped: 0 }, 'loaded', p, false);
      changed = true;
    }
    if (changed) this.rebuild();
    return refused;
  }

  /** Takes packages loaded at run time out of service; an unload of a load not served here is ignored. */
  unloadPackages(unloads: PackageUnload[]): void {
    let changed = false;
    for (const u of unloads) {
      const i = this.parts.findIndex((x) => x.info.origin === 'loaded' && x.info.name === u.name && x.info.version === u.version && x.info.loadedAt === u.loadedAt);
      if (i < 0) continue;
      this.parts.splice(i, 1);
      changed = true;
    }
    if (changed) this.rebuild();
  }

  /**
   * Why the package cannot be unloaded (empty: it can): it is not loaded at run time (the terminology folder and
   * PACKAGES are configuration), another package served depends on it, or another package's resources use a code
   * system or value set only it serves.
   */
  unloadProblems(name: string, version: string): { status: number; problems: Bilingual[] } {
    const part = this.parts.find((p) => p.info.name === name && p.info.version === version);
    const label = `${name}#${version}`;
    if (!part) return { status: 404, problems: [{ en: `Package ${label} is not loaded`, da: `Pakken ${label} er ikke indlæst` }] };
    if (part.info.origin !== 'loaded') {
      const where = part.info.origin === 'terminology'
        ? { en: 'the terminology folder', da: 'terminologimappen' } : { en: 'PACKAGES', da: 'PACKAGES' };
      return { status: 409, problems: [{
        en: `Package ${label} is served from ${where.en} (configuration); change the configuration and restart to take it out`,
        da: `Pakken ${label} udgives fra ${where.da} (konfigurationen); ret konfigurationen og genstart for at tage den ud`,
      }] };
    }
    const rest = this.parts.filter((p) => p !== part);
    const problems: Bilingual[] = [];
    for (const other of rest) {
      for (const [dep, wanted] of Object.entries(other.info.dependencies)) {
        if (dep !== name || !versionMatches(wanted, version)) continue;
        if (hasPackage(rest, dep, wanted)) continue;
        problems.push({
          en: `Package ${other.info.name}#${other.info.version} depends on ${dep}#${wanted}; unload it first`,
          da: `Pakken ${other.info.name}#${other.info.version} afhænger af ${dep}#${wanted}; tag den ud først`,
        });
      }
    }
    const servedElsewhere = this.resolverWithout(part);
    for (const other of rest) {
      if (other.resources.length === 0) continue;
      problems.push(...onlyServedBy(unresolvedReferences(other.resources, servedElsewhere, `${other.info.name}#${other.info.version}`), label));
    }
    return { status: 409, problems };
  }

  /**
   * The resources municipalities wrote that use a code system or value set only the package serves: they are not
   * a reason to refuse the unload (a municipality does not hold KL's releases back), but the answer names them.
   */
  writtenUsing(name: string, version: string, written: ResourceSet): Bilingual[] {
    const part = this.parts.find((p) => p.info.name === name && p.info.version === version);
    if (!part) return [];
    const resources = (['CodeSystem', 'ValueSet', 'ConceptMap'] as const).flatMap((t) => written.list(t));
    return onlyServedBy(unresolvedReferences(resources, this.resolverWithout(part), ''), `${name}#${version}`);
  }

  /** What resolves once the part is gone: what stays published, and the registry's other layers (written, FHIR's own …). */
  private resolverWithout(part: Part): ReferenceResolver {
    const remaining = new ResourceSet([...this.base, ...this.parts.filter((p) => p !== part).flatMap((p) => p.resources)]);
    const gone = new ResourceSet(part.resources);
    return {
      has: (type, url, version) => {
        const matches = (x: TerminologyResource) => version === undefined || versionMatches(version, x.version);
        if (!gone.versions(type, url).some(matches)) return true;
        const published = new Set<TerminologyResource>(this.set.versions(type, url));
        return remaining.versions(type, url).some(matches) || this.registry.versions(type, url, true).some((x) => !published.has(x) && matches(x));
      },
    };
  }

  private add(pkg: CheckedPackage, origin: PackageInfo['origin'], loaded?: { loadedAt?: string; loadedBy?: string }, rebuild = true): void {
    this.parts.push({
      info: {
        name: pkg.name, version: pkg.version, fhirVersion: pkg.fhirVersion, dependencies: pkg.dependencies, origin, resources: pkg.resources.length,
        counts: countTypes(pkg.resources),
        ...(loaded?.loadedAt ? { loadedAt: loaded.loadedAt } : {}),
        ...(loaded?.loadedBy ? { loadedBy: loaded.loadedBy } : {}),
      },
      resources: pkg.resources.map(packResource),
      defaultSupplements: pkg.defaultSupplements ?? [],
    });
    if (rebuild) this.rebuild();
  }

  private rebuild(): void {
    const given = this.given();
    this.yielded = yieldedIds(given, this.takenElsewhere);
    this.served = withUniqueIds(given, this.takenElsewhere);
    this.defaultSupplements.clear();
    for (const url of [...this.baseDefaults, ...this.parts.flatMap((p) => p.defaultSupplements)]) this.defaultSupplements.add(url);
    this.set.replaceContents(new ResourceSet(this.served));
    this.registry.touch();
  }
}

/**
 * The package's value sets that import themselves, through its own value sets or those served (as a write's are
 * refused: write-rules.ts): each cycle once. Such a value set defines no codes, and every use of it fails.
 */
function importCycleProblems(resources: readonly TerminologyResource[], served: TerminologyRegistry): Bilingual[] {
  const withPackage = served.withOverlay([...resources]);
  const inCycles = new Set<string>();
  const problems: Bilingual[] = [];
  for (const r of resources) {
    if (r.resourceType !== 'ValueSet' || inCycles.has(vurl(r))) continue;
    const cycle = importCycle(r, withPackage);
    if (!cycle) continue;
    for (const member of cycle) inCycles.add(member);
    const said = importCycleText(cycle);
    problems.push({ en: `ValueSet ${vurl(r)} ${said.en}`, da: `ValueSet ${vurl(r)} ${said.da}` });
  }
  return problems;
}
