import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { parseAuthConfig, type AuthConfig } from './auth/auth-config';
import { SCHEMA_NAME } from './store/postgres-migrations';
import { replyWaitMs } from './store/postgres-waits';

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
  /** FHIR packages (.tgz files or unpacked folders) served as published catalogs beside the terminology folder (PACKAGES). */
  packages: string[];
  /**
   * A folder watched for FHIR packages (PACKAGES_WATCH): a `.tgz` put there is loaded as `$load-package` would load
   * it; scanned every `intervalMs` (PACKAGES_WATCH_INTERVAL_MS).
   */
  packagesWatch?: { dir: string; intervalMs: number };
  /**
   * What a package's dependency that is not loaded, and a code system or value set its resources use that is not
   * served, do to its load (PACKAGE_REFERENCES): `refuse` it (the default), or load it and `warn`.
   */
  packageReferences: 'refuse' | 'warn';
  /** The StructureDefinitions $validate checks submissions against (PROFILES_DIR; default `profiles/`). */
  profilesDir?: string;
  loadExamples: boolean;
  logLevel: string;
  bodyLimitBytes: number;
  /** Bytes of the request bodies read at once, all requests together (BODIES_IN_FLIGHT_MB); a body that would pass it is 503. */
  bodiesInFlightBytes: number;
  /** Bytes of the large answers being written at once, all connections together (ANSWERS_IN_FLIGHT_MB); one that would pass it is 503. */
  answersInFlightBytes: number;
  /** Operation calls whose body is at least this many bytes take turns, one computing at a time (LARGE_REQUEST_KB; 0: none do). */
  heavyBodyBytes: number;
  /** Parameters one Parameters body (and each Parameters nested in it) may carry; 413 above. */
  maxParameters: number;
  /** Entries one transaction Bundle may have; 413 above. */
  maxTransactionEntries: number;
  /** Entries one batch Bundle may have; 413 above. */
  maxBatchEntries: number;
  /** Rows (after the header) and columns a CSV import may have. */
  importLimits: CsvLimits;
  maxExpansionSize: number;
  /** Origins allowed by CORS; empty disables CORS, `*` allows any. */
  corsOrigins: string[];
  /** Requests per minute per client address; 0 disables rate limiting. */
  rateLimitPerMinute: number;
  /**
   * The proxies whose X-Forwarded-For names the client (TRUST_PROXY), as Express's `trust proxy`: how many hops, or
   * their addresses and subnets; false: none, the client is the connection's address.
   */
  trustProxy: false | number | string;
  /** Time after which a request is answered 503 (timeout) if it has not finished. */
  requestTimeoutMs: number;
  /** Time an operation ($expand, $validate-code, …) may compute before it is stopped with 422 too-costly. */
  operationTimeBudgetMs: number;
  /** The budget of an operation on definitions the request brings (tx-resource, an inline value set, a client's cache). */
  definitionsTimeBudgetMs: number;
  /** Operation GETs are answered by the lean dispatcher in front of Express (src/http/pipeline/fast-path.ts). */
  fastPath: boolean;
  /** Answers kept by the response cache of deterministic operations; 0 turns the cache off. */
  responseCacheEntries: number;
  /** Bytes the response cache may hold (answers and keys): RESPONSE_CACHE_MB, or by default from the memory the process may use. */
  responseCacheBytes: number;
  /** How much V8 may let the old generation grow between full collections once the server runs (percent; 0: V8's choice). */
  heapGrowingPercent: number;
  /**
   * Where written resources live: `sqlite` (embedded, in dataDir; the default), `memory` (lost at exit) or
   * `postgres` (DATABASE_URL; shared by replicas).
   */
  store: 'sqlite' | 'memory' | 'postgres';
  /** The PostgreSQL settings, when store is `postgres`. */
  database?: DatabaseConfig;
  /** How many closure tables ($closure) the server keeps, and how many concepts a table and one call may have. */
  closureLimits: ClosureLimits;
  /** The bounds of the clients' terminology caches ($cache-control): how many, the memory of their resources together, idle time. */
  clientCacheLimits: ClientCacheLimits;
  /** How write requests are authenticated (JWT_SECRET / JWT_PUBLIC_KEY / JWT_JWKS_URL); see src/auth/auth-config.ts. */
  auth: AuthConfig;
}

export interface DatabaseConfig {
  /** DATABASE_URL: postgres://user:password@host:port/database */
  url: string;
  /** DATABASE_SCHEMA (default public): the schema the tables are created in. */
  schema: string;
  /** DATABASE_POOL_SIZE (default 10): connections per server process. */
  poolSize: number;
  /** SYNC_POLL_SECONDS (default 5): how often a replica asks for writes it was not notified of. */
  pollIntervalMs: number;
  /** DATABASE_STATEMENT_TIMEOUT_MS: statement_timeout; with a grace, also how long the client waits for any answer. */
  statementTimeoutMs: number;
  /** DATABASE_LOCK_TIMEOUT_MS: lock_timeout, how long a write waits for another write's lock. */
  lockTimeoutMs: number;
  /** DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: idle_in_transaction_session_timeout (a hung process's transaction is ended). */
  idleInTransactionTimeoutMs: number;
}

export class ConfigError extends Error {}

/**
 * Bounds of ConceptMap/$closure (CLOSURE_MAX_TABLES, CLOSURE_MAX_CONCEPTS, CLOSURE_MAX_CONCEPTS_PER_CALL,
 * CLOSURE_MAX_ENTRIES, CLOSURE_MAX_ENTRIES_PER_CALL).
 */
export interface ClosureLimits {
  /** Closure tables the server keeps; initialising another lets the one used least recently go. */
  tables: number;
  /** Concepts one table may hold (422 above). */
  conceptsPerTable: number;
  /** Concepts one call may add (413 above). */
  conceptsPerCall: number;
  /** Entries (subsumption pairs) one table may hold (422 above): a deep hierarchy's are quadratic in its concepts. */
  entriesPerTable: number;
  /** Entries one call may add (422 above). */
  entriesPerCall: number;
}

/** The bounds of the clients' terminology caches, `$cache-control` (CLIENT_CACHES, CLIENT_CACHE_MB, CLIENT_CACHE_IDLE_MINUTES). */
export interface ClientCacheLimits {
  /** Caches kept at once; starting another lets the least recently used one go. */
  caches: number;
  /** The memory the resources of all caches take together, as estimated before they are kept (operations/caches/cache-weight.ts); likewise. */
  bytes: number;
  /** A cache not used for this long goes. */
  idleMs: number;
}

export const DEFAULT_CLIENT_CACHE_LIMITS: ClientCacheLimits = { caches: 1000, bytes: 256 * 1024 * 1024, idleMs: 30 * 60 * 1000 };

/** How large a CSV file an import reads (MAX_IMPORT_ROWS, MAX_IMPORT_COLUMNS); a larger one is refused before any row is checked. */
export interface CsvLimits {
  /** Rows after the header. */
  rows: number;
  columns: number;
}

export const DEFAULT_CSV_LIMITS: CsvLimits = { rows: 10_000, columns: 100 };

/** The columns every CSV import needs (kode, titel, type, maal): MAX_IMPORT_COLUMNS cannot be lower. */
const REQUIRED_IMPORT_COLUMNS = 4;

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, not '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, not ${n}`);
  return n;
}

/** The memory this process may use: its control group's limit where one is set below the machine's memory, else the machine's. */
export function processMemoryBytes(): number {
  const total = os.totalmem();
  // Node 20 answers the largest 64-bit number, or undefined, where no limit is set
  const limit = process.constrainedMemory?.() ?? 0;
  return limit > 0 && limit < total ? limit : total;
}

/**
 * RESPONSE_CACHE_MB when it is not set: a sixteenth of the memory the process may use, from 128 MB (a machine or
 * container of 2 GB or less) to 512 MB (8 GB or more). 128 MB holds every answer the published catalogs' traffic
 * asks for; with 98 municipalities' catalogs their pick lists and reverse translations take ~500 MB, and a cache
 * too small for them computes most of those answers again (bench/README.md, "The versioned dataset").
 */
export function defaultResponseCacheMb(memoryBytes: number): number {
  return Math.min(512, Math.max(128, Math.floor(memoryBytes / 16 / (1024 * 1024))));
}

/**
 * CLIENT_CACHE_MB when it is not set: a sixteenth of the memory the process may use, from 32 MB (512 MB or less)
 * to 256 MB (4 GB or more). It bounds the memory the caches take once parsed and indexed, as estimated from their
 * resources (operations/caches/cache-weight.ts), which is 4 to 22 times their JSON.
 */
export function defaultClientCacheMb(memoryBytes: number): number {
  return Math.min(DEFAULT_CLIENT_CACHE_LIMITS.bytes / (1024 * 1024), Math.max(32, Math.floor(memoryBytes / 16 / (1024 * 1024))));
}

/**
 * BODIES_IN_FLIGHT_MB when it is not set: a sixteenth of the memory the process may use, from 64 MB (1 GB or less) to
 * 256 MB (4 GB or more), and room for at least four bodies of BODY_LIMIT_BYTES. 100 connections each sending all but
 * the last byte of a 10 MB body held 1.1 GB until their timeout before there was a budget.
 */
export function defaultBodiesInFlightMb(memoryBytes: number, bodyLimitBytes: number): number {
  const fraction = Math.min(256, Math.max(64, Math.floor(memoryBytes / 16 / (1024 * 1024))));
  return Math.max(fraction, Math.ceil((4 * bodyLimitBytes) / (1024 * 1024)));
}

/** BODIES_IN_FLIGHT_MB in bytes: room for one body of BODY_LIMIT_BYTES at least, or no body that large could be read. */
function bodiesInFlightBytes(env: NodeJS.ProcessEnv, memoryBytes: number, bodyLimitBytes: number): number {
  const bytes = int(env, 'BODIES_IN_FLIGHT_MB', defaultBodiesInFlightMb(memoryBytes, bodyLimitBytes), 1, 65_536) * 1024 * 1024;
  if (bytes < bodyLimitBytes) {
    throw new ConfigError(`BODIES_IN_FLIGHT_MB (${bytes / (1024 * 1024)}) must hold one body of BODY_LIMIT_BYTES (${bodyLimitBytes} bytes) at least`);
  }
  return bytes;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const choices = values.length > 2 ? `one of ${values.join(', ')}` : values.join(' or ');
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be ${choices}, not '${raw}'`);
  return raw as T;
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, not '${raw}'`);
}

function storeKind(env: NodeJS.ProcessEnv): Config['store'] {
  const raw = env.STORE || (env.DATABASE_URL ? 'postgres' : 'sqlite');
  if (raw !== 'sqlite' && raw !== 'memory' && raw !== 'postgres') throw new ConfigError(`STORE must be sqlite, memory or postgres, not '${raw}'`);
  if (raw === 'postgres' && !env.DATABASE_URL) throw new ConfigError('STORE=postgres needs DATABASE_URL (postgres://user:password@host:5432/database)');
  if (raw !== 'postgres' && env.DATABASE_URL) throw new ConfigError(`DATABASE_URL is set, but STORE=${raw}; unset one of them`);
  return raw;
}

function databaseConfig(env: NodeJS.ProcessEnv, requestTimeoutMs: number): DatabaseConfig {
  const url = env.DATABASE_URL!;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL must be a URL like postgres://user:password@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, not '${parsed.protocol}//'`);
  }
  if (!parsed.hostname && !parsed.searchParams.get('host')) throw new ConfigError('DATABASE_URL names no host');
  const schema = env.DATABASE_SCHEMA || 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new ConfigError(`DATABASE_SCHEMA must be lower-case letters, digits and _ (not starting with a digit, at most 63), not '${schema}'`);
  }
  // A write's outcome must be known before the request times out: the longest wait for the database is below it.
  const statementTimeoutMs = int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', Math.min(10_000, Math.floor(requestTimeoutMs / 3)), 10, 600_000);
  if (replyWaitMs(statementTimeoutMs) >= requestTimeoutMs) {
    throw new ConfigError(`DATABASE_STATEMENT_TIMEOUT_MS (${statementTimeoutMs}) and the ${replyWaitMs(statementTimeoutMs) - statementTimeoutMs} ms the server ` +
      `waits beyond it for an answer must stay below REQUEST_TIMEOUT_MS (${requestTimeoutMs}), so that a write is answered with its outcome`);
  }
  const lockTimeoutMs = int(env, 'DATABASE_LOCK_TIMEOUT_MS', Math.min(5_000, statementTimeoutMs), 10, 600_000);
  if (lockTimeoutMs > statementTimeoutMs) {
    throw new ConfigError(`DATABASE_LOCK_TIMEOUT_MS (${lockTimeoutMs}) must not be above DATABASE_STATEMENT_TIMEOUT_MS (${statementTimeoutMs})`);
  }
  return {
    url,
    schema,
    poolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    pollIntervalMs: int(env, 'SYNC_POLL_SECONDS', 5, 1, 3600) * 1000,
    statementTimeoutMs,
    lockTimeoutMs,
    idleInTransactionTimeoutMs: int(env, 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 10_000, 100, 3_600_000),
  };
}

/** The settings of the PostgreSQL store besides DATABASE_URL. */
const DATABASE_SETTINGS = ['DATABASE_SCHEMA', 'DATABASE_POOL_SIZE', 'DATABASE_STATEMENT_TIMEOUT_MS', 'DATABASE_LOCK_TIMEOUT_MS',
  'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 'SYNC_POLL_SECONDS'];

/** With another store the PostgreSQL settings would do nothing: one set is refused, as PACKAGES_WATCH_INTERVAL_MS without PACKAGES_WATCH is. */
function noDatabaseSettings(env: NodeJS.ProcessEnv, store: Config['store']): undefined {
  // an empty value is not set, as for every other variable (a compose file's `${VAR:-}`)
  const set = DATABASE_SETTINGS.filter((name) => env[name] !== undefined && env[name] !== '');
  if (set.length > 0) {
    throw new ConfigError(`${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set, but the store is ${store} (STORE): ` +
      `${set.length > 1 ? 'they are' : 'it is'} for the PostgreSQL store, DATABASE_URL`);
  }
  return undefined;
}

/**
 * PACKAGES: comma-separated paths of package archives (.tgz) or folders; a `*` in the file name part matches files
 * of that folder (`./packages/*.tgz`, in name order). Each must exist; a pattern must match something.
 */
function packagePaths(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const out: string[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const full = path.resolve(item);
    const base = path.basename(full);
    const dir = path.dirname(full);
    if (dir.includes('*')) throw new ConfigError(`PACKAGES: '${item}' may have * only in the file name`);
    if (base.includes('*')) {
      if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ConfigError(`PACKAGES: the folder ${dir} of '${item}' does not exist`);
      const pattern = new RegExp(`^${base.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      const matches = fs.readdirSync(dir).filter((f) => pattern.test(f)).sort().map((f) => path.join(dir, f));
      if (matches.length === 0) throw new ConfigError(`PACKAGES: '${item}' matches no file`);
      out.push(...matches);
    } else {
      if (!fs.existsSync(full)) throw new ConfigError(`PACKAGES: ${full} does not exist`);
      out.push(full);
    }
  }
  return out;
}

/** PACKAGES_WATCH: an existing folder the server may read. */
function packagesWatch(env: NodeJS.ProcessEnv): Config['packagesWatch'] {
  const raw = env.PACKAGES_WATCH?.trim();
  if (!raw) {
    if (env.PACKAGES_WATCH_INTERVAL_MS !== undefined && env.PACKAGES_WATCH_INTERVAL_MS !== '') throw new ConfigError('PACKAGES_WATCH_INTERVAL_MS is set, but PACKAGES_WATCH (the folder to watch) is not');
    return undefined;
  }
  return { dir: readableFolder('PACKAGES_WATCH', path.resolve(raw)), intervalMs: int(env, 'PACKAGES_WATCH_INTERVAL_MS', 2000, 100, 3_600_000) };
}

/**
 * CORS_ORIGINS: `*`, or origins as a browser sends them in `Origin` (scheme, host and port; no path, not even a
 * trailing `/`): one written otherwise would never match, and CORS would be off for it without a word.
 */
function corsOrigins(raw: string | undefined): string[] {
  const origins = (raw ?? '').split(',').map((o) => o.trim()).filter((o) => o.length > 0);
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    const web = parsed && ['http:', 'https:'].includes(parsed.protocol) ? parsed : undefined;
    if (web?.origin !== origin) {
      const suggestion = web ? ` (as a browser sends it: ${web.origin})` : '';
      throw new ConfigError(`CORS_ORIGINS: '${origin}' is not an origin like https://eoj.example.dk (scheme, host and port, no path)${suggestion}`);
    }
  }
  return origins;
}

/**
 * TRUST_PROXY in Express's `trust proxy` terms, checked by Express itself: a number of proxies (hops), or their
 * addresses and subnets, comma-separated (with the names loopback, linklocal, uniquelocal). `true` is refused: it
 * takes X-Forwarded-For from whoever sends it, so any client could give itself a new address, and a new rate limit,
 * with each request.
 */
function trustProxy(env: NodeJS.ProcessEnv): Config['trustProxy'] {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw || raw === 'false') return false;
  if (/^\d+$/.test(raw)) return int({ TRUST_PROXY: raw }, 'TRUST_PROXY', 0, 0, 100) || false;
  if (raw === 'true') {
    throw new ConfigError("TRUST_PROXY=true would take X-Forwarded-For from any client; give the number of proxies in front of the server (1) or their addresses");
  }
  try {
    express().set('trust proxy', raw);
  } catch (e) {
    throw new ConfigError(`TRUST_PROXY must be a number of proxies (1) or their addresses and subnets (10.0.0.5, 172.16.0.0/12, loopback), not '${raw}': ${(e as Error).message}`);
  }
  return raw;
}

/** The folder a setting names, when it is an existing folder the server may read. */
function readableFolder(name: string, dir: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ConfigError(`${name}: ${dir} is not an existing folder`);
  try {
    fs.accessSync(dir, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    throw new ConfigError(`${name}: the server may not read the folder ${dir}`);
  }
  return dir;
}

/**
 * PUBLIC_BASE_URL: an http(s) URL links are built from, so nothing a link appends to could follow it: no query, no
 * fragment, no user name or password (a password is not repeated in the message). Without its trailing slash.
 */
function baseUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const like = 'an http(s) URL like https://tx.example.dk/fhir';
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // said below
  }
  if (url?.username || url?.password || (!url && raw.includes('@'))) throw new ConfigError(`PUBLIC_BASE_URL must be ${like}, without a user name or password`);
  if (!url || !/^https?:\/\/[^\s]+$/i.test(raw)) throw new ConfigError(`PUBLIC_BASE_URL must be ${like}, not '${raw}'`);
  if (raw.includes('?') || raw.includes('#')) throw new ConfigError(`PUBLIC_BASE_URL must be ${like}, without a query (?) or fragment (#), not '${raw}'`);
  return raw.replace(/\/$/, '');
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads the configuration from environment variables and checks it; throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, memoryBytes = processMemoryBytes()): Config {
  const basePath = env.BASE_PATH ?? '/fhir';
  // segments of letters, digits, '.', '_' and '-', not '.' or '..' alone (a client's URL resolution drops those)
  if (!/^(\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._-]+)*$/.test(basePath)) throw new ConfigError(`BASE_PATH must look like /fhir, not '${basePath}'`);
  const logLevel = oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
  const publicBaseUrl = baseUrl(env.PUBLIC_BASE_URL);
  const store = storeKind(env);
  const requestTimeoutMs = int(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 600_000);
  const bodyLimitBytes = int(env, 'BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024);
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    basePath,
    publicBaseUrl,
    dataDir: path.resolve(env.DATA_DIR || './data'),
    terminologyDir: path.resolve(env.TERMINOLOGY_DIR || path.join(projectRoot(), 'terminology')),
    packages: packagePaths(env.PACKAGES),
    packagesWatch: packagesWatch(env),
    packageReferences: oneOf(env, 'PACKAGE_REFERENCES', ['refuse', 'warn'] as const, 'refuse'),
    // a folder that is not there would leave $validate without KL's profiles, saying only "0 profiles loaded"
    profilesDir: readableFolder('PROFILES_DIR', path.resolve(env.PROFILES_DIR || path.join(projectRoot(), 'profiles'))),
    loadExamples: bool(env, 'LOAD_EXAMPLES', true),
    logLevel,
    bodyLimitBytes,
    bodiesInFlightBytes: bodiesInFlightBytes(env, memoryBytes, bodyLimitBytes),
    // as the response cache's: a sixteenth of the memory, 128–512 MB; a batch's answer is at most 64 MB
    answersInFlightBytes: int(env, 'ANSWERS_IN_FLIGHT_MB', defaultResponseCacheMb(memoryBytes), 64, 65_536) * 1024 * 1024,
    heavyBodyBytes: int(env, 'LARGE_REQUEST_KB', 1024, 0, 1_048_576) * 1024,
    maxParameters: int(env, 'MAX_PARAMETERS', 20_000, 1, 10_000_000),
    maxTransactionEntries: int(env, 'MAX_TRANSACTION_ENTRIES', 1000, 1, 1_000_000),
    maxBatchEntries: int(env, 'MAX_BATCH_ENTRIES', 20_000, 1, 1_000_000),
    importLimits: {
      rows: int(env, 'MAX_IMPORT_ROWS', DEFAULT_CSV_LIMITS.rows, 1, 10_000_000),
      columns: int(env, 'MAX_IMPORT_COLUMNS', DEFAULT_CSV_LIMITS.columns, REQUIRED_IMPORT_COLUMNS, 100_000),
    },
    maxExpansionSize: int(env, 'MAX_EXPANSION_SIZE', 10000, 1, 10_000_000),
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 0, 0, 10_000_000),
    trustProxy: trustProxy(env),
    requestTimeoutMs,
    // below the request timeout by default, so an over-long operation is answered too-costly, not timeout
    operationTimeBudgetMs: int(env, 'OPERATION_TIME_BUDGET_MS', Math.min(10_000, Math.floor(requestTimeoutMs / 2)), 0, 600_000),
    definitionsTimeBudgetMs: int(env, 'DEFINITIONS_TIME_BUDGET_MS', 2_000, 0, 600_000),
    fastPath: bool(env, 'FAST_PATH', true),
    responseCacheEntries: int(env, 'RESPONSE_CACHE_ENTRIES', 50_000, 0, 1_000_000),
    responseCacheBytes: int(env, 'RESPONSE_CACHE_MB', defaultResponseCacheMb(memoryBytes), 0, 4096) * 1024 * 1024,
    heapGrowingPercent: int(env, 'HEAP_GROWING_PERCENT', 100, 0, 1000),
    store,
    database: store === 'postgres' ? databaseConfig(env, requestTimeoutMs) : noDatabaseSettings(env, store),
    closureLimits: {
      tables: int(env, 'CLOSURE_MAX_TABLES', 1000, 1, 1_000_000),
      conceptsPerTable: int(env, 'CLOSURE_MAX_CONCEPTS', 10_000, 1, 1_000_000),
      conceptsPerCall: int(env, 'CLOSURE_MAX_CONCEPTS_PER_CALL', 1000, 1, 100_000),
      entriesPerTable: int(env, 'CLOSURE_MAX_ENTRIES', 500_000, 1, 100_000_000),
      entriesPerCall: int(env, 'CLOSURE_MAX_ENTRIES_PER_CALL', 50_000, 1, 10_000_000),
    },
    clientCacheLimits: {
      caches: int(env, 'CLIENT_CACHES', DEFAULT_CLIENT_CACHE_LIMITS.caches, 1, 1_000_000),
      bytes: int(env, 'CLIENT_CACHE_MB', defaultClientCacheMb(memoryBytes), 1, 16_384) * 1024 * 1024,
      idleMs: int(env, 'CLIENT_CACHE_IDLE_MINUTES', DEFAULT_CLIENT_CACHE_LIMITS.idleMs / 60_000, 1, 7 * 24 * 60) * 60_000,
    },
    auth: parseAuthConfig(env, (message) => {
      throw new ConfigError(message);
    }),
  };
}

/**
 * Why the server could not listen on HOST and PORT (the 'error' of listen), naming the variable to change: found only
 * when listening, but a configuration error as those the check finds (exit 2).
 */
export function listenProblem(e: NodeJS.ErrnoException, host: string, port: number): string {
  switch (e.code) {
    case 'EADDRINUSE':
      return `PORT ${port} is in use on ${host}: another process listens there; choose another PORT, or stop that process`;
    case 'EACCES':
      return `PORT ${port} may not be used by this process on ${host} (a port below 1024 needs privileges); choose another PORT`;
    case 'EADDRNOTAVAIL':
      return `HOST ${host} is not an address of this machine; use one of its addresses, or 0.0.0.0 for all of them`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return `HOST '${host}' is not an address, nor a name this machine can resolve; use one of its addresses, or 0.0.0.0 for all of them`;
    default:
      return `Cannot listen on HOST ${host}, PORT ${port}: ${e.message}`;
  }
}

/** The configuration, or (for the server and the command-line tools) the problem on stderr and exit status 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Configuration error: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
}
