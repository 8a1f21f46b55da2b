import { randomUUID } from 'node:crypto';
import { FhirError } from '../errors/fhir-error';
import type { TerminologyResource } from '../terminology/resource-set';

/** The bounds of the caches `$cache-control` keeps (README, "Security"). */
export interface ClientCacheLimits {
  /** Caches kept at once; starting another lets the least recently used one go. */
  caches: number;
  /** The resources' JSON of all caches together; likewise. */
  bytes: number;
  /** A cache not used for this long goes. */
  idleMs: number;
}

export const DEFAULT_CLIENT_CACHE_LIMITS: ClientCacheLimits = { caches: 1000, bytes: 64 * 1024 * 1024, idleMs: 30 * 60 * 1000 };

interface ClientCache {
  readonly resources: readonly TerminologyResource[];
  readonly bytes: number;
  lastUsed: number;
}

/**
 * The terminology caches of clients (HL7's `$cache-control`, the FHIR tooling IG): resources a client sends once, at
 * start, and then names by url on its requests with `X-Cache-Id`, instead of sending them as `tx-resource` each time.
 * A cache is sealed: it holds what it was started with. Held in this process's memory, within bounds (a cache pushed
 * out or idle too long is unknown afterwards, which the protocol tells the client with `cache-id-unknown`, so that it
 * starts another), never stored.
 */
export class ClientCaches {
  /** In order of use, the least recently used first. */
  private readonly caches = new Map<string, ClientCache>();
  private bytes = 0;

  constructor(private readonly limits: ClientCacheLimits = DEFAULT_CLIENT_CACHE_LIMITS, private readonly now: () => number = Date.now) {}

  /** A new cache of these resources (their JSON `bytes` long); its id. */
  start(resources: readonly TerminologyResource[], bytes: number): string {
    if (bytes > this.limits.bytes) {
      throw FhirError.tooCostly(`The resources of a cache may take ${this.limits.bytes} bytes; these take ${bytes}. Send them with each request as tx-resource instead`, {
        da: `En caches ressourcer må fylde ${this.limits.bytes} bytes; disse fylder ${bytes}. Send dem med hver forespørgsel som tx-resource i stedet`,
      });
    }
    this.dropIdle();
    while (this.caches.size >= this.limits.caches || (this.caches.size > 0 && this.bytes + bytes > this.limits.bytes)) this.drop(this.caches.keys().next().value!);
    const id = randomUUID();
    this.caches.set(id, { resources, bytes, lastUsed: this.now() });
    this.bytes += bytes;
    return id;
  }

  /** The resources of the cache `id`, which counts as used now; 404 `cache-id-unknown` when there is none. */
  resources(id: string): readonly TerminologyResource[] {
    this.dropIdle();
    const cache = this.caches.get(id);
    if (!cache) throw unknownCache(id);
    this.caches.delete(id);
    this.caches.set(id, cache);
    cache.lastUsed = this.now();
    return cache.resources;
  }

  /** Whether the cache `id` is held (without using it). */
  has(id: string): boolean {
    this.dropIdle();
    return this.caches.has(id);
  }

  /** Lets the cache `id` go; whether there was one. */
  end(id: string): boolean {
    const had = this.caches.has(id);
    if (had) this.drop(id);
    return had;
  }

  /** How many caches are held, and their resources' bytes. */
  get size(): { caches: number; bytes: number } {
    return { caches: this.caches.size, bytes: this.bytes };
  }

  private drop(id: string): void {
    this.bytes -= this.caches.get(id)!.bytes;
    this.caches.delete(id);
  }

  private dropIdle(): void {
    const before = this.now() - this.limits.idleMs;
    for (const [id, cache] of this.caches) {
      if (cache.lastUsed >= before) break;
      this.drop(id);
    }
  }
}

/** 404 with the tx-issue-type `cache-id-unknown`: the client's cache is gone (ended, idle, pushed out) or never was. */
export function unknownCache(id: string): FhirError {
  const shown = id.length > 64 ? `${id.slice(0, 64)}…` : id;
  return new FhirError(404, 'not-found', `The terminology cache '${shown}' (X-Cache-Id) is not known here: it has ended, was idle too long or was never started; start another with $cache-control`, {
    txIssueType: 'cache-id-unknown',
    da: `Terminologicachen '${shown}' (X-Cache-Id) kendes ikke her: den er afsluttet, har været ubrugt for længe eller blev aldrig startet; start en ny med $cache-control`,
  });
}
