import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AuditEvent, AuditEventAgent, AuditEventEntity } from 'fhir/r4';
import type { Principal } from '../auth/verifier';
import { counted } from '../errors/counted';
import { danishReason, FhirError } from '../errors/fhir-error';
import { translation, type Bilingual } from '../errors/issue';
import { kommunekodeIdentifier, resourceKommunekoder } from '../municipal/municipality';
import type { AuditOfWrite, AuditRecord } from '../store/audit-log';
import type { RestoreAudit } from '../store/sqlite-backup';
import { nowInstant } from '../store/store-support';
import type { StoredVersion } from '../store/store';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { idOwner, idOwnerKommunekoder } from './id-ownership';
import { municipalityName } from '../municipal/kommuner';

/** What a write request was: one REST interaction, a transaction Bundle, an import ($import-local), or a package loaded or unloaded. */
export type WriteOperationName = 'create' | 'update' | 'delete' | 'transaction' | 'import-local' | 'load-package' | 'unload-package';

/** The token subject as an identifier: who wrote. */
export const TOKEN_SUBJECT_SYSTEM = 'http://faelles-tx.dk/fhir/NamingSystem/token-subject';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ACTION: Record<WriteOperationName, AuditEvent['action']> = {
  create: 'C', update: 'U', delete: 'D', transaction: 'E', 'import-local': 'E', 'load-package': 'C', 'unload-package': 'D',
};
/** The write requests that are operations ($…), not REST interactions. */
const OPERATION_NAMES = new Set<WriteOperationName>(['import-local', 'load-package', 'unload-package']);

/** One resource a write touched (or meant to touch, when refused). */
export interface AuditTarget {
  resourceType: TerminologyType | string;
  id?: string;
  /** The resource before the write (update, delete), for its municipality. */
  before?: TerminologyResource;
  /** The resource the write asked for (create, update). */
  after?: TerminologyResource;
  /**
   * What happened to it: create, update or delete (the store's method for a success), or read: a create whose
   * If-None-Exist found it, which wrote nothing.
   */
  method: 'create' | 'update' | 'delete' | 'read';
  /** Its url, when no resource names it (an import refused before it built its resources). */
  url?: string;
}

/** Text as PostgreSQL stores it: no NUL, and bounded. */
function clean(text: string, max = 2000): string {
  const t = text.replace(/\u0000/g, '');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

function canonicalOf(r: TerminologyResource | undefined): string | undefined {
  const url = (r as { url?: unknown } | undefined)?.url;
  if (typeof url !== 'string' || url === '') return undefined;
  const version = (r as { version?: unknown }).version;
  return clean(typeof version === 'string' && version ? `${url}|${version}` : url, 2100);
}

function agents(principal: Principal): AuditEventAgent[] {
  const out: AuditEventAgent[] = [{
    who: principal.subject ? { identifier: { system: TOKEN_SUBJECT_SYSTEM, value: clean(principal.subject, 256) }, display: clean(principal.subject, 256) } : { display: 'ukendt (token uden sub)' },
    requestor: true,
    ...(principal.admin ? { role: [{ text: 'admin' }] } : {}),
  }];
  if (principal.kommunekode) {
    out.push({ who: { identifier: kommunekodeIdentifier(principal.kommunekode), display: municipalityName(principal.kommunekode) }, requestor: false });
  }
  return out;
}

function municipalitiesOf(t: AuditTarget): string[] {
  const owner = t.id ? idOwner(t.id, t.before) : undefined;
  const out = new Set(owner ? idOwnerKommunekoder(owner) : []);
  for (const r of [t.before, t.after]) {
    if (!r) continue;
    try {
      for (const k of resourceKommunekoder(r)) out.add(k);
    } catch {
      // a refused body may be malformed: it names no municipality then
    }
  }
  return [...out];
}

function entity(t: AuditTarget, version?: StoredVersion): AuditEventEntity {
  // a version read names no version: `entity=Type/id/_history/n` finds the events that wrote it
  const written = t.method === 'read' ? undefined : version;
  const reference = t.id ? `${t.resourceType}/${t.id}${written ? `/_history/${written.versionId}` : ''}` : undefined;
  const name = canonicalOf(version?.resource ?? t.after ?? t.before) ?? t.url;
  return {
    what: reference ? { reference: clean(reference, 200) } : { display: String(t.resourceType) },
    type: { system: 'http://hl7.org/fhir/resource-types', code: String(t.resourceType) },
    ...(name ? { name } : {}),
    detail: [{ type: 'operation', valueString: written?.method ?? t.method }],
  };
}

/**
 * The event's action: the operation's, but a PUT (FHIR's update interaction) that made the resource created it, and a
 * create whose If-None-Exist found the resource read it.
 */
function actionOf(operation: WriteOperationName, targets: readonly AuditTarget[], versions: readonly (StoredVersion | undefined)[]): AuditEvent['action'] {
  if (operation === 'update' && versions.length === 1 && versions[0]?.method === 'create') return 'C';
  if (operation === 'create' && targets.length > 0 && targets.every((t) => t.method === 'read')) return 'R';
  return ACTION[operation];
}

function record(principal: Principal, operation: WriteOperationName, targets: AuditTarget[], outcome: { code: '0' | '4' | '8'; desc?: string | Bilingual },
  versions: readonly (StoredVersion | undefined)[] = [], extraOwners: string[] = [], at?: string): AuditRecord {
  // a write's event has the write's own time (meta.lastUpdated, the database's clock on PostgreSQL)
  const recorded = at ?? versions.find((v) => v)?.lastUpdated ?? nowInstant();
  const event: AuditRecord['event'] = {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [OPERATION_NAMES.has(operation)
      ? { system: RESTFUL_INTERACTION, code: 'operation', display: `$${operation}` }
      : { system: RESTFUL_INTERACTION, code: operation }],
    action: actionOf(operation, targets, versions),
    recorded,
    outcome: outcome.code,
    ...outcomeDescOf(outcome.desc),
    agent: agents(principal),
    source: { observer: { display: 'faelles-tx' } },
    entity: targets.map((t, i) => entity(t, versions[i])),
  };
  const entities = new Set<string>();
  targets.forEach((t, i) => {
    if (t.id) entities.add(`${t.resourceType}/${t.id}`);
    if (t.url) entities.add(t.url);
    for (const r of [versions[i]?.resource, t.after, t.before]) {
      const canonical = canonicalOf(r);
      if (!canonical) continue;
      entities.add(canonical);
      entities.add(canonical.split('|')[0]!);
    }
  });
  const owners = new Set([...targets.flatMap(municipalitiesOf), ...extraOwners]);
  const agentKeys = [principal.subject, principal.kommunekode].filter((x): x is string => typeof x === 'string' && x !== '').map((x) => clean(x, 256));
  return { event, owners: [...owners], agents: agentKeys, entities: [...entities] };
}

/**
 * The record of a write that the store commits: made from the versions, in the write's transaction; `at`, the time of
 * the versions it wrote (now when it wrote none: a version it did not write is not its time). `note`: what the outcome
 * says beside success (the updates that changed nothing, and so made no version).
 */
export function auditOfWrite(principal: Principal, operation: WriteOperationName, targets: AuditTarget[], note?: string):
  (versions: readonly (StoredVersion | undefined)[], at: string | undefined) => AuditRecord {
  return (versions, at) => record(principal, operation, targets, { code: '0', desc: note }, versions, requesterOf(principal), at ?? nowInstant());
}

/**
 * The record of a refused write: 4 (minor failure) for a refusal of the request (403, 409, 412, 422 …), 8 for an
 * error that is not a FhirError (a defect). The requesting municipality sees it too, whoever owns what it tried to write.
 */
export function auditOfRefusal(principal: Principal, operation: WriteOperationName, targets: AuditTarget[], error: unknown): AuditRecord {
  const status = error instanceof FhirError ? error.status : 500;
  const en = `${status}: ${error instanceof Error ? error.message : String(error)}`;
  const da = danishReason(error);
  const desc = da === undefined ? en : { en, da: `${status}: ${da}` };
  return record(principal, operation, targets, { code: status < 500 ? '4' : '8', desc }, [], requesterOf(principal));
}

/**
 * The outcome's text: the audit log is read by municipal staff, so a text with a Danish one is recorded in Danish,
 * the English beside it as FHIR's translation extension (as an OperationOutcome issue carries it).
 */
function outcomeDescOf(desc: string | Bilingual | undefined): Pick<AuditEvent, 'outcomeDesc' | '_outcomeDesc'> {
  if (!desc) return {};
  if (typeof desc === 'string') return { outcomeDesc: clean(desc) };
  return { outcomeDesc: clean(desc.da), _outcomeDesc: translation('en', clean(desc.en)) };
}

/** The requesting municipality sees its own writes' events, also those that wrote nothing of its own (a delete that found nothing). */
function requesterOf(principal: Principal): string[] {
  return principal.kommunekode ? [principal.kommunekode] : [];
}

/** The operation of a write request list, as the audit log names it: a transaction Bundle's entries (`entry`) are a transaction, one entry too. */
export function operationOf(requests: readonly { method: 'POST' | 'PUT' | 'DELETE'; entry?: number }[], given?: WriteOperationName): WriteOperationName {
  if (given) return given;
  if (requests.length !== 1 || requests[0]!.entry !== undefined) return 'transaction';
  return requests[0]!.method === 'POST' ? 'create' : requests[0]!.method === 'PUT' ? 'update' : 'delete';
}

/** The FHIR package a `$load-package` or `$unload-package` was about, as its AuditEvent names it. */
export interface AuditedPackage {
  /** name#version, or what the request named when the package could not be read. */
  label: string;
  /** Its CodeSystems, ValueSets and ConceptMaps (none when it could not be read). */
  resources: readonly TerminologyResource[];
}

/**
 * The record of a package loaded or unloaded (or refused: pass the error): an entity for the package (searchable by
 * `name#version`) and one per resource it brought or took away (searchable by url and url|version). A load or
 * unload done is recorded at its own time (`at`: loadedAt, unloadedAt), in the store's transaction.
 */
export function auditOfPackage(principal: Principal, operation: 'load-package' | 'unload-package', pkg: AuditedPackage, error?: unknown, at?: string): AuditRecord {
  const method = operation === 'load-package' ? 'create' : 'delete';
  const targets: AuditTarget[] = pkg.resources.map((r) => ({ resourceType: r.resourceType, method, ...(method === 'create' ? { after: r } : { before: r }) }));
  const out = error === undefined ? record(principal, operation, targets, { code: '0' }, [], [], at) : auditOfRefusal(principal, operation, targets, error);
  const label = clean(pkg.label, 300);
  out.event.entity = [{ what: { display: label }, type: { system: 'http://hl7.org/fhir/resource-types', code: 'Binary' }, name: label, detail: [{ type: 'package', valueString: label }] }, ...(out.event.entity ?? [])];
  out.entities = [label, ...out.entities];
  return out;
}

/** The OS account that ran a tool on the server's machine (`npm run restore`): who restored. */
export const OS_USER_SYSTEM = 'http://faelles-tx.dk/fhir/NamingSystem/os-user';
/** The agent key every restore is found by (`AuditEvent?agent=faelles-tx:restore`), beside the OS account's name. */
export const RESTORE_AGENT = 'faelles-tx:restore';

/**
 * The record of a restore of the embedded store from a backup (`npm run restore`), kept in the restored file: DICOM's
 * "Import" (the store's content came from a file), by the OS account that ran it, with the backup as its entity and
 * where the replaced data file, and the events recorded after the backup, went.
 */
export function auditOfRestore(user: string, restore: RestoreAudit): AuditRecord {
  const file = clean(path.basename(restore.backup), 300);
  const { contents } = restore;
  const replaced = restore.replacedDir ? `; the data file it replaced, with the events recorded after the backup, is in ${restore.replacedDir}` : '';
  const event: AuditRecord['event'] = {
    resourceType: 'AuditEvent',
    id: randomUUID(),
    type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110107', display: 'Import' },
    action: 'E',
    recorded: restore.at,
    outcome: '0',
    outcomeDesc: clean(`Restored from the backup ${restore.backup} (${counted(contents.resources, 'resource', 'resources')}, ` +
      `${counted(contents.versions, 'version', 'versions')}, ${counted(contents.auditEvents, 'audit event', 'audit events')}, ` +
      `schema version ${contents.schemaVersion})${replaced}`),
    agent: [{ who: { identifier: { system: OS_USER_SYSTEM, value: clean(user, 256) }, display: clean(user, 256) }, requestor: true, role: [{ text: 'admin' }] }],
    source: { observer: { display: 'faelles-tx' } },
    entity: [{ what: { display: file }, type: { system: 'http://hl7.org/fhir/resource-types', code: 'Binary' }, name: file, detail: [{ type: 'backup', valueString: clean(restore.backup) }] }],
  };
  return { event, owners: [], agents: [RESTORE_AGENT, clean(user, 256)], entities: [file] };
}
