/**
 * Writes a FHIR package (.tgz) of the published catalogs, or of one municipality's catalogs and maps:
 *
 *   npm run package                                  the common catalogs (terminology folder, PACKAGES, loaded packages)
 *   npm run package -- --kommunekode 370             municipality 370's local catalogs and maps (store and published)
 *   options: --version 1.2.0 (default: the server's release for the terminology folder alone, else today's date and a
 *            digest of the content, 2026.12.7-c1f0e4b9a27),
 *            --out FILE.tgz (default NAME-VERSION.tgz), --terminology-only (the terminology folder alone; no store)
 *
 * The store is the one the server is configured with (STORE, DATA_DIR, DATABASE_URL), read only.
 * Exit status: 0 written, 1 nothing to write or the store cannot be read, 2 usage or configuration error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit, type Config } from '../src/config';
import { isKommunekode } from '../src/municipal/municipality';
import { isPackageVersion } from '../src/packages/package-check';
import { packageFromStore, type WrittenPackage } from '../src/packages/package-from-store';
import { SQLITE_FILE_NAME, SqliteStore } from '../src/store/sqlite-store';
import type { TerminologyStore } from '../src/store/store';
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
  const store = values['terminology-only'] ? undefined : await openStore(config);
  let written: WrittenPackage | undefined;
  try {
    written = await packageFromStore(config, store, { kommunekode: values.kommunekode, version: values.version });
  } finally {
    await store?.close();
  }
  if (!written) {
    throw new Error(values.kommunekode !== undefined ? `Municipality ${values.kommunekode} has no local catalogs or maps` : 'There are no published catalogs');
  }
  const { manifest } = written;
  const out = values.out ?? `${manifest.name}-${manifest.version}.tgz`;
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, written.tarball);
  console.log(`${out}: ${manifest.name}#${manifest.version}, ${written.resources} resources`);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
