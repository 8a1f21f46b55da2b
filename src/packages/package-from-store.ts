import type { Config } from '../config';
import type { TerminologyStore } from '../store/store';
import { VersionHistory } from '../store/past-version';
import type { StoredPackage } from '../store/packages';
import { loadTerminology } from '../terminology/loader';
import { TerminologyRegistry } from '../terminology/registry';
import { fhirCoreTerminology } from '../terminology/fhir-core';
import { LibraryCodeSystems } from '../terminology/providers/library-systems';
import { ResourceSet } from '../terminology/resource-set';
import { CATALOGS_VERSION, municipalityPackage, publishedCatalogsPackage, type PackageSelection } from './export-selection';
import { FHIR_VERSION } from './package-check';
import { addConfiguredPackages, refuseStoredAtStart } from './package-service';
import { writePackageTarball } from './package-writer';
import { CATALOGS_PACKAGE, PublishedLayer } from './published-layer';

/** What `npm run package` writes: the package's manifest, its resources' count and the archive. */
export interface WrittenPackage {
  manifest: PackageSelection['manifest'];
  resources: number;
  tarball: Buffer;
}

/**
 * The package of the published catalogs (the terminology folder, PACKAGES and the packages loaded at run time), or of
 * one municipality's catalogs and maps with every version later writes replaced, as a server on `config` and `store`
 * serves them; undefined when there is nothing to put in it. The archive is whole when this returns: the replaced
 * versions are read from the store while it is written, so the store may be closed only after.
 */
export async function packageFromStore(
  config: Config, store: TerminologyStore | undefined, options: { kommunekode?: string; version?: string } = {},
): Promise<WrittenPackage | undefined> {
  const catalogs = loadTerminology(config.terminologyDir, { includeExamples: config.loadExamples });
  const published = new ResourceSet();
  const history = new VersionHistory();
  // FHIR's own and the built-in code systems, which a package's resources may use as the server's do
  const fhirCore = new ResourceSet([...fhirCoreTerminology(), ...new LibraryCodeSystems().resources]);
  const layer = new PublishedLayer(published, new TerminologyRegistry([published], undefined, undefined, [fhirCore]), catalogs.resources, {
    name: CATALOGS_PACKAGE, version: CATALOGS_VERSION, fhirVersion: FHIR_VERSION, dependencies: {},
  }, { everyVersion: history.set }, undefined, new Set(catalogs.defaultSupplements));
  let written = new ResourceSet();
  let loaded: StoredPackage[] = [];
  if (store) {
    written = new ResourceSet(await store.loadAll());
    history.load(await store.loadHistory());
    loaded = await store.listPackages();
  }
  // as the server adds them: PACKAGES (checked against what was written), then the packages loaded at run time
  await addConfiguredPackages(config.packages, layer);
  refuseStoredAtStart(layer.applyPackages(loaded));
  const selection = options.kommunekode !== undefined
    ? municipalityPackage(options.kommunekode, layer, written, options.version, history.versions())
    : publishedCatalogsPackage(layer, options.version);
  if (selection.resources.length === 0) return undefined;
  return { manifest: selection.manifest, resources: selection.resources.length, tarball: await writePackageTarball(selection.manifest, selection.resources) };
}
