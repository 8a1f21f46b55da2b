import pino from 'pino';
import { createApp, type App, type AppDeps } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { MemoryStore } from '../../src/store/memory-store';
import { loadTerminology, type LoadedTerminology } from '../../src/terminology/loader';
import { TerminologyRegistry } from '../../src/terminology/registry';
import { ResourceSet } from '../../src/terminology/resource-set';
import { TERMINOLOGY_DIR } from './catalogs';

export { FFB, FSIII, ROOT, TERMINOLOGY_DIR } from './catalogs';

let published: LoadedTerminology | undefined;

/** The published catalogs, loaded once per test file. */
export function publishedCatalogs(): LoadedTerminology {
  published ??= loadTerminology(TERMINOLOGY_DIR, { includeExamples: true });
  return published;
}

/** A registry of the published catalogs alone (no written layer, no FHIR core), new for each call: for unit tests. */
export function publishedRegistry(): TerminologyRegistry {
  const catalogs = publishedCatalogs();
  return new TerminologyRegistry([new ResourceSet(catalogs.resources)], catalogs.defaultSupplements);
}

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
