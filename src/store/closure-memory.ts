import type { ClosureConcept, ClosureEntry, ClosureInitResult, ClosureTableState, ClosureTableStore, StoredClosureEntry } from './closure-store';

interface Table {
  version: number;
  concepts: ClosureConcept[];
  entries: StoredClosureEntry[];
}

/** Closure tables in memory (MemoryStore). */
export class MemoryClosureTables implements ClosureTableStore {
  private readonly tables = new Map<string, Table>();

  async initClosureTable(name: string, maxTables: number): Promise<ClosureInitResult> {
    const existed = this.tables.has(name);
    if (!existed && this.tables.size >= maxTables) return 'limit-reached';
    this.tables.set(name, { version: 0, concepts: [], entries: [] });
    return existed ? 'reset' : 'created';
  }

  async readClosureTable(name: string): Promise<ClosureTableState | undefined> {
    const t = this.tables.get(name);
    return t ? { name, version: t.version, concepts: t.concepts.map((c) => ({ ...c })), entries: t.entries.length } : undefined;
  }

  async appendClosureTable(name: string, expectedVersion: number, concepts: ClosureConcept[], entries: ClosureEntry[]): Promise<number | undefined> {
    const t = this.tables.get(name);
    if (!t || t.version !== expectedVersion) return undefined;
    const version = expectedVersion + 1;
    t.version = version;
    for (const c of concepts) t.concepts.push({ system: c.system, code: c.code });
    for (const e of entries) t.entries.push({ source: { ...e.source }, target: { ...e.target }, version });
    return version;
  }

  async closureEntriesSince(name: string, version: number): Promise<StoredClosureEntry[]> {
    return (this.tables.get(name)?.entries ?? []).filter((e) => e.version > version).map((e) => ({ ...e }));
  }
}
