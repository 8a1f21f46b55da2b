import fs from 'node:fs';
import path from 'node:path';

/** The project root: the nearest folder above this file with a package.json (works from src/ and dist/src/). */
export function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

export interface Config {
  port: number;
  host: string;
  /** Path prefix of the FHIR endpoint. */
  basePath: string;
  /** Public base URL, when the server sits behind a proxy; derived from the request otherwise. */
  publicBaseUrl?: string;
  dataDir: string;
  terminologyDir: string;
  loadExamples: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  maxExpansionSize: number;
  /** Origins allowed by CORS; empty disables CORS, `*` allows any. */
  corsOrigins: string[];
  /** Requests per minute per client address; 0 disables rate limiting. */
  rateLimitPerMinute: number;
  /** Time after which a request is answered 503 (timeout) if it has not finished. */
  requestTimeoutMs: number;
}

export class ConfigError extends Error {}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, not '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, not ${n}`);
  return n;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, not '${raw}'`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the configuration from environment variables and checks it; throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const basePath = env.BASE_PATH ?? '/fhir';
  if (!/^(\/[A-Za-z0-9._-]+)*$/.test(basePath)) throw new ConfigError(`BASE_PATH must look like /fhir, not '${basePath}'`);
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const publicBaseUrl = env.PUBLIC_BASE_URL || undefined;
  if (publicBaseUrl && !/^https?:\/\/[^\s]+$/.test(publicBaseUrl)) throw new ConfigError('PUBLIC_BASE_URL must be an http(s) URL');
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST ?? '0.0.0.0',
    basePath,
    publicBaseUrl: publicBaseUrl?.replace(/\/$/, ''),
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    terminologyDir: path.resolve(env.TERMINOLOGY_DIR ?? path.join(projectRoot(), 'terminology')),
    loadExamples: bool(env, 'LOAD_EXAMPLES', true),
    logLevel,
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    maxExpansionSize: int(env, 'MAX_EXPANSION_SIZE', 10000, 1, 10_000_000),
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter((o) => o.length > 0),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 10_000_000),
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
  };
}
