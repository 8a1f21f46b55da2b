/**
 * Closure tables of ConceptMap/$closure (src/operations/closure.ts): a client's named table of concepts, kept by the
 * server so that every call answers only what is new for that client. The stores keep them beside the resources
 * (memory, SQLite, PostgreSQL), so a table survives a restart and replicas share it.
 */
import type { CommitGate } from './commit-gate';

/** One concept of a closure table (the code system's current version decides subsumption). */
export interface ClosureConcept {
  system: string;
  code: string;
}

/** `source` is subsumed by `target` ($closure's ConceptMap: element = source, target.equivalence = subsumes). */
export interface ClosureEntry {
  source: ClosureConcept;
  target: ClosureConcept;
}

/** An entry with the table version that added it. */
export interface StoredClosureEntry extends ClosureEntry {
  version: number;
}

export interface ClosureTableState {
  name: string;
  /** 0 when initialised; each call that adds concepts adds one. */
  version: number;
  concepts: ClosureConcept[];
  /** How many entries the table holds. */
  entries: number;
}

/**
 * What (re)initialising did: a new table, a new table in place of the least recently used one (the table limit was
 * reached), or an existing one emptied.
 */
export type ClosureInitResult = 'created' | 'replaced' | 'reset';

export interface ClosureTableStore {
  /**
   * Creates the table at version 0, or empties an existing one back to version 0 (concepts and entries dropped).
   * When `maxTables` tables exist already, a new one takes the place of the one used least recently ('replaced'), so
   * that tables created and left (or a client making thousands) never keep a new client out for good; the client of
   * the one dropped is told it is not initialised, and initialises it again. With a gate, as a write's (`apply`): it
   * commits only if `gate.enterCommit()` allows it right before the commit; abandoned before, nothing changes (503).
   */
  initClosureTable(name: string, maxTables: number, gate?: CommitGate): Promise<ClosureInitResult>;
  /** The table's version and concepts, or undefined when it was never initialised; a read is a use of the table. */
  readClosureTable(name: string): Promise<ClosureTableState | undefined>;
  /**
   * Adds the concepts and entries as version `expectedVersion + 1`, all or nothing, if the table is still at
   * `expectedVersion`; returns the new version, or undefined when another call changed the table first (or it is
   * gone): the caller reads it again and recomputes. With a gate, as initClosureTable.
   */
  appendClosureTable(name: string, expectedVersion: number, concepts: ClosureConcept[], entries: ClosureEntry[], gate?: CommitGate): Promise<number | undefined>;
  /** The entries added after `version` (all of them for 0), oldest version first. */
  closureEntriesSince(name: string, version: number): Promise<StoredClosureEntry[]>;
}

export function conceptKey(c: ClosureConcept): string {
  return `${c.system}\u0000${c.code}`;
}

/** A row of the SQL stores' closure_entry table, as both read it. */
export interface ClosureEntryRow {
  version: number;
  source_system: string;
  source_code: string;
  target_system: string;
  target_code: string;
}

export function storedClosureEntry(r: ClosureEntryRow): StoredClosureEntry {
  return { version: r.version, source: { system: r.source_system, code: r.source_code }, target: { system: r.target_system, code: r.target_code } };
}
