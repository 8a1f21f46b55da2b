import type { TerminologyRegistry } from '../terminology/registry';

/**
 * Serialized answers of deterministic operation calls (same request, same catalogs → same bytes), kept until the
 * catalogs change: every write bumps `registry.generation`, and the first lookup after that empties the cache.
 * Least recently used entries go first once `maxEntries` is reached; bodies larger than `maxBodyBytes` are not kept.
 */
export class ResponseCache {
  private readonly entries = new Map<string, Buffer>();
  private generation: number;
  hits = 0;
  misses = 0;

  constructor(
    private readonly registry: TerminologyRegistry,
    readonly maxEntries: number,
    private readonly maxBodyBytes = 256 * 1024,
  ) {
    this.generation = registry.generation;
  }

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  private current(): void {
    if (this.registry.generation !== this.generation) {
      this.entries.clear();
      this.generation = this.registry.generation;
    }
  }

  get(key: string): Buffer | undefined {
    this.current();
    const hit = this.entries.get(key);
    if (hit === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // most recently used last
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** Keeps an answer computed at `generation` (the generation when the request started), unless writes came since. */
  set(key: string, body: Buffer, generation: number): void {
    if (!this.enabled || body.length > this.maxBodyBytes) return;
    this.current();
    if (generation !== this.generation) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, body);
  }

  clear(): void {
    this.entries.clear();
  }
}
