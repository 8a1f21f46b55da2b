import { randomUUID } from 'node:crypto';
import type { Bundle, CodeSystem, ConceptMap, OperationOutcome } from 'fhir/r4';
import type { Principal } from '../auth/verifier';
import { FhirError } from '../errors/fhir-error';
import { issueText, type Bilingual, type Issue } from '../errors/issue';
import { sharedFhirSchemaValidator } from '../fhir/schema-validator';
import type { CommitGate } from '../store/commit-gate';
import type { SqliteStore } from '../store/sqlite-store';
import type { TerminologyStore } from '../store/store';
import { loadTerminology, type LoadedTerminology } from '../terminology/loader';
import { TerminologyRegistry } from '../terminology/registry';
import { ResourceSet, type TerminologyResource } from '../terminology/resource-set';
import { withTimeBudget } from '../terminology/time-budget';
import { isWriteConflict, ResourceWriter, WriteValidationError, type WriteFn, type WriteRequest } from './writer';
import { buildLocalCatalog, lineOfIssue, parseLocalCsv, type BuiltCatalog, type CsvLimits } from '../municipal/csv-import';
import { lineIssue } from '../municipal/csv-records';
import { checkBasedOn, codesMadeOutsideImport, mergeWithExisting, planImport, withImportTag, type ImportMode, type ImportPlan } from '../municipal/import-plan';
import { withImportVersion } from '../municipal/import-version';
import { isKommunekode, localNameProblem, municipalId, municipalUrl } from '../municipal/municipality';
import { excerpt } from '../errors/excerpt';

export const DEFAULT_LOCAL_NAME = 'lokale-indsatser';

export type ImportTarget =
  | { kind: 'embedded'; dataDir: string }
  | { kind: 'server'; baseUrl: string; token: string }
  /** Inside a running server: its writer, registry and store, writing as the caller's principal. */
  | { kind: 'writer'; writer: ResourceWriter; registry: TerminologyRegistry; store: TerminologyStore; principal: Principal; gate?: CommitGate };

export interface ImportOptions {
  content: Buffer | string;
  kommunekode: string;
  name?: string;
  version?: string;
  target: ImportTarget;
  terminologyDir: string;
  includeExamples: boolean;
  /** Time the rows may take to resolve (the server's operation time budget; 422 too-costly beyond); none when undefined. */
  timeBudgetMs?: number;
  /** How many rows and columns the file may have (default DEFAULT_CSV_LIMITS). */
  csvLimits?: CsvLimits;
  /** The published catalogs, when already loaded (tests). */
  published?: LoadedTerminology;
  /** Progress and information lines. */
  log?: (line: string) => void;
  /** `replace` (default): the catalog becomes the file; `merge`: codes not in the file are kept. */
  mode?: ImportMode;
  /** Check and plan only: nothing is written; the outcome carries the plan. */
  preview?: boolean;
  /** The catalog's version a preview was made against ('0': none): another is 412 (import-plan.ts checkBasedOn). */
  basedOn?: string;
}

export interface ImportOutcome {
  ok: boolean;
  rows: number;
  /** Errors (nothing was written) and warnings, by line where they belong to one. */
  messages: Issue[];
  /** The resources' versions written, and the catalog's version (`CodeSystem.version`, the map's too). */
  written?: { codeSystem: string; conceptMap: string; version?: string };
  /** What the import adds, changes and removes (when the file has no errors). */
  plan?: ImportPlan;
  /** The writer refused the write, and recorded the refusal in the audit log as it records every refusal it makes. */
  recorded?: boolean;
  /**
   * Not imported because another write changed the catalog since the import read it (or since the preview it was
   * based on): 412 (If-Match, If-None-Match, basedOn) or the store's 409, with an issue `conflict` naming the versions.
   */
  status?: 409 | 412;
}

const PROGRESS_FROM = 500;

function fail(messages: Issue[], rows: number): ImportOutcome {
  return { ok: false, rows, messages: sortMessages(messages) };
}

function sortMessages(messages: Issue[]): Issue[] {
  return [...messages].sort((a, b) => (a.severity === b.severity ? (a.line ?? 0) - (b.line ?? 0) : a.severity === 'error' ? -1 : 1));
}

/**
 * The errors and warnings of the write (or of the server written to) as issues on the lines of the file, each once: a
 * cell the catalog holds twice (a title is the concept's display and its map element's) gives one issue, not one per
 * place the write found it.
 */
function lineIssuesOf(
  issues: { severity: string; text: string | Bilingual; expression?: readonly string[]; localCode?: string }[], built: BuiltCatalog,
): Issue[] {
  const said = new Set<string>();
  return issues.filter((i) => i.severity === 'error' || i.severity === 'warning').flatMap((i) => {
    const issue = lineIssue(i.severity === 'error' ? 'error' : 'warning', issueText(i), typeof i.text === 'object' ? i.text.da : undefined, lineOfIssue(i, built));
    const key = `${issue.severity}\u0000${issue.line ?? ''}\u0000${issueText(issue)}`;
    if (said.has(key)) return [];
    said.add(key);
    return [issue];
  });
}

/**
 * Imports a municipality's local catalog from CSV: creates or updates its CodeSystem and ConceptMap
 * (http://faelles-tx.dk/fhir/kommune/{kode}/…/{name}) through the server's write validation, both or neither.
 */
export async function importLocalCsv(options: ImportOptions): Promise<ImportOutcome> {
  const log = options.log ?? (() => undefined);
  const { kommunekode } = options;
  const name = options.name ?? DEFAULT_LOCAL_NAME;
  if (!isKommunekode(kommunekode)) return fail([lineIssue('error', `kommunekode must be three digits, not '${excerpt(kommunekode)}'`, `kommunekode skal være tre cifre, ikke '${excerpt(kommunekode)}'.`)], 0);
  const nameProblem = localNameProblem(name);
  if (nameProblem) return fail([lineIssue('error', nameProblem.en, nameProblem.da)], 0);

  const parsed = await parseLocalCsv(options.content, options.csvLimits);
  const rows = parsed.rows.length;
  if (parsed.messages.some((m) => m.severity === 'error')) return fail(parsed.messages, rows);
  log(`read ${rows} row${rows === 1 ? '' : 's'}`);

  const csUrl = municipalUrl(kommunekode, 'CodeSystem', name);
  const cmUrl = municipalUrl(kommunekode, 'ConceptMap', name);
  const progress = rows >= PROGRESS_FROM ? (done: number, total: number) => log(`  ${done}/${total} rows`) : undefined;
  const mode = options.mode ?? 'replace';
  const fileCodes = new Set(parsed.rows.map((r) => r.kode));
  /**
   * The ids of the resources the import creates: kommune-{kode}-{name}, as a write would give them (and as the
   * catalog had, when it was deleted and is imported again), unless a resource of another url holds (or held) that
   * id, as when a catalog written under its own url took it; then a new UUID. Writing under the held id would be
   * refused as a change made during the import, however often it was tried again.
   */
  const newIds = async (existing: Existing, heldForOther: (type: 'CodeSystem' | 'ConceptMap', id: string, url: string) => Promise<boolean>) => {
    const id = municipalId(kommunekode, name);
    const free = async (type: 'CodeSystem' | 'ConceptMap') => (await heldForOther(type, id, type === 'CodeSystem' ? csUrl : cmUrl) ? randomUUID() : id);
    return {
      codeSystem: existing.codeSystem ? undefined : await free('CodeSystem'),
      conceptMap: existing.conceptMap ? undefined : await free('ConceptMap'),
    };
  };
  const build = (registry: TerminologyRegistry, existing: Existing, ids: { codeSystem?: string; conceptMap?: string }, madeOutsideImport?: Set<string>): Planned => {
    checkBasedOn(options.basedOn, existing);
    const built = withTimeBudget(options.timeBudgetMs,
      () => buildLocalCatalog(parsed.rows, { kommunekode, name, registry, existing, version: options.version, newIds: ids, onProgress: progress }));
    const merged = mode === 'merge' ? mergeWithExisting(built, existing) : built;
    const versioned = options.version === undefined ? withImportVersion(merged, existing) : merged;
    const next = { ...versioned, codeSystem: withImportTag(versioned.codeSystem), conceptMap: withImportTag(versioned.conceptMap) };
    return { ...next, plan: planImport(mode, existing, next, fileCodes, madeOutsideImport) };
  };
  const outsideImport = async (store: TerminologyStore, existing: Existing) => (existing.codeSystem?.id
    ? codesMadeOutsideImport(await store.history('CodeSystem', existing.codeSystem.id))
    : new Set<string>());
  const preview = options.preview === true;

  // A merge means the same whichever version it read, so one refused because another write changed the catalog since
  // it was read reads it again and merges again; a replace, or an import planned on a version (basedOn), does not.
  const retryable = mode === 'merge' && options.basedOn === undefined && !preview;
  /**
   * The import through a writer: read the catalog, build, write conditionally on what was read. A conflict is tried
   * again inside the write queue, so no other write of this server comes between the read and the write.
   */
  const throughWriter = (writer: ResourceWriter, store: TerminologyStore, registry: TerminologyRegistry, principal: Principal, gate?: CommitGate) => {
    const once = async (write: WriteFn, retry: boolean) => {
      const existing = writtenCatalog(writer, csUrl, cmUrl);
      const ids = await newIds(existing, (type, id, url) => writer.idHeldForOtherUrl(type, id, url));
      const built = build(registry, existing, ids, await outsideImport(store, existing));
      return writeBuilt({ writer, write, store, principal, gate, preview, retryable, retry, basedOn: options.basedOn }, built, existing, parsed.messages, rows, log);
    };
    return withRetries(retryable, log, async (attempt, retry) => {
      if (attempt > 1) return writer.readModifyWrite((write) => once(write, retry));
      await writer.catchUp('write');
      return once((...args) => writer.write(...args), retry);
    });
  };

  if (options.target.kind === 'writer') {
    // A running server's own writer (the web page's import): its registry, store and the caller's principal.
    const { store, registry, writer, principal, gate } = options.target;
    return throughWriter(writer, store, registry, principal, gate);
  }

  const published = options.published ?? loadTerminology(options.terminologyDir, { includeExamples: options.includeExamples });

  if (options.target.kind === 'embedded') {
    const dataDir = options.target.dataDir;
    // the command line's path: a server on the embedded store has loaded these already, one on another store never needs them
    const { holdDataDir, serverUsing } = await import('../store/data-dir-lock');
    const { SQLITE_FILE_NAME, SqliteStore } = await import('../store/sqlite-store');
    const release = holdDataDir(dataDir, [SQLITE_FILE_NAME]);
    if (!release) {
      const server = serverUsing(dataDir);
      return fail([lineIssue('error', `A server${server?.pid !== undefined ? ` (pid ${server.pid})` : ''} is using ${dataDir}; import through it with --server URL --token TOKEN, or stop it first`)], rows);
    }
    let store: SqliteStore | undefined;
    try {
      store = SqliteStore.open(dataDir);
      const written = new ResourceSet(await store.loadAll());
      const publishedSet = new ResourceSet(published.resources);
      const registry = new TerminologyRegistry([written, publishedSet], published.defaultSupplements);
      const writer = new ResourceWriter({ store, registry, written, published: publishedSet, schema: sharedFhirSchemaValidator() });
      const principal: Principal = { kommunekode, admin: false, scopes: [], subject: 'import-local' };
      return await throughWriter(writer, store, registry, principal);
    } finally {
      await store?.close();
      release();
    }
  }

  const { baseUrl, token } = options.target;
  const base = baseUrl.replace(/\/$/, '');
  const registry = new TerminologyRegistry([new ResourceSet(published.resources)], published.defaultSupplements);
  const fetchCatalog = async (): Promise<Existing> => ({
    codeSystem: await fetchLatest<CodeSystem>(base, 'CodeSystem', csUrl),
    conceptMap: await fetchLatest<ConceptMap>(base, 'ConceptMap', cmUrl),
  });
  return withRetries(retryable, log, async (_attempt, retry) => {
    const existing = await fetchCatalog();
    const built = build(registry, existing, await newIds(existing, (type, id, url) => heldForOtherUrl(base, type, id, url)));
    const messages = [...parsed.messages, ...built.messages];
    if (messages.some((m) => m.severity === 'error')) return fail(messages, rows);
    if (preview) return { ok: true, rows, messages: sortMessages(messages), plan: built.plan };
    log(`sending to ${base}`);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [built.codeSystem, built.conceptMap].map((r, i) => {
        const previous = i === 0 ? existing.codeSystem : existing.conceptMap;
        return { resource: r, request: { method: 'PUT', url: `${r.resourceType}/${r.id}`, ...readCondition(previous) } };
      }),
    };
    // the command line reports in English: the server answers a write in Danish unless English is asked for
    const res = await fetch(`${base}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json', 'Accept-Language': 'en', Authorization: `Bearer ${token}` },
      body: JSON.stringify(bundle),
    });
    const body = (await res.json().catch(() => undefined)) as Bundle | OperationOutcome | undefined;
    if (!res.ok) {
      const conflict = res.status === 409 || res.status === 412;
      if (conflict && retry) return CONFLICTED;
      const issues = body?.resourceType === 'OperationOutcome' ? body.issue.map((i) => ({ severity: i.severity, text: i.details?.text ?? i.diagnostics ?? i.code, expression: i.expression })) : [];
      if (issues.length === 0) issues.push({ severity: 'error', text: `The server answered ${res.status}`, expression: undefined });
      const answered = lineIssuesOf(issues, built).map((m) => ({ ...m, text: `${issueText(m)}${m.line === undefined ? ` (HTTP ${res.status})` : ''}` }));
      const why = conflict ? [conflictIssue(existing, await fetchCatalog(), options.basedOn, retryable)] : [];
      return fail([...messages, ...why, ...answered], rows);
    }
    const response = body as Bundle;
    const warnings = (response.entry ?? []).flatMap((e) => (e.response?.outcome as OperationOutcome | undefined)?.issue ?? [])
      .filter((i) => i.severity === 'warning')
      .map((i) => ({ severity: i.severity, text: i.details?.text ?? i.code, expression: i.expression }));
    return {
      ok: true, rows, messages: sortMessages([...messages, ...lineIssuesOf(warnings, built)]),
      written: { codeSystem: response.entry?.[0]?.response?.location ?? '', conceptMap: response.entry?.[1]?.response?.location ?? '', version: built.codeSystem.version },
      plan: built.plan,
    };
  });
}

/**
 * How many times a merge is written when other writes change the catalog between its read and its write. Inside one
 * server the second attempt holds the write queue, so only another replica's writes can refuse it again; each refusal
 * is another import landing, so this is about how many imports of one catalog may run at once on the other replicas.
 */
export const MERGE_ATTEMPTS = 10;

/** The most a merge waits before its attempt `n` (n ≥ 3, chosen at random), so replicas racing for a catalog fall out of step. */
const RETRY_PAUSE_MS = 10;

/** An attempt refused because another write changed the catalog since it was read, to be made again. */
const CONFLICTED = Symbol('conflicted');

/**
 * Makes the attempts of an import: one, or for a merge (`retryable`) up to MERGE_ATTEMPTS while they are refused for
 * a conflict. `attempt` answers CONFLICTED only when `retry` allows it; the last attempt answers the conflict.
 */
async function withRetries(
  retryable: boolean, log: (line: string) => void,
  attempt: (n: number, retry: boolean) => Promise<ImportOutcome | typeof CONFLICTED>,
): Promise<ImportOutcome> {
  for (let n = 1; ; n++) {
    const outcome = await attempt(n, retryable && n < MERGE_ATTEMPTS);
    if (outcome !== CONFLICTED) return outcome;
    log(`the catalog was changed by another write meanwhile; merging into it again (attempt ${n + 1} of ${MERGE_ATTEMPTS})`);
    if (n >= 2) await new Promise((resolve) => setTimeout(resolve, Math.random() * RETRY_PAUSE_MS * (n - 1)));
  }
}

/** The write's condition on the version read: If-Match that version, or If-None-Match: * when there was none. */
/**
 * On a running server: whether the id is another url's (see ResourceWriter.idHeldForOtherUrl). A deleted resource
 * (410) is the url's own when every version its history keeps has that url.
 */
async function heldForOtherUrl(base: string, type: 'CodeSystem' | 'ConceptMap', id: string, url: string): Promise<boolean> {
  const read = await fetch(`${base}/${type}/${encodeURIComponent(id)}`, { headers: { Accept: 'application/fhir+json' } });
  await read.arrayBuffer();
  if (read.status === 404) return false;
  if (read.status !== 410) return true;
  const history = await fetch(`${base}/${type}/${encodeURIComponent(id)}/_history?_count=1000`, { headers: { Accept: 'application/fhir+json' } });
  const bundle = (await history.json().catch(() => undefined)) as Bundle | undefined;
  if (!history.ok || bundle?.resourceType !== 'Bundle') return true;
  return (bundle.entry ?? []).some((e) => e.resource !== undefined && (e.resource as TerminologyResource).url !== url);
}

function readCondition(read: TerminologyResource | undefined): { ifMatch: string } | { ifNoneMatch: string } {
  const version = read?.meta?.versionId;
  return version ? { ifMatch: `W/"${version}"` } : { ifNoneMatch: '*' };
}

/**
 * Why an import was refused for a conflict, naming the versions: the catalog (or its map) as the import read it and
 * as it is now; with `basedOn`, the version the preview was made against (import-plan.ts checkBasedOn).
 */
function conflictIssue(read: Existing, now: Existing, basedOn: string | undefined, merged: boolean): Issue {
  if (basedOn !== undefined) {
    try {
      checkBasedOn(basedOn, now);
    } catch (e) {
      if (e instanceof FhirError) return { severity: 'error', code: 'conflict', text: { en: e.message, da: e.options.da ?? e.message }, expression: ['basedOn'] };
    }
  }
  const again = merged
    ? { en: `; nothing was written after ${MERGE_ATTEMPTS} attempts, import again`, da: `; intet blev gemt efter ${MERGE_ATTEMPTS} forsøg, importér igen.` }
    : { en: '; nothing was written, import again (preview first to see what it changes)', da: '; intet blev gemt, importér igen (se forhåndsvisningen først).' };
  for (const key of ['codeSystem', 'conceptMap'] as const) {
    const before = read[key];
    const after = now[key];
    const [was, is] = [before?.meta?.versionId, after?.meta?.versionId];
    if (was === is) continue;
    const what = `${key === 'codeSystem' ? 'CodeSystem' : 'ConceptMap'}/${after?.id ?? before?.id}`;
    const nowEn = is ? `it is now at version ${is}` : 'it is now deleted';
    const nowDa = is ? `den er nu i version ${is}` : 'den er nu slettet';
    return {
      severity: 'error', code: 'conflict', text: {
        en: `${what} was changed by another write during the import: ${nowEn}, ${was ? `not version ${was} as the import read it` : 'and the import found none'}${again.en}`,
        da: `${what} er ændret af en anden under importen: ${nowDa}, ${was ? `ikke version ${was}, som importen læste` : 'og importen fandt ingen'}${again.da}`,
      },
    };
  }
  return {
    severity: 'error', code: 'conflict', text: {
      en: `The catalog was changed by another write during the import${again.en}`,
      da: `Kataloget er ændret af en anden under importen${again.da}`,
    },
  };
}

type Existing = { codeSystem?: CodeSystem; conceptMap?: ConceptMap };

/** The municipality's catalog as written (what the import replaces or merges into). */
function writtenCatalog(writer: ResourceWriter, csUrl: string, cmUrl: string): Existing {
  return { codeSystem: writer.written('CodeSystem', csUrl), conceptMap: writer.written('ConceptMap', cmUrl) };
}
type Planned = BuiltCatalog & { plan: ImportPlan };

interface WriteContext {
  writer: ResourceWriter;
  /** The writer's `write`, or the one of a read-modify-write (a retried merge). */
  write: WriteFn;
  store: TerminologyStore;
  principal: Principal;
  gate?: CommitGate;
  preview: boolean;
  /** The import is a merge tried again on a conflict (MERGE_ATTEMPTS). */
  retryable: boolean;
  /** A conflict is answered CONFLICTED (and not recorded), to be tried again. */
  retry: boolean;
  basedOn?: string;
}

/**
 * Writes the built CodeSystem and ConceptMap through the server's writer (validation, both or neither), conditional on
 * the versions read (`existing`); a preview runs the same validation and writes nothing. A conflict is answered with
 * its status (412, or the store's 409) and the versions, or CONFLICTED when `retry`.
 */
async function writeBuilt(
  ctx: WriteContext, built: Planned, existing: Existing, parsedMessages: Issue[], rows: number, log: (line: string) => void,
): Promise<ImportOutcome | typeof CONFLICTED> {
  const { writer, principal, preview } = ctx;
  const messages = [...parsedMessages, ...built.messages];
  log('validating');
  const requests: WriteRequest[] = [
    { method: 'PUT', resourceType: 'CodeSystem', id: built.codeSystem.id, body: built.codeSystem, ...readCondition(existing.codeSystem) },
    { method: 'PUT', resourceType: 'ConceptMap', id: built.conceptMap.id, body: built.conceptMap, ...readCondition(existing.conceptMap) },
  ];
  if (messages.some((m) => m.severity === 'error')) return fail([...messages, ...await rulesOfTheRest(ctx, requests, built, messages)], rows);
  try {
    if (preview) {
      const checked = await writer.check(principal, requests, ctx.gate);
      return { ok: true, rows, messages: sortMessages([...messages, ...lineIssuesOf(checked.flatMap((r) => r.warnings), built)]), plan: built.plan };
    }
    const results = await ctx.write(principal, requests, ctx.gate, 'import-local', { retriesConflict: ctx.retry });
    const warnings = lineIssuesOf(results.flatMap((r) => r.warnings), built);
    return {
      plan: built.plan,
      ok: true, rows, messages: sortMessages([...messages, ...warnings]),
      written: {
        codeSystem: `CodeSystem/${results[0]!.id}/_history/${results[0]!.version?.versionId}`,
        conceptMap: `ConceptMap/${results[1]!.id}/_history/${results[1]!.version?.versionId}`,
        version: built.codeSystem.version,
      },
    };
  } catch (e) {
    const recorded = !preview;
    if (e instanceof WriteValidationError) return { ...fail([...messages, ...lineIssuesOf(e.issues, built)], rows), recorded };
    if (isWriteConflict(e)) {
      if (ctx.retry) return CONFLICTED;
      const read = async <T extends 'CodeSystem' | 'ConceptMap'>(type: T, id: string | undefined) => (id === undefined ? undefined : ctx.store.read(type, id));
      const now = { codeSystem: await read('CodeSystem', built.codeSystem.id), conceptMap: await read('ConceptMap', built.conceptMap.id) } as Existing;
      const issue = conflictIssue(existing, now, ctx.basedOn, ctx.retryable);
      return { ...fail([...messages, issue], rows), recorded, status: e.status as 409 | 412 };
    }
    // The store's own failures (503 not written, 504 outcome unknown, 507 full) keep their status and their words.
    if (e instanceof FhirError && e.status < 500) return { ...fail([...messages, lineIssue('error', e.message, e.options.da)], rows), recorded };
    throw e;
  }
}

/**
 * When rows were refused as they were read, the write's own rules on what the other rows built (a map target an
 * intervention has twice, a local code without a target …), so that a file is mended in one round: nothing is
 * written, and a line already refused is not said again. Other refusals (a conflict, the store) are the write's to say.
 */
async function rulesOfTheRest(ctx: WriteContext, requests: WriteRequest[], built: Planned, said: readonly Issue[]): Promise<Issue[]> {
  const refusedLines = new Set(said.filter((m) => m.severity === 'error' && m.line !== undefined).map((m) => m.line));
  try {
    await ctx.writer.check(ctx.principal, requests, ctx.gate);
    return [];
  } catch (e) {
    if (!(e instanceof WriteValidationError)) {
      if (e instanceof FhirError && e.status < 500) return [];
      throw e;
    }
    return lineIssuesOf(e.issues, built).filter((m) => m.severity === 'error' && m.line !== undefined && !refusedLines.has(m.line));
  }
}

async function fetchLatest<T extends TerminologyResource>(base: string, type: string, url: string): Promise<T | undefined> {
  const res = await fetch(`${base}/${type}?url=${encodeURIComponent(url)}`, { headers: { Accept: 'application/fhir+json' } });
  if (!res.ok) throw new Error(`GET ${type}?url=${url} answered ${res.status}`);
  const bundle = (await res.json()) as Bundle;
  const list = (bundle.entry ?? []).map((e) => e.resource as T).filter((r) => r?.meta?.versionId);
  return list[list.length - 1];
}
