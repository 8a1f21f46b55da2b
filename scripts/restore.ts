/**
 * Makes the embedded store of DATA_DIR the one in a backup made by `npm run backup`. The server must be stopped; the
 * data file replaced is kept in DATA_DIR/before-restore-<time>/.
 *
 *   npm run restore -- FILE
 *
 * Exit status: 0 restored, 1 the restore failed (the data folder as it was), 2 usage or configuration error, a server
 * running, or a file that is no backup of this server.
 */
import os from 'node:os';
import { restoreSqliteStore } from '../src/store/sqlite-backup';
import { auditOfRestore } from '../src/write/audit';
import { describeContents, runOnEmbeddedStore } from './store-file';

/** The OS account running the tool: its name, or its uid where it has none (a container's numeric user). */
function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

void runOnEmbeddedStore({
  name: 'restore', does: 'restore', usage: 'usage: npm run restore -- FILE   (into the embedded store of DATA_DIR; stop the server first)',
}, async (dataDir, file) => {
  const user = osUser();
  const result = await restoreSqliteStore(dataDir, file, { audit: (restore) => auditOfRestore(user, restore) });
  return [
    `restored ${file} into ${dataDir}: ${describeContents(result)}`,
    ...(result.replacedDir ? [`the data file it replaced is in ${result.replacedDir}`] : []),
  ];
});
