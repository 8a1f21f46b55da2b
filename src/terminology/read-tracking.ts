import type { TerminologyResource } from './resource-set';

/**
 * How canonicals fall into scopes that change independently: each municipality's own resources are one scope, the
 * common catalogs another. A cached result that read only some scopes stays current when a write changes another.
 */
export interface ChangeScopes {
  /** The scope a canonical URL resolves in. */
  ofUrl(url: string): string;
  /**
   * Every scope a change of this resource (its old or its new version) can affect: at least `ofUrl(resource.url)`,
   * and every scope a list read `within` a scope should find it in (TerminologyRegistry.list).
   */
  ofResource(resource: TerminologyResource): readonly string[];
  /** Whether this is one of the scopes (a read `within` another counts as a read of everything). */
  has(scope: string): boolean;
}

/** Everything in one scope: any change makes every cached result computed before it stale. */
export const ONE_SCOPE: ChangeScopes = { ofUrl: () => '', ofResource: () => [''], has: (scope) => scope === '' };

/** A result and what computing it read (registry.tracked), to keep while it is current (registry.current). */
export interface Tracked<T> {
  value: T;
  reads: Reads;
}

/** What a computation read from the registry, and the generation it was last found current at. */
export interface Reads {
  generation: number;
  /** The scopes read; undefined when it read everything (a list of all resources). */
  scopes: ReadonlySet<string> | undefined;
}

const MAX_INTERNED = 10_000;

interface Frame {
  scopes: Set<string>;
  everything: boolean;
}

/**
 * Records which scopes a computation reads (the registry reports each read) and when each scope last changed, so that
 * a result cached with its reads is current until one of the scopes it read changes, instead of until any change.
 * Computations nest (an evaluation that includes another value set): what the inner one read, also when it comes
 * from a cache, counts for the outer one.
 */
export class ReadTracker {
  /** Per scope, the generation it last changed at (one entry per id ever written too, as the versions kept are). */
  private readonly changedAt = new Map<string, number>();
  private everythingChangedAt = 0;
  private readonly frames: Frame[] = [];
  /** One set per distinct list of scopes: thousands of kept results read the same few (a cached answer keeps its set). */
  private readonly interned = new Map<string, ReadonlySet<string>>();

  get recording(): boolean {
    return this.frames.length > 0;
  }

  read(scope: string): void {
    const top = this.frames[this.frames.length - 1];
    if (top && !top.everything) top.scopes.add(scope);
  }

  readEverything(): void {
    const top = this.frames[this.frames.length - 1];
    if (top) top.everything = true;
  }

  /** `compute()`'s result and what it read, as of `generation`. */
  track<T>(generation: number, compute: () => T): Tracked<T> {
    const frame: Frame = { scopes: new Set(), everything: false };
    this.frames.push(frame);
    let value: T;
    try {
      value = compute();
    } finally {
      this.frames.pop();
      this.replay(frame.everything ? undefined : frame.scopes);
    }
    return { value, reads: { generation, scopes: frame.everything ? undefined : this.intern(frame.scopes) } };
  }

  private intern(scopes: Set<string>): ReadonlySet<string> {
    const key = [...scopes].sort().join('\n');
    let kept = this.interned.get(key);
    if (!kept) {
      // a few municipalities, the common catalogs, the kinds, and the id an instance-level call read: few lists but
      // one per such id; bounded all the same
      if (this.interned.size >= MAX_INTERNED) this.interned.clear();
      this.interned.set(key, kept = scopes);
    }
    return kept;
  }

  /** Runs `compute` with its reads not counted for the computation around it (the caller reports what it depends on). */
  untracked<T>(compute: () => T): T {
    if (this.frames.length === 0) return compute();
    const saved = this.frames.splice(0);
    try {
      return compute();
    } finally {
      this.frames.push(...saved);
    }
  }

  /**
   * Whether a result with these reads is still current at `generation` (no scope it read changed since); if so, its
   * reads count for the computation around (as if it had been computed again) and it is marked current at `generation`.
   */
  current(reads: Reads, generation: number): boolean {
    if (reads.generation !== generation) {
      if (reads.scopes === undefined || this.everythingChangedAt > reads.generation) return false;
      for (const scope of reads.scopes) if ((this.changedAt.get(scope) ?? 0) > reads.generation) return false;
      reads.generation = generation;
    }
    this.replay(reads.scopes);
    return true;
  }

  /** These scopes changed at `generation`; undefined: everything did. */
  changed(generation: number, scopes: Iterable<string> | undefined): void {
    if (scopes === undefined) {
      this.everythingChangedAt = generation;
      return;
    }
    for (const scope of scopes) this.changedAt.set(scope, generation);
  }

  private replay(scopes: ReadonlySet<string> | undefined): void {
    const top = this.frames[this.frames.length - 1];
    if (!top || top.everything) return;
    if (scopes === undefined) top.everything = true;
    else for (const s of scopes) top.scopes.add(s);
  }
}
