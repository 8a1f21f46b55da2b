import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { createApp } from './app';
import { listenProblem, loadConfigOrExit } from './config';
import { createLogger } from './logger';
import { closeGracefully, createHttpServer, STALLED_CONNECTION_MS } from './http/server';
import { processMetrics } from './metrics';
import { describeAuth } from './auth/auth-config';
import { FhirError } from './errors/fhir-error';
import { claimDataDir } from './store/data-dir-lock';
import { MemoryStore } from './store/memory-store';
import { SqliteStore } from './store/sqlite-store';
import { StoreLoadError, type TerminologyStore } from './store/store';
import { TerminologyLoadError } from './terminology/loader';
import { ProfileLoadError } from './profile-validation';
import { keepTickObjectShape } from './tick-object-shape';

/**
 * One full collection before listening, where Node runs with --expose-gc (npm start, the Dockerfile, the bench): the
 * catalogs as parsed for the start-up check are garbage once packed — hundreds of MB with large local catalogs —
 * and until V8 happens to collect them they hold the RSS up and make every young-generation collection slower.
 */
function collectStartupGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * From now on V8 may let the old generation grow by this much over what the last full collection left before the next
 * one (0: as V8 decides). Set after loading: the start-up's garbage is collected above, and a roomier heap while
 * loading made the start with the 98 municipalities ~0.2 s slower (bench/README.md, "Full collections").
 */
function setHeapGrowing(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}

async function main(): Promise<void> {
  keepTickObjectShape();
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
    // loaded only here: the PostgreSQL client is a few MB a server on the embedded store does not need
    const { PostgresStore, redactConnectionString } = await import('./store/postgres-store');
    const db = config.database;
    const where = `${redactConnectionString(db.url)} (schema ${db.schema})`;
    try {
      store = await PostgresStore.open({
        connectionString: db.url, schema: db.schema, poolSize: db.poolSize, pollIntervalMs: db.pollIntervalMs, statementTimeoutMs: db.statementTimeoutMs,
        lockTimeoutMs: db.lockTimeoutMs, idleInTransactionTimeoutMs: db.idleInTransactionTimeoutMs, logger: logger.child({ store: 'postgres' }),
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
  // its size follows the machine's memory unless RESPONSE_CACHE_MB is set, so it is said once at start
  logger.info(config.responseCacheEntries > 0
    ? `response cache: up to ${config.responseCacheEntries} answers and ${config.responseCacheBytes / (1024 * 1024)} MB`
    : 'response cache: off (RESPONSE_CACHE_ENTRIES=0)');
  logger.info(`request bodies read at once: up to ${config.bodiesInFlightBytes / (1024 * 1024)} MB (BODIES_IN_FLIGHT_MB)`);
  logger.info(`large answers written at once: up to ${config.answersInFlightBytes / (1024 * 1024)} MB (ANSWERS_IN_FLIGHT_MB)`);
  const clientCaches = config.clientCacheLimits;
  logger.info(`clients' terminology caches ($cache-control): up to ${clientCaches.caches} caches and ${clientCaches.bytes / (1024 * 1024)} MB of memory for their resources, each for ${clientCaches.idleMs / 60_000} minutes after its last use`);
  let app;
  try {
    app = await createApp({ config, store, logger, processMetrics: processMetrics() });
  } catch (e) {
    if (e instanceof TerminologyLoadError) {
      logger.fatal(`Cannot load the catalogs: ${e.message}`);
      process.exit(3);
    }
    if (e instanceof ProfileLoadError) {
      logger.fatal(`Cannot load the profiles: ${e.message}`);
      process.exit(3);
    }
    if (e instanceof StoreLoadError || (e instanceof FhirError && e.status === 503)) {
      logger.fatal(`Cannot read the store: ${e.message}`);
      process.exit(4);
    }
    throw e;
  }
  collectStartupGarbage();
  setHeapGrowing(config.heapGrowingPercent);
  const server = createHttpServer(app, { stalledConnectionMs: Math.max(STALLED_CONNECTION_MS, 2 * config.requestTimeoutMs) });
  // PORT in use, HOST not an address here …: one line naming the variable, as a bad value found at the check
  const listenFailed = (e: NodeJS.ErrnoException) => {
    logger.fatal(`Configuration error: ${listenProblem(e, config.host, config.port)}`);
    process.exit(2);
  };
  server.once('error', listenFailed);
  server.listen(config.port, config.host, () => {
    server.removeListener('error', listenFailed);
    // the port bound, which PORT=0 leaves to the system; written at once, not with the next 4 KB of log
    const { port } = server.address() as AddressInfo;
    logger.info({ port, basePath: config.basePath }, `faelles-tx listening on http://${config.host}:${port}${config.basePath}`);
    logger.flush();
    // the $validate profile stack loads now, in the background, instead of on the first $validate
    void app.warmUpValidation();
    if (app.packageWatch && config.packagesWatch) {
      app.packageWatch.start(config.packagesWatch.intervalMs);
      logger.info(`PACKAGES_WATCH: loading the .tgz packages put in ${config.packagesWatch.dir} (every ${config.packagesWatch.intervalMs} ms)`);
    }
  });
  // Graceful shutdown: stop accepting, report not-ready, finish in-flight requests and the writes still queued, then
  // close the store.
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    app.beginShutdown();
    app.packageWatch?.stop();
    void closeGracefully(server).then(() => app.settled()).then(() => store.close()).then(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  // Never an unhandled rejection with a raw dump: one line saying what failed.
  console.error(`Cannot start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
