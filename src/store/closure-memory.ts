import type { ClosureConcept, ClosureEntry, ClosureInitResult, ClosureTableState, ClosureTableStore, StoredClosureEntry } from './closure-store';
import { abandonedWrite, type CommitGate } from './commit-gate';

interface Table {
  version: number;
  concepts: ClosureConcept[];
  entries: StoredClosureEntry[];
}

/** Closure tables in memory (MemoryStore); the Map's order is the order of use, least recent first. */
export class MemoryClosureTables implements ClosureTableStore {
  private readonly tables = new Map<string, Table>();

  async initClosureTable(name: string, maxTables: number, gate?: CommitGate): Promise<ClosureInitResult> {
    if (gate && !gate.enterCommit()) throw abandonedWrite();
    const existed = this.tables.delete(name);
    let replaced = false;
    while (!existed && this.tables.size >= maxTables) {
      this.tables.delete(this.tables.keys().next().value!);
      replaced = true;
    }
    this.tables.set(name, { version: 0, concepts: [], entries: [] });
    return existed ? 'reset' : replaced ? 'replaced' : 'created';
  }

  async readClosureTable(name: string): Promise<ClosureTableState | undefined> {
    const t = this.tables.get(name);
    if (!t) return undefined;
    this.used(name, t);
    return { name, version: t.version, concepts: t.concepts.map((c) => ({ ...c })), entries: t.entries.length };
  }

  private used(name: string, t: Table): void {
    this.tables.delete(name);
    this.tables.set(name, t);
  }

  async appendClosureTable(name: string, expectedVersion: number, concepts: ClosureConcept[], entries: ClosureEntry[], gate?: CommitGate): Promise<number | undefined> {
    const t = this.tables.get(name);
    if (!t || t.version !== expectedVersion) return undefined;
    if (gate && !gate.enterCommit()) throw abandonedWrite();
    const version = expectedVersion + 1;
    this.used(name, t);
    t.version = version;
    for (const c of concepts) t.concepts.push({ system: c.system, code: c.code });
    for (const e of entries) t.entries.push({ source: { ...e.source }, target: { ...e.target }, version });
    return version;
  }

  async closureEntriesSince(name: string, version: number): Promise<StoredClosureEntry[]> {
    return (this.tables.get(name)?.entries ?? []).filter((e) => e.version > version).map((e) => ({ ...e }));
  }
}
