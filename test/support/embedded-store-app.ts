import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app';
import { SqliteStore } from '../../src/store/sqlite-store';
import { testApp } from './app';
import { tokenFor } from './local';

export interface EmbeddedStoreApp {
  /** The data folder. */
  dir: string;
  store: SqliteStore;
  app: App;
  /** A write token of municipality 101. */
  token: string;
}

/**
 * A test app on an embedded store of its own, for a suite that makes the store fail beneath it: made before the suite
 * (readiness tries a write at every check, where the server waits 5 s between them), closed and removed after it.
 * `before`: what the data folder is given (written, then damaged …) before the app's store opens it.
 */
export function embeddedStoreApp(prefix: string, before?: (dir: string) => Promise<void>): EmbeddedStoreApp {
  const made = {} as EmbeddedStoreApp;
  beforeAll(async () => {
    made.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    await before?.(made.dir);
    made.store = SqliteStore.open(made.dir, { writeProbeIntervalMs: 0 });
    made.app = await testApp({ dataDir: made.dir }, { store: made.store });
    made.token = await tokenFor({ kommunekode: '101' });
  });
  afterAll(async () => {
    await made.store.close();
    fs.rmSync(made.dir, { recursive: true, force: true });
  });
  return made;
}
