import { STANDARDS_STATUS_EXT } from '../valueset-extensions';
import type { CodeSystem, ValueSet } from 'fhir/r4';
import type { Issue } from '../../errors/issue';
import { msg } from './messages';


function standardsStatus(r: CodeSystem | ValueSet): string | undefined {
  if (r.extension) for (const e of r.extension) if (e.url === STANDARDS_STATUS_EXT) return e.valueCode;
  return undefined;
}

function canonicalOf(r: CodeSystem | ValueSet): string {
  return r.version ? `${r.url}|${r.version}` : `${r.url ?? ''}`;
}

/**
 * An informational issue when a validation relies on a code system or value set that is deprecated, withdrawn or
 * retired, or that is experimental or draft while the value set using it is not.
 */
export function canonicalStatusIssue(resource: CodeSystem | ValueSet, source: ValueSet | undefined): Issue | undefined {
  const standards = standardsStatus(resource);
  let status: string | undefined;
  if (standards === 'deprecated' || standards === 'withdrawn') status = standards;
  else if (resource.status === 'retired') status = 'retired';
  else if (source && resource !== source) {
    const sourceDraft = source.status === 'draft' || standardsStatus(source) === 'draft';
    if (resource.experimental && !source.experimental) status = 'experimental';
    else if ((resource.status === 'draft' || standards === 'draft') && !sourceDraft) status = 'draft';
  }
  if (!status) return undefined;
  const m = msg.statusReference(status, resource.resourceType, canonicalOf(resource));
  return { severity: 'information', code: 'business-rule', txIssueType: 'status-check', ...m };
}
