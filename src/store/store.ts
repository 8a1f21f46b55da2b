import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';

/**
 * Where the resources users write (municipalities' local catalogs and maps) live. The published catalogs are not
 * in the store: they are loaded read-only from the terminology folder at start.
 */
export interface TerminologyStore {
  /** Every current resource, to build the in-memory indexes at start. */
  loadAll(): Promise<TerminologyResource[]>;
  findCodeSystem(url: string, version?: string): Promise<CodeSystem | undefined>;
  findValueSet(url: string, version?: string): Promise<ValueSet | undefined>;
  findConceptMap(url: string, version?: string): Promise<ConceptMap | undefined>;
  read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined>;
  /** Resolves when the store answers; rejects when it is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
