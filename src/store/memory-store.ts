import type { CodeSystem, ConceptMap, ValueSet } from 'fhir/r4';
import { ResourceSet, type TerminologyResource, type TerminologyType } from '../terminology/resource-set';
import type { TerminologyStore } from './store';

/** A store that keeps resources in memory only (tests, and servers that take no writes). */
export class MemoryStore implements TerminologyStore {
  private readonly set: ResourceSet;
  private readonly resources: TerminologyResource[];

  constructor(resources: TerminologyResource[] = []) {
    this.resources = [...resources];
    this.set = new ResourceSet(resources);
  }

  async loadAll(): Promise<TerminologyResource[]> {
    return [...this.resources];
  }
  async findCodeSystem(url: string, version?: string): Promise<CodeSystem | undefined> {
    return this.set.find('CodeSystem', url, version);
  }
  async findValueSet(url: string, version?: string): Promise<ValueSet | undefined> {
    return this.set.find('ValueSet', url, version);
  }
  async findConceptMap(url: string, version?: string): Promise<ConceptMap | undefined> {
    return this.set.find('ConceptMap', url, version);
  }
  async read(type: TerminologyType, id: string): Promise<TerminologyResource | undefined> {
    return this.set.byResourceId(type, id);
  }
  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}
