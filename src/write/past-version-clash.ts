import type { RuleIssue } from '../municipal/rule-issues';
import { isUnchangedUpdate } from './unchanged-update';
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

/**
 * A resource writing again, with other content, a version it wrote before and has since replaced (2.0.0 written after
 * 1.0.0, then 1.0.0 again): allowed, as for its current version, but `url|version` then answers the new content, and
 * what was translated, counted or compared with the earlier one reads this. Said as a warning, so that a catalog
 * rewritten by mistake can be given a new version instead.
 */
export function pastVersionRewritten(type: TerminologyType, id: string, resource: TerminologyResource, current: TerminologyResource | undefined,
  history: VersionHistory): RuleIssue | undefined {
  if (!resource.url || !current || current.version === resource.version) return undefined;
  const earlier = history.heldBy(type, resource.url, resource.version);
  if (!earlier || earlier.id !== id || isUnchangedUpdate(resource, earlier)) return undefined;
  const label = canonical(resource.url, resource.version);
  const where = `${type}/${id}${earlier.meta?.versionId ? `/_history/${earlier.meta.versionId}` : ''}`;
  return {
    severity: 'warning', code: 'business-rule', expression: [`${type}.version`],
    text: {
      en: `${label} was written before (${where}) with other content, and ${canonical(resource.url, current.version)} after it; ${label} will answer this content, ` +
        `also for what was translated, counted or compared with the earlier one. Give this ${type} a new version to keep the earlier content addressable`,
      da: `${label} er skrevet før (${where}) med et andet indhold, og ${canonical(resource.url, current.version)} efter den; ${label} vil svare med dette indhold, ` +
        `også for det, der er oversat, talt eller sammenlignet med det tidligere. Giv denne ${type} en ny version for at bevare det tidligere indhold.`,
    },
  };
}
