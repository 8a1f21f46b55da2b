/**
 * The server with its web page for the browser tests and the screenshots: the app in this process on a free port,
 * a fresh embedded store in a temporary DATA_DIR, a known JWT secret, and the page built into a temporary folder.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import pino from 'pino';
import { createApp } from '../src/app';
import { loadConfig, projectRoot } from '../src/config';
import { SqliteStore } from '../src/store/sqlite-store';
import type { LoadedTerminology } from '../src/terminology/loader';
import { buildWeb } from './build-web';

const SECRET = 'web-page-test-secret-0123456789abcdef';

export interface WebServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The FHIR base, origin + /fhir */
  fhirBase: string;
  /** A token for the municipality (signed with the server's secret), valid for an hour or as `expiresIn` says. */
  token(kommunekode: string, expiresIn?: string | number): Promise<string>;
  /** An administrator's token (scope admin, no municipality), valid for an hour. */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

export async function startWebServer(options: { published?: LoadedTerminology } = {}): Promise<WebServer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'faelles-tx-web-'));
  const dataDir = path.join(tmp, 'data');
  const webDir = path.join(tmp, 'web');
  fs.mkdirSync(dataDir);
  await buildWeb(webDir);
  const config = loadConfig({
    LOG_LEVEL: 'silent', DATA_DIR: dataDir, JWT_SECRET: SECRET, TERMINOLOGY_DIR: path.join(projectRoot(), 'terminology'),
  });
  const store = SqliteStore.open(dataDir);
  const app = await createApp({ config, store, logger: pino({ level: 'silent' }), published: options.published, webDir });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    fhirBase: `${origin}/fhir`,
    token: (kommunekode, expiresIn = '1h') => new SignJWT({ kommunekode })
      .setProtectedHeader({ alg: 'HS256' }).setSubject(`kommune-${kommunekode}`).setIssuedAt().setExpirationTime(expiresIn)
      .sign(new TextEncoder().encode(SECRET)),
    adminToken: () => new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256' }).setSubject('admin').setIssuedAt().setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET)),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
