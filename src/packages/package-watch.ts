import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Principal } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import { PackageError } from './package-error';
import { readPackageFile, type RawPackage } from './package-reader';
import type { PackageService } from './package-service';
import type { PublishedLayer } from './published-layer';
import { StoreConflictError } from '../store/store';

/** The watched folder, as the audit log names who loaded a package from it. */
export const WATCH_PRINCIPAL: Principal = { subject: 'faelles-tx:PACKAGES_WATCH', scopes: ['admin'], admin: true };

/** What one scan did, by file name. */
export interface ScanResult {
  loaded: string[];
  /** Loaded already (by this server, another replica, or an earlier start). */
  known: string[];
  refused: string[];
  /** Taken out of service by `$unload-package` after the file was last written: left alone until it is written again. */
  unloaded: string[];
  /** Seen for the first time or still changing: taken at a later scan, once unchanged. */
  waiting: string[];
}

interface Seen {
  /** size and mtime: a file still being copied changes between scans. */
  stamp: string;
  mtimeMs: number;
  /**
   * Set once tried: the stamp then. The file is not tried again while it keeps that stamp, unless it was refused only
   * for what another package may bring (a dependency, a code system it uses): then also when the packages served
   * change from `servedThen`.
   */
  tried?: { stamp: string; servedThen?: string };
}

/** What a try did to a file: `later`, another replica loaded its name#version meanwhile (compared with it at the next scan). */
type Outcome = 'loaded' | 'known' | 'refused' | 'unloaded' | 'failed' | 'later';

/** A try of one file: what it did, and why it was refused (Danish). */
interface Try {
  outcome: Outcome;
  reasons?: string[];
  waitsForPackages?: boolean;
}

/**
 * PACKAGES_WATCH: a folder an administrator drops package archives (.tgz) into. Each scan takes every `.tgz` that has
 * not changed since the previous scan (so a file still being copied is not read half) and loads it as `$load-package`
 * would: checked whole, kept in the store, followed by every replica, recorded in the audit log. One loaded already
 * (e.g. by another replica watching the same folder, or before a restart: the same package, not another under its
 * name#version) is passed over quietly; one refused is logged with every reason and left alone, and tried again only when the file changes, or, when every reason was
 * something not served yet (a dependency, a code system it uses), when another package is loaded. One an administrator unloaded after the file was written stays unloaded,
 * after restarts and on every replica, until the file is written again (a new copy). Files are never moved or deleted.
 */
export class PackageFolderWatch {
  private readonly seen = new Map<string, Seen>();
  private timer?: NodeJS.Timeout;
  private scanning?: Promise<ScanResult>;

  constructor(private readonly deps: { dir: string; service: PackageService; layer: PublishedLayer; logger: Logger }) {}

  /** Scans every `intervalMs` until stopped (the timer does not keep the process alive). */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.scan().catch((e: unknown) => this.deps.logger.error({ err: e }, 'PACKAGES_WATCH: scanning the folder failed')), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One scan (a scan under way is waited for, not run twice at once). */
  scan(): Promise<ScanResult> {
    this.scanning ??= this.scanNow().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private served(): string {
    return this.deps.layer.packages().map((p) => `${p.name}#${p.version}@${p.loadedAt ?? ''}`).join(' ');
  }

  private async scanNow(): Promise<ScanResult> {
    const { dir, logger } = this.deps;
    const result: ScanResult = { loaded: [], known: [], refused: [], unloaded: [], waiting: [] };
    const names = fs.readdirSync(dir).filter((f) => /\.tgz$/i.test(f) && !f.startsWith('.')).sort();
    for (const gone of [...this.seen.keys()].filter((f) => !names.includes(f))) this.seen.delete(gone);
    const ready: string[] = [];
    for (const name of names) {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(path.join(dir, name));
      } catch {
        continue; // removed meanwhile
      }
      if (!stat.isFile()) continue;
      const stamp = `${stat.size} ${stat.mtimeMs}`;
      const before = this.seen.get(name);
      if (!before || before.stamp !== stamp) {
        this.seen.set(name, { stamp, mtimeMs: stat.mtimeMs });
        result.waiting.push(name);
        continue;
      }
      ready.push(name);
    }
    // A package waiting for a dependency in the same folder loads once the dependency has: repeat while something loads.
    // A file is reported as its last try left it (in the order of those tries), with every reason it was refused for
    // in this scan, each once (each try is an event in the audit log).
    const last = new Map<string, Outcome>();
    const reasons = new Map<string, string[]>();
    let progress = true;
    while (progress) {
      progress = false;
      for (const name of ready) {
        const entry = this.seen.get(name)!;
        if (entry.tried?.stamp === entry.stamp && (entry.tried.servedThen === undefined || entry.tried.servedThen === this.served())) continue;
        const { outcome, reasons: why = [], waitsForPackages } = await this.load(name, entry.mtimeMs);
        // a failure of the server (the store unreachable …) is tried again at the next scan
        entry.tried = outcome === 'failed' || outcome === 'later' ? undefined : { stamp: entry.stamp, ...(waitsForPackages ? { servedThen: this.served() } : {}) };
        last.delete(name);
        last.set(name, outcome);
        if (outcome === 'loaded') progress = true;
        const said = reasons.get(name) ?? [];
        reasons.set(name, [...said, ...why.filter((r) => !said.includes(r))]);
      }
    }
    for (const [name, outcome] of last) result[outcome === 'failed' ? 'refused' : outcome === 'later' ? 'waiting' : outcome].push(name);
    for (const name of result.refused) {
      const why = reasons.get(name) ?? [];
      logger.error({ file: path.join(dir, name), reasons: why }, `PACKAGES_WATCH: ${name} is refused and left alone: ${why.slice(0, 5).join('; ')}`);
    }
    return result;
  }

  /** Reads the file once, and loads it unless an administrator unloaded its package after the file was written. */
  private async load(name: string, mtimeMs: number): Promise<Try> {
    const { dir, service, logger } = this.deps;
    const file = path.join(dir, name);
    let raw: RawPackage;
    try {
      raw = await readPackageFile(file);
    } catch (e) {
      await service.recordRefusal('load-package', { principal: WATCH_PRINCIPAL }, name, e);
      return { outcome: 'refused', reasons: e instanceof PackageError ? e.problems : [`kan ikke læses: ${(e as Error).message}`] };
    }
    try {
      const unloaded = await this.unloadedSinceWritten(raw.manifest, mtimeMs);
      if (unloaded) {
        logger.info({ file, package: unloaded.id }, `PACKAGES_WATCH: ${name} is ${unloaded.id}, which was unloaded at ${unloaded.at}, after the file was ` +
          'written; it is left alone until the file is written again');
        return { outcome: 'unloaded' };
      }
      const { stored: pkg, warnings } = await service.loadPackage(raw, { principal: WATCH_PRINCIPAL });
      logger.info({ file, package: `${pkg.name}#${pkg.version}`, resources: pkg.resources.length }, `PACKAGES_WATCH: ${name} loaded as ${pkg.name}#${pkg.version}`);
      for (const w of warnings) logger.warn({ file, package: `${pkg.name}#${pkg.version}` }, `PACKAGES_WATCH: ${w.da}`);
      return { outcome: 'loaded' };
    } catch (e) {
      // this very package, loaded before (by another replica, before a restart, or with $load-package); another under its name#version is refused
      if (e instanceof PackageError && e.loadedAlready) {
        logger.info({ file }, `PACKAGES_WATCH: ${name} is loaded already`);
        return { outcome: 'known' };
      }
      if (e instanceof StoreConflictError) {
        logger.info({ file }, `PACKAGES_WATCH: ${name}: its package was loaded meanwhile by another replica; it is compared with that at the next scan`);
        return { outcome: 'later' };
      }
      if (!(e instanceof FhirError) || e.status >= 500) {
        return { outcome: 'failed', reasons: [`the server could not load it now (${(e as Error).message}); tried again at the next scan`] };
      }
      return { outcome: 'refused', reasons: e instanceof PackageError ? e.problems : [e.message], waitsForPackages: e instanceof PackageError && e.waitsForPackages };
    }
  }

  /** The package's name#version and when it was unloaded, when that was after the file was written. */
  private async unloadedSinceWritten(read: unknown, mtimeMs: number): Promise<{ id: string; at: string } | undefined> {
    const manifest = read as { name?: unknown; version?: unknown } | null;
    if (typeof manifest?.name !== 'string' || typeof manifest.version !== 'string') return undefined; // refused by the load, with its reasons
    const at = await this.deps.service.unloadedAt(manifest.name, manifest.version);
    return at !== undefined && Date.parse(at) > mtimeMs ? { id: `${manifest.name}#${manifest.version}`, at } : undefined;
  }
}
