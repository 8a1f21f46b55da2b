import type { AuditEvent, Bundle, BundleEntry, CodeSystem, CodeSystemConcept, ConceptMap, Resource } from 'fhir/r4';
import { allPages, type FetchBundle } from './fhir';

/** One saved version of a resource, with who saved it (from the audit log) when the log names it. */
export interface VersionEntry {
  versionId: string;
  lastUpdated?: string;
  /** create, update or delete */
  method: string;
  resource?: Resource;
  /** The token's sub of the writer. */
  author?: string;
  kommunekode?: string;
  /** How it was written: update, transaction, $import-local … */
  operation?: string;
}

/** One difference between two versions, in Danish, as the page shows it. */
export interface Change {
  kind: 'ny' | 'fjernet' | 'ændret';
  code: string;
  text: string;
}

const METHOD: Record<string, string> = { POST: 'create', PUT: 'update', DELETE: 'delete' };

/** What a history entry's request did: a PUT that created the resource (answered 201) is a create, as a POST is. */
function methodOf(e: BundleEntry): string {
  const method = e.request?.method ?? '';
  if (method === 'PUT' && e.response?.status?.startsWith('201')) return 'create';
  return METHOD[method] ?? method;
}

function versionIdOf(e: BundleEntry): string {
  return e.resource?.meta?.versionId ?? e.response?.etag?.replace(/^W\/"|"$/g, '') ?? e.fullUrl?.split('/').pop() ?? '?';
}

/** The successful writes among AuditEvents, by the version of `{type}/{id}` each wrote. */
function authorsOf(audit: BundleEntry[], type: string, id: string): Map<string, AuditEvent> {
  const authors = new Map<string, AuditEvent>();
  for (const e of audit) {
    const event = e.resource as AuditEvent | undefined;
    if (event?.outcome !== '0') continue;
    for (const entity of event.entity ?? []) {
      const ref = entity.what?.reference;
      if (ref?.startsWith(`${type}/${id}/_history/`)) authors.set(ref.slice(ref.lastIndexOf('/') + 1), event);
    }
  }
  return authors;
}

/** The versions of a _history Bundle, newest first, with their author from the AuditEvents of the resource. */
export function versionsWithAuthors(history: Bundle, audit: Bundle | undefined, type: string, id: string): VersionEntry[] {
  const authors = authorsOf(audit?.entry ?? [], type, id);
  return (history.entry ?? []).map((e) => {
    const versionId = versionIdOf(e);
    const event = authors.get(versionId);
    const sub = event?.agent?.find((a) => a.requestor)?.who;
    const municipality = event?.agent?.find((a) => !a.requestor)?.who?.identifier?.value;
    const op = event?.subtype?.[0];
    return {
      versionId,
      lastUpdated: e.resource?.meta?.lastUpdated ?? e.response?.lastModified ?? event?.recorded,
      method: methodOf(e),
      resource: e.resource,
      ...(sub ? { author: sub.identifier?.value ?? sub.display } : {}),
      ...(municipality ? { kommunekode: municipality } : {}),
      ...(op ? { operation: op.display ?? op.code } : {}),
    };
  });
}

/** A resource's history as the page shows it: the newest versions, and whether older ones were left out. */
export interface VersionHistory {
  versions: VersionEntry[];
  /** Older versions than the last of `versions` exist but are not shown (more than `most`). */
  cut: boolean;
}

/** The most a page of `_history` or of the AuditEvent search holds (their `_count` at most). */
export const HISTORY_PAGE = 1000;

/**
 * The newest `most` versions of a resource (following `_history`'s pages), each with its author from the audit log,
 * whose pages are read until every one of those versions has its event. Only the writes that were done are asked for
 * (outcome=0): a refused write wrote no version.
 * `fetchAudit`: reads the audit log (it needs the municipality's token); without it, or refused, no authors are shown.
 */
export async function loadVersionHistory(
  type: string, id: string, fetchHistory: FetchBundle, fetchAudit: FetchBundle | undefined, limits: { page?: number; most?: number; mostEvents?: number } = {},
): Promise<VersionHistory> {
  const { page = HISTORY_PAGE, most = 2 * HISTORY_PAGE, mostEvents = 10 * HISTORY_PAGE } = limits;
  const history = await allPages(`${type}/${id}/_history?_count=${page}`, fetchHistory, most);
  const wanted = history.entries.map(versionIdOf);
  const found = (entries: BundleEntry[]) => {
    const authors = authorsOf(entries, type, id);
    return wanted.every((v) => authors.has(v));
  };
  const events = fetchAudit
    ? await allPages(`AuditEvent?entity=${encodeURIComponent(`${type}/${id}`)}&outcome=0&_count=${page}`, fetchAudit, mostEvents, found).catch((e: unknown) => {
      if ((e as Error)?.name === 'AbortError') throw e;
      return undefined;
    })
    : undefined;
  const bundle = (entries: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'collection', entry: entries });
  return {
    versions: versionsWithAuthors(bundle(history.entries), events && bundle(events.entries), type, id),
    cut: history.cut,
  };
}

/**
 * How a version was written, as the page names it: the audit log's operations (src/write/audit.ts, a named operation
 * by its `$name`) besides a plain create, update or delete, which the version's method already says.
 */
const OPERATION_DA: Record<string, string> = {
  transaction: 'redigering', '$import-local': 'CSV-import', '$load-package': 'indlæsning af pakke', '$unload-package': 'fjernelse af pakke',
};

/** `CSV-import` for `$import-local`; undefined for a create, update or delete. */
export function operationLabel(operation: string | undefined): string | undefined {
  if (!operation || operation === 'create' || operation === 'update' || operation === 'delete') return undefined;
  return OPERATION_DA[operation] ?? operation;
}

function concepts(cs: CodeSystem | undefined): Map<string, CodeSystemConcept> {
  const out = new Map<string, CodeSystemConcept>();
  const walk = (list: CodeSystemConcept[] | undefined) => {
    for (const c of list ?? []) {
      out.set(c.code, c);
      walk(c.concept);
    }
  };
  walk(cs?.concept);
  return out;
}

function targets(cm: ConceptMap | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const g of cm?.group ?? []) {
    for (const el of g.element ?? []) {
      if (!el.code) continue;
      out.set(el.code, [...(out.get(el.code) ?? []), ...(el.target ?? []).map((t) => t.display ?? t.code ?? '')].sort());
    }
  }
  return out;
}

const quote = (s: string | undefined) => `«${s ?? ''}»`;

/** What changed from one version to the next: codes and titles of a catalog, couplings of a map, the version number. */
export function versionChanges(before: Resource | undefined, after: Resource | undefined): Change[] {
  const out: Change[] = [];
  const b = before as (CodeSystem | ConceptMap | undefined);
  const a = after as (CodeSystem | ConceptMap | undefined);
  if (b?.version !== a?.version && b && a) out.push({ kind: 'ændret', code: '', text: `Version ${b.version ?? '–'} → ${a.version ?? '–'}` });
  if ((a ?? b)?.resourceType === 'CodeSystem') {
    const was = concepts(b as CodeSystem | undefined);
    const now = concepts(a as CodeSystem | undefined);
    for (const [code, c] of now) {
      const old = was.get(code);
      if (!old) out.push({ kind: 'ny', code, text: `Ny kode ${code} ${quote(c.display)}` });
      else if ((old.display ?? '') !== (c.display ?? '')) out.push({ kind: 'ændret', code, text: `Titel på ${code}: ${quote(old.display)} → ${quote(c.display)}` });
      else if ((old.definition ?? '') !== (c.definition ?? '')) out.push({ kind: 'ændret', code, text: `Beskrivelse af ${code} ændret` });
    }
    for (const [code, c] of was) if (!now.has(code)) out.push({ kind: 'fjernet', code, text: `Kode ${code} ${quote(c.display)} fjernet` });
  } else if ((a ?? b)?.resourceType === 'ConceptMap') {
    const was = targets(b as ConceptMap | undefined);
    const now = targets(a as ConceptMap | undefined);
    for (const [code, t] of now) {
      const old = was.get(code);
      if (!old) out.push({ kind: 'ny', code, text: `${code} koblet til ${t.join(', ')}` });
      else if (old.join('\n') !== t.join('\n')) out.push({ kind: 'ændret', code, text: `Kobling af ${code}: ${old.join(', ') || 'ingen'} → ${t.join(', ') || 'ingen'}` });
    }
    for (const [code, t] of was) if (!now.has(code)) out.push({ kind: 'fjernet', code, text: `Kobling af ${code} (${t.join(', ')}) fjernet` });
  }
  return out;
}
