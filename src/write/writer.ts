import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import { checkBaseElements } from '../fhir/base-elements';
import { brokenR4Invariants } from '../profile-validation/r4-invariants';
import { narrativeProblems } from '../fhir/narrative';
import { dropEmptyLists, textProblemText, textProblems } from '../fhir/primitive-text';
import { methodNotAllowed } from '../errors/common-errors';
import type { FhirSchemaValidator } from '../fhir/schema-validator';
import { municipalId, ownerOf, parseMunicipalUrl } from '../municipal/municipality';
import { hasErrors, validationFailure, type RuleIssue } from '../municipal/rule-issues';
import { validateTerminologyResource } from '../municipal/write-rules';
import { abandonedWrite, type CommitGate } from '../store/commit-gate';
import type { VersionHistory } from '../store/past-version';
import { StoreConflictError, type StoredVersion, type TerminologyStore, type WriteOperation } from '../store/store';
import { FHIR_ID, WRITABLE_TYPES } from '../store/store-support';
import { canonical } from '../terminology/canonical';
import { packResource } from '../terminology/packed/resource';
import type { TerminologyRegistry } from '../terminology/registry';
import type { ResourceSet, TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { authorize, authorizeKommunekoder } from './authorization';
import { auditOfRefusal, auditOfWrite, operationOf, type AuditTarget, type WriteOperationName } from './audit';
import { currentVersion, isUnchangedUpdate } from './unchanged-update';
import { conditionalMatch, readableSearch } from './conditional-match';
import { idOwner, idOwnerKommunekoder, idOwnershipIssue, type IdOwner } from './id-ownership';
import { publishedCanonicalIssue } from './published-canonicals';
import { pastVersionClash, pastVersionRewritten } from './past-version-clash';
import { canonicalProblems, checkBody, computedNotDeleted, parseIfMatch, requestInvalid, withoutVersionMeta } from './request-checks';
import { excerpt } from '../errors/excerpt';
import { etagOf, ifNoneMatchHolds, parseHttpDate } from './interactions';
import { referencesIn, resolveTemporaryReferences, type WrittenEntry } from './bundle-references';
import { resolveConditionalReferences } from './conditional-references';
import { schemaProblemText } from '../fhir/schema-problem-text';
import { brokenDependents } from './dependents';

type Json = Record<string, unknown>;

/** One write as the HTTP edge (or the import tool) asks for it. */
export interface WriteRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  resourceType: string;
  /** The id from the URL (PUT, DELETE). */
  id?: string;
  body?: unknown;
  /** The If-Match header value, e.g. W/"3". */
  ifMatch?: string;
  /** The If-None-Match header value: `*`, or entity-tags such as W/"3", W/"4" (PUT and DELETE; a create has no current representation). */
  ifNoneMatch?: string;
  /** The If-Unmodified-Since header value, an HTTP-date (PUT and DELETE; ignored with If-Match, as RFC 9110 §13.1.4 says). */
  ifUnmodifiedSince?: string;
  /** The If-None-Exist header value of a create (POST): a search; the create is made only when it matches nothing. */
  ifNoneExist?: string;
  /**
   * A conditional update or delete (`PUT [type]?[search]`, `DELETE [type]?[search]`): the search that names the
   * resource instead of an id. A PUT that finds none creates; a DELETE that finds none deletes nothing.
   */
  search?: string;
  /** Its place in a transaction Bundle (`Bundle.entry[entry]`), which its refusals name. */
  entry?: number;
  /** Its entry's fullUrl: references to a `urn:uuid:`/`urn:oid:` one in the transaction become `Type/id` (bundle-references.ts). */
  fullUrl?: string;
}

export interface WriteResult {
  request: WriteRequest;
  resourceType: TerminologyType;
  id: string;
  /** The version written; undefined for a delete of something already deleted. */
  version?: StoredVersion;
  /** 201 for a create (POST, or PUT of a new id), 200 otherwise. */
  status: 200 | 201;
  /** A delete of an id that was never written: nothing to delete (version undefined). */
  neverWritten?: boolean;
  /** An update to the content the resource has: no version made, `version` is the current one. */
  unchanged?: boolean;
  /**
   * A create whose If-None-Exist matched this resource: nothing written; `version` is its current one when it was
   * written here (a published catalog has none).
   */
  matched?: TerminologyResource;
  /** A conditional delete whose search found nothing: nothing deleted. */
  nothingMatched?: boolean;
  warnings: RuleIssue[];
}

/** The validation issues of a refused write, with the entry each belongs to (for batches and the import tool). */
export interface EntryIssue extends RuleIssue {
  entry: number;
}

/** How a write is made besides its requests. */
export interface WriteOptions {
  /**
   * The caller reads again and writes again when the write is refused for a conflict (409, 412: the resource was
   * changed since it was read): such a refusal is not recorded in the audit log, the attempt that ends it is.
   */
  retriesConflict?: boolean;
}

/** `ResourceWriter.write`, or the same inside a read-modify-write (`ResourceWriter.readModifyWrite`). */
export type WriteFn = (principal: Principal, requests: WriteRequest[], gate?: CommitGate, operation?: WriteOperationName, options?: WriteOptions) => Promise<WriteResult[]>;

/** A write refused because what it was conditional on changed since it was read: 412 (If-Match, If-None-Match) or the store's 409. */
export function isWriteConflict(e: unknown): e is FhirError {
  return e instanceof FhirError && e.code === 'conflict' && (e.status === 409 || e.status === 412);
}

/** A write refused by validation (422): the OperationOutcome lists every issue; `issues` keeps them structured. */
export class WriteValidationError extends FhirError {
  constructor(readonly issues: EntryIssue[], base: FhirError) {
    super(base.status, base.code, base.message, base.options);
    this.name = 'WriteValidationError';
  }
}

export interface WriterDeps {
  store: TerminologyStore;
  registry: TerminologyRegistry;
  /** The registry layer that mirrors the store; updated after every write. */
  written: ResourceSet;
  /** The published catalogs (terminology/): read-only. */
  published: ResourceSet;
  schema?: FhirSchemaValidator;
  /**
   * Brings `written` up to date (replicas: the writes other replicas committed); `before` 'write' before a write is
   * checked, whose failure then says that nothing was written (ChangeFeed.catchUp).
   */
  beforeWrite?: (before?: 'write') => Promise<void>;
  /**
   * The store itself delivers every committed write to the written layer (replicas: src/store/written-layer.ts, which
   * never lets an older version replace a newer one); the writer then leaves the layer alone.
   */
  layerFollowsStore?: boolean;
  /** Every url|version written, kept addressable after a later write replaces it (src/store/past-version.ts). */
  history?: VersionHistory;
  /** The pick lists derived from the municipalities' catalogs (src/municipal/municipal-layer.ts): their ids are taken. */
  derived?: ResourceSet;
}

interface Planned {
  request: WriteRequest;
  index: number;
  type: TerminologyType;
  id: string;
  before?: TerminologyResource;
  /** Who the id belongs to (src/write/id-ownership.ts); undefined for an id never written. */
  owner?: IdOwner;
  /** The id has no history: a PUT then creates it, and the store refuses when another process created it meanwhile. */
  neverWritten?: boolean;
  after?: TerminologyResource;
  /** A create's If-None-Exist matched this resource: nothing is written, and `asked` (the body) is only authorized. */
  matched?: TerminologyResource;
  asked?: TerminologyResource;
  /** A conditional delete whose search found nothing: nothing is deleted. */
  nothingMatched?: boolean;
  /** The version an If-Match named and the resource is at (412 when stale at the commit). */
  expectedVersion?: string;
  /**
   * A condition besides If-Match the write met when it was planned: the store is asked to find the state it was
   * checked against (the same version, or for a create no id), and 412 when another replica changed it meanwhile.
   */
  condition?: 'If-None-Match' | 'If-Unmodified-Since';
}

/** What a refused request meant to write, for the audit log (its body as given). */
function refusedTarget(r: WriteRequest, found?: string): AuditTarget {
  const body = r.body && typeof r.body === 'object' && !Array.isArray(r.body) ? (r.body as TerminologyResource) : undefined;
  // a create's id is the server's; a conditional update's or delete's, the one its search found
  const id = r.method === 'POST' ? undefined : r.id ?? found;
  return {
    resourceType: r.resourceType, id: id !== undefined && FHIR_ID.test(id) ? id : undefined, after: body,
    method: r.method === 'POST' ? 'create' : r.method === 'PUT' ? 'update' : 'delete',
  };
}

/**
 * Every write goes through here: request checks, the published catalogs' read-only rule, the preconditions (If-Match,
 * If-Unmodified-Since, If-None-Match), authorization, validation (one OperationOutcome with every problem), one store
 * transaction, then the registry's written layer.
 * Writes are serialised, so validation always sees the state the write is applied to.
 */
export class ResourceWriter {
  private queue: Promise<unknown> = Promise.resolve();
  /** The refusals' audit records being stored (recordRefusal), which the answers do not wait for. */
  private readonly recording = new Set<Promise<unknown>>();
  /** The id a conditional update's or delete's search found, for the audit record of its refusal (its owner sees it). */
  private readonly foundBySearch = new WeakMap<WriteRequest, string>();

  constructor(private readonly deps: WriterDeps) {}

  /** The written resource a canonical url means, by the registry's one rule (ResourceSet.find), as the writes see it. */
  written<T extends TerminologyType>(type: T, url: string) {
    return this.deps.written.find(type, url);
  }

  /**
   * Brings the written layer up to date with the store: every write committed before (replicas: by any of them).
   * `before` 'write': ahead of a write of the caller's, whose failure then says that nothing was written.
   */
  async catchUp(before?: 'write'): Promise<void> {
    await this.deps.beforeWrite?.(before);
  }

  /**
   * `fn` in the write queue. `gate`: a write or check whose request was answered by its timeout before it got here is
   * not queued, so nothing of it runs once the writes are settled (one abandoned while it waits is not run: writeNow).
   */
  private exclusive<T>(fn: () => Promise<T>, gate?: CommitGate): Promise<T> {
    if (gate?.abandoned) return Promise.reject(abandonedWrite());
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs `fn` in the write queue, between writes: a package load or unload, whose check of what was written and the
   * writes' check of what is published must not pass against the same state (a url written and published at once).
   */
  betweenWrites<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(fn);
  }

  /**
   * `gate`: lets the caller abandon the write until its commit begins (src/store/commit-gate.ts). `operation` names
   * the write in the audit log (default: create/update/delete for one request, transaction for several). Every
   * write is recorded (src/write/audit.ts): a success in its own transaction, a refusal after it.
   */
  write(principal: Principal, requests: WriteRequest[], gate?: CommitGate, operation?: WriteOperationName, options: WriteOptions = {}): Promise<WriteResult[]> {
    return this.exclusive(() => this.recordedWrite(principal, requests, gate, operation, options), gate);
  }

  /**
   * A read-modify-write: `fn` runs in the write queue once the written layer has caught up with the store (replicas),
   * so what it reads (`written`) stays what its writes (through the `write` it is given, not `write` itself, which
   * would wait for `fn`) are checked against, unless another replica writes in between; a write conditional on what
   * it read (If-Match, If-None-Match) is then refused (412) rather than applied over that write.
   */
  readModifyWrite<T>(fn: (write: WriteFn) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.catchUp('write');
      return fn((principal, requests, gate, operation, options = {}) => this.recordedWrite(principal, requests, gate, operation, options));
    });
  }

  private async recordedWrite(principal: Principal, requests: WriteRequest[], gate: CommitGate | undefined, operation: WriteOperationName | undefined, options: WriteOptions): Promise<WriteResult[]> {
    const name = operationOf(requests, operation);
    try {
      return await this.writeNow(principal, requests, name, gate);
    } catch (e) {
      // A refusal (4xx) is recorded beside the answer, not before it: a slow or failing store must not delay or change
      // the answer. The store's own failures (5xx: unreachable, full, outcome unknown) are the server's log's, not the audit's.
      const retried = options.retriesConflict === true && isWriteConflict(e);
      if (!retried && (!(e instanceof FhirError) || e.status < 500)) this.recordRefusal(principal, name, requests.map((r) => refusedTarget(r, this.foundBySearch.get(r))), e);
      throw e;
    }
  }

  /**
   * Records a refused write in the audit log, beside the answer and never delaying it: `write`'s own refusals, and
   * those of a write refused before it reached `write` (an `$import-local` whose request or file was refused).
   */
  recordRefusal(principal: Principal, operation: WriteOperationName, targets: AuditTarget[], error: unknown): void {
    const recorded = this.deps.store.recordAudit(auditOfRefusal(principal, operation, targets, error)).catch(() => undefined);
    this.recording.add(recorded);
    void recorded.finally(() => this.recording.delete(recorded));
  }

  /**
   * Resolves once every write queued so far, and any queued while it waits, has run its course (written, refused, or
   * abandoned by its request's timeout) and every refusal's audit record is stored: what must be done before the
   * store is closed (graceful shutdown). A write whose answer was a timeout may still be queued behind others.
   */
  async settled(): Promise<void> {
    for (;;) {
      const queue = this.queue;
      await queue;
      await Promise.all(this.recording);
      if (queue === this.queue && this.recording.size === 0) return;
    }
  }

  /**
   * Every check of `write` (the preconditions included), without writing: the warnings per request, or the errors
   * thrown. `gate`: as for `write`, a check whose request was answered by its timeout before its turn is not run.
   */
  check(principal: Principal, requests: WriteRequest[], gate?: CommitGate): Promise<WriteResult[]> {
    return this.exclusive(() => this.writeNow(principal, requests, operationOf(requests, undefined), gate, true), gate);
  }

  /** Whether the id was written and its latest version is a delete (410 Gone on read). */
  async isDeleted(type: TerminologyType, id: string): Promise<boolean> {
    const [latest] = await this.deps.store.history(type, id);
    return latest?.method === 'delete';
  }

  isPublished(type: TerminologyType, id: string): boolean {
    return this.deps.published.byResourceId(type, id) !== undefined;
  }

  /**
   * Whether the id is a pick list's the server computes from a municipality's catalogs (src/municipal/municipal-layer.ts):
   * read, and replaced by a PUT of a value set under its url, but not stored, so not deleted.
   */
  isComputed(type: TerminologyType, id: string): boolean {
    return this.deps.derived?.byResourceId(type, id) !== undefined && this.deps.written.byResourceId(type, id) === undefined;
  }

  /** Whether a resource holds the id, or held it: a published one, or one written (deleted ones too). */
  async idTaken(type: TerminologyType, id: string): Promise<boolean> {
    return this.isPublished(type, id) || (await this.deps.store.history(type, id)).length > 0;
  }

  /**
   * Whether the id is another resource's than `url`'s: a published one's, or one written under another url at any
   * version (a deleted one's too). A catalog deleted and written again under its url takes its own id back.
   */
  async idHeldForOtherUrl(type: TerminologyType, id: string, url: string): Promise<boolean> {
    return this.isPublished(type, id) || (await this.deps.store.history(type, id)).some((v) => v.resource !== undefined && v.resource.url !== url);
  }

  private async writeNow(principal: Principal, requests: WriteRequest[], operation: WriteOperationName, gate?: CommitGate, checkOnly = false): Promise<WriteResult[]> {
    if (requests.length === 0) return [];
    // abandoned while it waited for the writes before it: the client was told nothing was written, so nothing is checked either
    if (gate?.abandoned) throw abandonedWrite();
    await this.catchUp('write');
    const { store, registry, written, published } = this.deps;
    const planned: Planned[] = [];
    const batchIds = new Set<string>();
    const found = new Set<string>();
    const deleted = new Set<string>();
    // a transaction's writes are named by their place in its Bundle (between them may be reads)
    for (const [index, request] of requests.entries()) {
      const p = await this.plan(principal, request, request.entry ?? index, batchIds);
      const key = `${p.type}/${p.id}`;
      // a create that found what it would create (If-None-Exist) writes nothing: a later entry may update it, not delete it
      const clash = p.nothingMatched ? false
        : p.matched ? deleted.has(key)
          : batchIds.has(key) || (p.request.method === 'DELETE' && found.has(key));
      if (clash) {
        throw FhirError.invalid(`Bundle.entry[${p.index}] writes ${key}, which an earlier entry of the transaction writes too; a transaction writes each resource once`, {
          expression: [`Bundle.entry[${p.index}].request.url`],
          da: `Bundle.entry[${p.index}] skriver ${key}, som en tidligere post i transaktionen også skriver; en transaktion skriver hver ressource én gang`,
        });
      }
      if (p.matched) found.add(key);
      else if (!p.nothingMatched) batchIds.add(key);
      if (p.request.method === 'DELETE') deleted.add(key);
      planned.push(p);
    }
    // a new resource's id is authorized with its content, below; an existing one's was, as it was planned
    for (const p of planned) this.checkPreconditions(p);
    // a transaction's resources (and references) are named in its Bundle, also when it has one entry
    const bundled = requests.length > 1 || requests.some((r) => r.entry !== undefined);
    const entries: WrittenEntry[] = planned.map((p) => ({
      index: p.index, fullUrl: p.request.fullUrl, type: p.type, id: p.id, resource: p.after ?? p.matched, bundled,
      references: p.after ? referencesIn(p.after, bundled ? `Bundle.entry[${p.index}].resource` : p.type) : [],
    }));
    // the ids are known: what the transaction's resources reference by an entry's temporary fullUrl becomes Type/id
    const unresolved = resolveTemporaryReferences(entries);
    if (unresolved.length > 0) throw new WriteValidationError(unresolved, validationFailure(unresolved, 400));

    // Structure next: everything after (ownership by content, overlay, the checks) may assume a well-formed resource.
    const structural: EntryIssue[] = [];
    for (const p of planned) {
      if (!p.after) continue;
      const at = (where: string): string => (bundled ? `Bundle.entry[${p.index}].resource${where}` : `${p.type}${where}`);
      // text the schema cannot see (control characters, unpaired surrogates; any empty value): said once, in FHIR's words
      const texts = textProblems(p.after, '');
      for (const { path, problem } of texts) {
        structural.push({ severity: 'error', code: 'structure', text: textProblemText(problem), expression: [at(path)], entry: p.index });
      }
      const reported = new Set(texts.map((t) => t.path));
      const schemaProblems = (resource: unknown, prefix: string): { path: string }[] => {
        const problems = this.deps.schema?.validate(resource) ?? [];
        for (const problem of problems) {
          const where = prefix + (problem.path === '$' ? '' : problem.path.slice(1));
          if (!reported.has(where)) structural.push({ severity: 'error', code: 'structure', text: schemaProblemText(problem.message), expression: [at(where)], entry: p.index });
        }
        return problems;
      };
      schemaProblems(p.after, '');
      // the resource's schema takes any object with a resourceType as a contained resource: each is checked as its type
      const contained = Array.isArray(p.after.contained) ? (p.after.contained as unknown[]) : [];
      const containedTypes = new Map<number, string>();
      contained.forEach((c, i) => {
        const type = (c as { resourceType?: unknown } | null)?.resourceType;
        if (typeof type !== 'string') return;
        if (!schemaProblems(c, `.contained[${i}]`).some((x) => x.path === '$.resourceType')) containedTypes.set(i, type);
      });
      for (const { path, text } of narrativeProblems(p.after, '')) {
        if (!reported.has(path)) structural.push({ severity: 'error', code: 'invalid', text, expression: [at(path)], entry: p.index });
      }
      // FHIR R4's required elements and ext-1, as $validate checks them: of the resource and of each contained one
      const own = structural.filter((i) => i.entry === p.index);
      const base = checkBaseElements(p.after as unknown as Json, p.type, at(''), own);
      for (const [i, type] of containedTypes) base.push(...checkBaseElements(contained[i] as Json, type, at(`.contained[${i}]`), own));
      for (const issue of base) structural.push({ ...issue, entry: p.index });
      for (const problem of canonicalProblems(p.after)) {
        structural.push({ severity: 'error', code: 'value', text: problem.text, expression: [at(problem.where)], entry: p.index });
      }
    }
    if (structural.length > 0) throw new WriteValidationError(structural, validationFailure(structural));
    // whom the content belongs to (its url, its kommunekode identifier) is known once it is well-formed
    for (const p of planned) {
      const resource = p.after ?? p.asked;
      authorize(principal, resource, resource?.url ?? `${p.type}/${p.id}`);
    }

    const afters = planned.flatMap((p) => (p.after ? [p.after] : []));
    // judged by the state the write makes: what it deletes or replaces no longer answers an unversioned url
    const overlay = registry.afterWrite(afters, planned.flatMap((p) => (p.before ? [p.before] : [])));
    const unmatched = resolveConditionalReferences(entries, overlay);
    if (unmatched) throw new WriteValidationError(unmatched.issues, validationFailure(unmatched.issues, unmatched.status));
    const issues: EntryIssue[] = [];
    for (const p of planned) {
      if (!p.after) continue;
      const ownership = idOwnershipIssue(p.type, p.id, p.owner, p.after);
      const own: RuleIssue[] = [...(ownership ? [ownership] : []), ...validateTerminologyResource(p.after, overlay), ...this.canonicalClashes(p, planned, published, written), ...this.derivedIdClash(p)];
      for (const broken of brokenR4Invariants(p.after as unknown as Json, p.type, own)) own.push({ ...broken, severity: 'error' });
      for (const i of own) {
        const expression = bundled ? i.expression?.map((e) => `Bundle.entry[${p.index}].resource${e.slice(p.type.length)}`) : i.expression;
        issues.push({ ...i, expression, entry: p.index });
      }
    }
    // what the write deletes or replaces, that other written maps and value sets use: said, as warnings
    const changed = planned.flatMap((p) => (p.before && (p.type === 'CodeSystem' || p.type === 'ValueSet')
      ? [{ before: p.before, after: p.after?.url === p.before.url ? p.after : undefined, entry: p.index }] : []));
    if (changed.length > 0 && !hasErrors(issues)) {
      for (const d of brokenDependents(changed, written, registry, overlay, new Set(planned.map((p) => `${p.type}/${p.id}`)), principal)) {
        issues.push({ ...d.issue, entry: d.entry, ...(bundled ? { expression: [`Bundle.entry[${d.entry}].resource`] } : {}) });
      }
    }
    if (hasErrors(issues)) throw new WriteValidationError(issues, validationFailure(issues));
    if (checkOnly) {
      return planned.map((p) => ({
        request: p.request, resourceType: p.type, id: p.id, version: undefined, status: 200, warnings: issues.filter((x) => x.entry === p.index),
      }));
    }

    // an update to the content the resource has makes no version: it is answered with the current one
    const unchanged = planned.map((p) => p.after !== undefined && p.before !== undefined && isUnchangedUpdate(p.after, p.before));
    // nor is a create that found what it would create (If-None-Exist), nor a conditional delete that found nothing
    const untouched = planned.map((p, i) => unchanged[i] || p.matched !== undefined || p.nothingMatched === true);
    const current = (p: Planned, i: number) => (unchanged[i] ? currentVersion(p.type, p.id, p.before!)
      : p.matched?.meta?.versionId !== undefined ? currentVersion(p.type, p.id, p.matched) : undefined);
    // a condition met against a version holds only while the store still has that version
    const expected = (p: Planned) => p.expectedVersion ?? (p.condition ? p.before?.meta?.versionId : undefined);
    const kind = (p: Planned): WriteOperation['kind'] => (p.after || p.matched ? (p.before || (p.request.method === 'PUT' && !p.neverWritten) ? 'update' : 'create') : 'delete');
    const changes: WriteOperation[] = planned.filter((_, i) => !untouched[i]).map((p) => {
      const k = kind(p);
      // If-None-Match of an id found with no current version: it still has none at the commit (another replica may write it)
      if (k === 'update') return { kind: k, resource: p.after!, expectedVersion: expected(p), ...(p.condition === 'If-None-Match' && !p.before ? { expectAbsent: true } : {}) };
      if (k === 'create') return { kind: k, resource: p.after!, requestMethod: p.request.method === 'PUT' ? 'PUT' : 'POST' };
      return { kind: k, resourceType: p.type, id: p.id, expectedVersion: expected(p) };
    });
    let versions: (StoredVersion | undefined)[];
    try {
      const targets: AuditTarget[] = planned.map((p) => ({
        resourceType: p.type, id: p.id || undefined, before: p.before, after: p.after ?? p.asked, method: p.matched ? 'read' : kind(p),
        ...(p.nothingMatched ? { url: `${p.type}?${p.request.search}` } : {}),
      }));
      const same = planned.filter((_, i) => unchanged[i]).map((p) => `${p.type}/${p.id} (version ${p.before!.meta!.versionId})`);
      const found = planned.filter((p) => p.matched).map((p) => {
        const version = p.matched!.meta?.versionId;
        return `${p.type}/${p.id} (${version !== undefined ? `version ${version}, ` : ''}If-None-Exist ${readableSearch(p.request.ifNoneExist!)})`;
      });
      const none = planned.filter((p) => p.nothingMatched).map((p) => `${p.type}?${readableSearch(p.request.search!)}`);
      const notes = [...(same.length > 0 ? [`unchanged, no new version: ${same.join(', ')}`] : []), ...(found.length > 0 ? [`not created, found: ${found.join(', ')}`] : []),
        ...(none.length > 0 ? [`nothing matched, nothing deleted: ${none.join(', ')}`] : [])];
      const audit = auditOfWrite(principal, operation, targets, notes.length > 0 ? notes.join('; ') : undefined);
      // the store's versions, in the places of the writes it made; the current versions in the others
      const inPlace = (made: readonly (StoredVersion | undefined)[]) => {
        let next = 0;
        return planned.map((p, i) => (untouched[i] ? current(p, i) : made[next++]));
      };
      if (changes.length === 0) {
        versions = inPlace([]);
        await store.recordAudit(audit(versions, undefined));
      } else {
        versions = inPlace(await store.apply(changes, gate, (made) => audit(inPlace(made), made.find((v) => v)?.lastUpdated)));
      }
    } catch (e) {
      if (e instanceof StoreConflictError) {
        // a precondition met when checked, no longer met at the commit (a never-written id: created meanwhile)
        const header = (x: Planned) => (x.expectedVersion !== undefined ? 'If-Match' : x.condition);
        const p = planned.find((x) => header(x) !== undefined && (e.reason !== 'already-exists' || x.neverWritten));
        if (p) {
          throw new FhirError(412, 'conflict', e.message, { da: `${p.type}/${p.id} er ændret af en anden i mellemtiden (${header(p)}): hent den nyeste version, og ret igen.` });
        }
      }
      throw e;
    }

    const touched: TerminologyResource[] = [];
    const results: WriteResult[] = planned.map((p, i) => {
      const v = untouched[i] ? undefined : versions[i];
      // packed once, for the written layer and the versions kept (a replica's layer does both from the change feed)
      const packed = v?.resource && !this.deps.layerFollowsStore ? packResource(v.resource) : undefined;
      if (packed) this.deps.history?.record(packed, v!.lastUpdated, true);
      if (v?.method === 'delete' && !this.deps.layerFollowsStore) this.deps.history?.deleted(p.type, p.id, v.lastUpdated);
      if (v && !this.deps.layerFollowsStore) {
        const previous = written.byResourceId(p.type, p.id);
        if (previous) {
          written.remove(previous);
          this.deps.history?.superseded(previous);
        }
        if (packed) written.add(packed);
        touched.push(...(previous ? [previous] : []), ...(packed ? [packed] : []));
      }
      return {
        request: p.request,
        resourceType: p.type,
        id: p.id,
        version: versions[i],
        status: v?.method === 'create' ? 201 : 200,
        ...(p.neverWritten && !p.after ? { neverWritten: true } : {}),
        ...(unchanged[i] ? { unchanged: true } : {}),
        ...(p.matched ? { matched: p.matched } : {}),
        ...(p.nothingMatched ? { nothingMatched: true } : {}),
        warnings: issues.filter((x) => x.entry === p.index),
      };
    });
    if (touched.length > 0) registry.touch(touched);
    return results;
  }

  private async plan(principal: Principal, asked: WriteRequest, index: number, batchIds: Set<string>): Promise<Planned> {
    const { store, published } = this.deps;
    const type = asked.resourceType as TerminologyType;
    if (!WRITABLE_TYPES.includes(type)) {
      throw new FhirError(405, 'not-supported', `${asked.resourceType} resources cannot be written here`, { da: `${asked.resourceType}-ressourcer kan ikke skrives her` });
    }
    const request = asked.search === undefined ? asked : this.conditionalTarget(principal, asked, type);
    if (request.method === 'DELETE' && request.search !== undefined && request.id === undefined) return { request, index, type, id: '', nothingMatched: true };
    let id = request.id;
    if (request.method !== 'POST' && (id === undefined || !FHIR_ID.test(id))) throw FhirError.invalid(`'${excerpt(String(id))}' is not a valid resource id`, { da: `'${excerpt(String(id))}' er ikke et gyldigt ressource-id` });
    if (id !== undefined && request.method !== 'POST' && published.byResourceId(type, id)) {
      throw methodNotAllowed(['GET'], `${type}/${id} is a published catalog resource (of the terminology folder or a FHIR package) and read-only`, `${type}/${id} er et offentliggjort katalog og kan ikke ændres.`);
    }
    const before = id !== undefined && request.method !== 'POST' ? await store.read(type, id) : undefined;
    const p: Planned = { request, index, type, id: id ?? '', before };
    if (id !== undefined && request.method !== 'POST') {
      const history = before ? undefined : await store.history(type, id);
      p.owner = idOwner(id, before ?? history?.find((v) => v.resource)?.resource);
      p.neverWritten = history?.length === 0;
      // whether the id may be written comes before the request's conditions and its body (RFC 9110 §13.2.1)
      if (p.owner) authorizeKommunekoder(principal, idOwnerKommunekoder(p.owner), `${type}/${id}`);
    }

    if (request.method === 'DELETE') {
      // an id never written (or deleted) is answered as deleted (R4 delete), unless a pick list computed from the catalogs holds it
      if (!before && this.isComputed(type, p.id)) throw computedNotDeleted(type, p.id);
      return p;
    }

    checkBody(request, type);
    const resource = withoutVersionMeta(structuredClone(request.body) as TerminologyResource);
    dropEmptyLists(resource);
    if (request.method === 'PUT') {
      if (resource.id === undefined) {
        throw requestInvalid(request, 'resource.id', { en: `The ${type} must carry its id ('${id}') for an update`, da: `${type} skal have sit id ('${id}') med ved en opdatering` }, [`${type}.id`]);
      }
      if (typeof resource.id !== 'string') {
        const given = excerpt(JSON.stringify(resource.id));
        throw requestInvalid(request, 'resource.id', { en: `The body's id must be a string (an R4 id), not ${given}`, da: `Kroppens id skal være en tekst (et R4-id), ikke ${given}` }, [`${type}.id`]);
      }
      if (resource.id !== id) {
        throw requestInvalid(request, 'resource.id', {
          en: `The body's id '${excerpt(String(resource.id))}' differs from the id '${id}' in the URL`, da: `Kroppens id '${excerpt(String(resource.id))}' afviger fra id'et '${id}' i URL'en`,
        }, [`${type}.id`]);
      }
    } else {
      if (request.ifNoneExist !== undefined) {
        const where = request.entry === undefined ? 'If-None-Exist' : `Bundle.entry[${request.entry}].request.ifNoneExist`;
        const found = conditionalMatch(this.deps.registry, { type, search: request.ifNoneExist, interaction: 'create', where });
        if (found) {
          Object.assign(p, { id: found.id, matched: found, asked: resource });
          return p;
        }
      }
      id = await this.newId(type, resource, batchIds);
      resource.id = id;
      p.id = id;
      p.owner = idOwner(id, undefined);
    }
    p.after = resource;
    return p;
  }

  /**
   * The write a conditional update or delete comes to: to the id of the resource its search finds; none found, a
   * create (PUT) or nothing (DELETE, without an id). A PUT's body names that id, or none (it is given it).
   */
  private conditionalTarget(principal: Principal, request: WriteRequest, type: TerminologyType): WriteRequest {
    const found = conditionalMatch(this.deps.registry, {
      type, search: request.search!, interaction: request.method === 'PUT' ? 'update' : 'delete',
      ...(request.entry !== undefined ? { where: `Bundle.entry[${request.entry}].request.url` } : {}),
    });
    if (found?.id) {
      this.foundBySearch.set(request, found.id);
      // another municipality's resource is 403 before anything of the request is judged
      const owner = idOwner(found.id, found);
      if (owner) authorizeKommunekoder(principal, idOwnerKommunekoder(owner), `${type}/${found.id}`);
    }
    if (request.method === 'DELETE') return { ...request, id: found?.id };
    if (!found) return { ...request, method: 'POST', id: undefined };
    const body = request.body as { id?: unknown } | undefined;
    if (body && typeof body === 'object' && body.id !== undefined && body.id !== found.id) {
      throw requestInvalid(request, 'resource.id', {
        en: `The body's id '${excerpt(String(body.id))}' is not that of ${type}/${found.id}, which the search '${readableSearch(request.search!)}' found`,
        da: `Kroppens id '${excerpt(String(body.id))}' er ikke id'et for ${type}/${found.id}, som søgningen '${readableSearch(request.search!)}' fandt`,
      }, [`${type}.id`]);
    }
    return { ...request, id: found.id, body: body && typeof body === 'object' && !Array.isArray(body) ? { ...body, id: found.id } : body };
  }

  /**
   * If-Match, then the other conditions: 412 when one fails. A conditional update or delete whose search found nothing
   * has no current version for If-Match to match, as a never-written id has none.
   */
  private checkPreconditions(p: Planned): void {
    const { request, type, id, before } = p;
    const conditional = request.search !== undefined;
    if (request.method === 'POST' && !conditional) return;
    if (request.ifMatch !== undefined) {
      const tags = parseIfMatch(request.ifMatch, request);
      const current = before?.meta?.versionId;
      if (current === undefined || (tags !== '*' && !tags.includes(current))) {
        const named = tags === '*' ? '*' : excerpt(tags.join(' or '));
        const namedDa = tags === '*' ? '*' : excerpt(tags.join(' eller '));
        const asked = excerpt(request.ifMatch);
        if (before) {
          throw new FhirError(412, 'conflict', `${type}/${id} is at version ${current}, not ${named} (If-Match): it was changed since it was read`, {
            da: `${type}/${id} er nu i version ${current}, ikke ${namedDa}, som du hentede (If-Match): en anden har ændret den i mellemtiden.`,
          });
        }
        if (conditional && (request.method === 'POST' || p.nothingMatched)) {
          const search = readableSearch(request.search!);
          throw new FhirError(412, 'conflict', `No ${type} matches the search '${search}', so If-Match ${asked} cannot match`, {
            da: `Søgningen '${search}' finder ingen ${type}, så If-Match ${asked} kan ikke passe: den kan være slettet i mellemtiden.`,
          });
        }
        throw new FhirError(412, 'conflict', `${type}/${id} does not exist, so If-Match ${asked} cannot match`, {
          da: `${type}/${id} findes ikke, så den kan ikke ændres (If-Match ${asked}).`,
        });
      }
      // the write holds only while the store still has the version matched
      p.expectedVersion = current;
    }
    if (request.method !== 'POST') this.checkConditions(p);
  }

  /**
   * If-Unmodified-Since (unless If-Match was given) and If-None-Match of a PUT or DELETE, in RFC 9110 §13.2.2's order
   * after If-Match, against the current version (a deleted or never-written id has none): 412 when one fails, as a
   * stale If-Match is.
   */
  private checkConditions(p: Planned): void {
    const { request, type, id, before } = p;
    const version = before?.meta?.versionId;
    const since = request.ifMatch === undefined && request.ifUnmodifiedSince !== undefined ? parseHttpDate(request.ifUnmodifiedSince) : undefined;
    if (since !== undefined) {
      const updated = before?.meta?.lastUpdated;
      if (updated !== undefined) {
        // Last-Modified is the second of lastUpdated
        const modified = new Date(Math.floor(Date.parse(updated) / 1000) * 1000);
        if (modified.getTime() > since) {
          throw new FhirError(412, 'conflict', `${type}/${id} was changed at ${modified.toUTCString()} (version ${version}), after ${excerpt(request.ifUnmodifiedSince)} (If-Unmodified-Since)`, {
            da: `${type}/${id} er ændret ${modified.toUTCString()} (version ${version}), efter ${excerpt(request.ifUnmodifiedSince)} (If-Unmodified-Since): en anden har ændret den i mellemtiden.`,
          });
        }
        p.condition = 'If-Unmodified-Since';
      }
    }
    if (request.ifNoneMatch !== undefined) {
      if (version !== undefined && ifNoneMatchHolds(request.ifNoneMatch, etagOf(version))) {
        const asked = excerpt(request.ifNoneMatch);
        throw new FhirError(412, 'conflict', `${type}/${id} exists at version ${version}, which If-None-Match ${asked} matches: it is written only when it does not`, {
          da: `${type}/${id} findes i version ${version}, som If-None-Match ${asked} matcher: den skrives kun, når den ikke gør.`,
        });
      }
      // met against the current version, or against none (never written, or deleted): the store checks it still holds
      p.condition = 'If-None-Match';
    }
  }

  /** A server-assigned id: kommune-{kode}-{name} for a municipal canonical when it is free, else a UUID. */
  private async newId(type: TerminologyType, resource: TerminologyResource, batchIds: Set<string>): Promise<string> {
    const parsed = parseMunicipalUrl(resource.url);
    if (parsed && ownerOf(resource) === parsed.kommunekode && parsed.type === type) {
      const candidate = municipalId(parsed.kommunekode, parsed.name);
      const free = FHIR_ID.test(candidate) && !batchIds.has(`${type}/${candidate}`) && !(await this.idTaken(type, candidate));
      if (free) return candidate;
    }
    return randomUUID();
  }

  /**
   * The id of a pick list the server derives (`kommune-{kode}-indsatsvaelger`, …) holds that list, or what replaces it
   * under its url: another resource under the id would leave the list unreadable by its id.
   */
  private derivedIdClash(p: Planned): RuleIssue[] {
    const derived = this.deps.derived?.byResourceId(p.type, p.id);
    if (!derived || derived.url === p.after!.url) return [];
    return [{
      severity: 'error', code: 'duplicate', expression: [`${p.type}.id`],
      text: {
        en: `${p.type}/${p.id} is the id of the pick list ${derived.url}, which the server derives from the municipality's catalogs; use another id, or that url to replace the list`,
        da: `${p.type}/${p.id} er id'et for plukkelisten ${derived.url}, som serveren udleder af kommunens kataloger; brug et andet id, eller den url for at erstatte listen.`,
      },
    }];
  }

  /**
   * url|version must name one resource: not of a published canonical, not another stored one (in its current version,
   * or one a later write of it replaced, while it is not deleted), not twice in a batch.
   */
  private canonicalClashes(p: Planned, all: Planned[], published: ResourceSet, written: ResourceSet): RuleIssue[] {
    const r = p.after!;
    if (!r.url) return [];
    const label = canonical(r.url, r.version);
    const out: RuleIssue[] = [];
    const reserved = publishedCanonicalIssue(p.type, r.url, published);
    if (reserved) out.push(reserved);
    const deletedByWrite = (id: string | undefined) => all.some((q) => q.id === id && q.type === p.type && q.request.method === 'DELETE');
    const other = written.versions(p.type, r.url).find((x) => x.version === r.version && x.id !== p.id);
    if (other && !deletedByWrite(other.id)) {
      out.push({
        severity: 'error', code: 'duplicate', expression: [`${p.type}.url`],
        text: { en: `${label} is already used by ${p.type}/${other.id}; update that resource instead`, da: `${label} bruges allerede af ${p.type}/${other.id}; opdatér den ressource i stedet.` },
      });
    }
    const past = other || !this.deps.history ? undefined : pastVersionClash(p.type, p.id, r, this.deps.history, deletedByWrite);
    if (past) out.push(past);
    const rewritten = other || past || !this.deps.history ? undefined : pastVersionRewritten(p.type, p.id, r, p.before, this.deps.history);
    if (rewritten) out.push(rewritten);
    if (all.some((q) => q !== p && q.type === p.type && q.after?.url === r.url && q.after?.version === r.version)) {
      out.push({
        severity: 'error', code: 'duplicate', expression: [`${p.type}.url`],
        text: { en: `${label} is written twice in the same transaction`, da: `${label} skrives to gange i samme transaktion.` },
      });
    }
    return out;
  }
}
