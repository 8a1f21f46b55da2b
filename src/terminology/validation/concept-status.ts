import { STANDARDS_STATUS_EXT } from '../valueset-extensions';
import type { CodeSystemProvider, Concept } from '../providers/provider';


function standardsStatus(concept: Concept): string | undefined {
  return concept.extensions?.find((e) => e.url === STANDARDS_STATUS_EXT)?.valueCode;
}

/**
 * The status a validation reports for a concept: its status property (or what inactive/deprecated properties
 * imply), else the standards-status extension on the concept; `active` when nothing says otherwise.
 */
export function conceptStatus(provider: CodeSystemProvider, concept: Concept): string {
  const status = provider.status(concept);
  if (status !== 'active') return status;
  return standardsStatus(concept) ?? 'active';
}

/** Inactive: an inactive or retired status, or a withdrawn standards status. */
export function conceptInactive(provider: CodeSystemProvider, concept: Concept): boolean {
  return provider.isInactive(concept) || standardsStatus(concept) === 'withdrawn';
}
