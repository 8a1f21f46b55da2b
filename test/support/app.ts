import pino from 'pino';
import { createApp, type App, type AppDeps } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { MemoryStore } from '../../src/store/memory-store';
import { publishedCatalogs, TERMINOLOGY_DIR } from './catalogs';
import { tokenFor } from './local';

export { FFB, FSIII, ROOT, TERMINOLOGY_DIR, publishedCatalogs, publishedRegistry } from './catalogs';

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({ LOG_LEVEL: 'silent', TERMINOLOGY_DIR }), ...overrides };
}

/**
 * The app on the test configuration with these overrides; by default on a fresh memory store, a silent logger and
 * the published catalogs (each replaceable in `deps`).
 */
export async function testApp(overrides: Partial<Config> = {}, deps: Partial<Omit<AppDeps, 'config'>> = {}): Promise<App> {
  return createApp({
    store: deps.store ?? new MemoryStore(),
    logger: deps.logger ?? pino({ level: 'silent' }),
    published: deps.published ?? publishedCatalogs(),
    webDir: deps.webDir,
    processMetrics: deps.processMetrics,
    config: testConfig(overrides),
  });
}

/** An app (testApp, with these overrides) and the Authorization header (`Bearer …`) of a token with these claims. */
export async function appWithToken(claims: Record<string, unknown>, overrides: Partial<Config> = {}): Promise<{ app: App; auth: string }> {
  return { app: await testApp(overrides), auth: `Bearer ${await tokenFor(claims)}` };
}
