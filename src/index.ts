import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { createHttpServer } from './http/server';
import { MemoryStore } from './store/memory-store';
import { TerminologyLoadError } from './terminology/loader';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  const logger = createLogger(config.logLevel);
  const store = new MemoryStore();
  let app;
  try {
    app = await createApp({ config, store, logger });
  } catch (e) {
    if (e instanceof TerminologyLoadError) {
      logger.fatal(`Cannot load the catalogs: ${e.message}`);
      process.exit(3);
    }
    throw e;
  }
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
