/**
 * Writes a FHIR package (.tgz) of the published catalogs, or of one municipality's catalogs and maps:
 *
 *   npm run package                                  the common catalogs (terminology folder, PACKAGES, loaded packages)
 *   npm run package -- --kommunekode 370             municipality 370's local catalogs and maps (store and published)
 *   options: --version 1.2.0 (default: the server's release for the catalogs, today's date for a municipality),
 *            --out FILE.tgz (default NAME-VERSION.tgz), --terminology-only (the terminology folder alone; no store)
 *
 * The store is the one the server is configured with (STORE, DATA_DIR, DATABASE_URL), read only.
 * Exit status: 0 written, 1 nothing to write or the store cannot be read, 2 usage or configuration error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit, type Config } from '../src/config';
import { isKommunekode } from '../src/municipal/municipality';
import { CATALOGS_VERSION, municipalityPackage, publishedCatalogsPackage, todaysVersion } from '../src/packages/export-selection';
import { FHIR_VERSION, isPackageVersion } from '../src/packages/package-check';
import { addConfiguredPackages } from '../src/packages/package-service';
import { writePackageTarball } from '../src/packages/package-writer';
import { CATALOGS_PACKAGE, PublishedLayer } from '../src/packages/published-layer';
import { SQLITE_FILE_NAME, SqliteStore } from '../src/store/sqlite-store';
import { VersionHistory } from '../src/store/past-version';
import type { StoredPackage } from '../src/store/packages';
import type { TerminologyStore } from '../src/store/store';
import { loadTerminology } from '../src/terminology/loader';
import { TerminologyRegistry } from '../src/terminology/registry';
import { ResourceSet } from '../src/terminology/resource-set';
import { parseCommandLine } from './command-line';

const USAGE = 'usage: npm run package -- [--kommunekode 370] [--version 1.2.0] [--out FILE.tgz] [--terminology-only]';

/** The configured store, read only; undefined when there is none to read (memory, or no data file yet). */
async function openStore(config: Config): Promise<TerminologyStore | undefined> {
  if (config.store === 'sqlite') {
    if (!fs.existsSync(path.join(config.dataDir, SQLITE_FILE_NAME))) return undefined;
    return SqliteStore.open(config.dataDir, { readonly: true });
  }
  if (config.store === 'postgres' && config.database) {
    const { PostgresStore } = await import('../src/store/postgres-store');
    return PostgresStore.open({ connectionString: config.database.url, schema: config.database.schema, poolSize: 2 });
  }
  return undefined;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine({
    options: {
      kommunekode: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string' },
      'terminology-only': { type: 'boolean', default: false },
    },
  }, USAGE);
  if (values.kommunekode !== undefined && !isKommunekode(values.kommunekode)) {
    console.error(`--kommunekode must be three digits, not '${values.kommunekode}'\n${USAGE}`);
    process.exit(2);
  }
  if (values.version !== undefined && !isPackageVersion(values.version)) {
    console.error(`--version must be a semantic version MAJOR.MINOR.PATCH (1.2.0), not '${values.version}'\n${USAGE}`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const catalogs = loadTerminology(config.terminologyDir, { includeExamples: config.loadExamples });
  const published = new ResourceSet();
  let written = new ResourceSet();
  const history = new VersionHistory();
  const layer = new PublishedLayer(published, new TerminologyRegistry([published]), catalogs.resources, {
    name: CATALOGS_PACKAGE, version: CATALOGS_VERSION, fhirVersion: FHIR_VERSION, dependencies: {},
  }, { everyVersion: history.set });
  let loaded: StoredPackage[] = [];
  if (!values['terminology-only']) {
    const store = await openStore(config);
    if (store) {
      try {
        written = new ResourceSet(await store.loadAll());
        history.load(await store.loadHistory());
        loaded = await store.listPackages();
      } finally {
        await store.close();
      }
    }
  }
  // as the server adds them: PACKAGES (checked against what was written), then the packages loaded at run time
  await addConfiguredPackages(config.packages, layer);
  layer.applyPackages(loaded);
  const selection = values.kommunekode !== undefined
    ? municipalityPackage(values.kommunekode, published, written, values.version ?? todaysVersion(), history.versions())
    : publishedCatalogsPackage(layer, values.version);
  if (selection.resources.length === 0) {
    console.error(values.kommunekode !== undefined ? `Municipality ${values.kommunekode} has no local catalogs or maps` : 'There are no published catalogs');
    process.exit(1);
  }
  const out = values.out ?? `${selection.manifest.name}-${selection.manifest.version}.tgz`;
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, await writePackageTarball(selection.manifest, selection.resources));
  console.log(`${out}: ${selection.manifest.name}#${selection.manifest.version}, ${selection.resources.length} resources`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
