import { createApp } from './app';
import { loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { createHttpServer } from './http/server';
import { describeAuth } from './auth/auth-config';
import { FhirError } from './errors/fhir-error';
import { claimDataDir } from './store/data-dir-lock';
import { MemoryStore } from './store/memory-store';
import { PostgresStore, redactConnectionString } from './store/postgres-store';
import { SqliteStore } from './store/sqlite-store';
import type { TerminologyStore } from './store/store';
import { TerminologyLoadError } from './terminology/loader';
import { ProfileLoadError, submissionValidation, warmUp } from './validation';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  let store: TerminologyStore;
  if (config.store === 'sqlite') {
    try {
      const release = claimDataDir(config.dataDir);
      process.on('exit', release);
      store = SqliteStore.open(config.dataDir);
    } catch (e) {
      logger.fatal(`Cannot open the store in ${config.dataDir}: ${(e as Error).message}`);
      process.exit(4);
    }
    logger.info({ dataDir: config.dataDir }, 'embedded SQLite store');
  } else if (config.store === 'postgres' && config.database) {
    const db = config.database;
    const where = `${redactConnectionString(db.url)} (schema ${db.schema})`;
    try {
      store = await PostgresStore.open({
        connectionString: db.url, schema: db.schema, poolSize: db.poolSize, pollIntervalMs: db.pollIntervalMs, logger: logger.child({ store: 'postgres' }),
      });
    } catch (e) {
      logger.fatal(`Cannot open the PostgreSQL store at ${where}: ${(e as Error).message}`);
      process.exit(4);
    }
    logger.info(`PostgreSQL store at ${where}; replicas see each other's writes (poll every ${db.pollIntervalMs / 1000} s)`);
  } else {
    store = new MemoryStore();
    logger.warn('STORE=memory: written resources are lost when the server stops');
  }
  const auth = describeAuth(config.auth);
  if (config.auth.kind === 'none' || (config.auth.kind === 'secret' && config.auth.development)) logger.warn(`write authentication: ${auth}`);
  else logger.info(`write authentication: ${auth}`);
  let app;
  try {
    app = await createApp({ config, store, logger });
  } catch (e) {
    if (e instanceof TerminologyLoadError) {
      logger.fatal(`Cannot load the catalogs: ${e.message}`);
      process.exit(3);
    }
    if (e instanceof ProfileLoadError) {
      logger.fatal(`Cannot load the profiles: ${e.message}`);
      process.exit(3);
    }
    if (e instanceof FhirError && e.status === 503) {
      logger.fatal(`Cannot read the store: ${e.message}`);
      process.exit(4);
    }
    throw e;
  }
  warmUp(submissionValidation(config.profilesDir), app.registry);
  const server = createHttpServer(app);
  server.listen(config.port, config.host, () => {
    logger.info({ port: config.port, basePath: config.basePath }, `faelles-tx listening on http://${config.host}:${config.port}${config.basePath}`);
  });
  // Graceful shutdown: stop accepting, report not-ready, finish in-flight requests, then close the store.
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    app.beginShutdown();
    server.closeIdleConnections();
    server.close(() => {
      void store.close().then(() => process.exit(0));
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

void main();
