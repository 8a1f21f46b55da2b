import path from 'node:path';
import pino from 'pino';
import { createApp, type App, type AppDeps } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import { MemoryStore } from '../../src/store/memory-store';
import { loadTerminology, type LoadedTerminology } from '../../src/terminology/loader';

export const ROOT = path.resolve(__dirname, '..', '..');
export const TERMINOLOGY_DIR = path.join(ROOT, 'terminology');

let published: LoadedTerminology | undefined;

/** The published catalogs, loaded once per test file. */
export function publishedCatalogs(): LoadedTerminology {
  published ??= loadTerminology(TERMINOLOGY_DIR, { includeExamples: true });
  return published;
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

export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FFB = 'urn:oid:1.2.208.176.2.22';
