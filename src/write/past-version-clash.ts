import type { RuleIssue } from '../municipal/rule-issues';
import type { VersionHistory } from '../store/past-version';
import { canonical } from '../terminology/canonical';
import type { TerminologyResource, TerminologyType } from '../terminology/resource-set';

/**
 * A url|version another resource wrote and a later write of that resource replaced: `url|version` still answers what
 * was written under it (README "Every written version stays addressable"), so no other resource may write it again,
 * or past data would be read with other content. The resource that wrote it may (an update, as for its current
 * version), and a deleted resource's versions are free, as its current version is (the stores' rule: a url|version
 * names one live resource). `deletedByWrite`: the write deletes that resource too (a transaction taking over a url).
 */
export function pastVersionClash(type: TerminologyType, id: string, resource: TerminologyResource, history: VersionHistory,
  deletedByWrite: (id: string) => boolean): RuleIssue | undefined {
  if (!resource.url) return undefined;
  const holder = history.heldBy(type, resource.url, resource.version);
  if (!holder?.id || holder.id === id || deletedByWrite(holder.id)) return undefined;
  const label = canonical(resource.url, resource.version);
  const where = `${type}/${holder.id}${holder.meta?.versionId ? ` (version ${holder.meta.versionId})` : ''}`;
  return {
    severity: 'error', code: 'duplicate', expression: [`${type}.url`],
    text: {
      en: `${label} is already used by ${where}, which a later version of that resource replaced; ${label} keeps answering what was written under it, so give this ${type} another version`,
      da: `${label} bruges allerede af ${where}, som en senere version af den ressource har afløst; ${label} svarer fortsat med det, der blev skrevet under den, så giv denne ${type} en anden version.`,
    },
  };
}
