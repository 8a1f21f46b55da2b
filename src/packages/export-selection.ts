import { FhirError } from '../errors/fhir-error';
import { isKommunekode, ownerOf } from '../municipal/municipality';
import { SOFTWARE } from '../software';
import type { ResourceSet, TerminologyResource } from '../terminology/resource-set';
import { createHash } from 'node:crypto';
import { packageFiles, type PackageManifest } from './package-writer';
import { isPackageVersion } from './package-check';
import { CATALOGS_PACKAGE, type PublishedLayer } from './published-layer';
import { withoutServerMeta } from './server-meta';
import { PackageError } from './package-error';
import { unresolvedReferences } from './package-references';
import { municipalityGenitive, municipalityNameWithCode } from '../municipal/kommuner';

const TYPES = ['CodeSystem', 'ValueSet', 'ConceptMap'] as const;

export interface PackageSelection {
  manifest: PackageManifest;
  resources: TerminologyResource[];
}

/** The version the catalogs of the terminology folder go by as a package: the server's release. */
export const CATALOGS_VERSION = SOFTWARE.version;

function listAll(set: ResourceSet): TerminologyResource[] {
  return TYPES.flatMap((t) => set.list(t));
}

/**
 * The common catalogs (every published resource that belongs to no municipality), as one package. Without a version
 * asked for: CATALOGS_VERSION while the terminology folder alone is served (the name#version `$packages` gives it),
 * else a version of its content (`contentVersion`).
 */
export function publishedCatalogsPackage(layer: PublishedLayer, version?: string): PackageSelection {
  const resources = layer.resources().filter((r) => ownerOf(r) === undefined);
  const manifest = {
    name: CATALOGS_PACKAGE,
    version: version ?? CATALOGS_VERSION,
    description: 'De fælleskommunale kataloger (FSIII, FFB og deres værdisæt og mapninger), som faelles-tx udgiver dem',
    ...withDefaultSupplements(resources, layer.defaultSupplementUrls()),
  };
  if (version === undefined && !layer.onlyTerminologyFolder()) manifest.version = contentVersion(manifest, resources);
  return { manifest, resources };
}

/**
 * A version for a package written today of this content: the date and a digest of everything the package holds but
 * its version, `2026.12.2-c1f0e4b9a27` (a semantic version, as package versions must be; the digest a pre-release
 * identifier that always has a letter). A name#version is never given to other content (the FHIR package
 * specification, npm), and the same content written the same day gets the same version.
 */
export function contentVersion(manifest: PackageManifest, resources: readonly TerminologyResource[], now = new Date()): string {
  const digest = createHash('sha256');
  for (const f of packageFiles({ ...manifest, version: '' }, resources)) digest.update(f.name).update('\0').update(f.text).update('\0');
  return `${todaysVersion(now)}-c${digest.digest('hex').slice(0, 10)}`;
}

/** The manifest's `defaultSupplements`: those of the resources applied by default where they are served (none: nothing). */
function withDefaultSupplements(resources: readonly TerminologyResource[], defaults: ReadonlySet<string>): { defaultSupplements?: string[] } {
  const urls = [...new Set(resources.filter((r) => r.resourceType === 'CodeSystem' && (r as { content?: string }).content === 'supplement' && defaults.has(r.url!)).map((r) => r.url!))];
  return urls.length > 0 ? { defaultSupplements: urls } : {};
}

/**
 * One municipality's catalogs and maps (every version served, written or published, and the versions later writes
 * replaced of the canonicals it still has: a map may name the catalog version it was made for), as one package; it
 * depends on the common catalogs its maps point into, and on each package served that holds what they use beyond the
 * terminology folder (a map to a FSIII release loaded as a package). What would refuse it where it is loaded, a code
 * system or value set it uses that nothing here serves as a package can bring it (a value set written with a warning
 * for a code system not known; a map whose catalog was deleted), refuses it here (PackageError, 422, naming each).
 */
export function municipalityPackage(
  kommunekode: string, layer: PublishedLayer, written: ResourceSet, version: string | undefined, past: readonly TerminologyResource[] = [],
): PackageSelection {
  const seen = new Set<string>();
  const current = new Set<string>();
  const resources: TerminologyResource[] = [];
  const take = (r: TerminologyResource): void => {
    const key = `${r.resourceType} ${r.url}|${r.version ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    resources.push(withoutServerMeta(r));
  };
  for (const r of [...listAll(written), ...layer.resources()]) {
    if (ownerOf(r) !== kommunekode) continue;
    current.add(`${r.resourceType} ${r.url}`);
    take(r);
  }
  for (const r of past) if (current.has(`${r.resourceType} ${r.url}`) && ownerOf(r) === kommunekode) take(r);
  const name = `faelles-tx.kommune-${kommunekode}`;
  const unloadable = unresolvedReferences(resources, layer.commonResolver(), name, (label) => ({
    en: `which is neither in the package nor served here as a package can bring it (a catalog deleted, or never written), so the package would be refused where it is loaded; correct or delete ${label} first`,
    da: `som hverken er i pakken eller udgives her, så en pakke kan have det med (et katalog slettet eller aldrig skrevet), så pakken ville blive afvist, hvor den indlæses; ret eller slet ${label} først`,
  }));
  if (unloadable.length > 0) throw new PackageError(unloadable);
  const manifest = {
    name,
    version: version ?? '',
    description: `${municipalityGenitive(kommunekode).da} lokale kataloger og mapninger til de fælleskommunale kataloger`,
    dependencies: { [CATALOGS_PACKAGE]: CATALOGS_VERSION, ...layer.packagesUsedBy(resources) },
  };
  if (version === undefined) manifest.version = contentVersion(manifest, resources);
  return { manifest, resources };
}

/** Today as a semantic version: `2026.12.2`. */
function todaysVersion(now: Date): string {
  return `${now.getUTCFullYear()}.${now.getUTCMonth() + 1}.${now.getUTCDate()}`;
}

/** What `$package[?kommunekode=370][&version=…]` asks for: the common catalogs, or one municipality's catalogs and maps. */
export function requestedPackage(
  asked: { kommunekode?: string; version?: string }, layer: PublishedLayer, written: ResourceSet, past: () => readonly TerminologyResource[],
): PackageSelection {
  const { kommunekode, version } = asked;
  if (version !== undefined && !isPackageVersion(version)) throw FhirError.invalid('version must be a semantic version MAJOR.MINOR.PATCH, e.g. 1.2.0', { da: 'version skal være en semantisk version MAJOR.MINOR.PATCH, fx 1.2.0' });
  if (kommunekode === undefined) return publishedCatalogsPackage(layer, version);
  if (!isKommunekode(kommunekode)) throw FhirError.invalid('kommunekode must be three digits, e.g. 370', { da: 'kommunekode skal være tre cifre, fx 370' });
  const selection = municipalityPackage(kommunekode, layer, written, version, past());
  if (selection.resources.length === 0) {
    const municipality = municipalityNameWithCode(kommunekode);
    throw FhirError.notFound(`${municipality.en} has no local catalogs or maps`, { da: `${municipality.da} har ingen lokale kataloger eller mapninger` });
  }
  return selection;
}
