/**
 * Backs up the embedded store (what users wrote, its history, the audit log and the packages loaded at run time) of
 * DATA_DIR into one SQLite file, while the server runs or not.
 *
 *   npm run backup -- FOLDER     a new file faelles-tx-<time>.sqlite in FOLDER
 *   npm run backup -- FILE       that file (it must not exist)
 *
 * Exit status: 0 backed up, 1 the backup failed (nothing written), 2 usage or configuration error.
 * Restore with `npm run restore -- FILE` (scripts/restore.ts).
 */
import { backupSqliteStore } from '../src/store/sqlite-backup';
import { describeContents, runOnEmbeddedStore } from './store-file';

void runOnEmbeddedStore({
  name: 'backup', does: 'back up', usage: 'usage: npm run backup -- FOLDER|FILE   (the embedded store of DATA_DIR; the server may be running)',
}, async (dataDir, out) => {
  const result = backupSqliteStore(dataDir, out);
  return [`backed up ${dataDir} to ${result.file} (${result.bytes} bytes): ${describeContents(result)}`];
});
