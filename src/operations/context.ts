import type { Resource } from 'fhir/r4';
import type { ClosureLimits } from '../config';
import type { ClosureTableStore } from '../store/closure-store';
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
  /**
   * When a written url|version was first written (src/store/past-version.ts), for the version in force on a date
   * (src/terminology/in-force.ts); the registry itself resolves the versions an update replaced.
   */
  firstWritten?(resource: TerminologyResource): string | undefined;
  /** Where $closure keeps its closure tables, and their bounds. */
  closures?: { store: ClosureTableStore; limits: ClosureLimits };
}

export type ResourceLevel = 'type' | 'instance';

/** A table answer (CSV or NDJSON when the client asks for one): column names and rows, which may be produced lazily. */
export interface Table {
  columns: readonly string[];
  rows: Iterable<readonly (string | number | undefined)[]>;
  /** Base name for Content-Disposition. */
  filename?: string;
}

/** What this server's own operations publish in their OperationDefinition (src/operations/operation-definition.ts). */
export interface OperationDocumentation {
  description: string;
  /** The OperationDefinition this one extends (an HL7 operation with this server's additions). */
  base?: string;
  /** Documentation of input parameters, by name. */
  inputs?: Record<string, string>;
  /** Input parameters with min 1 in the OperationDefinition. */
  requiredInputs?: string[];
  outputs: { name: string; type?: string; repeats?: boolean; documentation: string }[];
}

export interface OperationHandler {
  spec: OperationSpec;
  resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap';
  levels: ResourceLevel[];
  /** An operation that changes server state ($closure): POST only (GET is 405), and never answered from a cache. */
  affectsState?: boolean;
  /** Also answered at the server's base, `[base]/$name` (as FHIR defines $closure), and listed there in the CapabilityStatement. */
  systemLevel?: boolean;
  /** Canonical of the OperationDefinition, when it is not HL7's http://hl7.org/fhir/OperationDefinition/[type]-[name]. */
  definition?: string;
  /** The resource an instance-level call addresses (by id), passed as the handler's target. */
  handle(input: OperationInput, ctx: OperationContext, target?: TerminologyResource): Promise<Resource> | Resource;
  /** The answer as a table, for operations that also answer `text/csv` and NDJSON (Accept or `_format`); `target` as for handle. */
  table?(input: OperationInput, ctx: OperationContext, target?: TerminologyResource): Table | Promise<Table>;
  /** For this server's own operations: the text of their OperationDefinition. */
  documentation?: OperationDocumentation;
  /** An operation that takes a `text/csv` body: the body is given to it as this (string) parameter. */
  csvParameter?: string;
}
