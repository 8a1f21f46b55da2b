import { randomUUID } from 'node:crypto';
import { DEFAULT_CLIENT_CACHE_LIMITS, type ClientCacheLimits } from '../../config';
import { FhirError } from '../../errors/fhir-error';
import { cacheWeight } from './cache-weight';
import { RequestResourceSet, type TerminologyResource } from '../../terminology/resource-set';

interface ClientCache {
  readonly resources: TerminologyResource[];
  bytes: number;
  lastUsed: number;
  /** An unsealed cache grows by the resources requests naming it supply, each url|version once. */
  readonly sealed: boolean;
  readonly held: Set<string>;
  /** Its resources as a layer over the catalogs, made when first asked for (again after the cache grew). */
  layer?: RequestResourceSet;
}

/** What the caches have done since the server started, for /metrics. */
export interface ClientCacheCounts {
  /** Caches held now (those idle too long are let go first), and the memory their resources take (cacheWeight). */
  caches: number;
  bytes: number;
  started: number;
  /** Let go by `mode=end`. */
  ended: number;
  /** Let go to make room under the bounds for another cache (or for one that grew). */
  pushedOut: number;
  /** Let go after the idle time. */
  expired: number;
}

function keyOf(r: TerminologyResource): string {
  return `${r.resourceType}|${r.url ?? ''}|${r.version ?? ''}`;
}

/**
 * The terminology caches of clients (HL7's `$cache-control`, the FHIR tooling IG): resources a client sends once and
 * then names by url on its requests with `X-Cache-Id`, instead of sending them as `tx-resource` each time. A sealed
 * cache (the default) holds what it was started with; an unsealed one also takes, the first time, each resource a
 * request naming it supplies. Held in this process's memory, within bounds (a cache pushed out or idle too long is
 * unknown afterwards, which the protocol tells the client with `cache-id-unknown`, so that it starts another), never
 * stored.
 */
export class ClientCaches {
  /** In order of use, the least recently used first. */
  private readonly caches = new Map<string, ClientCache>();
  private bytes = 0;
  private readonly tally = { started: 0, ended: 0, pushedOut: 0, expired: 0 };

  constructor(private readonly limits: ClientCacheLimits = DEFAULT_CLIENT_CACHE_LIMITS, private readonly now: () => number = Date.now) {}

  /** A new cache of these resources (taking `bytes` of memory, cacheWeight), sealed unless said otherwise; its id. */
  start(resources: readonly TerminologyResource[], bytes: number, sealed = true): string {
    this.checkRoom(bytes);
    this.dropIdle();
    while (this.caches.size >= this.limits.caches) this.drop(this.caches.keys().next().value!, 'pushedOut');
    this.makeRoom(bytes);
    const id = randomUUID();
    this.tally.started++;
    this.caches.set(id, { resources: [...resources], bytes, lastUsed: this.now(), sealed, held: new Set(resources.map(keyOf)) });
    this.bytes += bytes;
    return id;
  }

  /**
   * Adds to the unsealed cache `id` the resources (each of a shape the registry takes) it does not hold yet by type,
   * url and version (a client sends the same resource under the same url and version: the first copy is kept);
   * nothing for a sealed cache, or one not held (the operation answers that). 422 when the cache would outgrow the
   * bound of all caches.
   */
  grow(id: string, resources: readonly TerminologyResource[]): void {
    const cache = this.caches.get(id);
    if (!cache || cache.sealed) return;
    const added = new Map<string, TerminologyResource>();
    for (const r of resources) {
      const key = keyOf(r);
      if (!r.url || cache.held.has(key) || added.has(key)) continue;
      added.set(key, r);
    }
    if (added.size === 0) return;
    const bytes = cacheWeight([...added.values()]);
    this.checkRoom(cache.bytes + bytes);
    // the other caches make room first; this one is the most recently used
    this.caches.delete(id);
    this.makeRoom(bytes);
    this.caches.set(id, cache);
    for (const [key, r] of added) {
      cache.resources.push(r);
      cache.held.add(key);
    }
    cache.bytes += bytes;
    cache.lastUsed = this.now();
    cache.layer = undefined;
    this.bytes += bytes;
  }

  /**
   * The resources of the cache `id` as one layer over the catalogs, made once for the requests that bring no
   * resources of their own (`resources` the list they bring, which must be exactly the cache's); undefined otherwise.
   */
  layerFor(id: string, resources: readonly TerminologyResource[]): RequestResourceSet | undefined {
    const cache = this.caches.get(id);
    if (!cache || resources.length !== cache.resources.length || !resources.every((r, i) => r === cache.resources[i])) return undefined;
    return (cache.layer ??= new RequestResourceSet(cache.resources));
  }

  /** Whether the cache `id` is held and sealed (undefined when it is not held). */
  sealed(id: string): boolean | undefined {
    return this.caches.get(id)?.sealed;
  }

  private checkRoom(bytes: number): void {
    if (bytes <= this.limits.bytes) return;
    throw FhirError.tooCostly(`The resources of a cache may take ${this.limits.bytes} bytes of memory; these would take about ${bytes} once read and indexed. End the cache and send the resources with each request as tx-resource instead`, {
      da: `En caches ressourcer må fylde ${this.limits.bytes} bytes i hukommelsen; disse ville fylde omkring ${bytes}, når de er læst og indekseret. Afslut cachen og send ressourcerne med hver forespørgsel som tx-resource i stedet`,
    });
  }

  /** Lets the least recently used caches go until `bytes` more fit. */
  private makeRoom(bytes: number): void {
    while (this.caches.size > 0 && this.bytes + bytes > this.limits.bytes) this.drop(this.caches.keys().next().value!, 'pushedOut');
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
    if (had) this.drop(id, 'ended');
    return had;
  }

  /** How many caches are held, the memory their resources take, and how many were started and let go, and why. */
  counts(): ClientCacheCounts {
    this.dropIdle();
    return { caches: this.caches.size, bytes: this.bytes, ...this.tally };
  }

  private drop(id: string, why: 'ended' | 'pushedOut' | 'expired'): void {
    this.bytes -= this.caches.get(id)!.bytes;
    this.caches.delete(id);
    this.tally[why]++;
  }

  private dropIdle(): void {
    const before = this.now() - this.limits.idleMs;
    for (const [id, cache] of this.caches) {
      if (cache.lastUsed >= before) break;
      this.drop(id, 'expired');
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
