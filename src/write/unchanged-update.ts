import { canonicalJson } from '../fhir/canonical-json';
import type { StoredVersion } from '../store/store';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';
import { withoutVersionMeta } from './request-checks';

/**
 * Whether an update would store the resource as it is: `after` (the body as the write stores it, without
 * meta.versionId and meta.lastUpdated) has the current version's content, whatever the order of its keys. Such an
 * update makes no version (as HAPI FHIR does by default): a nightly re-sync of unchanged catalogs, or a PUT sent again
 * after an unknown outcome, leaves the history, the audit trail's versions, the cached answers and the pick lists as
 * they were.
 */
export function isUnchangedUpdate(after: TerminologyResource, before: TerminologyResource): boolean {
  return canonicalJson(after) === canonicalJson(withoutVersionMeta({ ...before }));
}

/** The current version, as the answer to an update that changed nothing names it. */
export function currentVersion(type: TerminologyType, id: string, before: TerminologyResource): StoredVersion {
  return { resourceType: type, id, versionId: before.meta!.versionId!, lastUpdated: before.meta!.lastUpdated!, method: 'update', resource: before };
}
