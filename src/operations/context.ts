import type { Binary, Resource } from 'fhir/r4';
import type { ClosureLimits } from '../config';
import type { ClosureTableStore } from '../store/closure-store';
import type { Principal } from '../auth/verifier';
import type { MessageLanguage } from '../errors/message-language';
import type { CsvLimits } from '../municipal/csv-import';
import type { PackageService } from '../packages/package-service';
import type { PublishedLayer } from '../packages/published-layer';
import type { CommitGate } from '../store/commit-gate';
import type { TerminologyStore } from '../store/store';
import type { SubmissionValidation } from '../profile-validation';
import type { ResourceWriter } from '../write/writer';
import type { OperationInput, OperationSpec } from '../fhir/parameters';
import type { TerminologyRegistry } from '../terminology/registry';
import type { WrittenTimes } from '../terminology/in-force';
import type { ResourceSet, TerminologyResource } from '../terminology/resource-set';
import type { ClientCaches } from './caches/client-caches';

export interface Limits {
  /** Largest expansion the server computes in one request before answering too-costly. */
  maxExpansionSize: number;
  /** Milliseconds an operation may compute before it is stopped with too-costly (src/terminology/time-budget.ts). */
  timeBudgetMs?: number;
  /**
   * The budget, when less, of an operation on definitions the request itself brings (`tx-resource`, an inline value
   * set or code system, a client's `$cache-control` cache): work a client can make as large as it likes for the bytes it
   * sends, computed while the process answers nothing else.
   */
  definitionsTimeBudgetMs?: number;
  /** When (epoch ms) the request times out: an operation still computing then is stopped with 503 `timeout`. */
  deadline?: number;
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
   * When written versions were first written and when a delete ended them (src/store/past-version.ts), for the version
   * in force on a date (src/terminology/in-force.ts); the registry itself resolves the versions an update replaced.
   */
  written?: WrittenTimes;
  /** Where $closure keeps its closure tables, and their bounds. */
  closures?: { store: ClosureTableStore; limits: ClosureLimits };
  /** Who calls, for operations that write (the HTTP adapters give it). */
  caller?: Caller;
  /**
   * A batch entry's gate (a batch entry has no caller), for an operation that changes state without a token
   * ($closure): closed when the batch's request times out, which then answers that the entries before may have been written.
   */
  batchEntryGate?(): CommitGate;
  /**
   * The verified token of the request, or undefined without one (an AuthError, 401, for an invalid one): for answers
   * that show an admin more (every adapter gives it, batch entries too).
   */
  viewer?(): Promise<Principal | undefined>;
  /** The app's services, for the operations beyond terminology ($validate, $import-local). */
  services?: OperationServices;
  /** The clients' terminology caches ($cache-control). */
  clientCaches?: ClientCaches;
  /** The cache the request names (its `X-Cache-Id`), whose resources it uses as if it sent them as `tx-resource`. */
  clientCache?: { caches: ClientCaches; id: string };
}

export interface Caller {
  /** The verified Bearer token of the request (an AuthError, 401, without a valid one). */
  principal(): Promise<Principal>;
  /** The gate a write's commit passes: closed when the request times out, so that a late write is abandoned. */
  gate(): CommitGate;
}

export interface OperationServices {
  validation: SubmissionValidation;
  writer: ResourceWriter;
  store: TerminologyStore;
  /** Where the published catalogs are read from, and whether with the examples (for the import's checks). */
  terminologyDir: string;
  includeExamples: boolean;
  csvLimits: CsvLimits;
  /**
   * The FHIR packages served, loading and unloading them ($packages, $load-package, $unload-package), and what a
   * package written out is made of ($package): the published layer and the written resources, every url|version written here.
   */
  packages?: { layer: PublishedLayer; service: PackageService; written: ResourceSet; pastVersions(): readonly TerminologyResource[] };
}

/** The address of the call, for operations on any resource type ($validate). */
export interface CallAddress {
  /** '' at system level. */
  type: string;
  id?: string;
}

export type ResourceLevel = 'system' | 'type' | 'instance';

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
  /** Documentation of input parameters, by name (with their parts, or their FHIR type, when the spec does not give them). */
  inputs?: Record<string, string | InputDocumentation>;
  /** Input parameters with min 1 in the OperationDefinition. */
  requiredInputs?: string[];
  outputs: ParameterDocumentation[];
}

/** A parameter, or a part of one, as its OperationDefinition gives it. */
export interface ParameterDocumentation {
  name: string;
  /** Its FHIR type; none for a parameter of parts. */
  type?: string;
  /** 1 when it is always there (or must be given); default 0. */
  min?: number;
  repeats?: boolean;
  documentation: string;
  parts?: ParameterDocumentation[];
}

/**
 * An input's documentation beyond its text: its FHIR type when the spec's is none (a value of several types the
 * handler reads itself) or wider (the resource type of a `Resource` parameter, e.g. R4's `valueSet: ValueSet`), and its parts: the documentation (and min) of the parts the spec defines, which give their
 * names, types and repeats; or, when the spec leaves the parts to the handler, the parts the handler reads.
 */
export interface InputDocumentation {
  documentation: string;
  type?: string;
  parts?: ParameterDocumentation[];
}

/** An answer other than 200, or with headers of its own (a handler may return this instead of a resource). */
export class OperationResult {
  constructor(readonly status: number, readonly resource: Resource, readonly headers?: Record<string, string>) {}
}

/**
 * An answer in a media type of its own (a package archive), as FHIR serves a Binary: its bytes with its Content-Type;
 * in a batch, the Binary resource.
 */
export class BinaryContent {
  constructor(readonly contentType: string, readonly bytes: Buffer, readonly headers?: Record<string, string>) {}
}

/** Content in a media type of its own as the FHIR Binary resource (a body, in a batch, to a client asking for FHIR JSON). */
export function binaryResource(contentType: string, chunks: readonly Buffer[]): Binary {
  const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks as Buffer[]);
  return { resourceType: 'Binary', contentType, data: bytes.toString('base64') };
}

/** What a handler answers: a resource, with another status or headers, or content in a media type of its own. */
export type Answered = Resource | OperationResult | BinaryContent;

export interface OperationHandler {
  spec: OperationSpec;
  /** The type the operation is on; `Resource`: any FHIR resource type (and the system level, if listed in levels). */
  resourceType: 'CodeSystem' | 'ValueSet' | 'ConceptMap' | 'Resource';
  levels: ResourceLevel[];
  /** The methods it accepts (default GET and POST; HEAD with GET); others are answered 405 with Allow (`methodNotAllowed`). */
  methods?: ('GET' | 'POST')[];
  /**
   * Whether GET answers may come from the response cache (src/operations/invoke.ts): `answer` when the answer
   * depends only on the request and the catalogs, `expansion` when it does except for the expansion's identifier and
   * timestamp.
   */
  cache?: 'answer' | 'expansion';
  /**
   * Canonical of its OperationDefinition, this server's (http://faelles-tx.dk/fhir/OperationDefinition/[type]-[name]),
   * served from `documentation`; an HL7 operation's says so with `documentation.base`.
   */
  definition: string;
  /** The resource an instance-level call addresses (by id), passed as the handler's target. */
  handle(input: OperationInput, ctx: OperationContext, target?: TerminologyResource, address?: CallAddress): Promise<Answered> | Answered;
  /** The answer as a table, for operations that also answer `text/csv` and NDJSON (Accept or `_format`); `target` as for handle. */
  table?(input: OperationInput, ctx: OperationContext, target?: TerminologyResource): Table | Promise<Table>;
  /** The text of its OperationDefinition. */
  documentation: OperationDocumentation;
  /** An operation that takes a `text/csv` body: the body is given to it as this (string) parameter. */
  csvParameter?: string;
  /** An operation that takes a resource as its body (e.g. $validate): a body that is not Parameters is given as this parameter. */
  resourceParameter?: string;
  /**
   * An operation that takes a body in a media type of its own (a package archive): such a body is given as a FHIR
   * Binary (its Content-Type and bytes) in `resourceParameter`.
   */
  binaryBody?: boolean;
  /** Whether it changes what the server holds (its OperationDefinition's affectsState). */
  affectsState?: boolean;
  /**
   * Every call needs a valid bearer token (it writes): a POST without one is answered 401 before its body is read, as
   * a write is; what the token may do is the handler's to check (`ctx.caller`).
   */
  needsToken?: boolean;
  /** It reads the request's `X-Cache-Id` itself ($cache-control), instead of having the cache's resources layered over the catalogs. */
  controlsClientCache?: boolean;
  /** It runs under a time budget of its own, not the operation budget (e.g. an import, whose writes are not bounded by it). */
  ownTimeBudget?: boolean;
  /**
   * The language of its refusals for the caller's languages (most preferred first), when it is not the server's
   * rule (`messageLanguageOf`: English unless Danish is asked for); `$validate`'s is its findings' rule.
   */
  messageLanguage?: (acceptLanguages: readonly string[]) => MessageLanguage;
}
