import path from 'node:path';
import pino from 'pino';
import { createApp, type App } from '../../src/app';
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

export async function testApp(overrides: Partial<Config> = {}): Promise<App> {
  return createApp({ config: testConfig(overrides), store: new MemoryStore(), logger: pino({ level: 'silent' }), published: publishedCatalogs() });
}

export const FSIII = 'urn:oid:1.2.208.176.2.21';
export const FFB = 'urn:oid:1.2.208.176.2.22';
