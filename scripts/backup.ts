/**
 * Backs up the embedded store (what users wrote, its history, the audit log and the packages loaded at run time) of
 * DATA_DIR into one SQLite file, while the server runs or not.
 *
 *   npm run backup -- FOLDER [--keep N]   a new file faelles-tx-<time>.sqlite in FOLDER; with --keep, the folder's
 *                                          older backups but the newest N are removed once it is made
 *   npm run backup -- FILE                that file (it must not exist)
 *
 * Exit status: 0 backed up, 1 the backup failed (nothing written), 2 usage or configuration error.
 * Restore with `npm run restore -- FILE` (scripts/restore.ts).
 */
import { backupSqliteStore } from '../src/store/sqlite-backup';
import { wholeNumber } from './command-line';
import { describeContents, runOnEmbeddedStore } from './store-file';

const USAGE = 'usage: npm run backup -- FOLDER [--keep N] | FILE   (the embedded store of DATA_DIR; the server may be running)';

void runOnEmbeddedStore({ name: 'backup', does: 'back up', usage: USAGE, options: ['keep'] }, async (dataDir, out, options) => {
  const keep = options.keep === undefined ? undefined : wholeNumber(options.keep, '--keep', { fallback: 1, min: 1, max: 100_000 }, USAGE);
  const result = backupSqliteStore(dataDir, out, { keep });
  return [
    `backed up ${dataDir} to ${result.file} (${result.bytes} bytes): ${describeContents(result)}`,
    ...result.removed.map((file) => `removed the older backup ${file}`),
  ];
});
