import type { Resource } from 'fhir/r4';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import type { TerminologyRegistry } from '../terminology/registry';
import type { TerminologyResource } from '../terminology/resource-set';

export interface Limits {
  /** Largest expansion the server computes in one request before answering too-costly. */
  maxExpansionSize: number;
  /** Milliseconds an operation may compute before it is stopped with too-costly (src/terminology/time-budget.ts). */
  timeBudgetMs?: number;
}

/** What an operation handler may know about the request: nothing of HTTP. */
export interface OperationContext {
  registry: TerminologyRegistry;
  /** Preferred languages from Accept-Language. */
  acceptLanguages: string[];
  limits: Limits;
  /** The base URL of the FHIR endpoint, for fullUrls and references. */
  baseUrl: string;
}

export type ResourceLevel = 'type' | 'instance';

export interface OperationHandler {
  spec: OperationSpec;
  resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap';
  levels: ResourceLevel[];
  /** Canonical of the OperationDefinition, when it is not HL7's http://hl7.org/fhir/OperationDefinition/[type]-[name]. */
  definition?: string;
  /** The resource an instance-level call addresses (by id), passed as the handler's target. */
  handle(input: OperationInput, ctx: OperationContext, target?: TerminologyResource): Promise<Resource> | Resource;
}
